package e2e

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"portalegenitori/db"
	"portalegenitori/internal/config"
)

// The layout test (issue 13): what automated accessibility rules cannot see.
// Every page, signed out, as a parent and as staff, with the demo data and
// after its htmx swaps, is laid out on a 320 px and a 360 px phone and with
// the browser's text size at 200%, and fails when
//   - the page scrolls sideways (WCAG 1.4.10; a data table may scroll inside
//     its own wrapper),
//   - a piece of text wraps inside a box narrower than 8 average characters
//     ("abcdefgh") of its font (one syllable per line: unreadable though nothing overflows),
//   - an interactive target is smaller than 24×24 px without the spacing
//     WCAG 2.5.8 allows (a 24 px circle on its centre touching no other
//     target nor the circle of another small target; links inside a
//     sentence are exempt),
//   - text overlaps other text or a control,
//   - two landmarks of the same kind have the same name.
// A screenshot of each page state with problems goes to
// e2e/artifacts/layout/ (of every state with E2E_SCREENSHOTS=1).

// layoutMode is one screen: a viewport width and a text size.
type layoutMode struct {
	name        string
	width       int64
	height      int64
	textPercent int64 // 100 or 200: the browser's default font size
}

var layoutModes = []layoutMode{
	{"320px", 320, 640, 100},
	{"360px", 360, 740, 100},
	{"360px-text200", 360, 740, 200},
}

// apply emulates the phone and sets the browser's default text size (as the
// "font size" setting does: rem and em grow, px do not).
func (m layoutMode) apply(p *Page) {
	p.t.Helper()
	p.emulatePhone(m.width, m.height)
	size := 16 * m.textPercent / 100
	if _, err := chromedp.Call(p.ctx, page.SetFontSizes, page.SetFontSizesParams{FontSizes: &page.FontSizes{Standard: size, Fixed: 13 * m.textPercent / 100}}); err != nil {
		p.t.Fatalf("set font size %d: %v", size, err)
	}
}

// LayoutReport is what layoutJS finds wrong on the page on screen.
type LayoutReport struct {
	ScrollWidth, ClientWidth int
	Sideways                 []string // elements passing the right edge of the screen
	Squeezed                 []string // wrapping text in a box narrower than 8 characters
	SmallTargets             []string // under 24×24 px without the spacing 2.5.8 allows
	Overlaps                 []string // text over text or over a control
	Landmarks                []string // two landmarks of the same kind and name
}

func (r LayoutReport) problems() []string {
	var out []string
	if r.ScrollWidth > r.ClientWidth {
		out = append(out, fmt.Sprintf("the page scrolls sideways: scrollWidth %d > %d; past the edge: %s",
			r.ScrollWidth, r.ClientWidth, strings.Join(r.Sideways, "; ")))
	}
	for _, s := range r.Squeezed {
		out = append(out, "squeezed text: "+s)
	}
	for _, s := range r.SmallTargets {
		out = append(out, "small target: "+s)
	}
	for _, s := range r.Overlaps {
		out = append(out, "overlap: "+s)
	}
	for _, s := range r.Landmarks {
		out = append(out, "landmarks with the same name: "+s)
	}
	return out
}

