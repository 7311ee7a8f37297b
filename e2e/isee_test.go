package e2e

import (
	"strings"
	"testing"

	"portalegenitori/db"
)

// TestISEEJourney: Mario, without JavaScript and keyboard only on a 360 px
// phone, goes from the family home to «Dichiara o aggiorna l'ISEE», sends a
// protocol in the wrong form (the message next to the field, the input
// kept), then the right one; the clerk, with JavaScript, confirms it from
// the queue; the family home then shows the band and why. axe on each page.
func TestISEEJourney(t *testing.T) {
	t.Parallel()
	base := startServer(t)
	p := newPage(t, base)
	p.emulatePhone(360, 740)
	p.disableJS()
	p.freshLogin(marioUser, marioPass, false, "/demo/famiglia")
	p.expectText("#isee-family", "tariffa massima: nessun ISEE valido")
	p.tabTo(`#isee-family a[href$="/famiglia/isee"]`)
	if resp := p.enter(); resp.Status != 200 {
		t.Fatalf("ISEE page: status %d", resp.Status)
	}
	p.expectText("main h1", "ISEE e tariffe agevolate")
	axeCheck(p, "family ISEE, no JavaScript")
	p.tabTo("#isee")
	p.typeText("9.500,00")
	p.tabTo("#dsu")
	p.typeText("ISEE-2026-123")
	// the date input's typing order depends on the locale: set it, as a date picker would
	evalJS[bool](p, `(document.querySelector('#scadenza').value = '2027-01-15', true)`)
	p.tabTo(`form[action$="/famiglia/isee"] button[type=submit]`)
	if resp := p.enter(); resp.Status != 422 {
		t.Fatalf("wrong protocol: status %d", resp.Status)
	}
	p.expectText("#dsu-error", "INPS-ISEE-AAAA-NNNNNNNNN-NN")
	if got := p.value("#isee"); got != "9.500,00" {
		t.Fatalf("the ISEE value was not kept: %q", got)
	}
	axeCheck(p, "family ISEE with an error")
	p.tabTo("#dsu")
	evalJS[bool](p, `(document.querySelector('#dsu').value = '', true)`)
	p.typeText("INPS-ISEE-2026-000123456-00")
	p.tabTo(`form[action$="/famiglia/isee"] button[type=submit]`)
	if resp := p.enter(); resp.Status != 200 {
		t.Fatalf("declaration: status %d", resp.Status)
	}
	p.expectText(".alert", "inviata")
	p.expectText("#isee-declarations", "dichiarata, in verifica")
	p.expectNoHorizontalScroll("family ISEE", 360, false)

	s := newPage(t, base)
	s.emulatePhone(360, 740)
	s.staffLogin("amministratore", "Impostazioni-Comune-2026", db.DemoAdminTOTPSecret)
	s.tabTo(`.staff-nav a[href$="/operatori/isee"]`)
	if resp := s.enter(); resp.Status != 200 {
		t.Fatalf("ISEE queue: status %d", resp.Status)
	}
	s.expectText("#isee-caption", "Dichiarazioni ISEE")
	axeCheck(s, "staff ISEE queue")
	s.tabTo(`form[action$="/conferma"] button[type=submit]`)
	if resp := s.enter(); resp.Status != 200 {
		t.Fatalf("confirm: status %d", resp.Status)
	}
	s.expectText(".alert", "confermata")

	p.open("/demo/famiglia")
	if got := p.text("#isee-family"); !strings.Contains(got, "fascia 2, ISEE fino a € 12.000,00") || !strings.Contains(got, "riduzione fratelli 20%") {
		t.Fatalf("family home after the confirmation: %q", got)
	}
	axeCheck(p, "family home with the ISEE band")
}
