package handlers_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"portalegenitori/db"
)

var recoveryCodeRE = regexp.MustCompile(`<code class="secret">([0-9a-z]{5}-[0-9a-z]{5})</code>`)

func TestStaffAccountsByAdministrator(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := staffSignedIn(t, e, "amministratore", "Impostazioni-Comune-2026")
	p := admin.get("/demo/operatori/impostazioni/operatori")
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, "Nuovo operatore", "Disattiva")

	// bad input: each error next to its field, what was typed kept, nothing stored
	p = admin.post("/demo/operatori/impostazioni/operatori", url.Values{"username": {"a"}, "display_name": {"Carla Ufficio"}, "role": {"boss"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, `id="new-username-error"`, `id="new-role-error"`, `value="Carla Ufficio"`)
	var n int
	mustGet(t, e.store.DB(), &n, `SELECT count(*) FROM accounts WHERE display_name = 'Carla Ufficio'`)
	if n != 0 {
		t.Fatal("an invalid form stored an account")
	}

	p = admin.post("/demo/operatori/impostazioni/operatori", url.Values{"username": {"Carla.Ufficio"}, "display_name": {"Carla Ufficio"}, "role": {"staff"}})
	wantStatus(t, p, http.StatusOK)
	m := regexp.MustCompile(`Password temporanea</dt><dd><code class="secret">([^<]+)</code>`).FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no temporary password shown:\n%s", p.body)
	}
	temp := m[1]
	var acc db.Account
	mustGet(t, e.store.DB(), &acc, `SELECT * FROM accounts WHERE username = 'carla.ufficio'`)
	if acc.Role != "staff" || !acc.MustChangePassword || !strings.HasPrefix(acc.PasswordHash.String, "$argon2id$") ||
		strings.Contains(acc.PasswordHash.String, temp) {
		t.Fatalf("created account: %+v", acc)
	}
	if auditCount(t, e.store, "staff_account_created", "success") != 1 {
		t.Fatal("creation not audited")
	}
	// shown once: the next load of the page does not show it
	mustNotContain(t, admin.get("/demo/operatori/impostazioni/operatori"), temp)
	p = admin.post("/demo/operatori/impostazioni/operatori", url.Values{"username": {"carla.ufficio"}, "display_name": {"Altra Carla"}, "role": {"staff"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, "già usato")

	// the new member signs in with it: first the second factor's enrolment, then a new password
	carla := e.browser()
	p = carla.login("demo", "carla.ufficio", temp)
	wantStatus(t, p, http.StatusSeeOther)
	p = carla.get("/demo/operatori/codice")
	mustContain(t, p, "Attiva il codice di verifica")
	sec := regexp.MustCompile(`id="secret">([A-Z2-7 ]+)<`).FindStringSubmatch(p.body)
	p = carla.secondFactor("demo", strings.ReplaceAll(sec[1], " ", ""))
	wantStatus(t, p, http.StatusSeeOther)
	if p.loc != "/demo/cambio-password" {
		t.Fatalf("after enrolment with a temporary password: %q", p.loc)
	}

	// roles: the administrator changes others', never their own
	back := fmt.Sprintf("/demo/operatori/impostazioni/operatori/%d/ruolo", acc.ID)
	wantStatus(t, admin.post(back, url.Values{"role": {"admin"}}), http.StatusSeeOther)
	mustGet(t, e.store.DB(), &acc, `SELECT * FROM accounts WHERE username = 'carla.ufficio'`)
	if acc.Role != "admin" {
		t.Fatalf("role %q after the change", acc.Role)
	}
	var me int64
	mustGet(t, e.store.DB(), &me, `SELECT id FROM accounts WHERE username = 'amministratore'`)
	wantStatus(t, admin.post(fmt.Sprintf("/demo/operatori/impostazioni/operatori/%d/ruolo", me), url.Values{"role": {"staff"}}), http.StatusSeeOther)
	var role string
	mustGet(t, e.store.DB(), &role, `SELECT role FROM accounts WHERE id = $1`, me)
	if role != "admin" {
		t.Fatal("an administrator demoted themselves")
	}
	// a parent's account is not a staff member
	var parent int64
	mustGet(t, e.store.DB(), &parent, `SELECT id FROM accounts WHERE username = 'mario.rossi'`)
	wantStatus(t, admin.post(fmt.Sprintf("/demo/operatori/impostazioni/operatori/%d/ruolo", parent), url.Values{"role": {"admin"}}), http.StatusNotFound)

	// disabling signs the member out at once; re-enabling lets them back in
	wantStatus(t, carla.get("/demo/cambio-password"), http.StatusOK)
	wantStatus(t, admin.post(fmt.Sprintf("/demo/operatori/utenze/%d/blocca", acc.ID), url.Values{}), http.StatusSeeOther)
	if p := carla.get("/demo/cambio-password"); p.status != http.StatusSeeOther {
		t.Fatalf("a disabled member's session still works: %d", p.status)
	}
	wantStatus(t, admin.post(fmt.Sprintf("/demo/operatori/utenze/%d/sblocca", acc.ID), url.Values{}), http.StatusSeeOther)
	wantStatus(t, e.browser().login("demo", "carla.ufficio", temp), http.StatusSeeOther)
}

// Two administrators demoting each other at the same moment: the
// installation keeps one.
func TestStaffLastAdministratorStays(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	var inst, first int64
	mustGet(t, e.store.DB(), &inst, `SELECT id FROM installations WHERE code = 'demo'`)
	mustGet(t, e.store.DB(), &first, `SELECT id FROM accounts WHERE installation_id = $1 AND role = 'admin'`, inst)
	if err := e.store.SetStaffRole(ctx, inst, first, "staff"); !errors.Is(err, db.ErrLastAdmin) {
		t.Fatalf("demoting the only administrator: %v", err)
	}
	if err := e.store.SetStaffActive(ctx, inst, first, false); !errors.Is(err, db.ErrLastAdmin) {
		t.Fatalf("disabling the only administrator: %v", err)
	}
	second, err := e.store.CreateStaffAccount(ctx, db.NewStaffAccount{InstallationID: inst, Username: "secondo.admin", DisplayName: "Secondo", Role: "admin", PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		errs := make(chan error, 2)
		go func() { errs <- e.store.SetStaffRole(ctx, inst, first, "staff") }()
		go func() { errs <- e.store.SetStaffActive(ctx, inst, second, false) }()
		a, b := <-errs, <-errs
		if (a == nil) == (b == nil) {
			t.Fatalf("both or neither change passed: %v, %v", a, b)
		}
		var active int
		mustGet(t, e.store.DB(), &active, `SELECT count(*) FROM accounts WHERE installation_id = $1 AND role = 'admin' AND locked_at IS NULL`, inst)
		if active != 1 {
			t.Fatalf("%d active administrators", active)
		}
		// back to two active administrators for the next round
		if err := e.store.SetStaffRole(ctx, inst, first, "admin"); err != nil {
			t.Fatal(err)
		}
		if err := e.store.SetStaffActive(ctx, inst, second, true); err != nil {
			t.Fatal(err)
		}
	}
}

func TestStaffRecoveryCodes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	clerk := staffSignedIn(t, e, "operatore", "Ufficio-Scuola-2026")
	p := clerk.get("/demo/operatori/sicurezza")
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, "Non hai codici di recupero")

	p = clerk.post("/demo/operatori/sicurezza/codici-recupero", url.Values{"password": {"sbagliata"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, `id="password-error"`, "La password non è corretta")
	p = clerk.post("/demo/operatori/sicurezza/codici-recupero", url.Values{"password": {"Ufficio-Scuola-2026"}})
	wantStatus(t, p, http.StatusOK)
	var codes []string
	for _, m := range recoveryCodeRE.FindAllStringSubmatch(p.body, -1) {
		codes = append(codes, m[1])
	}
	if len(codes) != 10 {
		t.Fatalf("%d codes shown:\n%s", len(codes), p.body)
	}
	var hashes []string
	if err := e.store.DB().Select(&hashes, `SELECT code_hash FROM staff_recovery_codes`); err != nil {
		t.Fatal(err)
	}
	for _, h := range hashes {
		for _, c := range codes {
			if !strings.HasPrefix(h, "$argon2id$") || strings.Contains(h, strings.ReplaceAll(c, "-", "")) {
				t.Fatalf("stored %q", h)
			}
		}
	}
	mustNotContain(t, clerk.get("/demo/operatori/sicurezza"), codes[0])

	atCodeStep := func() *browser {
		b := e.browser()
		wantStatus(t, b.login("demo", "operatore", "Ufficio-Scuola-2026"), http.StatusSeeOther)
		return b
	}
	// a code signs in once, typed in capitals with a space
	b := atCodeStep()
	p = b.post("/demo/operatori/codice", url.Values{"recovery_code": {strings.ToUpper(strings.Replace(codes[0], "-", " ", 1))}})
	wantStatus(t, p, http.StatusSeeOther)
	if p.loc != "/demo/operatori" {
		t.Fatalf("after the recovery code: %q", p.loc)
	}
	mustContain(t, b.get("/demo/operatori"), "ne restano 9")
	b = atCodeStep()
	p = b.post("/demo/operatori/codice", url.Values{"recovery_code": {codes[0]}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, `id="recovery_code-error"`, "già stato usato")
	if auditCount(t, e.store, "login_recovery_code", "success") != 1 || auditCount(t, e.store, "login_recovery_code", "failure") != 1 {
		t.Fatal("recovery-code sign-ins not audited")
	}

	// the same code from two places at once: one sign-in
	b1, b2 := atCodeStep(), atCodeStep()
	pages := atOnce(t, 2, func(i int) (page, error) {
		return []*browser{b1, b2}[i].tryPost("/demo/operatori/codice", url.Values{"recovery_code": {codes[1]}})
	})
	if ok := (pages[0].status == http.StatusSeeOther) != (pages[1].status == http.StatusSeeOther); !ok {
		t.Fatalf("same code twice at once: %d and %d", pages[0].status, pages[1].status)
	}

	// a new set replaces the old one; the administrator's reset removes it
	wantStatus(t, clerk.post("/demo/operatori/sicurezza/codici-recupero", url.Values{"password": {"Ufficio-Scuola-2026"}}), http.StatusOK)
	wantStatus(t, atCodeStep().post("/demo/operatori/codice", url.Values{"recovery_code": {codes[2]}}), http.StatusUnprocessableEntity)
	var left int
	mustGet(t, e.store.DB(), &left, `SELECT count(*) FROM staff_recovery_codes WHERE used_at IS NULL`)
	if left != 10 {
		t.Fatalf("%d codes after a new set", left)
	}
	var acc int64
	mustGet(t, e.store.DB(), &acc, `SELECT id FROM accounts WHERE username = 'operatore'`)
	admin := staffSignedIn(t, e, "amministratore", "Impostazioni-Comune-2026")
	wantStatus(t, admin.post(fmt.Sprintf("/demo/operatori/utenze/%d/azzera-codice", acc), url.Values{}), http.StatusSeeOther)
	mustGet(t, e.store.DB(), &left, `SELECT count(*) FROM staff_recovery_codes`)
	if left != 0 {
		t.Fatalf("%d codes left after the reset of the second factor", left)
	}
}

func TestLedgerEntriesCannotBeDeleted(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, q := range []string{
		`DELETE FROM ledger_entries WHERE id = (SELECT min(id) FROM ledger_entries)`,
		`UPDATE ledger_entries SET amount_cents = 0 WHERE id = (SELECT min(id) FROM ledger_entries)`,
		`TRUNCATE ledger_entries CASCADE`, // CASCADE: past the foreign keys that refuse it first
	} {
		if _, err := e.store.DB().Exec(q); err == nil || !strings.Contains(err.Error(), "never modified") {
			t.Errorf("%s: %v", q, err)
		}
	}
	var n int
	mustGet(t, e.store.DB(), &n, `SELECT count(*) FROM ledger_entries`)
	if n == 0 {
		t.Fatal("the demo ledger is empty")
	}
}
