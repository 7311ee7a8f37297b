package e2e

import (
	"strings"
	"testing"
)

// TestMealJourney (issue 15, Disdetta pasto): a parent on a 360 px phone,
// at the keyboard only, cancels a day of "Prossimi giorni" and undoes it,
// first with htmx (only the day's box is swapped, the answer is announced in
// the status region, the focus stays on the day's first button; axe after
// every swap), then without JavaScript (the same forms post and come back
// with the receipt as the page's message).
func TestMealJourney(t *testing.T) {
	t.Parallel()
	p := newPage(t, startServer(t))
	p.emulatePhone(360, 740)
	p.freshLogin(marioUser, marioPass, false, "/demo/famiglia")
	p.expectText("#meal-days-title", "Prossimi giorni")
	// the first open day of Luca's canteen (today may be past its cut-off)
	btn := "#" + evalJS[string](p, `document.querySelector('#meal-days .meal-actions button[id^="mb-"]').id`)
	box := "#" + evalJS[string](p, `document.querySelector(`+jsString(btn)+`).closest('.meal-day').id`)
	if !strings.Contains(p.text(btn), "Disdici il pasto") {
		t.Fatalf("first button %s says %q", btn, p.text(btn))
	}

	// with JavaScript: Enter on the button, the day's box swapped
	p.tabTo(btn)
	p.key("\r")
	p.waitFor("the receipt in the status region", `document.querySelector('#meal-status').innerText.includes('Ricevuta')`)
	p.waitFor("the cancelled day", `document.querySelector(`+jsString(box)+`).innerText.includes('Pasto disdetto')`)
	if got := p.text("#meal-status"); !strings.Contains(got, "Pasto di Luca disdetto per") || !strings.Contains(got, "(termine: le ") {
		t.Errorf("status region says %q", got)
	}
	if got := p.text(box); !strings.Contains(got, "Mario Rossi (dal portale)") || !strings.Contains(got, "Annulla la disdetta") {
		t.Errorf("day's box after the swap: %q", got)
	}
	if p.path() != "/demo/famiglia" {
		t.Errorf("the URL moved to %s", p.path())
	}
	p.expectFocus(btn)
	axeCheck(p, "Prossimi giorni after a cancellation (htmx)")
	p.expectNoHorizontalScroll("Prossimi giorni after the swap", 360, false)
	// undo, same key
	p.key("\r")
	p.waitFor("the day booked again", `document.querySelector(`+jsString(box)+`).innerText.includes('Pasto prenotato') && document.querySelector('#meal-status').innerText.includes('prenotato')`)
	p.expectFocus(btn)
	axeCheck(p, "Prossimi giorni after the undo (htmx)")

	// without JavaScript: the same buttons load the page again with the receipt
	p.disableJS()
	p.open("/demo/famiglia")
	p.tabTo(btn)
	if resp := p.enter(); resp.Status != 200 || !strings.HasPrefix(p.path(), "/demo/famiglia") {
		t.Fatalf("no JS, cancel: %s (status %d)", p.path(), resp.Status)
	}
	if got := p.text("main"); !strings.Contains(got, "Pasto di Luca disdetto per") || !strings.Contains(got, "Ricevuta ") {
		t.Errorf("no JS: no receipt on the page")
	}
	if got := p.text(btn); !strings.Contains(got, "Annulla la disdetta") {
		t.Errorf("no JS: the day's button says %q", got)
	}
	axeCheck(p, "Prossimi giorni after a cancellation without JavaScript")
	p.tabTo(btn)
	if resp := p.enter(); resp.Status != 200 {
		t.Fatalf("no JS, undo: status %d", resp.Status)
	}
	p.expectText("main", "Pasto di Luca prenotato per")
	p.expectNoHorizontalScroll("Prossimi giorni without JavaScript", 360, false)
}
