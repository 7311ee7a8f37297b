package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"portalegenitori/internal/calendar"
)

// nextSchoolDay is the first school day of the demo Comune after today
// (Italian time): with the default rules (same day, 9:30) it is open now.
func nextSchoolDay(t *testing.T, e *env) time.Time {
	t.Helper()
	return schoolDayOnOrAfter(t, e, calendar.DateOf(time.Now().In(calendar.Rome)).AddDate(0, 0, 1))
}

// schoolDayOnOrAfter is the first school day of the demo's mensa from d on.
func schoolDayOnOrAfter(t *testing.T, e *env, d time.Time) time.Time {
	t.Helper()
	for i := 0; i < 60; i, d = i+1, d.AddDate(0, 0, 1) {
		var closed bool
		mustGet(t, e.store.DB(), &closed, `SELECT EXISTS (SELECT 1 FROM closures WHERE installation_id = (SELECT id FROM installations WHERE code = 'demo') AND day = $1)`, d)
		if calendar.ServiceWeekday(d) && !closed {
			return d
		}
	}
	t.Fatal("no school day in 60 days")
	return d
}

func mealURL(child, service int64, day time.Time) string {
	return fmt.Sprintf("/demo/pasti/%d/%d/%s", child, service, day.Format(time.DateOnly))
}

func mealForm(state, key string) url.Values {
	return url.Values{"stato": {state}, "chiave": {key}, "ritorno": {"famiglia"}}
}

func mealChanges(t *testing.T, e *env, child int64, channel string) int {
	t.Helper()
	var n int
	mustGet(t, e.store.DB(), &n, `SELECT count(*) FROM meal_changes WHERE child_id = $1 AND channel = $2 AND request_key LIKE 'test-%'`, child, channel)
	return n
}

