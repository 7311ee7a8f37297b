package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// network sets the tab's connection: offline, or online with a latency
// (0: as fast as it is).
func (p *Page) network(offline bool, latencyMS float64) {
	p.t.Helper()
	_, err := chromedp.Call(p.ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
		MatchedNetworkConditions: []*network.Conditions{{Offline: offline, Latency: latencyMS, DownloadThroughput: -1, UploadThroughput: -1}},
	})
	if err != nil {
		p.t.Fatalf("network conditions: %v", err)
	}
}

// waitSettled waits until htmx has settled the last swap (new content is
// live only then).
func (p *Page) waitSettled() {
	p.t.Helper()
	p.waitFor("htmx to settle", `!document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')`)
}

// historyTitles maps the URLs of the tab's history entries to their titles.
func (p *Page) historyTitles() map[string]string {
	p.t.Helper()
	h, err := chromedp.Call(p.ctx, page.GetNavigationHistory, cdp.Empty{})
	if err != nil {
		p.t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range h.Entries {
		out[strings.TrimPrefix(e.URL, p.base)] = e.Title
	}
	return out
}

// TestCalendarSwaps: moving between months with htmx keeps what a full
// page load gives: the page title and the history entries name the month
// on screen (WCAG 2.4.2), the focus stays on the control pressed, also at
// the ends of the enrollment where the link gives way to a note (2.4.3);
// a slow answer shows progress, a lost connection says so in the status
// region.
func TestCalendarSwaps(t *testing.T) {
	t.Parallel()
	p := newPage(t, startServer(t))
	p.emulatePhone(360, 740)
	p.freshLogin(marioUser, marioPass, false, "/demo/famiglia")
	sofia := p.calendarHref(2) // enrolled 07/09/2026 – 30/06/2027
	p.open(sofia + "?mese=2027-04")
	month := func(sel, label, id string) {
		t.Helper()
		p.tabTo(sel)
		p.key(kb.Enter)
		p.waitFor(label, `document.querySelector('#calendar h2').innerText.includes(`+jsString(label)+`)`)
		p.waitSettled()
		p.expectFocus(id)
		if title := evalJS[string](p, `document.title`); !strings.Contains(title, label) {
			t.Errorf("after the swap to %s the page title is %q", label, title)
		}
		if got := p.text("#cal-status"); !strings.Contains(got, label) {
			t.Errorf("after the swap to %s the status says %q", label, got)
		}
	}
	month("#cal-next", "maggio 2027", "#cal-next")
	month("#cal-next", "giugno 2027", "#cal-next") // the last month: the note has the focus
	if got := p.text("#cal-next"); !strings.Contains(got, "Ultimo mese") {
		t.Errorf("at the last month #cal-next reads %q", got)
	}
	titles := p.historyTitles()
	for url, want := range map[string]string{sofia + "?mese=2027-04": "aprile 2027", sofia + "?mese=2027-05": "maggio 2027", sofia + "?mese=2027-06": "giugno 2027"} {
		if got, ok := titles[url]; !ok || !strings.Contains(got, want) {
			t.Errorf("history entry %s has title %q (present %v), want one naming %s", url, got, ok, want)
		}
	}
	axeCheck(p, "calendar at the last month after swaps")

	p.open(sofia + "?mese=2026-10")
	month("#cal-prev", "settembre 2026", "#cal-prev") // the first month
	if got := p.text("#cal-prev"); !strings.Contains(got, "Primo mese") {
		t.Errorf("at the first month #cal-prev reads %q", got)
	}
	// a day: the focus stays on it
	p.tabTo("#d14")
	p.key(kb.Enter)
	p.waitFor("day details", `!!document.querySelector('#day-detail')`)
	p.waitSettled()
	p.expectFocus("#d14")
	if title := evalJS[string](p, `document.title`); !strings.Contains(title, "settembre 2026") {
		t.Errorf("after opening a day the page title is %q", title)
	}

	// slow connection: the link pressed shows progress after a moment
	// (a latency that leaves a slow machine time to see the indicator)
	p.network(false, 4000)
	p.tabTo("#cal-next")
	p.key(kb.Enter)
	p.waitFor("progress on the link", `(() => { const a = document.querySelector('#cal-next');
		return a.classList.contains('htmx-request') && getComputedStyle(a, '::after').opacity === '1'; })()`)
	p.waitFor("October", `document.querySelector('#calendar h2').innerText.includes('ottobre 2026')`)
	p.waitSettled()
	p.expectFocus("#cal-next")

	// offline: the status region says the page was not updated
	p.network(true, 0)
	p.key(kb.Enter)
	p.waitFor("the network error in the status region", `document.querySelector('#net-status').innerText.includes('connessione')`)
	if role := p.attr("#net-status", "role"); role != "status" {
		t.Errorf("#net-status has role %q", role)
	}
	p.expectText("#calendar h2", "ottobre 2026")
	p.network(false, 0)
	p.key(kb.Enter)
	p.waitFor("November", `document.querySelector('#calendar h2').innerText.includes('novembre 2026')`)
	if got := p.text("#net-status"); got != "" {
		t.Errorf("after a request that worked the status still says %q", got)
	}
}
