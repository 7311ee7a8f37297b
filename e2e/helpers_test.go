package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"portalegenitori/db"
	"portalegenitori/db/dbtest"
	"portalegenitori/handlers"
	"portalegenitori/internal/config"
)

// Demo accounts (db/seed_demo.go).
const (
	marioUser, marioPass   = "mario.rossi", "Mensa-Scuola-2026"
	giuliaUser, giuliaPass = "giulia.bianchi", "Primo-Accesso-2026"
	paoloUser, paoloPass   = "paolo.neri", "Profilo-Vecchio-2026"
	staffUser, staffPass   = "operatore", "Ufficio-Scuola-2026"
)

const (
	tabTimeout  = 180 * time.Second // a whole test in one tab (a guard: some took 37 s under load)
	stepTimeout = 15 * time.Second  // one key press with its page load, one wait
	maxTabs     = 120               // Tab presses before giving up on a target (the settings page has many fields)
)

// startServer starts the portal in-process on a fresh database with the demo
// data, with Secure cookies as in production (see TestSessionCookie), and
// returns its base URL (http://127.0.0.1:port).
func startServer(t *testing.T) string {
	t.Helper()
	srv, _ := startServerWith(t, func(cfg *config.Config, _ string) { cfg.CookieSecure = true })
	return srv.URL
}

// startServerWith starts the portal in-process on a fresh database with the
// demo data. configure, if not nil, adjusts the configuration read from the
// environment (only DATABASE_URL set) before the handler is built; it gets
// the server's base URL, known before the server starts.
func startServerWith(t *testing.T, configure func(cfg *config.Config, baseURL string)) (*httptest.Server, *db.Store) {
	t.Helper()
	store, dbURL := dbtest.New(t)
	cfg, err := config.FromEnv(func(k string) string {
		if k == "DATABASE_URL" {
			return dbURL
		}
		return ""
	})
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	cfg.RequestTimeout = 20 * time.Second // a busy machine must not turn a slow sign-in into a 503
	srv := httptest.NewUnstartedServer(nil)
	if configure != nil {
		configure(&cfg, "http://"+srv.Listener.Addr().String())
	}
	h, err := handlers.New(cfg, store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("handlers: %v", err)
	}
	srv.Config.Handler = h.Routes()
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, store
}

// Page is one browser tab, in a browser context of its own, on a server.
type Page struct {
	t    *testing.T
	ctx  context.Context
	base string
	noJS bool // scripts disabled in the tab (see disableJS)
}

// newPage opens a tab in a new browser context (fresh cookies and cache).
func newPage(t *testing.T, base string) *Page {
	t.Helper()
	bctx := browserContext(t)
	tctx, tcancel := context.WithTimeout(bctx, tabTimeout)
	ctx, cancel := chromedp.NewContext(tctx, chromedp.WithNewBrowserContext())
	t.Cleanup(func() { cancel(); tcancel() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open tab: %v", err)
	}
	// Tabs run in parallel: let each behave as the focused window, so that
	// focus and :focus-visible work as for a person at the keyboard.
	if _, err := chromedp.Call(ctx, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true}); err != nil {
		t.Fatalf("focus emulation: %v", err)
	}
	return &Page{t: t, ctx: ctx, base: base}
}

// step runs actions with the step timeout.
func (p *Page) step(what string, actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	p.stepWithin(stepTimeout, what, actions...)
}

func (p *Page) stepWithin(d time.Duration, what string, actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, d)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		p.t.Fatalf("%s: %v (%s; focus on %s, page %s)", what, err, p.deadlineNote(ctx, d), p.focused(), p.url())
	}
}

// deadlineNote says which deadline, if any, a failed step ran into: its own
// or the whole test's tab deadline (tabTimeout).
func (p *Page) deadlineNote(step context.Context, d time.Duration) string {
	switch {
	case p.ctx.Err() != nil:
		return fmt.Sprintf("the test's %v tab deadline passed", tabTimeout)
	case step.Err() != nil:
		return fmt.Sprintf("the step's %v deadline passed", d)
	}
	return "before any deadline"
}

// open navigates to a path of the server (the start of a journey) and
// returns the HTTP status of the document.
func (p *Page) open(path string) int64 {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(p.base+path))
	if err != nil {
		p.t.Fatalf("open %s: %v (%s)", path, err, p.deadlineNote(ctx, stepTimeout))
	}
	return resp.Status
}

// evalJS evaluates a JavaScript expression in the page and decodes its value.
func evalJS[T any](p *Page, expr string) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		p.t.Fatalf("evaluate %q: %v (%s)", expr, err, p.deadlineNote(ctx, stepTimeout))
	}
	return v
}

func (p *Page) url() string {
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	u, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return "?"
	}
	return u
}

// path is the current path and query, without the server part.
func (p *Page) path() string {
	return strings.TrimPrefix(p.url(), p.base)
}

