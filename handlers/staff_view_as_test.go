package handlers_test

import (
	"fmt"
	"net/http"
	"regexp"
	"testing"
)

// TestStaffViewAsFamily: staff read the whole family area as the family sees
// it — home, calendar, payments, CSV, statement — with every link kept under
// the view-as path, each read audited; parents cannot use these routes.
func TestStaffViewAsFamily(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var marioAdult int64
	mustGet(t, e.store.DB(), &marioAdult, `SELECT adult_id FROM accounts WHERE username = 'mario.rossi'`)
	prefix := fmt.Sprintf("/demo/operatori/adulti/%d/come-famiglia", marioAdult)

	s := staffSignedIn(t, e, "operatore", "Ufficio-Scuola-2026")
	home := s.get(prefix)
	wantStatus(t, home, http.StatusOK)
	mustContain(t, home, "Luca", "Sofia", "sola lettura", prefix+"/pagamenti")
	cal := regexp.MustCompile(regexp.QuoteMeta(prefix) + `/presenze/\d+/\d+`).FindString(home.body)
	if cal == "" {
		t.Fatal("the family home seen by staff has no calendar link under the view-as path")
	}
	p := s.get(cal + "?mese=2026-10")
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, "<caption", prefix+"/presenze/", "sola lettura")
	mustNotContain(t, p, `href="/demo/presenze/`, `href="/demo/pagamenti"`)

	pay := s.get(prefix + "/pagamenti")
	wantStatus(t, pay, http.StatusOK)
	mustContain(t, pay, `action="`+prefix+`/pagamenti"`, prefix+"/pagamenti/movimenti.csv")
	mustNotContain(t, pay, `href="/demo/pagamenti`)
	csv := s.get(prefix + "/pagamenti/movimenti.csv")
	wantStatus(t, csv, http.StatusOK)
	wantStatus(t, s.get(prefix+"/pagamenti/estratto"), http.StatusOK)

	var audited int
	mustGet(t, e.store.DB(), &audited, `SELECT count(*) FROM audit_log WHERE action = 'view_as_family'`)
	if audited < 5 {
		t.Fatalf("view-as reads audited %d times, want one per page (≥ 5)", audited)
	}
	// another installation's adult ID or a guessed one: nothing
	wantStatus(t, s.get("/demo/operatori/adulti/999999/come-famiglia/pagamenti"), http.StatusNotFound)

	parent := e.browser()
	wantStatus(t, parent.login("demo", "laura.rossi", "Diario-Scuola-2026"), http.StatusSeeOther)
	wantStatus(t, parent.get(prefix+"/pagamenti"), http.StatusForbidden)
	wantStatus(t, parent.get(cal), http.StatusForbidden)
}
