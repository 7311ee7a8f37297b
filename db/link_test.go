package db_test

import (
	"context"
	"errors"
	"testing"

	"github.com/pressly/goose/v3"

	"portalegenitori/db"
	"portalegenitori/db/dbtest"
	"portalegenitori/migrations"
)

// TestMigrationUnprovenLinks: migration 00009 turns the links the
// self-registration made on a codice fiscale alone into requests for the
// office (the profile stops seeing the family), marks identity links as
// proven, and every other existing link as made by the office.
func TestMigrationUnprovenLinks(t *testing.T) {
	s, _ := dbtest.New(t)
	ctx := context.Background()
	inst := demoID(t, s)
	goose.SetBaseFS(migrations.FS)
	if err := goose.SetDialect("postgres"); err != nil {
		t.Fatal(err)
	}
	if err := goose.DownToContext(ctx, s.DB().DB, ".", 8); err != nil {
		t.Fatal(err)
	}
	var anna, carla int64
	var annaCF, carlaCF string
	if err := s.DB().QueryRow(`SELECT id, fiscal_code FROM adults WHERE first_name = 'Anna' AND last_name = 'Verdi'`).Scan(&anna, &annaCF); err != nil {
		t.Fatal(err)
	}
	if err := s.DB().QueryRow(`SELECT id, fiscal_code FROM adults WHERE first_name = 'Carla'`).Scan(&carla, &carlaCF); err != nil {
		t.Fatal(err)
	}
	var lago int64
	dbtest.Get(t, s.DB(), &lago, `SELECT id FROM installations WHERE code = 'lago'`)
	// before 00009: a registration linked by CF alone (audited), one known
	// by its registration message, one of a CF outside the registry, and a
	// SPID account
	var intruder, byMessage, outside int64
	dbtest.Get(t, s.DB(), &intruder, `INSERT INTO accounts (installation_id, username, password_hash, role, adult_id, linked_fiscal_code, email)
		VALUES ($1, 'intruso', 'x', 'parent', $2, $3, 'intruso@example.org') RETURNING id`, inst, anna, annaCF)
	s.DB().MustExec(`INSERT INTO audit_log (installation_id, account_id, action, outcome) VALUES ($1, $2, 'register', 'success')`, inst, intruder)
	// generated password not changed yet: no password_hash, like an identity account
	dbtest.Get(t, s.DB(), &byMessage, `INSERT INTO accounts (installation_id, username, must_change_password, role, adult_id, linked_fiscal_code,
			temp_password_hash, temp_password_expires_at)
		VALUES ($1, 'carla.galli', true, 'parent', $2, $3, 'x', now() + interval '1 day') RETURNING id`, lago, carla, carlaCF)
	s.DB().MustExec(`INSERT INTO messages (installation_id, account_id, kind, channel, recipient, outcome)
		VALUES ($1, $2, 'registration', 'sms', '+393471234567', 'sent')`, lago, byMessage)
	dbtest.Get(t, s.DB(), &outside, `INSERT INTO accounts (installation_id, username, password_hash, role, linked_fiscal_code)
		VALUES ($1, 'fuori', 'x', 'parent', 'CCCFBA85D03L219P') RETURNING id`, lago)
	s.DB().MustExec(`INSERT INTO audit_log (installation_id, account_id, action, outcome) VALUES ($1, $2, 'register', 'success')`, lago, outside)
	s.DB().MustExec(`UPDATE accounts SET password_hash = NULL WHERE username = 'laura.rossi'`) // as an identity account
	// self-registered, then signed in to with SPID by its holder: proven
	var giulia int64
	dbtest.Get(t, s.DB(), &giulia, `SELECT id FROM accounts WHERE username = 'giulia.bianchi'`)
	s.DB().MustExec(`INSERT INTO audit_log (installation_id, account_id, action, outcome) VALUES ($1, $2, 'register', 'success')`, inst, giulia)
	s.DB().MustExec(`INSERT INTO audit_log (installation_id, account_id, action, outcome, detail) VALUES ($1, $2, 'login', 'success', '{"method": "spid"}')`, inst, giulia)

	if err := goose.UpContext(ctx, s.DB().DB, "."); err != nil {
		t.Fatal(err)
	}
	type row struct {
		Username string  `db:"username"`
		Adult    *int64  `db:"adult_id"`
		Proof    *string `db:"link_proof"`
		Request  *string `db:"request"`
	}
	var rows []row
	if err := s.DB().Select(&rows, `
		SELECT a.username, a.adult_id, a.link_proof,
		       (SELECT r.status || ':' || r.source || ':' || r.fiscal_code || ':' || coalesce(r.adult_id::text, '-')
		        FROM link_requests r WHERE r.account_id = a.id AND r.installation_id = a.installation_id) AS request
		FROM accounts a WHERE a.username IN ('intruso', 'carla.galli', 'fuori', 'laura.rossi', 'mario.rossi', 'giulia.bianchi')`); err != nil {
		t.Fatal(err)
	}
	got := map[string]row{}
	for _, r := range rows {
		got[r.Username] = r
	}
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	for user, want := range map[string][2]string{
		"intruso":        {"", "pending:migration:" + annaCF + ":"},
		"carla.galli":    {"", "pending:migration:" + carlaCF + ":"},
		"fuori":          {"", "pending:migration:CCCFBA85D03L219P:-"},
		"laura.rossi":    {"identity", ""},
		"giulia.bianchi": {"identity", ""},
		"mario.rossi":    {"office", ""},
	} {
		r := got[user]
		req := str(r.Request)
		if str(r.Proof) != want[0] || (want[1] == "" && req != "") || (want[1] != "" && len(req) < len(want[1])) ||
			(want[1] != "" && req[:len(want[1])] != want[1]) {
			t.Errorf("%s: proof %q, request %q; want %q, %q", user, str(r.Proof), req, want[0], want[1])
		}
		if want[0] == "" && r.Adult != nil {
			t.Errorf("%s: still linked to adult %d", user, *r.Adult)
		}
	}
}