// waitPath waits until the location (path and query) satisfies ok.
func (p *Page) waitPath(desc string, ok func(string) bool) {
	p.t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for {
		path := p.path()
		if ok(path) {
			return
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("waited for %s, page is %s", desc, path)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// disableJS turns off script execution in the tab, for every later page.
func (p *Page) disableJS() {
	p.t.Helper()
	p.setScripts(false)
	p.noJS = true
}

func (p *Page) setScripts(on bool) {
	p.t.Helper()
	if _, err := chromedp.Call(p.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: !on}); err != nil {
		p.t.Fatalf("set script execution %v: %v", on, err)
	}
}

// back goes one step back in the tab's history, as the browser's Back
// button does, and returns how the page came back (page.NavigationType:
// "BackForwardCacheRestore" when the browser showed its stored copy).
func (p *Page) back() page.NavigationType {
	p.t.Helper()
	hist, err := chromedp.Call(p.ctx, page.GetNavigationHistory, cdp.Empty{})
	if err != nil || hist.CurrentIndex < 1 {
		p.t.Fatalf("back: no history (%v)", err)
	}
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	ev, err := chromedp.Run(ctx, chromedp.WaitEvent(page.FrameNavigated,
		func(ev page.EventFrameNavigated) bool { return ev.Frame.ParentID == "" },
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, page.NavigateToHistoryEntry, page.NavigateToHistoryEntryParams{EntryID: hist.Entries[hist.CurrentIndex-1].ID})
			return err
		})))
	if err != nil {
		p.t.Fatalf("back: %v", err)
	}
	p.waitLoaded()
	return ev.Type
}

