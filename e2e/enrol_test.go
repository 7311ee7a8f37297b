package e2e

import (
	"strings"
	"testing"

	"portalegenitori/db"
	"portalegenitori/internal/config"
)

// TestEnrolmentJourney (issue 18, Iscrizioni): Mario, keyboard only on a
// 360 px phone, opens the demo's enrolment from the family home and renews
// Sofia's canteen for next year (the form pre-filled), with an ISEE; he
// saves a draft without JavaScript, comes back with it and sends the
// request: the receipt shows the protocol number. The clerk finds it in the
// queue, beside another adult's request for the same child, and accepts it
// with the tariff proposed; the family home then shows the enrolment
// accepted. axe on every new page.
func TestEnrolmentJourney(t *testing.T) {
	t.Parallel()
	srv, store := startServerWith(t, func(cfg *config.Config, _ string) { cfg.CookieSecure = true })
	base := srv.URL
	p := newPage(t, base)
	p.emulatePhone(360, 740)
	p.freshLogin(marioUser, marioPass, false, "/demo/famiglia")
	p.expectText("#enrol-title", "Iscrizioni")
	axeCheck(p, "family home with an open enrolment")
	p.tabTo(`#enrol-panel a.action-link[href$="/iscrizioni"]`)
	p.enter()
	p.expectText("main h1", "Iscrizioni ai servizi")
	axeCheck(p, "enrolment list")

	// without JavaScript: the renewal for Sofia (the second child), a draft
	p.disableJS()
	p.tabTo(`.card li:nth-child(2) a[href*="bambino="]`)
	p.enter()
	p.expectText("main h1", "Domanda di iscrizione")
	if got := p.value("#class"); got != "Sezione Gialla" {
		t.Fatalf("renewal: class pre-filled as %q", got)
	}
	p.tabTo(`input[name="q0"]`)
	p.space()
	p.tabTo("#q1")
	p.typeText("Nessuna nota")
	p.tabTo("#isee")
	p.typeText("8.500")
	p.tabTo("#dsu")
	p.typeText("INPS-ISEE-2026-000123456-00")
	p.tabTo("#isee_expiry")
	p.typeText("31/12/2099")
	p.tabTo("#documents_ack")
	p.space()
	p.tabTo("#enrol-draft")
	p.enter()
	p.expectText(".alert", "Bozza salvata")
	axeCheck(p, "enrolment form with a draft, without JavaScript")
	p.expectNoHorizontalScroll("enrolment form", 360, false)

	// with JavaScript again: the draft is there; send it
	p.setScripts(true)
	p.noJS = false
	p.open(p.path())
	p.expectText("#draft-saved", "Bozza salvata il")
	if p.value("#q1") != "Nessuna nota" || p.value("#isee") != "8.500" {
		t.Fatalf("draft not kept: %q %q", p.value("#q1"), p.value("#isee"))
	}
	p.tabTo("#enrol-submit")
	p.enter()
	p.expectText("main h1", "Domanda di iscrizione ISC-")
	p.expectText("main", "Numero di protocollo")
	p.expectText("main", "Sofia Rossi")
	axeCheck(p, "enrolment receipt")
	p.expectNoHorizontalScroll("enrolment receipt", 360, false)

	// Giulia Bianchi's request for the same codice fiscale (she was told
	// nothing): the office sees it on Mario's
	addSiblingRequest(t, store, "Sofia")

	// the office accepts it, the tariff proposed by the tariffs by ISEE
	s := newPage(t, base)
	s.staffLogin(staffUser, staffPass, db.DemoStaffTOTPSecret)
	s.tabTo(`.staff-nav a[href$="/operatori/iscrizioni"]`)
	s.enter()
	s.expectText("main h1", "Iscrizioni ai servizi")
	axeCheck(s, "staff enrolment queue")
	s.tabTo("#f-q")
	s.typeText("sofia")
	s.enter()
	s.expectText("#enrol-queue", "Sofia")
	s.tabTo(`#enrol-queue a[href*="/domande/"]`)
	s.enter()
	s.expectText("main", "Sofia Rossi")
	s.expectText("#tariff-from", "ISEE")
	if s.value("#tariff_name") == "" || s.value("#amount") == "" {
		t.Fatal("the tariff is not pre-filled")
	}
	s.expectText("#enrol-siblings", "Giulia Bianchi (in esame)")
	axeCheck(s, "staff enrolment request, with another adult's request for the child")
	s.tabTo("#enrol-accept")
	s.enter()
	s.expectText(".alert", "accettata")

	p.open("/demo/famiglia")
	if got := p.text("#enrol-panel"); !strings.Contains(got, "accettata") || !strings.Contains(got, "dal 07/09/") {
		t.Fatalf("family home after the acceptance: %q", got)
	}
}

// addSiblingRequest adds Giulia Bianchi's request for the same child (codice
// fiscale) as the request of the child named first, in its window: what a
// family that typed that codice fiscale leaves, unseen by the other.
func addSiblingRequest(t *testing.T, store *db.Store, first string) {
	t.Helper()
	store.DB().MustExec(`INSERT INTO enrolment_requests (installation_id, window_id, adult_id, fiscal_code, first_name, last_name,
			birth_date, school_id, class_name, answers, documents_ack, plan_accepted, late, entered_by, by_office)
		SELECT r.installation_id, r.window_id, a.id, r.fiscal_code, r.first_name, r.last_name, r.birth_date, r.school_id, r.class_name,
			r.answers, r.documents_ack, false, false, (SELECT id FROM accounts WHERE username = 'giulia.bianchi'), false
		FROM enrolment_requests r JOIN adults a ON a.installation_id = r.installation_id AND a.first_name = 'Giulia'
		WHERE r.first_name = $1`, first)
}