func TestMealDayWithoutAndWithJavaScript(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := demoFamily(t, e)
	day := nextSchoolDay(t, e)
	box := fmt.Sprintf(`id="meal-%d-%d-%s"`, f.luca, f.mensa, day.Format(time.DateOnly))
	mario := signedIn(t, e, "mario.rossi", "Mensa-Scuola-2026")
	home := mario.get("/demo/famiglia")
	wantStatus(t, home, http.StatusOK)
	mustContain(t, home, "Prossimi giorni", box, "Disdici il pasto", "Puoi modificarlo fino alle 9:30 di", `name="chiave"`)

	// without JavaScript: POST, 303 back to the panel, the receipt as the flash
	p := mario.post(mealURL(f.luca, f.mensa, day), mealForm("cancelled", "test-key-0001-cancelled"))
	wantStatus(t, p, http.StatusSeeOther)
	if p.loc != "/demo/famiglia#meal-days" {
		t.Fatalf("redirect to %q", p.loc)
	}
	home = mario.get("/demo/famiglia")
	mustContain(t, home, "Pasto di Luca disdetto per", "Ricevuta ", "accettata dal server il", "(termine: le 9:30 di", "Annulla la disdetta",
		"Pasto disdetto: Mario Rossi (dal portale)")
	// a replay (double tap, back and resubmit) changes nothing twice
	wantStatus(t, mario.post(mealURL(f.luca, f.mensa, day), mealForm("cancelled", "test-key-0001-cancelled")), http.StatusSeeOther)
	if n := mealChanges(t, e, f.luca, "parent"); n != 1 {
		t.Fatalf("%d changes after a replay", n)
	}
	var code string
	mustGet(t, e.store.DB(), &code, `SELECT receipt_code FROM meal_changes WHERE child_id = $1 AND request_key LIKE 'test-%'`, f.luca)
	mustContain(t, mario.get("/demo/famiglia"), "ricevuta "+code)
	// the calendar shows it as an absence notified, with the meal box in the day's details
	cal := mario.get(fmt.Sprintf("/demo/presenze/%d/%d?giorno=%s", f.luca, f.mensa, day.Format(time.DateOnly)))
	wantStatus(t, cal, http.StatusOK)
	mustContain(t, cal, "Assenza comunicata", box, "Chi ha modificato e quando", code)

	// the other guardian sees who did it
	laura := signedIn(t, e, "laura.rossi", "Diario-Scuola-2026")
	mustContain(t, laura.get("/demo/famiglia"), "Pasto disdetto: Mario Rossi (dal portale)")

	// with htmx: only the day's box, and the status region out of band
	p = laura.post(mealURL(f.luca, f.mensa, day), url.Values{"stato": {"booked"}, "chiave": {"test-key-0002-booked"}, "ritorno": {"calendario"}},
		"HX-Request", "true")
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, box, "Pasto prenotato", `id="cal-status" hx-swap-oob="innerHTML">Pasto di Luca prenotato per`,
		fmt.Sprintf(`<a id="d%d" hx-swap-oob="outerHTML"`, day.Day()), "Disdici il pasto")
	mustNotContain(t, p, "<html", "<h1")
	p = laura.post(mealURL(f.luca, f.mensa, day), mealForm("plain", "test-key-0003-plain"), "HX-Request", "true")
	mustContain(t, p, "Pasto in bianco", `id="meal-status" hx-swap-oob="innerHTML">Pasto in bianco di Luca chiesto per`, "Torna al pasto normale")

	// after the cut-off: refused, in words, nothing changed
	e.store.DB().MustExec(`UPDATE booking_settings SET cutoff_day = 'previous', cutoff_time = '00:00' WHERE service_id = $1`, f.mensa)
	p = mario.post(mealURL(f.luca, f.mensa, day), mealForm("cancelled", "test-key-0004-cancelled"), "HX-Request", "true")
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, "Le disdette per ", " si accettano fino alle 0:00", "meal-refused", "Non si può più modificare")
	wantStatus(t, mario.post(mealURL(f.luca, f.mensa, day), mealForm("cancelled", "test-key-0005-cancelled")), http.StatusSeeOther)
	home = mario.get("/demo/famiglia")
	mustContain(t, home, `<div class="alert alert-danger" role="alert"><p>Le disdette per `, "si accettano fino alle 0:00")
	mustNotContain(t, mario.get("/demo/famiglia"), "si accettano fino alle 0:00") // shown once
	if n := mealChanges(t, e, f.luca, "parent"); n != 3 {
		t.Fatalf("%d changes, want 3", n)
	}
	if n := auditCount(t, e.store, "meal_change", "refused"); n != 2 {
		t.Fatalf("%d refusals audited", n)
	}
}

