package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"
)

func TestStaffCatalogueRetireRenameDelete(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := demoFamily(t, e)
	clerk := staffSignedIn(t, e, "operatore", "Ufficio-Scuola-2026")
	var diet int64
	mustGet(t, e.store.DB(), &diet, `SELECT diet_id FROM enrollments WHERE diet_id IS NOT NULL AND ends_on >= current_date LIMIT 1`)
	base := "/demo/operatori/catalogo/voce/"

	// a diet some children still have cannot be retired, nor deleted
	p := clerk.post(fmt.Sprintf("%sdiet/%d/ritira", base, diet), url.Values{})
	wantStatus(t, p, http.StatusSeeOther)
	mustContain(t, clerk.get(p.loc), "Non si può ritirare")
	p = clerk.post(fmt.Sprintf("%sdiet/%d/elimina", base, diet), url.Values{})
	mustContain(t, clerk.get(p.loc), "Non si può eliminare")
	var retired bool
	mustGet(t, e.store.DB(), &retired, `SELECT retired_at IS NOT NULL FROM diets WHERE id = $1`, diet)
	if retired {
		t.Fatal("a diet in use was retired")
	}
	// rename: an empty name is refused next to its field
	p = clerk.post(fmt.Sprintf("%sdiet/%d/nome", base, diet), url.Values{"name": {""}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, fmt.Sprintf(`id="rename-diet-%d-error"`, diet))
	wantStatus(t, clerk.post(fmt.Sprintf("%sdiet/%d/nome", base, diet), url.Values{"name": {"Senza glutine (celiachia)"}}), http.StatusSeeOther)
	mustContain(t, clerk.get("/demo/operatori/catalogo"), "Senza glutine (celiachia)")

	// a new school added by mistake: deleted; a school with children: only retired when nobody is served
	wantStatus(t, clerk.post("/demo/operatori/catalogo", url.Values{"what": {"school"}, "name-school": {"Scuola per errore"}}), http.StatusSeeOther)
	var school int64
	mustGet(t, e.store.DB(), &school, `SELECT id FROM schools WHERE name = 'Scuola per errore'`)
	wantStatus(t, clerk.post(fmt.Sprintf("%sschool/%d/elimina", base, school), url.Values{}), http.StatusSeeOther)
	var n int
	mustGet(t, e.store.DB(), &n, `SELECT count(*) FROM schools WHERE id = $1`, school)
	if n != 0 {
		t.Fatal("an unused school was not deleted")
	}
	// a retired service leaves the choices of a new enrollment, stays in the history
	wantStatus(t, clerk.post("/demo/operatori/catalogo", url.Values{"what": {"service"}, "name-service": {"Centro estivo"}, "kind": {"nido"}}), http.StatusSeeOther)
	var svc int64
	mustGet(t, e.store.DB(), &svc, `SELECT id FROM services WHERE name = 'Centro estivo'`)
	mustContain(t, clerk.get(fmt.Sprintf("/demo/operatori/bambini/%d", f.luca)), "Centro estivo")
	wantStatus(t, clerk.post(fmt.Sprintf("%sservice/%d/ritira", base, svc), url.Values{}), http.StatusSeeOther)
	mustNotContain(t, clerk.get(fmt.Sprintf("/demo/operatori/bambini/%d", f.luca)), "Centro estivo")
	mustContain(t, clerk.get("/demo/operatori/catalogo"), "Ritirato")
	wantStatus(t, clerk.post(fmt.Sprintf("%sservice/%d/ripristina", base, svc), url.Values{}), http.StatusSeeOther)
	mustContain(t, clerk.get(fmt.Sprintf("/demo/operatori/bambini/%d", f.luca)), "Centro estivo")

	// another Comune's id: not found
	wantStatus(t, clerk.post(fmt.Sprintf("%sdiet/%d/nome", base, 999999), url.Values{"name": {"x"}}), http.StatusNotFound)
}

func TestStaffClosureDayReversesCharges(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := demoFamily(t, e)
	clerk := staffSignedIn(t, e, "operatore", "Ufficio-Scuola-2026")
	var day time.Time
	mustGet(t, e.store.DB(), &day, `SELECT attendance_day FROM ledger_entries WHERE child_id = $1 AND service_id = $2 AND kind = 'charge'
		ORDER BY attendance_day DESC LIMIT 1`, f.luca, f.mensa)
	var charged int
	mustGet(t, e.store.DB(), &charged, `SELECT count(*) FROM ledger_entries l WHERE attendance_day = $1 AND kind = 'charge'
		AND NOT EXISTS (SELECT 1 FROM ledger_entries r WHERE r.reverses_id = l.id)`, day)
	before := ledgerBalance(t, e, f.mario)

	p := clerk.post("/demo/operatori/catalogo/chiusure", url.Values{"closure-day": {day.Format(time.DateOnly)}, "closure-description": {""}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, `id="closure-description-error"`, day.Format(time.DateOnly))
	p = clerk.post("/demo/operatori/catalogo/chiusure", url.Values{"closure-day": {day.Format(time.DateOnly)}, "closure-description": {"Sciopero"}})
	wantStatus(t, p, http.StatusSeeOther)
	mustContain(t, clerk.get(p.loc), fmt.Sprintf("Addebiti stornati: %d", charged))
	var left, days int
	mustGet(t, e.store.DB(), &left, `SELECT count(*) FROM ledger_entries l WHERE attendance_day = $1 AND kind = 'charge'
		AND NOT EXISTS (SELECT 1 FROM ledger_entries r WHERE r.reverses_id = l.id)`, day)
	mustGet(t, e.store.DB(), &days, `SELECT count(*) FROM attendance WHERE day = $1`, day)
	if left != 0 || days != 0 || ledgerBalance(t, e, f.mario) <= before {
		t.Fatalf("after closing %s: %d live charges, %d days recorded, balance %d (before %d)", day.Format(time.DateOnly), left, days, ledgerBalance(t, e, f.mario), before)
	}
	// closing it again (a rename) reverses nothing twice
	wantStatus(t, clerk.post("/demo/operatori/catalogo/chiusure", url.Values{"closure-day": {day.Format(time.DateOnly)}, "closure-description": {"Sciopero generale"}}), http.StatusSeeOther)
	after := ledgerBalance(t, e, f.mario)
	var desc string
	mustGet(t, e.store.DB(), &desc, `SELECT description FROM closures WHERE day = $1 AND installation_id = (SELECT installation_id FROM children WHERE id = $2)`, day, f.luca)
	if desc != "Sciopero generale" || after != ledgerBalance(t, e, f.mario) {
		t.Fatalf("rename: %q", desc)
	}
	// a past closure stays; a future one can be removed
	p = clerk.post("/demo/operatori/catalogo/chiusure/"+day.Format(time.DateOnly)+"/elimina", url.Values{})
	if day.Before(time.Now().Truncate(24 * time.Hour)) {
		mustContain(t, clerk.get(p.loc), "resta nello storico")
	}
}
