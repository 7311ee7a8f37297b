package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
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
