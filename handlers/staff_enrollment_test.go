package handlers_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"portalegenitori/db"
)

type enrolRow struct {
	ID          int64     `db:"id"`
	Version     int       `db:"version"`
	StartsOn    time.Time `db:"starts_on"`
	EndsOn      time.Time `db:"ends_on"`
	TariffCents int64     `db:"tariff_cents"`
	TariffName  string    `db:"tariff_name"`
	Billing     string    `db:"billing"`
}

func enrollmentOf(t *testing.T, e *env, child, service int64) enrolRow {
	t.Helper()
	var r enrolRow
	mustGet(t, e.store.DB(), &r, `SELECT id, version, starts_on, ends_on, tariff_cents, tariff_name, billing FROM enrollments
		WHERE child_id = $1 AND service_id = $2 ORDER BY id DESC LIMIT 1`, child, service)
	return r
}

// liveCharges is the count and sum of the charges of a child's service from
// a day on that no entry reverses.
func liveCharges(t *testing.T, e *env, child, service int64, from time.Time) (n int, cents int64) {
	t.Helper()
	var r struct {
		N     int   `db:"n"`
		Cents int64 `db:"cents"`
	}
	mustGet(t, e.store.DB(), &r, `SELECT count(*) AS n, coalesce(sum(amount_cents), 0) AS cents FROM ledger_entries l
		WHERE child_id = $1 AND service_id = $2 AND kind = 'charge' AND attendance_day >= $3
		  AND NOT EXISTS (SELECT 1 FROM ledger_entries r WHERE r.reverses_id = l.id)`, child, service, from)
	return r.N, r.Cents
}

func ledgerBalance(t *testing.T, e *env, adult int64) int64 {
	t.Helper()
	var b int64
	mustGet(t, e.store.DB(), &b, `SELECT coalesce(sum(amount_cents), 0) FROM ledger_entries WHERE adult_id = $1`, adult)
	return b
}

// the third-last day present of a child's service: a "from" with charges after it
func thirdLastPresent(t *testing.T, e *env, child, service int64) time.Time {
	t.Helper()
	var d time.Time
	mustGet(t, e.store.DB(), &d, `SELECT day FROM attendance WHERE child_id = $1 AND service_id = $2 AND status = 'present'
		ORDER BY day DESC OFFSET 2 LIMIT 1`, child, service)
	return d
}