// TestRecoveryByEmailPrefersTheLinkedProfile: a profile waiting for its
// link may carry the registry e-mail of the adult it claims (contacts
// locked); recovery by that e-mail goes to the profile linked to the
// registry, not "ambiguous". Two unlinked profiles stay ambiguous.
func TestRecoveryByEmailPrefersTheLinkedProfile(t *testing.T) {
	s, _ := dbtest.New(t)
	ctx := context.Background()
	inst := demoID(t, s)
	var anna int64
	var annaCF string
	if err := s.DB().QueryRow(`SELECT id, fiscal_code FROM adults WHERE first_name = 'Anna' AND last_name = 'Verdi'`).Scan(&anna, &annaCF); err != nil {
		t.Fatal(err)
	}
	const email = "anna.verdi@example.it"
	if _, err := s.CreateAccount(ctx, db.NewAccount{InstallationID: inst, Username: "intruso", PasswordHash: "x", FiscalCode: annaCF,
		Email: email, Claim: &db.LinkClaim{AdultID: anna}}, nil); err != nil {
		t.Fatal(err)
	}
	s.DB().MustExec(`INSERT INTO accounts (installation_id, username, password_hash, role, adult_id, linked_fiscal_code, link_proof, email)
		VALUES ($1, 'anna.verdi', 'x', 'parent', $2, $3, 'contact_code', $4)`, inst, anna, annaCF, email)
	acc, err := s.AccountForRecovery(ctx, inst, db.RecoverByEmail, email)
	if err != nil || acc.Username != "anna.verdi" {
		t.Fatalf("recovery by e-mail: %+v, %v", acc, err)
	}
	if _, err := s.CreateAccount(ctx, db.NewAccount{InstallationID: inst, Username: "altro", PasswordHash: "x",
		Email: "stesso@example.org"}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateAccount(ctx, db.NewAccount{InstallationID: inst, Username: "altro2", PasswordHash: "x",
		Email: "stesso@example.org"}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AccountForRecovery(ctx, inst, db.RecoverByEmail, "stesso@example.org"); !errors.Is(err, db.ErrAmbiguous) {
		t.Fatalf("two unlinked profiles: %v", err)
	}
}
