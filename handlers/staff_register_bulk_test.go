package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// A school day with the register still open, past its cut-off: the
// latest weekday before today that has no closure.
func pastSchoolDay(t *testing.T, e *env) time.Time {
	t.Helper()
	var d time.Time
	mustGet(t, e.store.DB(), &d, `SELECT d::date FROM generate_series(current_date - 1, current_date - 20, interval '-1 day') d
		WHERE extract(isodow FROM d) < 6 AND NOT EXISTS (SELECT 1 FROM closures c WHERE c.day = d::date) LIMIT 1`)
	return d
}

func TestRegisterAllPresentAndClose(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := demoFamily(t, e)
	q := e.store.DB()
	clerk := staffSignedIn(t, e, "operatore", "Ufficio-Scuola-2026")
	var school, inst int64
	mustGet(t, q, &school, `SELECT school_id FROM children WHERE id = $1`, f.luca)
	mustGet(t, q, &inst, `SELECT installation_id FROM children WHERE id = $1`, f.luca)
	day := pastSchoolDay(t, e)
	// the day as the office finds it: nothing recorded for Luca, Sofia's
	// absence notified, Marco's meal cancelled by his parent
	q.MustExec(`DELETE FROM attendance WHERE installation_id = $1 AND service_id = $2 AND day = $3`, inst, f.mensa, day)
	var marco int64
	mustGet(t, q, &marco, `SELECT id FROM children WHERE first_name = 'Marco' AND installation_id = $1`, inst)
	q.MustExec(`INSERT INTO meal_changes (installation_id, child_id, service_id, day, state, previous, accepted_at, cutoff_at, late,
		account_id, actor_name, channel, receipt_code, request_key, reason)
		VALUES ($1, $2, $3, $4, 'cancelled', 'booked', $4::date - 1, $4::date + time '09:30', false, NULL, 'Anna', 'parent', 'TEST-0001', 'test:marco', '')`,
		inst, marco, f.mensa, day)
	form := url.Values{"scuola": {fmt.Sprint(school)}, "servizio": {fmt.Sprint(f.mensa)}, "classe": {""}, "giorno": {day.Format(time.DateOnly)}}
	p := clerk.post("/demo/operatori/presenze/tutti-presenti", form)
	wantStatus(t, p, http.StatusSeeOther)
	mustContain(t, clerk.get(p.loc), "Segnati presenti:", "Lasciati (pasto disdetto o non prenotato): 1")
	status := func(child int64) string {
		var s string
		_ = q.Get(&s, `SELECT coalesce((SELECT status FROM attendance WHERE child_id = $1 AND service_id = $2 AND day = $3), '')`, child, f.mensa, day)
		return s
	}
	if status(f.luca) != "present" || status(marco) != "" {
		t.Fatalf("Luca %q, Marco %q", status(f.luca), status(marco))
	}
	var charged int
	mustGet(t, q, &charged, `SELECT count(*) FROM ledger_entries WHERE child_id = $1 AND service_id = $2 AND attendance_day = $3 AND kind = 'charge'`, f.luca, f.mensa, day)
	if charged != 1 {
		t.Fatalf("%d charges for Luca's day", charged)
	}
	// again: nothing twice
	wantStatus(t, clerk.post("/demo/operatori/presenze/tutti-presenti", form), http.StatusSeeOther)
	mustGet(t, q, &charged, `SELECT count(*) FROM ledger_entries WHERE child_id = $1 AND service_id = $2 AND attendance_day = $3 AND kind = 'charge'`, f.luca, f.mensa, day)
	if charged != 1 {
		t.Fatalf("%d charges after a second «tutti presenti»", charged)
	}

	// closed: marks are refused until it is opened again
	wantStatus(t, clerk.post("/demo/operatori/presenze/registro/chiudi", form), http.StatusSeeOther)
	reg := "/demo/operatori/presenze?" + form.Encode()
	mustContain(t, clerk.get(reg), "Registro confermato e chiuso da operatore")
	p = clerk.post("/demo/operatori/presenze/segna", url.Values{"child": {fmt.Sprint(f.luca)}, "service": {fmt.Sprint(f.mensa)},
		"day": {day.Format(time.DateOnly)}, "status": {"absent"}}, "HX-Request", "true")
	mustContain(t, p, "il registro del giorno è chiuso")
	if status(f.luca) != "present" {
		t.Fatal("a closed register was changed")
	}
	wantStatus(t, clerk.post("/demo/operatori/presenze/registro/riapri", form), http.StatusSeeOther)
	p = clerk.post("/demo/operatori/presenze/segna", url.Values{"child": {fmt.Sprint(f.luca)}, "service": {fmt.Sprint(f.mensa)},
		"day": {day.Format(time.DateOnly)}, "status": {"absent"}}, "HX-Request", "true")
	mustNotContain(t, p, "chiuso")
	if status(f.luca) != "absent" || auditCount(t, e.store, "register_close", "success") != 1 || auditCount(t, e.store, "register_open", "success") != 1 {
		t.Fatalf("after reopening: %q", status(f.luca))
	}
}