const layoutJS = `(() => {
	const d = document.documentElement, vw = d.clientWidth;
	const desc = e => {
		let s = e.tagName.toLowerCase() + (e.id ? '#' + e.id : '');
		if (typeof e.className === 'string' && e.className.trim()) s += '.' + e.className.trim().split(/\s+/).join('.');
		const p = e.parentElement;
		if (p && p !== document.body) s = (p.id ? p.tagName.toLowerCase() + '#' + p.id : p.tagName.toLowerCase() +
			(typeof p.className === 'string' && p.className.trim() ? '.' + p.className.trim().split(/\s+/)[0] : '')) + ' > ' + s;
		return s;
	};
	const short = s => { s = s.replace(/\s+/g, ' ').trim(); return s.length > 50 ? s.slice(0, 50) + '…' : s; };
	// not painted: display none, invisible, transparent, or clipped to a pixel (visually hidden)
	const hiddenCache = new Map();
	const hidden = e => {
		if (!e || e === document.body) return false;
		if (hiddenCache.has(e)) return hiddenCache.get(e);
		const cs = getComputedStyle(e);
		let h = cs.display === 'none' || cs.visibility === 'hidden' || cs.opacity === '0';
		if (!h && (cs.overflow !== 'visible' || cs.clip !== 'auto' || cs.clipPath !== 'none')) {
			const r = e.getBoundingClientRect();
			h = r.width <= 1 || r.height <= 1;
		}
		if (!h) h = hidden(e.parentElement);
		hiddenCache.set(e, h);
		return h;
	};
	const report = {ScrollWidth: d.scrollWidth, ClientWidth: vw, Sideways: [], Squeezed: [], SmallTargets: [], Overlaps: [], Landmarks: []};

	// 1. past the right edge, outside a scrolling box
	for (const e of document.querySelectorAll('body *')) {
		if (report.Sideways.length >= 6) break;
		const r = e.getBoundingClientRect();
		if (r.width < 1 || r.right <= vw + 1 || getComputedStyle(e).position === 'fixed') continue;
		// inside a scrolling box, unless absolutely positioned against something outside it
		let inScroller = false, positioned = getComputedStyle(e).position !== 'absolute';
		for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
			const cs = getComputedStyle(a), ox = cs.overflowX;
			if ((ox === 'auto' || ox === 'scroll' || ox === 'hidden' || ox === 'clip') && (positioned || cs.position !== 'static')) { inScroller = true; break; }
			if (cs.position !== 'static' || cs.containerType !== 'normal') positioned = true;
		}
		if (!inScroller) report.Sideways.push(desc(e) + ' right=' + Math.round(r.right));
	}

	// 2. text nodes: their line boxes, the box they wrap in
	const texts = [];
	const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT, {acceptNode: n =>
		n.nodeValue.trim() && n.parentElement && !['SCRIPT', 'STYLE', 'TITLE', 'OPTION', 'TEMPLATE', 'NOSCRIPT'].includes(n.parentElement.tagName) &&
		!n.parentElement.closest('dialog:not([open])') && !hidden(n.parentElement) ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_REJECT});
	const range = document.createRange();
	const squeezedSeen = new Set();
	const measure = document.createElement('canvas').getContext('2d'); // 8 average characters of a font
	for (let n; (n = walker.nextNode());) {
		range.selectNodeContents(n);
		const rects = [...range.getClientRects()].filter(r => r.width > 0.5 && r.height > 0.5);
		if (!rects.length) continue;
		texts.push({node: n, el: n.parentElement, rects});
		const lines = new Set(rects.map(r => Math.round(r.top)));
		if (lines.size < 2) continue;
		let box = n.parentElement;
		while (box.parentElement && getComputedStyle(box).display.startsWith('inline') && !getComputedStyle(box).display.startsWith('inline-')) box = box.parentElement;
		const cs = getComputedStyle(box), pcs = getComputedStyle(n.parentElement), font = parseFloat(pcs.fontSize);
		const width = box.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
		measure.font = pcs.fontStyle + ' ' + pcs.fontWeight + ' ' + pcs.fontSize + ' ' + pcs.fontFamily;
		if (width < measure.measureText('abcdefgh').width && !squeezedSeen.has(box)) {
			squeezedSeen.add(box);
			report.Squeezed.push(desc(box) + ' "' + short(box.innerText) + '": ' + Math.round(width) + ' px wide for a ' +
				Math.round(font) + ' px font, ' + lines.size + ' lines');
		}
	}

	// 3. targets
	const targets = [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary, label[for]')]
		.filter(e => !hidden(e) && !e.closest('dialog:not([open])'))
		.map(e => ({e, r: e.getBoundingClientRect()}))
		.filter(t => t.r.width > 1 && t.r.height > 1);
	// a radio or checkbox drawn by its label is the label: drop the
	// transparent input (hidden() already did) and keep labels of such inputs only
	const isTarget = t => t.e.tagName !== 'LABEL' || (() => { const c = document.getElementById(t.e.htmlFor); return c && hidden(c); })();
	const real = targets.filter(isTarget);
	const inSentence = e => {
		if (!getComputedStyle(e).display.startsWith('inline') || getComputedStyle(e).display.startsWith('inline-')) return false;
		let b = e.parentElement;
		while (b && getComputedStyle(b).display.startsWith('inline') && !getComputedStyle(b).display.startsWith('inline-')) b = b.parentElement;
		return b && b.innerText.replace(/\s+/g, ' ').trim().length > e.innerText.replace(/\s+/g, ' ').trim().length + 1;
	};
	const small = real.filter(t => (t.r.width < 23.5 || t.r.height < 23.5) && !inSentence(t.e));
	const circle = t => ({x: t.r.left + t.r.width / 2, y: t.r.top + t.r.height / 2});
	const distRect = (c, r) => Math.hypot(Math.max(r.left - c.x, 0, c.x - r.right), Math.max(r.top - c.y, 0, c.y - r.bottom));
	for (const s of small) {
		const c = circle(s);
		let hit = null;
		for (const o of real) {
			if (o === s || o.e.contains(s.e) || s.e.contains(o.e)) continue;
			if (o.e.tagName === 'LABEL' && o.e.htmlFor && document.getElementById(o.e.htmlFor) === s.e) continue;
			if (distRect(c, o.r) < 12 - 0.01) { hit = o; break; }
			if (small.includes(o)) { const oc = circle(o); if (Math.hypot(c.x - oc.x, c.y - oc.y) < 24 - 0.01) { hit = o; break; } }
		}
		if (hit && report.SmallTargets.length < 10) report.SmallTargets.push(desc(s.e) + ' "' + short(s.e.innerText || s.e.value || '') + '" ' +
			Math.round(s.r.width) + '×' + Math.round(s.r.height) + ' px, too close to ' + desc(hit.e) + ' "' + short(hit.e.innerText || hit.e.value || '') + '"');
	}

	// 4. overlaps: text on text (of unrelated elements), text on a control
	const overlap = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > 2 && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 2;
	const controls = real.filter(t => t.e.matches('button, input, select, textarea, label, a.btn'));
	outer: for (let i = 0; i < texts.length; i++) {
		const a = texts[i];
		for (let j = i + 1; j < texts.length; j++) {
			const b = texts[j];
			if (a.el === b.el || a.el.contains(b.el) || b.el.contains(a.el)) continue;
			if (a.rects.some(ra => b.rects.some(rb => overlap(ra, rb)))) {
				report.Overlaps.push('"' + short(a.node.nodeValue) + '" (' + desc(a.el) + ') and "' + short(b.node.nodeValue) + '" (' + desc(b.el) + ')');
				if (report.Overlaps.length >= 8) break outer;
			}
		}
		for (const c of controls) {
			if (c.e.contains(a.el) || a.el.contains(c.e)) continue;
			if (c.e.tagName === 'LABEL' || a.el.closest('label') === c.e) continue;
			if (a.rects.some(ra => overlap(ra, c.r))) {
				report.Overlaps.push('"' + short(a.node.nodeValue) + '" (' + desc(a.el) + ') under ' + desc(c.e));
				if (report.Overlaps.length >= 8) break outer;
			}
		}
	}
	// labels drawn as buttons over the text of others
	for (const c of controls.filter(c => c.e.tagName === 'LABEL')) {
		for (const a of texts) {
			if (c.e.contains(a.el) || a.el.contains(c.e)) continue;
			if (a.rects.some(ra => overlap(ra, c.r))) { report.Overlaps.push('"' + short(a.node.nodeValue) + '" (' + desc(a.el) + ') under ' + desc(c.e)); break; }
		}
	}
	// 5. landmarks a screen reader lists: no two of a kind with one name
	const seenMarks = new Map();
	for (const e of document.querySelectorAll('nav, aside, [role=region], [role=search], section[aria-label], section[aria-labelledby], form[aria-label], form[aria-labelledby]')) {
		if (e.closest('[hidden], dialog:not([open])')) continue;
		const role = e.getAttribute('role') || ({NAV: 'navigation', ASIDE: 'complementary', SECTION: 'region', FORM: 'form'})[e.tagName];
		const name = (e.getAttribute('aria-label') || (e.getAttribute('aria-labelledby') || '').split(/\s+/)
			.map(id => { const l = document.getElementById(id); return l ? l.textContent : ''; }).join(' ')).replace(/\s+/g, ' ').trim();
		const key = role + ' "' + name + '"';
		if (seenMarks.has(key)) report.Landmarks.push(key + ': ' + seenMarks.get(key) + ' and ' + desc(e));
		else seenMarks.set(key, desc(e));
	}
	report.Landmarks = [...new Set(report.Landmarks)];
	return report;
})()`

