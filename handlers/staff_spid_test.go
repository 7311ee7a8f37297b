package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
)

// TestStaffSignInWithSPID: the administrator sets a staff member's codice
// fiscale and allows SPID for staff; that member then signs in by SPID
// straight into the staff area (no TOTP step), and only while allowed.
func TestStaffSignInWithSPID(t *testing.T) {
	t.Parallel()
	se := newSAMLEnv(t)
	const staffCF = "GDASDV00A01H501J" // nobody in the registry
	var opID int64
	mustGet(t, se.store.DB(), &opID, `SELECT id FROM accounts WHERE username = 'operatore'`)

	admin := staffSignedIn(t, se.env, "amministratore", "Impostazioni-Comune-2026")
	page := admin.get("/demo/operatori/impostazioni/operatori")
	wantStatus(t, page, http.StatusOK)
	mustContain(t, page, "operatore", "Azzera il codice", "non è attivo")
	form := fmt.Sprintf("/demo/operatori/impostazioni/operatori/%d", opID)
	bad := admin.post(form, url.Values{"codice_fiscale": {"GDASDV00A01H501X"}})
	wantStatus(t, bad, http.StatusUnprocessableEntity)
	mustContain(t, bad, `aria-invalid="true"`, "carattere di controllo", "GDASDV00A01H501X")
	wantStatus(t, admin.post(form, url.Values{"codice_fiscale": {" gdasdv00a01h501j "}}), http.StatusSeeOther)
	if auditCount(t, se.store, "staff_fiscal_code", "success") != 1 {
		t.Fatal("setting a staff CF is not audited")
	}
	// a plain staff member cannot open the administrator's page
	op := staffSignedIn(t, se.env, "operatore", "Ufficio-Scuola-2026")
	wantStatus(t, op.get("/demo/operatori/impostazioni/operatori"), http.StatusForbidden)

	// SPID for staff off: the same CF is nobody
	b := se.browser()
	s := se.start(b, "spid")
	p := se.post(b, "spid", se.spid, se.answer("spid", s, setCF(staffCF)), s.relay)
	wantStatus(t, p, http.StatusForbidden)

	se.store.DB().MustExec(`UPDATE installations SET staff_spid = true WHERE code = 'demo'`)
	b = se.browser()
	s = se.start(b, "spid")
	p = se.post(b, "spid", se.spid, se.answer("spid", s, setCF(staffCF)), s.relay)
	wantStatus(t, p, http.StatusSeeOther)
	if p.loc != "/demo/operatori" {
		t.Fatalf("staff SPID sign-in went to %q", p.loc)
	}
	home := b.get("/demo/operatori")
	wantStatus(t, home, http.StatusOK) // no TOTP step: SPID is already two factors
	var n int
	mustGet(t, se.store.DB(), &n, `SELECT count(*) FROM audit_log WHERE action = 'login' AND outcome = 'success' AND detail->>'staff' = 'true'`)
	if n != 1 {
		t.Fatalf("staff SPID sign-in audited %d times", n)
	}
	// parents still sign in as before
	b2 := se.browser()
	s2 := se.start(b2, "spid")
	p2 := se.post(b2, "spid", se.spid, se.answer("spid", s2, nil), s2.relay)
	if p2.loc != "/demo/famiglia" {
		t.Fatalf("parent SPID sign-in went to %q", p2.loc)
	}
}
