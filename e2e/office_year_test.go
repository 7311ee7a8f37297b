package e2e

import (
	"testing"

	"github.com/chromedp/chromedp/kb"

	"portalegenitori/db"
)

// TestOfficeYearJourney: the administrator, keyboard only on a 360 px
// phone, ends Luca's canteen enrollment from today with a reason, sees the
// result and the history on the card, then opens the year-end page and its
// preview; axe after each page.
func TestOfficeYearJourney(t *testing.T) {
	t.Parallel()
	p := newPage(t, startServer(t))
	p.emulatePhone(360, 740)
	p.staffLogin("amministratore", "Impostazioni-Comune-2026", db.DemoAdminTOTPSecret)
	p.tabTo("#q")
	p.typeText("rossi luca")
	p.waitText("#search-status", "Risultati trovati")
	p.tabTo(`#search-results a[href*="/operatori/bambini/"]`)
	p.enter()
	p.expectText("main h1", "Rossi Luca")
	p.tabTo(`details.enrol-change summary`)
	p.key("\r") // Enter opens the details
	p.tabTo(`details.enrol-change[open] input[value="change"]`)
	p.key(kb.ArrowDown) // the radio group: the arrow chooses "Termina"
	p.expectFocus(`details.enrol-change[open] input[value="end"]:checked`)
	p.tabTo(`details.enrol-change[open] input[name="reason"]`)
	p.typeText("Trasferimento in altro Comune")
	p.tabTo(`details.enrol-change[open] button[type="submit"]`)
	p.enter()
	p.expectText(".alert", "Iscrizione aggiornata")
	axeCheck(p, "child card after ending an enrollment")

	p.open("/demo/operatori/impostazioni/anno")
	p.expectText("main h1", "Fine dell'anno scolastico")
	axeCheck(p, "year end")
	p.tabTo(`form[action$="/anno/anteprima"] button[type="submit"]`)
	p.enter()
	p.expectText("#plan-title", "Anteprima")
	axeCheck(p, "year end preview")
}
