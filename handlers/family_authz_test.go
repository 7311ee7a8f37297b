package handlers_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"portalegenitori/internal/password"
)

// familyRoutes are every route of the family area for a child and service.
func familyRoutes(child, service int64) []string {
	return []string{
		"/famiglia",
		fmt.Sprintf("/presenze/%d/%d", child, service),
		fmt.Sprintf("/presenze/%d/%d?mese=2026-10&giorno=2026-10-14", child, service),
		"/pagamenti",
		fmt.Sprintf("/pagamenti?bambino=%d", child),
		"/pagamenti/movimenti.csv",
		"/pagamenti/estratto",
		"/attestazioni", "/attestazioni/2026", "/attestazioni/2026/pdf", // certificate_*.go
		"/messaggi", "/messaggi/1", // messages_list.go
	}
}

// wantSentTo checks that each of the routes, under prefix, redirects b to
// loc.
func wantSentTo(t *testing.T, b *browser, prefix string, routes []string, loc string) {
	t.Helper()
	for _, r := range routes {
		p := b.get(prefix + r)
		wantStatus(t, p, http.StatusSeeOther)
		if p.loc != loc {
			t.Fatalf("%s: sent to %q, want %q", r, p.loc, loc)
		}
	}
}

func TestFamilyAreaNeedsSignIn(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := demoFamily(t, e)
	b := e.browser()
	for _, r := range familyRoutes(f.luca, f.mensa) {
		p := b.get("/demo" + r)
		wantStatus(t, p, http.StatusSeeOther)
		if !strings.HasPrefix(p.loc, "/demo/accesso?next=/demo/") {
			t.Fatalf("%s: redirect to %q", r, p.loc)
		}
		// htmx swaps get a full-page redirect, never a login form inside the calendar
		p = b.get("/demo"+r, "HX-Request", "true")
		if p.header.Get("HX-Redirect") == "" || strings.Contains(p.body, "Luca") {
			t.Fatalf("%s (htmx): status %d, HX-Redirect %q", r, p.status, p.header.Get("HX-Redirect"))
		}
	}
}

func TestFamilyAreaSendsStaffAway(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := demoFamily(t, e)
	b := staffSignedIn(t, e, "operatore", "Ufficio-Scuola-2026")
	wantSentTo(t, b, "/demo", familyRoutes(f.luca, f.mensa), "/demo/operatori")
}

func TestStaleLinkHidesEverything(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := demoFamily(t, e)
	b := signedIn(t, e, "paolo.neri", "Profilo-Vecchio-2026")
	p := b.get("/demo/famiglia")
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, "codice fiscale registrato")
	mustNotContain(t, p, "Pietro", "Il tuo saldo", "Saldo di")
	wantSentTo(t, b, "/demo", familyRoutes(f.pietro, f.mensa)[1:], "/demo/famiglia")
}

// TestAnotherFamilysIDs: every route answers 404 to IDs of another family,
// guessed or swapped, with the same page whether or not the row exists.
func TestAnotherFamilysIDs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := demoFamily(t, e)
	e.store.DB().MustExec(`UPDATE accounts SET must_change_password = false WHERE username = 'giulia.bianchi'`)
	giulia := signedIn(t, e, "giulia.bianchi", "Primo-Accesso-2026")
	// her own child works
	wantStatus(t, giulia.get(fmt.Sprintf("/demo/presenze/%d/%d", f.elena, f.mensa)), http.StatusOK)
	notFound := []string{
		fmt.Sprintf("/demo/presenze/%d/%d", f.luca, f.mensa),                               // another family's child
		fmt.Sprintf("/demo/presenze/%d/%d?mese=2026-10&giorno=2026-10-14", f.sofia, f.pre), // with a day
		fmt.Sprintf("/demo/presenze/%d/%d", f.elena, f.trasporto),                          // own child, service not enrolled
		fmt.Sprintf("/demo/presenze/%d/%d", 999999, f.mensa),                               // guessed child
		fmt.Sprintf("/demo/presenze/%d/%d", f.elena, 999999),                               // guessed service
		"/demo/presenze/abc/1", "/demo/presenze/-1/1", "/demo/presenze/0/0", // not IDs
		fmt.Sprintf("/demo/pagamenti?pagante=%d", f.mario),      // another payer
		fmt.Sprintf("/demo/pagamenti?bambino=%d", f.luca),       // another family's child
		fmt.Sprintf("/demo/pagamenti?servizio=%d", f.trasporto), // a service she has not
		fmt.Sprintf("/demo/pagamenti/movimenti.csv?pagante=%d", f.mario),
		fmt.Sprintf("/demo/pagamenti/movimenti.csv?bambino=%d", f.luca),
		fmt.Sprintf("/demo/pagamenti/estratto?pagante=%d", f.mario),
		fmt.Sprintf("/demo/pagamenti/estratto?bambino=%d", f.sofia),
		"/demo/pagamenti?pagante=abc", "/demo/pagamenti?bambino=1e3",
	}
	var first string
	for _, path := range notFound {
		p := giulia.get(path)
		wantStatus(t, p, http.StatusNotFound)
		mustNotContain(t, p, "Luca", "Sofia", "Mario", "RF18")
		if first == "" {
			first = p.body
		}
	}
	// her own pages never show the Rossi family
	for _, path := range []string{"/demo/famiglia", "/demo/pagamenti", "/demo/pagamenti/movimenti.csv", "/demo/pagamenti/estratto"} {
		p := giulia.get(path)
		wantStatus(t, p, http.StatusOK)
		mustNotContain(t, p, "Luca", "Sofia", "Mario", "RF18", "RF47")
		if path == "/demo/pagamenti" {
			mustContain(t, p, "RF02 0000")
		}
	}
}