func TestStaffEndsEnrollmentMidMonth(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := demoFamily(t, e)
	clerk := staffSignedIn(t, e, "operatore", "Ufficio-Scuola-2026")
	en := enrollmentOf(t, e, f.luca, f.mensa)
	from := thirdLastPresent(t, e, f.luca, f.mensa)
	n, cents := liveCharges(t, e, f.luca, f.mensa, from)
	if n < 3 {
		t.Fatalf("only %d charges from %s", n, from.Format(time.DateOnly))
	}
	before := ledgerBalance(t, e, f.mario)
	path := fmt.Sprintf("/demo/operatori/bambini/%d/iscrizioni/%d", f.luca, en.ID)
	form := url.Values{"action": {"end"}, "from": {from.Format(time.DateOnly)}, "reason": {"Trasferimento in altro Comune"},
		"version": {fmt.Sprint(en.Version)}}

	// bad input: the errors next to the fields of this enrollment's form, nothing written
	bad := url.Values{"action": {"end"}, "from": {"2030-01-01"}, "reason": {""}, "version": {fmt.Sprint(en.Version)}}
	p := clerk.post(path, bad)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, fmt.Sprintf(`id="e%d-from-error"`, en.ID), fmt.Sprintf(`id="e%d-reason-error"`, en.ID), `value="2030-01-01"`)

	p = clerk.post(path, form)
	wantStatus(t, p, http.StatusSeeOther)
	mustContain(t, clerk.get(p.loc), "Iscrizione aggiornata", fmt.Sprintf("Addebiti stornati: %d", n), "Trasferimento in altro Comune")
	after := enrollmentOf(t, e, f.luca, f.mensa)
	if !after.EndsOn.Equal(from.AddDate(0, 0, -1)) {
		t.Fatalf("ends on %s, want the day before %s", after.EndsOn.Format(time.DateOnly), from.Format(time.DateOnly))
	}
	if got, _ := liveCharges(t, e, f.luca, f.mensa, from); got != 0 {
		t.Fatalf("%d charges left after the end", got)
	}
	var refunds int
	mustGet(t, e.store.DB(), &refunds, `SELECT count(*) FROM ledger_entries WHERE child_id = $1 AND service_id = $2 AND kind = 'refund'
		AND reason = $3`, f.luca, f.mensa, "Fine iscrizione dal "+from.Format("02/01/2006"))
	if refunds != n || ledgerBalance(t, e, f.mario) != before-cents {
		t.Fatalf("%d refunds (want %d), balance %d (want %d)", refunds, n, ledgerBalance(t, e, f.mario), before-cents)
	}
	var days int
	mustGet(t, e.store.DB(), &days, `SELECT count(*) FROM attendance WHERE child_id = $1 AND service_id = $2 AND day >= $3`, f.luca, f.mensa, from)
	if days != 0 {
		t.Fatalf("%d days recorded after the end", days)
	}
	// the same form again (a double click, a replay): refused as stale, nothing twice
	p = clerk.post(path, form)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, "Un altro operatore ha modificato questa iscrizione")
	if ledgerBalance(t, e, f.mario) != before-cents {
		t.Fatal("a replay moved money")
	}
	// the family sees the refunds, with the reason, in the payments
	parent := signedIn(t, e, "mario.rossi", "Mensa-Scuola-2026")
	mustContain(t, parent.get("/demo/pagamenti"), "Fine iscrizione dal")
	if auditCount(t, e.store, "enrollment_end", "success") != 1 {
		t.Fatal("the end is not audited")
	}
}

func TestStaffChangesTariffMidMonth(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := demoFamily(t, e)
	en := enrollmentOf(t, e, f.sofia, f.mensa)
	from := thirdLastPresent(t, e, f.sofia, f.mensa)
	n, cents := liveCharges(t, e, f.sofia, f.mensa, from)
	before := ledgerBalance(t, e, f.mario)
	const newTariff = 350
	form := url.Values{"action": {"change"}, "from": {from.Format(time.DateOnly)}, "reason": {"Nuova fascia ISEE"},
		"version": {fmt.Sprint(en.Version)}, "service_id": {fmt.Sprint(f.mensa)}, "diet_id": {"0"}, "tariff": {"Ridotta"},
		"cost": {"3,50"}, "billing": {en.Billing}}
	path := fmt.Sprintf("/demo/operatori/bambini/%d/iscrizioni/%d", f.sofia, en.ID)

	// two clerks with the same page: one change wins, the other is told
	c1 := staffSignedIn(t, e, "operatore", "Ufficio-Scuola-2026")
	c2 := staffSignedIn(t, e, "amministratore", "Impostazioni-Comune-2026")
	other := url.Values{}
	for k, v := range form {
		other[k] = v
	}
	other.Set("cost", "2,00")
	pages := atOnce(t, 2, func(i int) (page, error) {
		return []*browser{c1, c2}[i].tryPost(path, []url.Values{form, other}[i])
	})
	won := -1
	for i, p := range pages {
		if p.status == http.StatusSeeOther {
			if won >= 0 {
				t.Fatal("both concurrent changes passed")
			}
			won = i
		} else if p.status != http.StatusUnprocessableEntity {
			t.Fatalf("change %d: status %d", i, p.status)
		}
	}
	if won < 0 {
		t.Fatal("no change passed")
	}
	mustContain(t, pages[1-won], "Un altro operatore ha modificato questa iscrizione")
	tariff := []int64{newTariff, 200}[won]

	next := enrollmentOf(t, e, f.sofia, f.mensa)
	if next.ID == en.ID || !next.StartsOn.Equal(from) || !next.EndsOn.Equal(en.EndsOn) || next.TariffCents != tariff || next.TariffName != "Ridotta" {
		t.Fatalf("new enrollment %+v", next)
	}
	var prev int64
	mustGet(t, e.store.DB(), &prev, `SELECT previous_id FROM enrollments WHERE id = $1`, next.ID)
	if prev != en.ID {
		t.Fatalf("continues %d, want %d", prev, en.ID)
	}
	// every day from the date: the old charge reversed, a new one at the new tariff
	gotN, gotCents := liveCharges(t, e, f.sofia, f.mensa, from)
	if gotN != n || gotCents != -int64(n)*tariff {
		t.Fatalf("after the change: %d charges for %d cents, want %d for %d", gotN, gotCents, n, -int64(n)*tariff)
	}
	if want := before - cents - int64(n)*tariff; ledgerBalance(t, e, f.mario) != want {
		t.Fatalf("balance %d, want %d", ledgerBalance(t, e, f.mario), want)
	}
	// each day's entries net to the new tariff: charge, refund, charge
	var odd int
	mustGet(t, e.store.DB(), &odd, `SELECT count(*) FROM (SELECT attendance_day, sum(amount_cents) s FROM ledger_entries
		WHERE child_id = $1 AND service_id = $2 AND attendance_day >= $3 GROUP BY 1) d WHERE s <> $4`, f.sofia, f.mensa, from, -tariff)
	if odd != 0 {
		t.Fatalf("%d days whose entries do not net to the new tariff", odd)
	}
	// the card shows the history of both
	p := c1.get(fmt.Sprintf("/demo/operatori/bambini/%d", f.sofia))
	mustContain(t, p, "Storico dell&#39;iscrizione", "nuove condizioni dal "+from.Format("02/01/2006"), "Nuova fascia ISEE")
}

