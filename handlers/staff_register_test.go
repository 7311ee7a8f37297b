package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// attendanceRow is what the register stores for a child and day.
type attendanceRow struct {
	Child      int64     `db:"child_id"`
	Status     string    `db:"status"`
	Source     string    `db:"source"`
	RecordedAt time.Time `db:"recorded_at"`
}

func attendanceOn(t *testing.T, e *env, service int64, day string) map[int64]attendanceRow {
	t.Helper()
	var rows []attendanceRow
	if err := e.store.DB().Select(&rows, `SELECT child_id, status, source, recorded_at FROM attendance WHERE service_id = $1 AND day = $2`, service, day); err != nil {
		t.Fatal(err)
	}
	out := make(map[int64]attendanceRow, len(rows))
	for _, r := range rows {
		out[r.Child] = r
	}
	return out
}

var (
	reWas     = regexp.MustCompile(`name="was-(\d+)" value="([a-z_]*)"`)
	reChecked = regexp.MustCompile(`name="s-(\d+)" value="([a-z]+)" checked`)
)

// registerForm is the form "Salva il registro" posts for the page as shown:
// the checked choices and what each row showed.
func registerForm(body string, school, service int64, day string) url.Values {
	form := url.Values{"scuola": {fmt.Sprint(school)}, "servizio": {fmt.Sprint(service)}, "classe": {""}, "giorno": {day},
		"service": {fmt.Sprint(service)}, "day": {day}}
	for _, m := range reWas.FindAllStringSubmatch(body, -1) {
		form.Set("was-"+m[1], m[2])
	}
	for _, m := range reChecked.FindAllStringSubmatch(body, -1) {
		form.Set("s-"+m[1], m[2])
	}
	return form
}

// TestStaffRegisterRules: a register shows only service days; it shows a
// parent's notified absence as such and saving the whole register keeps
// it; rows the clerk did not change are not written, even when someone
// else changed them meanwhile; a changed row is.
func TestStaffRegisterRules(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := demoFamily(t, e)
	b := staffSignedIn(t, e, "operatore", "Ufficio-Scuola-2026")
	var school int64
	if err := e.store.DB().Get(&school, `SELECT school_id FROM children WHERE id = $1`, f.luca); err != nil {
		t.Fatal(err)
	}
	reg := func(day string) string {
		return fmt.Sprintf("/demo/operatori/presenze?scuola=%d&servizio=%d&classe=&giorno=%s", school, f.mensa, day)
	}

	// Saturday 17 October 2026: no service, nothing to mark
	const saturday = "2026-10-17"
	p := b.get(reg(saturday))
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, "Nessun servizio in questo giorno")
	mustNotContain(t, p, `name="s-`, "Salva il registro")
	p = b.post("/demo/operatori/presenze/segna", url.Values{"child": {fmt.Sprint(f.luca)}, "service": {fmt.Sprint(f.mensa)},
		"day": {saturday}, "status": {"present"}}, "HX-Request", "true")
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, "Non salvato")
	mustNotContain(t, p, "data-stored")
	p = b.post("/demo/operatori/presenze", url.Values{"scuola": {fmt.Sprint(school)}, "servizio": {fmt.Sprint(f.mensa)}, "giorno": {saturday},
		"s-" + fmt.Sprint(f.luca): {"present"}})
	wantStatus(t, p, http.StatusSeeOther)
	if got := attendanceOn(t, e, f.mensa, saturday); len(got) != 0 {
		t.Fatalf("a Saturday got attendance records: %+v", got)
	}

	// Monday 12 October 2026: Luca's parent notified his absence
	const monday = "2026-10-12"
	before := attendanceOn(t, e, f.mensa, monday)
	if before[f.luca].Status != "absence_notified" {
		t.Fatalf("demo data: Luca on %s is %+v, want a notified absence", monday, before[f.luca])
	}
	p = b.get(reg(monday))
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, "Assenza comunicata dal genitore")
	if regexp.MustCompile(fmt.Sprintf(`name="s-%d" value="[a-z]+" checked`, f.luca)).MatchString(p.body) {
		t.Errorf("Luca's notified absence shows a choice ticked:\n%s", p.body)
	}
	shown := registerForm(p.body, school, f.mensa, monday)
	marks0 := auditCount(t, e.store, "attendance_mark", "success") + auditCount(t, e.store, "attendance_mark", "correction")

	// meanwhile another clerk corrects a row the page shows as recorded
	var other int64
	for id, r := range before {
		if id != f.luca && (r.Status == "present" || r.Status == "absent") {
			other = id
			break
		}
	}
	if other == 0 {
		t.Fatalf("demo data: no other recorded child on %s: %+v", monday, before)
	}
	flip := map[string]string{"present": "absent", "absent": "present"}[before[other].Status]
	p = b.post("/demo/operatori/presenze/segna", url.Values{"child": {fmt.Sprint(other)}, "service": {fmt.Sprint(f.mensa)},
		"day": {monday}, "status": {flip}}, "HX-Request", "true")
	mustContain(t, p, "data-stored")
	meanwhile := attendanceOn(t, e, f.mensa, monday)

	// "Salva il registro" on the page as it was shown: nothing is written
	p = b.post("/demo/operatori/presenze", shown)
	wantStatus(t, p, http.StatusSeeOther)
	after := attendanceOn(t, e, f.mensa, monday)
	for id, r := range meanwhile {
		if !after[id].RecordedAt.Equal(r.RecordedAt) || after[id].Status != r.Status || after[id].Source != r.Source {
			t.Errorf("child %d: %+v became %+v although the clerk did not change the row", id, r, after[id])
		}
	}
	if after[f.luca].Status != "absence_notified" {
		t.Errorf("the notified absence became %+v after saving the whole register", after[f.luca])
	}
	if n := auditCount(t, e.store, "attendance_mark", "success") + auditCount(t, e.store, "attendance_mark", "correction"); n != marks0+1 {
		t.Errorf("attendance marks in the audit log: %d, want %d (only the other clerk's)", n, marks0+1)
	}

	// a changed row is written, and only it: Luca came after all
	form := registerForm(b.get(reg(monday)).body, school, f.mensa, monday)
	form.Set(fmt.Sprintf("s-%d", f.luca), "present")
	p = b.post("/demo/operatori/presenze", form)
	wantStatus(t, p, http.StatusSeeOther)
	final := attendanceOn(t, e, f.mensa, monday)
	if final[f.luca].Status != "present" || final[f.luca].Source != "staff" {
		t.Errorf("Luca after the clerk chose Present: %+v", final[f.luca])
	}
	for id, r := range after {
		if id != f.luca && (!final[id].RecordedAt.Equal(r.RecordedAt) || final[id].Status != r.Status) {
			t.Errorf("child %d: %+v became %+v", id, r, final[id])
		}
	}
}