func TestMealRangeForSeveralChildren(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := demoFamily(t, e)
	from := nextSchoolDay(t, e)
	to := from.AddDate(0, 0, 9)
	mario := signedIn(t, e, "mario.rossi", "Mensa-Scuola-2026")
	form := url.Values{"bambino": {fmt.Sprintf("%d:%d", f.luca, f.mensa), fmt.Sprintf("%d:%d", f.sofia, f.mensa)},
		"dal": {from.Format(time.DateOnly)}, "al": {to.Format(time.DateOnly)}, "stato": {"cancelled"}, "chiave": {"test-range-key-01"}}
	p := mario.post("/demo/pasti/periodo", form, "HX-Request", "true")
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, `id="meal-panel-body"`, "Disdetti ", "(Luca, Sofia)", `id="meal-status" hx-swap-oob="innerHTML">Disdetti`)
	var n, receipts int
	mustGet(t, e.store.DB(), &n, `SELECT count(*) FROM meal_changes WHERE child_id IN ($1, $2) AND request_key LIKE 'test-%'`, f.luca, f.sofia)
	mustGet(t, e.store.DB(), &receipts, `SELECT count(DISTINCT receipt_code) FROM meal_changes WHERE child_id IN ($1, $2) AND request_key LIKE 'test-%'`, f.luca, f.sofia)
	if n < 2 || n%2 != 0 || receipts != 1 {
		t.Fatalf("%d changes, %d receipts", n, receipts)
	}
	// again without JavaScript: nothing changes twice
	wantStatus(t, mario.post("/demo/pasti/periodo", form), http.StatusSeeOther)
	var again int
	mustGet(t, e.store.DB(), &again, `SELECT count(*) FROM meal_changes WHERE child_id IN ($1, $2) AND request_key LIKE 'test-%'`, f.luca, f.sofia)
	if again != n {
		t.Fatalf("replay: %d changes, then %d", n, again)
	}
	// bad input: said next to the form, nothing done
	form.Set("al", from.AddDate(0, 0, -3).Format(time.DateOnly))
	form.Set("chiave", "test-range-key-02")
	mustContain(t, mario.post("/demo/pasti/periodo", form, "HX-Request", "true"), "Il giorno finale viene prima di quello iniziale.")
	form.Del("bambino")
	mustContain(t, mario.post("/demo/pasti/periodo", form, "HX-Request", "true"), "Scegli almeno un bambino.")
	// the receipt preference
	wantStatus(t, mario.post("/demo/pasti/ricevute", url.Values{"email": {"1"}}), http.StatusSeeOther)
	var on bool
	mustGet(t, e.store.DB(), &on, `SELECT EXISTS (SELECT 1 FROM booking_receipt_emails r JOIN accounts a ON a.installation_id = r.installation_id
		AND a.id = r.account_id WHERE a.username = 'mario.rossi')`)
	if !on {
		t.Fatal("preference not saved")
	}
}

func TestMealRoutesAnswer404ToOtherFamiliesAndComuni(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := demoFamily(t, e)
	day := nextSchoolDay(t, e)
	e.store.DB().MustExec(`UPDATE accounts SET must_change_password = false WHERE username = 'giulia.bianchi'`)
	giulia := signedIn(t, e, "giulia.bianchi", "Primo-Accesso-2026")
	var valleChild, valleService int64
	mustGet(t, e.store.DB(), &valleChild, `SELECT c.id FROM children c JOIN installations i ON i.id = c.installation_id WHERE i.code = 'valle' LIMIT 1`)
	mustGet(t, e.store.DB(), &valleService, `SELECT s.id FROM services s JOIN installations i ON i.id = s.installation_id WHERE i.code = 'valle' LIMIT 1`)
	form := mealForm("cancelled", "test-key-authz-01")
	for _, path := range []string{
		mealURL(f.luca, f.mensa, day),          // another family's child
		mealURL(999999, f.mensa, day),          // guessed child
		mealURL(f.elena, f.trasporto, day),     // own child, service not enrolled
		mealURL(f.elena, 999999, day),          // guessed service
		mealURL(valleChild, valleService, day), // another Comune's child
		mealURL(valleChild, f.mensa, day),
		"/demo/pasti/abc/1/2026-12-01", "/demo/pasti/1/1/ieri",
	} {
		for _, hx := range []bool{false, true} {
			var p page
			if hx {
				p = giulia.post(path, form, "HX-Request", "true")
			} else {
				p = giulia.post(path, form)
			}
			wantStatus(t, p, http.StatusNotFound)
			mustNotContain(t, p, "Luca", "Mario")
		}
	}
	range404 := url.Values{"bambino": {fmt.Sprintf("%d:%d", f.luca, f.mensa)}, "dal": {day.Format(time.DateOnly)}, "stato": {"cancelled"}, "chiave": {"test-key-authz-02"}}
	wantStatus(t, giulia.post("/demo/pasti/periodo", range404), http.StatusNotFound)
	range404.Set("bambino", fmt.Sprintf("%d:%d", f.elena, f.trasporto)) // a service without bookings
	wantStatus(t, giulia.post("/demo/pasti/periodo", range404), http.StatusNotFound)
	// her own child's mensa with a pair to refuse in another service: each
	// service is its own transaction, and nothing of either is written
	for _, bad := range []string{fmt.Sprintf("%d:%d", f.elena, f.trasporto), fmt.Sprintf("%d:%d", f.luca, f.trasporto)} {
		range404["bambino"] = []string{fmt.Sprintf("%d:%d", f.elena, f.mensa), bad}
		wantStatus(t, giulia.post("/demo/pasti/periodo", range404), http.StatusNotFound)
	}
	var n int
	mustGet(t, e.store.DB(), &n, `SELECT count(*) FROM meal_changes WHERE request_key LIKE 'test-%'`)
	if n != 0 {
		t.Fatalf("%d changes recorded by refused requests", n)
	}
	// her own child works
	wantStatus(t, giulia.post(mealURL(f.elena, f.mensa, day), form), http.StatusSeeOther)
	// not signed in: sent to the login; staff: sent to their area, nothing done
	wantStatus(t, e.browser().post(mealURL(f.elena, f.mensa, day), form), http.StatusSeeOther)
	staff := staffSignedIn(t, e, "operatore", "Ufficio-Scuola-2026")
	p := staff.post(mealURL(f.luca, f.mensa, day), mealForm("cancelled", "test-key-authz-03"))
	if p.status != http.StatusSeeOther || p.loc != "/demo/operatori" {
		t.Fatalf("staff on the parents' route: %d %q", p.status, p.loc)
	}
	// the desk refuses another Comune's child
	wantStatus(t, staff.post(fmt.Sprintf("/demo/operatori/bambini/%d/pasti/%d/%s", valleChild, valleService, day.Format(time.DateOnly)),
		mealForm("cancelled", "test-key-authz-04")), http.StatusNotFound)
}