// layoutRun is one role's walk through its pages in every mode; failures
// are collected per page state and mode, screenshots saved as it goes.
type layoutRun struct {
	p    *Page
	mode layoutMode
}

var unsafeName = regexp.MustCompile(`[^a-z0-9]+`)

// allScreenshots: E2E_SCREENSHOTS=1 saves a screenshot of every page state,
// not only of those with layout problems.
var allScreenshots = os.Getenv("E2E_SCREENSHOTS") == "1"

// check lays out the page on screen in the current mode, saves its
// screenshot and reports every problem as a test error.
func (r *layoutRun) check(name string) {
	p := r.p
	p.t.Helper()
	p.waitLoaded()
	// the text size is a setting of the renderer: make sure it still holds
	want := float64(16 * r.mode.textPercent / 100)
	if got := evalJS[float64](p, `parseFloat(getComputedStyle(document.documentElement).fontSize)`); got != want {
		r.mode.apply(p)
		p.waitFor("root font size", fmt.Sprintf(`parseFloat(getComputedStyle(document.documentElement).fontSize) === %v`, want))
	}
	rep := evalJS[LayoutReport](p, layoutJS)
	problems := rep.problems()
	for _, pr := range problems {
		p.t.Errorf("%s [%s] (%s): %s", name, r.mode.name, p.path(), pr)
	}
	// A stitched screenshot cost more than the checks themselves (some 60%
	// of the walks' time): taken for a state with problems, or for every
	// state when E2E_SCREENSHOTS=1.
	if len(problems) == 0 && !allScreenshots {
		return
	}
	img, err := p.screenshot()
	if err != nil {
		p.t.Errorf("%s [%s]: screenshot: %v", name, r.mode.name, err)
		return
	}
	dir := filepath.Join("artifacts", "layout", r.mode.name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		p.t.Fatal(err)
	}
	file := strings.Trim(unsafeName.ReplaceAllString(strings.ToLower(name), "-"), "-") + ".png"
	if err := os.WriteFile(filepath.Join(dir, file), img, 0o644); err != nil {
		p.t.Fatal(err)
	}
}