// TestStaffRegisterSaveAllOrNothing: "Salva il registro" is one
// transaction. When one changed row is refused (here the child's enrolment
// ended after the page was loaded) nothing is stored, the page names the
// row and why, and every other choice stays ticked; the same save once the
// row is valid stores every changed row and its charge, and a replay of it
// changes nothing.
func TestStaffRegisterSaveAllOrNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := demoFamily(t, e)
	b := staffSignedIn(t, e, "operatore", "Ufficio-Scuola-2026")
	var school int64
	mustGet(t, e.store.DB(), &school, `SELECT school_id FROM children WHERE id = $1`, f.luca)
	// a future school day with no closure: nothing recorded yet
	const day = "2027-03-03"
	p := b.get(fmt.Sprintf("/demo/operatori/presenze?scuola=%d&servizio=%d&classe=&giorno=%s", school, f.mensa, day))
	wantStatus(t, p, http.StatusOK)
	form := registerForm(p.body, school, f.mensa, day)
	var rows []string
	for k := range form {
		if id, ok := strings.CutPrefix(k, "was-"); ok {
			rows = append(rows, id)
			form.Set("s-"+id, "present")
		}
	}
	if len(rows) < 2 || form.Get(fmt.Sprintf("was-%d", f.luca)) != "" {
		t.Fatalf("demo data: the register of %s lists %v", day, rows)
	}
	stored := func() (att, charges, audits int) {
		mustGet(t, e.store.DB(), &att, `SELECT count(*) FROM attendance WHERE service_id = $1 AND day = $2`, f.mensa, day)
		mustGet(t, e.store.DB(), &charges, `SELECT count(*) FROM ledger_entries WHERE service_id = $1 AND attendance_day = $2`, f.mensa, day)
		audits = auditCount(t, e.store, "attendance_mark", "success") + auditCount(t, e.store, "attendance_mark", "correction")
		return
	}
	att0, charges0, audits0 := stored()
	if att0 != 0 || charges0 != 0 {
		t.Fatalf("demo data: %s already has %d attendance rows, %d ledger entries", day, att0, charges0)
	}

	// meanwhile Luca's canteen enrolment ends the day before
	var ends time.Time
	mustGet(t, e.store.DB(), &ends, `SELECT ends_on FROM enrollments WHERE child_id = $1 AND service_id = $2 AND $3::date BETWEEN starts_on AND ends_on`, f.luca, f.mensa, day)
	mustExec := func(q string, args ...any) {
		t.Helper()
		if _, err := e.store.DB().Exec(q, args...); err != nil {
			t.Fatal(err)
		}
	}
	mustExec(`UPDATE enrollments SET ends_on = '2027-03-02' WHERE child_id = $1 AND service_id = $2 AND ends_on = $3`, f.luca, f.mensa, ends)
	p = b.post("/demo/operatori/presenze", form)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, "Registro non salvato", "Rossi Luca", "Il bambino non è iscritto al servizio in questo giorno.")
	if att, charges, audits := stored(); att != 0 || charges != 0 || audits != audits0 {
		t.Fatalf("a refused save stored %d attendance rows, %d ledger entries, %d audit marks", att, charges, audits-audits0)
	}
	kept := registerForm(p.body, school, f.mensa, day)
	for _, id := range rows {
		if id == fmt.Sprint(f.luca) {
			continue // no longer in the list: named in the message
		}
		if kept.Get("s-"+id) != "present" || kept.Get("was-"+id) != "" {
			t.Errorf("row %s after the refused save: choice %q, shown %q; want the clerk's Present kept", id, kept.Get("s-"+id), kept.Get("was-"+id))
		}
	}

	// the enrolment back: the same save stores every row and its charge
	mustExec(`UPDATE enrollments SET ends_on = $3 WHERE child_id = $1 AND service_id = $2 AND ends_on = '2027-03-02'`, f.luca, f.mensa, ends)
	p = b.post("/demo/operatori/presenze", form)
	wantStatus(t, p, http.StatusSeeOther)
	att, charges, audits := stored()
	if att != len(rows) || audits != audits0+len(rows) {
		t.Fatalf("after the save: %d attendance rows, %d audit marks; want %d", att, audits-audits0, len(rows))
	}
	var lucaCharges int
	mustGet(t, e.store.DB(), &lucaCharges, `SELECT count(*) FROM ledger_entries WHERE child_id = $1 AND service_id = $2 AND attendance_day = $3 AND kind = 'charge'`, f.luca, f.mensa, day)
	if lucaCharges != 1 || charges < 1 {
		t.Fatalf("charges of the day: Luca %d, all %d", lucaCharges, charges)
	}
	for _, r := range attendanceOn(t, e, f.mensa, day) {
		if r.Status != "present" || r.Source != "staff" {
			t.Errorf("child %d: %+v", r.Child, r)
		}
	}
	before := attendanceOn(t, e, f.mensa, day)

	// a replay of the same POST changes nothing
	p = b.post("/demo/operatori/presenze", form)
	wantStatus(t, p, http.StatusSeeOther)
	if att2, charges2, audits2 := stored(); att2 != att || charges2 != charges || audits2 != audits {
		t.Fatalf("the replay changed the day: %d/%d attendance, %d/%d ledger entries, %d/%d audit marks", att2, att, charges2, charges, audits2, audits)
	}
	for id, r := range attendanceOn(t, e, f.mensa, day) {
		if !r.RecordedAt.Equal(before[id].RecordedAt) {
			t.Errorf("child %d rewritten by the replay: %+v, was %+v", id, r, before[id])
		}
	}

	// the day closed meanwhile: a correction of every row is refused whole
	fix := registerForm(b.get(fmt.Sprintf("/demo/operatori/presenze?scuola=%d&servizio=%d&classe=&giorno=%s", school, f.mensa, day)).body, school, f.mensa, day)
	for _, id := range rows {
		fix.Set("s-"+id, "absent")
	}
	mustExec(`INSERT INTO closures (installation_id, day, description) SELECT installation_id, $2, 'Sciopero' FROM children WHERE id = $1`, f.luca, day)
	p = b.post("/demo/operatori/presenze", fix)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, "Registro non salvato", "Il servizio è chiuso in questo giorno.")
	if att2, charges2, audits2 := stored(); att2 != att || charges2 != charges || audits2 != audits {
		t.Fatalf("a save refused by a closure changed the day: %d/%d attendance, %d/%d ledger entries, %d/%d audit marks", att2, att, charges2, charges, audits2, audits)
	}
	for id, r := range attendanceOn(t, e, f.mensa, day) {
		if r.Status != "present" || !r.RecordedAt.Equal(before[id].RecordedAt) {
			t.Errorf("child %d after a save refused by a closure: %+v, was %+v", id, r, before[id])
		}
	}
}
