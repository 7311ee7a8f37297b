package e2e

import (
	"context"
	"testing"

	"portalegenitori/db"
)

// TestStaffLinkQueue: a profile registered with Anna Verdi's codice fiscale
// while the registry had no contact for her waits for the office. The clerk
// reaches the queue from the staff home by keyboard, reads the evidence, and
// links it; axe on the queue with a request and empty.
func TestStaffLinkQueue(t *testing.T) {
	t.Parallel()
	srv, store := startServerWith(t, nil)
	ctx := context.Background()
	var inst, anna int64
	var annaCF string
	if err := store.DB().QueryRow(`SELECT a.installation_id, a.id, a.fiscal_code FROM adults a JOIN installations i ON i.id = a.installation_id
		WHERE i.code = 'demo' AND a.first_name = 'Anna' AND a.last_name = 'Verdi'`).Scan(&inst, &anna, &annaCF); err != nil {
		t.Fatal(err)
	}
	store.DB().MustExec(`UPDATE adults SET email = '', mobile = '' WHERE id = $1`, anna)
	if _, err := store.CreateAccount(ctx, db.NewAccount{InstallationID: inst, Username: "anna.verdi", PasswordHash: "x",
		FiscalCode: annaCF, Email: "anna.altra@example.org", DisplayName: "Anna Verdi", Lang: "it",
		Claim: &db.LinkClaim{AdultID: anna, FirstName: "Anna", LastName: "Verdi", Email: "anna.altra@example.org", IP: "192.0.2.7"}}, nil); err != nil {
		t.Fatal(err)
	}
	p := newPage(t, srv.URL)
	p.staffLogin(staffUser, staffPass, db.DemoStaffTOTPSecret)
	p.tabTo(`main a[href="/demo/operatori/collegamenti"]`)
	p.enter()
	p.expectText("main h1", "Profili da collegare")
	p.expectText("main table", "anna.altra@example.org")
	p.expectText("main table", "192.0.2.7")
	p.expectText("main table", "Nessun recapito in anagrafica")
	axeCheck(p, "link queue")
	p.tabTo(`main form[action$="/collega"] button`)
	p.enter()
	p.expectText("main", "è stato collegato")
	p.expectText("main", "Nessun profilo in attesa")
	axeCheck(p, "link queue, empty")
}