func TestMealDeskAndSettings(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := demoFamily(t, e)
	day := nextSchoolDay(t, e)
	staff := staffSignedIn(t, e, "operatore", "Ufficio-Scuola-2026")
	card := staff.get(fmt.Sprintf("/demo/operatori/bambini/%d", f.luca))
	wantStatus(t, card, http.StatusOK)
	mustContain(t, card, `<h2 id="pasti">Pasti</h2>`, "Disdici il pasto")
	desk := fmt.Sprintf("/demo/operatori/bambini/%d/pasti/%d/%s", f.luca, f.mensa, day.Format(time.DateOnly))
	p := staff.post(desk, url.Values{"stato": {"cancelled"}, "chiave": {"test-desk-key-01"}}, "HX-Request", "true")
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, "Pasto di Luca disdetto", "Ufficio Servizi Scolastici (dall&#39;ufficio)")
	// after the cut-off: only with a reason, shown as a late correction
	e.store.DB().MustExec(`UPDATE booking_settings SET cutoff_day = 'previous', cutoff_time = '00:00' WHERE service_id = $1`, f.mensa)
	p = staff.post(desk, url.Values{"stato": {"booked"}, "chiave": {"test-desk-key-02"}}, "HX-Request", "true")
	mustContain(t, p, "si accettano fino alle 0:00", "solo indicando il motivo", "Motivo della correzione")
	wantStatus(t, staff.post(desk, url.Values{"stato": {"booked"}, "chiave": {"test-desk-key-03"}, "motivo": {"Telefonata della madre alle 8:50"}}), http.StatusSeeOther)
	var late bool
	mustGet(t, e.store.DB(), &late, `SELECT late FROM meal_changes WHERE child_id = $1 ORDER BY id DESC LIMIT 1`, f.luca)
	if !late || auditCount(t, e.store, "meal_change", "success") != 2 {
		t.Fatalf("late %v, audited %d", late, auditCount(t, e.store, "meal_change", "success"))
	}
	mario := signedIn(t, e, "mario.rossi", "Mensa-Scuola-2026")
	mustContain(t, mario.get(fmt.Sprintf("/demo/presenze/%d/%d?giorno=%s", f.luca, f.mensa, day.Format(time.DateOnly))),
		"dall&#39;ufficio", "Correzione dopo il termine: Telefonata della madre alle 8:50")

	// the rules: administrators only, bad input next to the field, audited
	wantStatus(t, staff.get("/demo/operatori/pasti/impostazioni"), http.StatusForbidden)
	admin := staffSignedIn(t, e, "amministratore", "Impostazioni-Comune-2026")
	page := admin.get("/demo/operatori/pasti/impostazioni")
	wantStatus(t, page, http.StatusOK)
	mustContain(t, page, "Regole dei pasti", "Mensa scolastica", "Presenza presunta")
	mustContain(t, admin.get("/demo/operatori/impostazioni"), "/demo/operatori/pasti/impostazioni")
	save := fmt.Sprintf("/demo/operatori/pasti/impostazioni/%d", f.mensa)
	form := url.Values{"enabled": {"1"}, "mode": {"presumed"}, "cutoff_day": {"same"}, "cutoff_time": {"9.30"}, "days_ahead": {"30"}, "plain_max_days": {"3"}}
	p = admin.post(save, form)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, "Scrivi un&#39;ora come 09:30.", `value="9.30"`)
	form.Set("cutoff_time", "10:15")
	form.Set("charge", "1")
	wantStatus(t, admin.post(save, form), http.StatusSeeOther)
	var cut string
	var charge bool
	mustGet(t, e.store.DB(), &cut, `SELECT to_char(cutoff_time, 'HH24:MI') FROM booking_settings WHERE service_id = $1`, f.mensa)
	mustGet(t, e.store.DB(), &charge, `SELECT charge_unless_cancelled FROM booking_settings WHERE service_id = $1`, f.mensa)
	if cut != "10:15" || !charge || auditCount(t, e.store, "booking_settings", "success") != 1 {
		t.Fatalf("saved %s %v", cut, charge)
	}
	mustContain(t, mario.get("/demo/famiglia"), "fino alle 10:15 di")
	if !strings.Contains(admin.get("/demo/operatori/pasti/impostazioni").body, `value="10:15"`) {
		t.Fatal("the saved time is not shown")
	}
}