// TestAnotherInstallationsIDs: a parent of another Comune, with the demo
// IDs in the URL, sees nothing of the demo Comune; a demo session is not
// signed in there.
func TestAnotherInstallationsIDs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := demoFamily(t, e)
	q := e.store.DB()
	hash, _ := password.Hash("Altro-Comune-2026")
	q.MustExec(`INSERT INTO installations (code, name) VALUES ('terzo', 'Comune Terzo')`)
	const terzo = `(SELECT id FROM installations WHERE code = 'terzo')`
	q.MustExec(`INSERT INTO adults (installation_id, fiscal_code, first_name, last_name) VALUES (` + terzo + `, 'BNCLRD80A01H501Z', 'Leonardo', 'Bianco')`)
	q.MustExec(`INSERT INTO children (installation_id, fiscal_code, first_name, last_name, birth_date) VALUES (` + terzo + `, 'BNCMRT18A41H501Z', 'Marta', 'Bianco', '2018-01-01')`)
	q.MustExec(`INSERT INTO guardianships (installation_id, child_id, adult_id, role) SELECT c.installation_id, c.id, a.id, 'payer'
		FROM children c JOIN adults a ON a.installation_id = c.installation_id WHERE c.installation_id = ` + terzo)
	q.MustExec(`INSERT INTO services (installation_id, kind, name) VALUES (` + terzo + `, 'mensa', 'Refezione')`)
	q.MustExec(`INSERT INTO enrollments (installation_id, child_id, service_id, school_year, starts_on, ends_on, tariff_cents)
		SELECT c.installation_id, c.id, s.id, 2026, '2026-09-07', '2027-06-30', 500 FROM children c JOIN services s ON s.installation_id = c.installation_id WHERE c.installation_id = ` + terzo)
	q.MustExec(`INSERT INTO accounts (installation_id, username, password_hash, role, adult_id, linked_fiscal_code)
		SELECT installation_id, 'leo.bianco', $1, 'parent', id, fiscal_code FROM adults WHERE installation_id = `+terzo, hash)
	q.MustExec(`INSERT INTO accounts (installation_id, username, password_hash, role) VALUES (`+terzo+`, 'senza.profilo', $1, 'parent')`, hash)
	var marta, refezione int64
	mustGet(t, q, &marta, `SELECT id FROM children WHERE first_name = 'Marta'`)
	mustGet(t, q, &refezione, `SELECT id FROM services WHERE name = 'Refezione'`)

	leo := e.browser()
	wantStatus(t, leo.login("terzo", "leo.bianco", "Altro-Comune-2026"), http.StatusSeeOther)
	wantStatus(t, leo.get(fmt.Sprintf("/terzo/presenze/%d/%d", marta, refezione)), http.StatusOK)
	for _, path := range []string{
		fmt.Sprintf("/terzo/presenze/%d/%d", f.luca, f.mensa),
		fmt.Sprintf("/terzo/presenze/%d/%d", marta, f.mensa), // own child, the demo service
		fmt.Sprintf("/terzo/pagamenti?pagante=%d", f.mario),
		fmt.Sprintf("/terzo/pagamenti?bambino=%d", f.luca),
		fmt.Sprintf("/terzo/pagamenti/movimenti.csv?pagante=%d", f.mario),
		fmt.Sprintf("/terzo/pagamenti/estratto?pagante=%d", f.mario),
	} {
		p := leo.get(path)
		wantStatus(t, p, http.StatusNotFound)
		mustNotContain(t, p, "Luca", "Mario")
	}
	p := leo.get("/terzo/pagamenti")
	wantStatus(t, p, http.StatusOK)
	mustNotContain(t, p, "RF18", "Luca")
	// the demo session with Leo's IDs: 404 in demo, not signed in at terzo
	mario := signedIn(t, e, "mario.rossi", "Mensa-Scuola-2026")
	wantStatus(t, mario.get(fmt.Sprintf("/demo/presenze/%d/%d", marta, refezione)), http.StatusNotFound)
	wantStatus(t, mario.get(fmt.Sprintf("/demo/presenze/%d/%d", f.luca, refezione)), http.StatusNotFound)
	for _, r := range familyRoutes(marta, refezione) {
		p := mario.get("/terzo" + r)
		wantStatus(t, p, http.StatusSeeOther)
		if !strings.HasPrefix(p.loc, "/terzo/accesso") {
			t.Fatalf("%s: %q", r, p.loc)
		}
	}
	// an account not linked to the registry is sent to the explanation
	nobody := e.browser()
	wantStatus(t, nobody.login("terzo", "senza.profilo", "Altro-Comune-2026"), http.StatusSeeOther)
	wantSentTo(t, nobody, "/terzo", familyRoutes(marta, refezione)[1:], "/terzo/famiglia")
	mustContain(t, nobody.get("/terzo/famiglia"), "non è collegato")
}