// screenshot is the whole page as a PNG, stitched from screenfuls: a
// capture beyond the viewport would lay the page out again at the default
// text size (it resets Page.setFontSizes).
func (p *Page) screenshot() ([]byte, error) {
	ctx, cancel := context.WithTimeout(p.ctx, 2*stepTimeout)
	defer cancel()
	type size struct{ W, H, VH int }
	sz, err := chromedp.Run(ctx, chromedp.Evaluate[size](`({W: document.documentElement.clientWidth,
		H: Math.min(document.documentElement.scrollHeight, 20000), VH: window.innerHeight})`))
	if err != nil {
		return nil, err
	}
	out := image.NewRGBA(image.Rect(0, 0, sz.W, sz.H))
	for y := 0; y < sz.H; y += sz.VH {
		at, err := chromedp.Run(ctx, chromedp.Evaluate[int](fmt.Sprintf(`(window.scrollTo(0, %d), Math.round(window.scrollY))`, y)))
		if err != nil {
			return nil, err
		}
		yes := true
		shot, err := chromedp.Call(ctx, page.CaptureScreenshot, page.CaptureScreenshotParams{
			Format: page.CaptureScreenshotFormatPng, FromSurface: &yes, OptimizeForSpeed: &yes})
		if err != nil {
			return nil, err
		}
		part, err := png.Decode(bytes.NewReader(shot.Data))
		if err != nil {
			return nil, err
		}
		draw.Draw(out, part.Bounds().Add(image.Pt(0, at)), part, image.Point{}, draw.Src)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(window.scrollTo(0, 0), true)`)); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	err = enc.Encode(&buf, out)
	return buf.Bytes(), err
}

// visit opens path and checks it.
func (r *layoutRun) visit(name, path string) {
	r.p.t.Helper()
	if status := r.p.open(path); status >= 400 && !strings.Contains(name, "404") {
		r.p.t.Errorf("%s: %s answered %d", name, path, status)
	}
	r.check(name)
}

// click clicks the element (as a tap) and waits for cond.
func (r *layoutRun) click(sel, desc, cond string) {
	r.p.t.Helper()
	evalJS[bool](r.p, `(document.querySelector(`+jsString(sel)+`).click(), true)`)
	r.p.waitFor(desc, cond)
}

// fit lays the page on screen out as with «Controllo dimensioni» ticked.
func (r *layoutRun) fit() {
	r.p.t.Helper()
	evalJS[bool](r.p, `(document.body.classList.add('fit-tables'), true)`)
}

// newLongPage is newPage for a walk through many pages. The staff walk
// (some 50 pages in three modes) took close to 4 minutes on a busy 2-CPU
// machine: 5 leave it room.
func newLongPage(t *testing.T, base string) *Page {
	t.Helper()
	bctx := browserContext(t)
	tctx, tcancel := context.WithTimeout(bctx, 5*time.Minute)
	ctx, cancel := chromedp.NewContext(tctx, chromedp.WithNewBrowserContext())
	t.Cleanup(func() { cancel(); tcancel() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open tab: %v", err)
	}
	return &Page{t: t, ctx: ctx, base: base}
}

// TestLayoutEveryPage: see the comment at the top of this file. One server,
// one signed-in tab per role, each walking its pages in every mode.
func TestLayoutEveryPage(t *testing.T) {
	t.Parallel()
	srv, store := startServerWith(t, func(cfg *config.Config, _ string) { cfg.CookieSecure = true })
	base := srv.URL
	// the office's request page with another adult's request for the same
	// child beside it (Giulia Bianchi's, for the demo's Marco Verdi)
	addSiblingRequest(t, store, "Marco")
	roles := []struct {
		name  string
		login func(p *Page)
		walk  func(r *layoutRun)
	}{
		{"public", func(p *Page) {}, walkPublic},
		{"parent", func(p *Page) { p.freshLogin(marioUser, marioPass, false, "/demo/famiglia") }, walkParent},
		{"staff", func(p *Page) { p.staffLogin("amministratore", "Impostazioni-Comune-2026", db.DemoAdminTOTPSecret) }, walkStaff},
	}
	for _, role := range roles {
		t.Run(role.name, func(t *testing.T) {
			t.Parallel()
			p := newLongPage(t, base)
			role.login(p)
			for _, m := range layoutModes {
				m.apply(p)
				role.walk(&layoutRun{p: p, mode: m})
			}
		})
	}
}

func walkPublic(r *layoutRun) {
	p := r.p
	r.visit("login", "/demo/accesso")
	r.visit("login CST", "/valle/accesso")
	r.visit("registration", "/demo/registrazione")
	// the availability check swaps the status under the username
	evalJS[bool](p, `(document.querySelector('#username').value = 'mario.rossi', true)`)
	r.click(`#username ~ button, .input-with-button button`, "username status", `document.querySelector('#username-status').innerText.trim() !== ''`)
	r.check("registration after the availability check")
	r.visit("recovery", "/demo/recupero-accesso")
	r.visit("privacy", "/demo/privacy")
	r.visit("accessibility statement", "/demo/accessibilita")
	r.visit("CNS", "/demo/cns")
	r.visit("certificate check", "/demo/verifica")
	r.visit("404", "/demo/nonesiste")
}

func walkParent(r *layoutRun) {
	p := r.p
	r.visit("family home", "/demo/famiglia")
	// Prossimi giorni: a day's box after its htmx swap (each mode toggles it)
	r.click(`#meal-days .meal-actions button[id^="mb-"]`, "meal day swapped", `document.querySelector('#meal-status').innerText.trim() !== ''`)
	r.check("family home after a meal change")
	luca, sofia := p.calendarHref(1), p.calendarHref(2)
	menu := p.attr(`#menu-today a[href*="/menu/"]`, "href")
	r.visit("calendar October 2026", luca+"?mese=2026-10")
	r.click("#cal-next", "November after the swap", `document.querySelector('#calendar h2').innerText.includes('novembre')`)
	r.check("calendar after the swap to November")
	r.click("#d11", "day details after the swap", `!!document.querySelector('#day-detail')`)
	r.check("calendar after the swap to a day")
	r.visit("calendar with a day", luca+"?mese=2026-10&giorno=2026-10-12")
	r.visit("calendar June 2027", sofia+"?mese=2027-06")
	r.visit("payments", "/demo/pagamenti")
	r.visit("statement", "/demo/pagamenti/estratto")
	r.visit("credit refund", "/demo/pagamenti/credito")
	r.visit("pagoPA top-up", "/demo/pagamenti/ricarica")
	r.visit("sessions", "/demo/sessioni")
	r.visit("password change", "/demo/cambio-password")
	r.visit("profile", "/demo/profilo")
	r.visit("messages", "/demo/messaggi")
	r.visit("message", p.attr(`#message-list a[href*="/messaggi/"]`, "href"))
	r.visit("730 certificates", "/demo/attestazioni")
	r.visit("730 certificate", "/demo/attestazioni/2026")
	r.visit("alerts", "/demo/avvisi")
	r.visit("ISEE and tariffs", "/demo/famiglia/isee")
	r.visit("week menu", menu+"?settimana=2026-10-12")
	r.visit("enrolment", "/demo/iscrizioni")
	r.visit("enrolment form", p.attr(`main .card a.btn-primary[href*="/iscrizioni/finestre/"]`, "href"))
	r.visit("special diets", "/demo/diete")
}

func walkStaff(r *layoutRun) {
	p := r.p
	r.visit("staff home", "/demo/operatori")
	r.visit("staff search", "/demo/operatori/cerca?q=rossi")
	adult := p.attr(`#search-results a[href*="/operatori/adulti/"]`, "href")
	child := p.attr(`#search-results a[href*="/operatori/bambini/"]`, "href")
	if adult == "" || child == "" {
		p.t.Fatalf("search for rossi: no adult or child link")
	}
	r.visit("staff home, live search", "/demo/operatori")
	evalJS[bool](p, `(() => { const q = document.querySelector('#q'); q.value = 'bianchi'; q.dispatchEvent(new Event('input', {bubbles: true})); return true; })()`)
	p.waitFor("live results", `document.querySelector('#search-status') && document.querySelector('#search-status').innerText.includes('Risultati')`)
	r.check("staff home after the live search")
	r.visit("adult card", adult)
	r.visit("view as family", adult+"/come-famiglia")
	r.visit("view as family, calendar", p.calendarHref(1)+"?mese=2026-10&giorno=2026-10-12")
	r.visit("view as family, payments", adult+"/come-famiglia/pagamenti")
	r.visit("view as family, statement", adult+"/come-famiglia/pagamenti/estratto")
	r.visit("child card", child)
	r.visit("links to confirm", "/demo/operatori/collegamenti")
	r.visit("profile closures", "/demo/operatori/chiusure")
	r.visit("new adult", "/demo/operatori/adulti/nuovo")
	r.visit("new child", "/demo/operatori/bambini/nuovo")
	r.visit("register, choose", "/demo/operatori/presenze")
	school := p.attr(`#scuola option:nth-child(2)`, "value")
	service := p.attr(`#servizio option:first-child`, "value")
	reg := "/demo/operatori/presenze?scuola=" + school + "&servizio=" + service + "&classe="
	r.visit("register", reg+"&giorno=2026-10-12")
	r.click(`.register tbody tr:first-child input:not(:checked) + label`, "row saved", `document.querySelector('.register tbody tr:first-child').matches('.att-saved, .att-failed')`)
	r.check("register after a tap")
	r.fit()
	r.check("register, Controllo dimensioni")
	r.visit("kitchen count", "/demo/operatori/conteggio-pasti?giorno=2026-10-12")
	r.click("#kitchen-next", "next day after the swap", `document.querySelector('#kitchen-heading').innerText.includes('13')`)
	r.check("kitchen count after the swap to the next day")
	r.visit("audit log", "/demo/operatori/registro")
	r.fit()
	r.check("audit log, Controllo dimensioni")
	r.visit("import", "/demo/operatori/importa")
	r.visit("catalogue", "/demo/operatori/catalogo")
	r.visit("settings", "/demo/operatori/impostazioni")
	r.visit("meal rules", "/demo/operatori/pasti/impostazioni")
	r.visit("staff members", "/demo/operatori/impostazioni/operatori")
	r.visit("alerts and App IO settings", "/demo/operatori/impostazioni/avvisi")
	r.visit("my sign-in, recovery codes", "/demo/operatori/sicurezza")
	r.visit("credit requests", "/demo/operatori/rimborsi")
	r.visit("enrolment queue", "/demo/operatori/iscrizioni")
	request := p.attr(`#enrol-queue a[href*="/iscrizioni/domande/"]`, "href")
	window := p.attr(`a[href$="/domanda"]`, "href")
	r.visit("enrolment request", request)
	if !strings.Contains(p.text("#enrol-siblings"), "Giulia Bianchi") && !strings.Contains(p.text("#enrol-siblings"), "Anna Verdi") {
		p.t.Errorf("the enrolment request does not list the other adult's request for the child")
	}
	r.visit("enrolment office entry", window)
	r.visit("enrolment window", strings.TrimSuffix(window, "/domanda"))
	r.visit("new enrolment window", "/demo/operatori/iscrizioni/finestre/nuova")
	r.visit("special diet requests", "/demo/operatori/diete")
	r.visit("year end", "/demo/operatori/impostazioni/anno")
	r.visit("year end preview", "/demo/operatori/impostazioni/anno/anteprima?anno=2026&rinnova=1&dal=2027-09-13&al=2028-06-30")
	r.visit("pagoPA positions", "/demo/operatori/pagopa")
	r.visit("pagoPA settings", "/demo/operatori/impostazioni/pagopa")
	r.visit("sessions (staff)", "/demo/sessioni")
	r.visit("messages to families", "/demo/operatori/messaggi")
	r.visit("message sent", p.attr(`a[href*="/operatori/messaggi/"]`, "href"))
	r.visit("730 certificates (office)", "/demo/operatori/attestazioni")
	r.visit("ISEE queue", "/demo/operatori/isee")
	r.visit("ISEE tariffs of a service", p.attr(`a[href*="/operatori/tariffe/"]`, "href"))
	r.visit("ISEE and residency of an adult", strings.Replace(adult, "/operatori/adulti/", "/operatori/isee/adulti/", 1))
	r.visit("menus", "/demo/operatori/menu")
	sheet := p.attr(`a[href*="/operatori/menu/scheda/"]`, "href")
	r.visit("menu and its rotation", sheet)
	r.visit("menu day", sheet+"/giorno/1/1")
	r.visit("dishes and allergens", "/demo/operatori/menu/piatti")
	r.visit("menus to check", "/demo/operatori/menu/da-verificare?giorni=120")
}