func TestStaffEndsMonthlyEnrollment(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := demoFamily(t, e)
	ctx := t.Context()
	en := enrollmentOf(t, e, f.luca, f.trasporto)
	if en.Billing != "monthly" {
		t.Skip("the demo bus pass is not monthly")
	}
	var months []time.Time
	if err := e.store.DB().Select(&months, `SELECT entry_date FROM ledger_entries WHERE child_id = $1 AND service_id = $2
		AND kind = 'charge' ORDER BY entry_date`, f.luca, f.trasporto); err != nil || len(months) < 2 {
		t.Fatalf("monthly charges %v: %v", months, err)
	}
	last := time.Date(months[len(months)-1].Year(), months[len(months)-1].Month(), 1, 0, 0, 0, 0, time.UTC)
	var inst int64
	mustGet(t, e.store.DB(), &inst, `SELECT installation_id FROM children WHERE id = $1`, f.luca)
	// from the middle of the last month charged: that month stays charged
	res, err := e.store.ChangeEnrollment(ctx, db.EnrollmentChange{InstallationID: inst, EnrollmentID: en.ID, Version: en.Version,
		From: last.AddDate(0, 0, 14), End: true, Reason: "Ritiro", Today: last})
	if err != nil || res.Reversed != 0 {
		t.Fatalf("end mid-month: %+v, %v", res, err)
	}
	// then from the first of that month: the month's pass is reversed
	res, err = e.store.ChangeEnrollment(ctx, db.EnrollmentChange{InstallationID: inst, EnrollmentID: en.ID, Version: en.Version + 1,
		From: last, End: true, Reason: "Ritiro", Today: last})
	if err != nil || res.Reversed != 1 || res.ReversedCents != en.TariffCents {
		t.Fatalf("end from the first of the month: %+v, %v", res, err)
	}
	// a date after the new end is outside the period
	_, err = e.store.ChangeEnrollment(ctx, db.EnrollmentChange{InstallationID: inst, EnrollmentID: en.ID, Version: en.Version + 2,
		From: last.AddDate(0, 0, 14), End: true, Reason: "Ritiro", Today: last})
	if !errors.Is(err, db.ErrOutsidePeriod) {
		t.Fatalf("a date after the end: %v", err)
	}
}