// waitLoaded waits until the document on screen has loaded. An evaluation
// can fail while a navigation replaces the document: it is retried.
func (p *Page) waitLoaded() {
	p.t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for {
		ctx, cancel := context.WithTimeout(p.ctx, time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.readyState === 'complete'`))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("page %s did not finish loading (%v)", p.path(), err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// --- keyboard ---

// key presses keys (see the kb package) in the focused element.
func (p *Page) key(keys string, opts ...chromedp.KeyOption) {
	p.t.Helper()
	p.step(fmt.Sprintf("press %q", keys), chromedp.KeyEvent(keys, opts...))
}

func (p *Page) tab()      { p.t.Helper(); p.key(kb.Tab) }
func (p *Page) shiftTab() { p.t.Helper(); p.key(kb.Tab, chromedp.KeyModifiers(chromedp.ModifierShift)) }
func (p *Page) space()    { p.t.Helper(); p.key(" ") }

// typeText types text with key events into the focused field. Each
// character is a few round trips to the browser: the deadline grows with
// the text.
func (p *Page) typeText(s string) {
	p.t.Helper()
	p.stepWithin(stepTimeout+time.Duration(len(s))*50*time.Millisecond,
		fmt.Sprintf("type %d characters", len(s)), chromedp.KeyEvent(s))
}

// paste puts text into the focused field at once, as pasting it does
// (an input event, no key events).
func (p *Page) paste(s string) {
	p.t.Helper()
	p.step(fmt.Sprintf("paste %d characters", len(s)),
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, input.InsertText, input.InsertTextParams{Text: s})
			return err
		}))
}

// pressLoad presses a key that must load a new page (a link or a form
// submission), waits until that page has loaded and returns its response.
func (p *Page) pressLoad(keys string) *network.Response {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.KeyEvent(keys))
	if err != nil {
		p.t.Fatalf("press %q and wait for a page: %v (%s; focus on %s, page %s)", keys, err, p.deadlineNote(ctx, stepTimeout), p.focused(), p.path())
	}
	if resp == nil {
		p.t.Fatalf("press %q: no document response (page %s)", keys, p.path())
	}
	return resp
}

// enter presses Enter on the focused element and waits for the new page.
func (p *Page) enter() *network.Response { p.t.Helper(); return p.pressLoad(kb.Enter) }

// Focused describes document.activeElement.
type Focused struct {
	Tag, ID, Name, Type, Text, Href string
	Checked                         bool
}

func (f Focused) String() string {
	s := "<" + strings.ToLower(f.Tag)
	for _, a := range [][2]string{{"id", f.ID}, {"name", f.Name}, {"type", f.Type}, {"href", f.Href}} {
		if a[1] != "" {
			s += fmt.Sprintf(" %s=%q", a[0], a[1])
		}
	}
	s += ">"
	if f.Text != "" {
		s += " " + f.Text
	}
	return s
}

const focusedJS = `(() => { const e = document.activeElement || document.body; return {
	Tag: e.tagName, ID: e.id || '', Name: e.getAttribute('name') || '', Type: e.getAttribute('type') || '',
	Text: (e.innerText || e.value || '').trim().replace(/\s+/g, ' ').slice(0, 80),
	Href: e.getAttribute('href') || '', Checked: !!e.checked }; })()`

// focused returns the element that has the focus.
func (p *Page) focused() Focused {
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	f, err := chromedp.Run(ctx, chromedp.Evaluate[Focused](focusedJS))
	if err != nil {
		return Focused{Tag: "?" + err.Error()}
	}
	return f
}

// focusMatches tells whether the focused element matches the CSS selector.
func (p *Page) focusMatches(sel string) bool {
	p.t.Helper()
	return evalJS[bool](p, fmt.Sprintf(`!!document.activeElement && document.activeElement.matches(%s)`, jsString(sel)))
}

// focusedMatching returns the focused element and whether it matches the
// CSS selector, in one round trip to the browser.
func (p *Page) focusedMatching(sel string) (Focused, bool) {
	p.t.Helper()
	r := evalJS[struct {
		F     Focused
		Match bool
	}](p, fmt.Sprintf(`(() => { const f = %s; const e = document.activeElement; return { F: f, Match: !!e && e.matches(%s) }; })()`, focusedJS, jsString(sel)))
	return r.F, r.Match
}

// tabTo presses Tab until the focused element
// matches sel; it fails, listing the focus path, if it never does.
func (p *Page) tabTo(sel string) Focused {
	p.t.Helper()
	var seen []string
	for range maxTabs {
		p.tab()
		f, ok := p.focusedMatching(sel)
		if ok {
			return f
		}
		seen = append(seen, f.String())
	}
	p.t.Fatalf("Tab never reached %s on %s; focus went through:\n  %s", sel, p.path(), strings.Join(seen, "\n  "))
	return Focused{}
}

// expectFocus fails unless the focused element matches sel.
func (p *Page) expectFocus(sel string) {
	p.t.Helper()
	// autofocus is applied after the load event: allow it a moment (a
	// long one on a busy machine; it costs nothing when the focus is right)
	deadline := time.Now().Add(stepTimeout)
	for !p.focusMatches(sel) {
		if time.Now().After(deadline) {
			p.t.Errorf("focus on %s, want %s (page %s)", p.focused(), sel, p.path())
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// --- reading the page ---

// text returns the trimmed innerText of the first element matching sel, or
// "" when there is none.
func (p *Page) text(sel string) string {
	p.t.Helper()
	return evalJS[string](p, fmt.Sprintf(`(() => { const e = document.querySelector(%s); return e ? e.innerText.trim() : ''; })()`, jsString(sel)))
}

func (p *Page) exists(sel string) bool {
	p.t.Helper()
	return evalJS[bool](p, fmt.Sprintf(`!!document.querySelector(%s)`, jsString(sel)))
}

func (p *Page) attr(sel, name string) string {
	p.t.Helper()
	return evalJS[string](p, fmt.Sprintf(`(() => { const e = document.querySelector(%s); return e ? (e.getAttribute(%s) || '') : ''; })()`, jsString(sel), jsString(name)))
}

func (p *Page) value(sel string) string {
	p.t.Helper()
	return evalJS[string](p, fmt.Sprintf(`(() => { const e = document.querySelector(%s); return e ? e.value : ''; })()`, jsString(sel)))
}

// expectText fails unless the element's text contains want.
func (p *Page) expectText(sel, want string) {
	p.t.Helper()
	if got := p.text(sel); !strings.Contains(got, want) {
		p.t.Errorf("%s on %s: text %q does not contain %q", sel, p.path(), got, want)
	}
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// --- journeys shared by several tests ---

// expectSkipLinkFirst checks that the first Tab on a freshly loaded page
// focuses the skip link and leaves the focus there.
func (p *Page) expectSkipLinkFirst() {
	p.t.Helper()
	p.tab()
	f := p.focused()
	if f.Href != "#main" || !strings.Contains(f.Text, "Vai al contenuto principale") {
		p.t.Errorf("first Tab on %s focuses %s, want the skip link «Vai al contenuto principale» to #main", p.path(), f)
	}
}

// login signs in from the login page that is on screen, with the keyboard
// only: Tab to the fields, type, optionally tick «Controllo dimensioni» with
// Space, Tab to «OK» and press Enter. It returns the response of the page
// that the form leads to.
func (p *Page) login(user, pass string, fit bool) *network.Response {
	p.t.Helper()
	p.tabTo("#username")
	p.typeText(user)
	p.tab()
	p.expectFocus("#password")
	p.typeText(pass)
	p.tab()
	p.expectFocus("#fit")
	if f := p.focused(); f.Checked != fit {
		p.space()
		if f := p.focused(); f.Checked != fit {
			p.t.Fatalf("Space on «Controllo dimensioni» left it checked=%v", f.Checked)
		}
	}
	p.tab()
	p.expectFocus("button[type=submit]")
	return p.enter()
}

// freshLogin opens the login page and signs in; it fails unless the
// portal lands on wantPath.
func (p *Page) freshLogin(user, pass string, fit bool, wantPath string) {
	p.t.Helper()
	p.open("/demo/accesso")
	resp := p.login(user, pass, fit)
	if got := p.path(); got != wantPath || resp.Status != 200 {
		p.t.Fatalf("login as %s: landed on %s (status %d), want %s", user, got, resp.Status, wantPath)
	}
}

// logout activates «Esci» in the navigation with the keyboard.
func (p *Page) logout() *network.Response {
	p.t.Helper()
	p.tabTo(`nav.site-nav form[action$="/esci"] button`)
	return p.enter()
}