// TestMealWindowNotOpenYet: with a window that opens on the previous
// school day, a day further ahead says when it opens and a change is
// refused in words, in English too.
func TestMealWindowNotOpenYet(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := demoFamily(t, e)
	first := nextSchoolDay(t, e)
	e.store.DB().MustExec(`UPDATE booking_settings SET window_opens = '23:59' WHERE service_id = $1`, f.mensa)
	// the school day after the next one opens at 23:59 of the next one
	var second time.Time
	for d := first.AddDate(0, 0, 1); ; d = d.AddDate(0, 0, 1) {
		var closed bool
		mustGet(t, e.store.DB(), &closed, `SELECT EXISTS (SELECT 1 FROM closures WHERE day = $1)`, d)
		if calendar.ServiceWeekday(d) && !closed {
			second = d
			break
		}
	}
	mario := signedIn(t, e, "mario.rossi", "Mensa-Scuola-2026")
	mustContain(t, mario.get("/demo/famiglia"), "Si potrà modificare dalle 23:59 di")
	p := mario.post(mealURL(f.sofia, f.mensa, second), mealForm("cancelled", "test-window-key-1"), "HX-Request", "true")
	mustContain(t, p, "Le disdette per ", " si accettano dalle 23:59 di ", "meal-refused")
	wantStatus(t, mario.get("/lingua/en"), http.StatusSeeOther)
	p = mario.post(mealURL(f.sofia, f.mensa, second), mealForm("cancelled", "test-window-key-2"), "HX-Request", "true")
	mustContain(t, p, "Cancellations for ", " are accepted from 23:59, ")
	if n := mealChanges(t, e, f.sofia, "parent"); n != 0 {
		t.Fatalf("%d changes", n)
	}
}

