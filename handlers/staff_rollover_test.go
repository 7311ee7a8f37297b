package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"portalegenitori/db"
)

func TestYearRolloverFamilyInTwoSchools(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := demoFamily(t, e)
	q := e.store.DB()
	admin := staffSignedIn(t, e, "amministratore", "Impostazioni-Comune-2026")
	var primaria, infanzia, inst int64
	mustGet(t, q, &primaria, `SELECT school_id FROM children WHERE id = $1`, f.luca)
	mustGet(t, q, &infanzia, `SELECT school_id FROM children WHERE id = $1`, f.sofia)
	mustGet(t, q, &inst, `SELECT installation_id FROM children WHERE id = $1`, f.luca)
	wantStatus(t, admin.get("/demo/operatori/impostazioni/anno"), http.StatusOK)
	wantStatus(t, admin.post(fmt.Sprintf("/demo/operatori/impostazioni/anno/scuole/%d", primaria), url.Values{"last_class": {"5"}}), http.StatusSeeOther)
	wantStatus(t, admin.post(fmt.Sprintf("/demo/operatori/impostazioni/anno/scuole/%d", infanzia),
		url.Values{"exit_age": {"6"}, "next_school": {fmt.Sprint(primaria)}}), http.StatusSeeOther)

	type snap struct {
		Classes  string `db:"classes"`
		Enrolled int    `db:"enrolled"`
		Balance  int64  `db:"balance"`
	}
	state := func() snap {
		var s snap
		mustGet(t, q, &s, `SELECT (SELECT string_agg(first_name || ':' || school_id || ':' || class_name, ',' ORDER BY id) FROM children WHERE installation_id = $1) AS classes,
			(SELECT count(*) FROM enrollments WHERE installation_id = $1) AS enrolled,
			(SELECT coalesce(sum(amount_cents), 0) FROM ledger_entries WHERE installation_id = $1) AS balance`, inst)
		return s
	}
	var renewable int
	mustGet(t, q, &renewable, `SELECT count(*) FROM enrollments WHERE child_id IN ($1, $2) AND school_year = 2026 AND ends_on >= '2027-06-01'`, f.luca, f.sofia)
	before := state()

	// the preview changes nothing and says what will happen
	query := url.Values{"anno": {"2026"}, "rinnova": {"1"}, "dal": {"2027-09-13"}, "al": {"2028-06-30"}}
	p := admin.get("/demo/operatori/impostazioni/anno/anteprima?" + query.Encode())
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, "Luca Rossi", "4ª B", "Sofia Rossi")
	if state() != before {
		t.Fatal("the preview changed the data")
	}
	bad := url.Values{"anno": {"2026"}, "rinnova": {"1"}, "dal": {"2026-09-13"}, "al": {"2026-06-30"}}
	p = admin.get("/demo/operatori/impostazioni/anno/anteprima?" + bad.Encode())
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, `id="dal-error"`, `id="al-error"`)

	// a run stopped before any family, then two clerks resuming it at once
	id, err := e.store.StartRollover(t.Context(), inst, rolloverOptions(t, query), 0)
	if err != nil {
		t.Fatal(err)
	}
	if done, err := e.store.RolloverStep(t.Context(), inst, id, 0, time.Now().Add(-time.Second)); err != nil || done {
		t.Fatalf("a step past its deadline: done %v, %v", done, err)
	}
	clerk2 := staffSignedIn(t, e, "amministratore", "Impostazioni-Comune-2026")
	pages := atOnce(t, 2, func(i int) (page, error) {
		return []*browser{admin, clerk2}[i].tryPost("/demo/operatori/impostazioni/anno/esegui", query)
	})
	for _, p := range pages {
		if p.status != http.StatusOK {
			t.Fatalf("run: status %d\n%s", p.status, e.logs.String())
		}
	}
	mustContain(t, admin.get("/demo/operatori/impostazioni/anno"), "Completato")

	var luca, sofia struct {
		School int64  `db:"school_id"`
		Class  string `db:"class_name"`
	}
	mustGet(t, q, &luca, `SELECT school_id, class_name FROM children WHERE id = $1`, f.luca)
	mustGet(t, q, &sofia, `SELECT school_id, class_name FROM children WHERE id = $1`, f.sofia)
	if luca.School != primaria || luca.Class != "4ª B" || sofia.School != primaria || sofia.Class != "1" {
		t.Fatalf("after the run: Luca %+v, Sofia %+v", luca, sofia)
	}
	after := state()
	if after.Balance != before.Balance {
		t.Fatalf("balances moved: %d → %d", before.Balance, after.Balance)
	}
	var renewed int
	mustGet(t, q, &renewed, `SELECT count(*) FROM enrollments WHERE child_id IN ($1, $2) AND school_year = 2027
		AND starts_on = '2027-09-13' AND ends_on = '2028-06-30' AND previous_id IS NOT NULL`, f.luca, f.sofia)
	if renewable == 0 || renewed != renewable {
		t.Fatalf("%d enrollments renewed, want %d", renewed, renewable)
	}
	// running it again does nothing twice
	wantStatus(t, admin.post("/demo/operatori/impostazioni/anno/esegui", query), http.StatusOK)
	if s := state(); s != after {
		t.Fatal("a second run changed the data")
	}
	// other options for the same year are refused
	other := url.Values{"anno": {"2026"}, "dal": {"2027-09-13"}, "al": {"2028-06-30"}}
	p = admin.post("/demo/operatori/impostazioni/anno/esegui", other)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, "già iniziato con altre scelte")
}

func rolloverOptions(t *testing.T, v url.Values) db.RolloverOptions {
	t.Helper()
	return db.RolloverOptions{FromYear: 2026, Renew: v.Get("rinnova") == "1", StartsOn: mustDay(v.Get("dal")), EndsOn: mustDay(v.Get("al"))}
}
