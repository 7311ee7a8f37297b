package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp/kb"

	"portalegenitori/db"
)

// TestStaffKitchenJourney: the clerk (keyboard only) opens the meal count
// from the staff navigation, goes to the next service day (htmx swaps the
// day, the status region says so, the focus stays on the arrow, axe finds
// nothing), then does the same with JavaScript off (a plain link, the
// whole page).
func TestStaffKitchenJourney(t *testing.T) {
	t.Parallel()
	p := newPage(t, startServer(t))
	p.staffLogin(staffUser, staffPass, db.DemoStaffTOTPSecret)
	p.tabTo(`.staff-nav a[href$="/operatori/conteggio-pasti"]`)
	p.enter()
	p.expectText("main h1", "Conteggio pasti")
	p.open("/demo/operatori/conteggio-pasti?giorno=2026-10-12")
	p.expectText("#kitchen-heading", "12 ottobre 2026")
	p.expectText("#kitchen-state", "Conteggio definitivo")
	axeCheck(p, "kitchen count, a frozen day")
	p.tabTo("#kitchen-next")
	p.key(kb.Enter)
	p.waitText("#kitchen-status", "13 ottobre 2026")
	p.expectText("#kitchen-heading", "13 ottobre 2026")
	p.expectFocus("#kitchen-next")
	if !strings.Contains(p.path(), "giorno=2026-10-13") {
		t.Errorf("after the swap the address is %s, want the day in it", p.path())
	}
	axeCheck(p, "kitchen count after the swap to the next day")

	p.disableJS()
	p.open("/demo/operatori/conteggio-pasti?giorno=2026-10-12")
	p.tabTo("#kitchen-next")
	if resp := p.enter(); resp.Status != 200 || !strings.Contains(p.path(), "giorno=2026-10-13") {
		t.Fatalf("without JavaScript, next day: %s (status %d)", p.path(), resp.Status)
	}
	p.expectText("#kitchen-heading", "13 ottobre 2026")
	axeCheck(p, "kitchen count without JavaScript")
}