// TestMealExplicitBooking: where meals are booked explicitly, a future day
// is not booked until the parent books it, in the panel and the calendar.
func TestMealExplicitBooking(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := demoFamily(t, e)
	day := nextSchoolDay(t, e)
	mario := signedIn(t, e, "mario.rossi", "Mensa-Scuola-2026")
	cal := fmt.Sprintf("/demo/presenze/%d/%d?giorno=%s", f.sofia, f.mensa, day.Format(time.DateOnly))
	// the legend explains "NP" only where a day of the month has it
	legendNP := `<dt class="cal-not_booked">NP</dt><dd>Pasto non prenotato</dd>`
	mustNotContain(t, mario.get(cal), legendNP)
	e.store.DB().MustExec(`UPDATE booking_settings SET mode = 'explicit' WHERE service_id = $1`, f.mensa)
	box := fmt.Sprintf(`id="meal-%d-%d-%s"`, f.sofia, f.mensa, day.Format(time.DateOnly))
	mustContain(t, mario.get("/demo/famiglia"), box, "Nessun pasto prenotato", "Prenota il pasto")
	mustContain(t, mario.get(cal), fmt.Sprintf("%d %s: Pasto non prenotato", day.Day(), monthName(day)), legendNP)
	wantStatus(t, mario.post(mealURL(f.sofia, f.mensa, day), mealForm("booked", "test-explicit-key-1")), http.StatusSeeOther)
	mustContain(t, mario.get("/demo/famiglia"), "Pasto di Sofia prenotato per")
	mustContain(t, mario.get(cal), fmt.Sprintf("%d %s: Prenotato", day.Day(), monthName(day)))
}

func monthName(d time.Time) string {
	return []string{"", "gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre",
		"ottobre", "novembre", "dicembre"}[d.Month()]
}

