package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp/kb"
)

// TestCalendarRevalidation: Chromium keeps the calendar's fragments and
// asks again with If-None-Match; the server's 304 shows the month it had,
// and a month whose data changed comes back new (docs/caching.md).
func TestCalendarRevalidation(t *testing.T) {
	t.Parallel()
	p := newPage(t, startServer(t))
	p.freshLogin(marioUser, marioPass, false, "/demo/famiglia")
	sofia := p.calendarHref(2)
	p.open(sofia + "?mese=2026-10")
	month := func(sel, label string) {
		t.Helper()
		p.tabTo(sel)
		p.key(kb.Enter)
		p.waitFor(label, `document.querySelector('#calendar h2').innerText.includes(`+jsString(label)+`)`)
		p.waitSettled()
	}
	month("#cal-next", "novembre 2026")
	month("#cal-prev", "ottobre 2026")
	month("#cal-next", "novembre 2026") // the second time: revalidated
	// the two requests for November's fragment: the second moved only
	// headers (a 304), its body came from the browser's cache
	sizes := evalJS[[]float64](p, `performance.getEntriesByType('resource')
		.filter(e => e.name.endsWith('?mese=2026-11'))
		.flatMap(e => [e.transferSize, e.encodedBodySize])`)
	if len(sizes) != 4 || sizes[2] >= sizes[3] || sizes[0] <= sizes[1] {
		t.Fatalf("November fetched as (transfer, body) %v: want a full answer, then a 304 with the body from the cache", sizes)
	}
	if got := p.text("#calendar"); !strings.Contains(got, "novembre 2026") {
		t.Fatalf("the revalidated month reads %q", got)
	}
}
