package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Family area journeys (issue "The family area"): a parent with two
// children, at the keyboard only, on a 360 px phone, moves between months,
// opens a day, filters the payments and downloads the CSV; axe runs after
// every htmx swap. TestFamilyJourneyWithoutJavaScript does the same with
// scripts disabled, where every link and form loads a full page.

// calendarHref returns the calendar link of the n-th child card (1-based)
// on the family page, for its first service.
func (p *Page) calendarHref(n int) string {
	p.t.Helper()
	sel := `.child-list > li:nth-child(` + string(rune('0'+n)) + `) a[href*="/presenze/"]`
	h := p.attr(sel, "href")
	if h == "" {
		p.t.Fatalf("no calendar link %s on %s", sel, p.path())
	}
	return h
}

// waitFor polls a JavaScript condition (after an htmx swap).
func (p *Page) waitFor(desc, js string) {
	p.t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for !evalJS[bool](p, js) {
		if time.Now().After(deadline) {
			p.t.Fatalf("waited for %s on %s", desc, p.path())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// csvFromLink downloads the CSV the page links to, with the tab's cookies,
// and returns its text.
func (p *Page) csvFromLink(sel string) string {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(document.querySelector(`+jsString(sel)+`).href)
		.then(async r => r.headers.get('content-type') + '\n' + r.headers.get('content-disposition') + '\n' + await r.text())`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatalf("download %s: %v", sel, err)
	}
	return v
}

func TestFamilyJourneyKeyboard(t *testing.T) {
	t.Parallel()
	p := newPage(t, startServer(t))
	p.emulatePhone(360, 740)
	p.freshLogin(marioUser, marioPass, false, "/demo/famiglia")
	main := p.text("main")
	for _, want := range []string{"Luca", "Sofia", "Senza glutine", "Tariffa intera", "a debito"} {
		if !strings.Contains(main, want) {
			t.Errorf("family page lacks %q", want)
		}
	}
	axeCheck(p, "family page with services and balance, 360 px")
	p.expectNoHorizontalScroll("family page", 360, false)

	// Luca's canteen calendar, by keyboard
	luca := p.calendarHref(1)
	p.tabTo(`a[href="` + luca + `"]`)
	if resp := p.enter(); resp.Status != 200 || !strings.HasPrefix(p.path(), luca) {
		t.Fatalf("calendar: landed on %s (status %d)", p.path(), resp.Status)
	}
	p.open(luca + "?mese=2026-11") // a fixed month, whatever today is
	axeCheck(p, "calendar November 2026, 360 px")
	p.expectNoHorizontalScroll("calendar", 360, true)
	budgetCheck(p, "calendar page", luca+"?mese=2026-11")

	// previous month: htmx swaps the calendar only, the URL follows, the focus stays
	p.tabTo("#cal-prev")
	p.key("\r")
	p.waitPath("October in the URL", func(s string) bool { return strings.HasSuffix(s, "?mese=2026-10") })
	p.waitFor("October calendar", `document.querySelector('caption').innerText.includes('ottobre 2026')`)
	p.expectFocus("#cal-prev")
	if got := p.text("#cal-status"); !strings.Contains(got, "ottobre 2026") {
		t.Errorf("status region after the swap says %q", got)
	}
	fragBytes := evalJS[float64](p, `(() => { const e = performance.getEntriesByType('resource').filter(e => e.name.includes('mese=2026-10')).pop(); return e ? e.transferSize : -1; })()`)
	if fragBytes > 10_000 {
		t.Errorf("calendar fragment transferred %v bytes, budget 10 KB", fragBytes)
	}
	axeCheck(p, "calendar after htmx swap to October")

	// open a day: who recorded it and the charge
	p.tabTo("#d14")
	p.key("\r")
	p.waitFor("day details", `!!document.querySelector('#day-detail')`)
	p.waitPath("the day in the URL", func(s string) bool { return strings.Contains(s, "giorno=2026-10-14") })
	d := p.text("#day-detail")
	for _, want := range []string{"mercoledì 14 ottobre 2026", "Presente", "Registro di classe 3ª B", "4,80"} {
		if !strings.Contains(d, want) {
			t.Errorf("day details lack %q: %q", want, d)
		}
	}
	p.expectFocus("#d14")
	axeCheck(p, "calendar after htmx swap to a day")

	// Back: htmx pushed the URLs, so Back is a same-document history step
	// (htmx restores the month from the server: historyCacheSize is 0)
	evalJS[bool](p, `(history.back(), true)`)
	p.waitPath("back to October", func(s string) bool { return strings.HasSuffix(s, "?mese=2026-10") })
	p.waitFor("no day details after Back", `!document.querySelector('#day-detail') && document.querySelector('caption').innerText.includes('ottobre 2026')`)

	// the second child
	p.open("/demo/famiglia")
	sofia := p.calendarHref(2)
	p.tabTo(`a[href="` + sofia + `"]`)
	if resp := p.enter(); resp.Status != 200 || !strings.HasPrefix(p.path(), sofia) {
		t.Fatalf("Sofia's calendar: landed on %s", p.path())
	}
	p.expectText("h1", "Sofia")

	// payments: filter top-ups with the keyboard, then the CSV
	p.tabTo(`nav a[href="/demo/pagamenti"]`)
	if resp := p.enter(); resp.Status != 200 {
		t.Fatalf("payments: status %d", resp.Status)
	}
	axeCheck(p, "payments, 360 px")
	p.tabTo("#f-tipo")
	p.typeText("Ric")
	if v := p.value("#f-tipo"); v != "topup" {
		t.Fatalf("type-ahead chose %q", v)
	}
	p.tabTo(`.filter-form button[type=submit]`)
	if resp := p.enter(); resp.Status != 200 || !strings.Contains(p.path(), "tipo=topup") {
		t.Fatalf("filter: landed on %s (status %d)", p.path(), resp.Status)
	}
	p.expectText("main", "+€ 600,00")
	axeCheck(p, "payments filtered")
	p.expectNoHorizontalScroll("payments filtered", 360, false)
	csv := p.csvFromLink(`a[href*="movimenti.csv"]`)
	if !strings.HasPrefix(csv, "text/csv") || !strings.Contains(csv, "attachment") || !strings.Contains(csv, "Data;Tipo;Bambino") ||
		strings.Count(csv, "Ricarica;") != 4 {
		t.Errorf("CSV download:\n%s", csv)
	}
}

func TestFamilyJourneyWithoutJavaScript(t *testing.T) {
	t.Parallel()
	p := newPage(t, startServer(t))
	p.emulatePhone(360, 740)
	p.disableJS()
	p.freshLogin(marioUser, marioPass, true, "/demo/famiglia")
	luca := p.calendarHref(1)
	p.open(luca + "?mese=2026-11")
	p.tabTo("#cal-prev")
	if resp := p.enter(); resp.Status != 200 || !strings.HasSuffix(p.path(), "?mese=2026-10") {
		t.Fatalf("no JS, previous month: %s (status %d)", p.path(), resp.Status)
	}
	p.expectText("caption", "ottobre 2026")
	axeCheck(p, "calendar without JavaScript, fit on")
	p.expectNoHorizontalScroll("calendar without JavaScript", 360, true)
	p.tabTo("#d12")
	if resp := p.enter(); resp.Status != 200 || !strings.Contains(p.path(), "giorno=2026-10-12") {
		t.Fatalf("no JS, a day: %s (status %d)", p.path(), resp.Status)
	}
	d := p.text("#day-detail")
	for _, want := range []string{"Assenza comunicata", "Laura Rossi", "Comunicazione del genitore"} {
		if !strings.Contains(d, want) {
			t.Errorf("no JS, day details lack %q: %q", want, d)
		}
	}
	axeCheck(p, "day details without JavaScript")

	p.open("/demo/pagamenti")
	p.tabTo("#f-tipo")
	p.typeText("Ric")
	p.tabTo(`.filter-form button[type=submit]`)
	if resp := p.enter(); resp.Status != 200 || !strings.Contains(p.path(), "tipo=topup") {
		t.Fatalf("no JS, filter: %s (status %d)", p.path(), resp.Status)
	}
	p.expectNoHorizontalScroll("payments without JavaScript, fit on", 360, true)
	axeCheck(p, "payments without JavaScript")
	if href := p.attr(`a[href*="movimenti.csv"]`, "href"); href != "/demo/pagamenti/movimenti.csv?tipo=topup" {
		t.Errorf("CSV link %q", href)
	}
	p.open("/demo/pagamenti/estratto?tipo=topup")
	p.expectText("main", "Estratto conto")
}