// TestMealDeskRange: the desk cancels several days of a child at once for a
// family on the phone: bad dates are shown next to their field with the
// input kept and nothing written; a week is cancelled in one request, shown
// to the family as done by the office; another Comune's child is 404.
func TestMealDeskRange(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := demoFamily(t, e)
	day := nextSchoolDay(t, e)
	staff := staffSignedIn(t, e, "operatore", "Ufficio-Scuola-2026")
	card := staff.get(fmt.Sprintf("/demo/operatori/bambini/%d", f.luca))
	mustContain(t, card, "Più giorni di Mensa scolastica", fmt.Sprintf(`id="dr-from-%d"`, f.mensa))
	action := fmt.Sprintf("/demo/operatori/bambini/%d/pasti/%d/periodo", f.luca, f.mensa)
	week := day.AddDate(0, 0, 6)
	p := staff.post(action, url.Values{"dal": {week.Format(time.DateOnly)}, "al": {day.Format(time.DateOnly)}, "stato": {"cancelled"},
		"motivo": {"Influenza"}, "chiave": {"test-desk-range-01"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, fmt.Sprintf(`id="dr-to-%d-error"`, f.mensa), "Il giorno finale viene prima di quello iniziale.",
		`value="Influenza"`, `value="`+week.Format(time.DateOnly)+`"`)
	if n := mealChanges(t, e, f.luca, "office"); n != 0 {
		t.Fatalf("%d changes after bad dates", n)
	}
	p = staff.post(action, url.Values{"dal": {day.Format(time.DateOnly)}, "al": {week.Format(time.DateOnly)}, "stato": {"cancelled"},
		"chiave": {"test-desk-range-02"}})
	wantStatus(t, p, http.StatusSeeOther)
	if !strings.HasSuffix(p.loc, "#pasti") {
		t.Fatalf("after the change: %q", p.loc)
	}
	var days, schoolDays int
	mustGet(t, e.store.DB(), &days, `SELECT count(DISTINCT day) FROM meal_changes WHERE child_id = $1 AND service_id = $2 AND state = 'cancelled'
		AND channel = 'office' AND day BETWEEN $3 AND $4`, f.luca, f.mensa, day, week)
	for d := day; !d.After(week); d = d.AddDate(0, 0, 1) {
		var closed bool
		mustGet(t, e.store.DB(), &closed, `SELECT EXISTS (SELECT 1 FROM closures WHERE day = $1)`, d)
		if calendar.ServiceWeekday(d) && !closed {
			schoolDays++
		}
	}
	if days != schoolDays || days == 0 {
		t.Fatalf("%d days cancelled by the office, want the %d school days of the week", days, schoolDays)
	}
	if schoolDays > 1 { // the flash message, in the plural
		mustContain(t, staff.get(fmt.Sprintf("/demo/operatori/bambini/%d", f.luca)), fmt.Sprintf("Disdetti %d pasti (Luca)", schoolDays))
	}
	mario := signedIn(t, e, "mario.rossi", "Mensa-Scuola-2026")
	mustContain(t, mario.get(fmt.Sprintf("/demo/presenze/%d/%d?giorno=%s", f.luca, f.mensa, day.Format(time.DateOnly))), "dall&#39;ufficio")
	// past the cut-off without a reason: refused next to the reason, the
	// dates kept, nothing written; with the reason, done as late corrections
	e.store.DB().MustExec(`UPDATE booking_settings SET cutoff_day = 'previous', cutoff_time = '00:00' WHERE service_id = $1`, f.mensa)
	before := mealChanges(t, e, f.luca, "office")
	late := url.Values{"dal": {day.Format(time.DateOnly)}, "al": {day.Format(time.DateOnly)}, "stato": {"booked"}, "chiave": {"test-desk-range-04"}}
	p = staff.post(action, late)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, fmt.Sprintf(`id="dr-reason-%d-error"`, f.mensa), "solo indicando il motivo", `value="`+day.Format(time.DateOnly)+`"`)
	if n := mealChanges(t, e, f.luca, "office"); n != before {
		t.Fatalf("a refused range wrote %d changes", n-before)
	}
	late.Set("motivo", "Telefonata del padre")
	late.Set("chiave", "test-desk-range-05")
	wantStatus(t, staff.post(action, late), http.StatusSeeOther)
	var isLate bool
	mustGet(t, e.store.DB(), &isLate, `SELECT late FROM meal_changes WHERE child_id = $1 ORDER BY id DESC LIMIT 1`, f.luca)
	if !isLate {
		t.Fatal("the day booked again past the cut-off is not a late correction")
	}
	// a service the child is not enrolled in, another Comune's service: not found
	var other int64
	mustGet(t, e.store.DB(), &other, `SELECT s.id FROM services s JOIN installations i ON i.id = s.installation_id WHERE i.code = 'valle' AND s.kind = 'mensa'`)
	wantStatus(t, staff.post(fmt.Sprintf("/demo/operatori/bambini/%d/pasti/%d/periodo", f.luca, other), late), http.StatusNotFound)
	// another Comune's child: not found, nothing written
	var valleChild, valleService int64
	mustGet(t, e.store.DB(), &valleChild, `SELECT c.id FROM children c JOIN installations i ON i.id = c.installation_id WHERE i.code = 'valle' LIMIT 1`)
	mustGet(t, e.store.DB(), &valleService, `SELECT s.id FROM services s JOIN installations i ON i.id = s.installation_id WHERE i.code = 'valle' AND s.kind = 'mensa'`)
	wantStatus(t, staff.post(fmt.Sprintf("/demo/operatori/bambini/%d/pasti/%d/periodo", valleChild, valleService),
		url.Values{"dal": {day.Format(time.DateOnly)}, "stato": {"cancelled"}, "chiave": {"test-desk-range-03"}}), http.StatusNotFound)
}
