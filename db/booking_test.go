package db_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"portalegenitori/db"
	"portalegenitori/db/dbtest"
	"portalegenitori/internal/booking"
	"portalegenitori/internal/calendar"
)

func rome(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04:05.999", s, calendar.Rome)
	if err != nil {
		panic(err)
	}
	return t
}

type bookingFixture struct {
	s   *db.Store
	d   demoIDs
	acc map[string]int64
	n   int
}

func newBookingFixture(t *testing.T) *bookingFixture {
	t.Helper()
	s, _ := dbtest.New(t)
	f := &bookingFixture{s: s, d: lookupDemo(t, s), acc: map[string]int64{}}
	// the demo's own changes (db/seed_booking.go) are near the real today:
	// out of the way of the fixed days below, whenever the tests run
	for _, q := range []string{`ALTER TABLE meal_changes DISABLE TRIGGER meal_changes_immutable`, `DELETE FROM meal_changes`,
		`ALTER TABLE meal_changes ENABLE TRIGGER meal_changes_immutable`} {
		s.DB().MustExec(q)
	}
	for _, u := range []string{"mario.rossi", "laura.rossi", "operatore"} {
		var id int64
		dbtest.Get(t, s.DB(), &id, `SELECT id FROM accounts WHERE installation_id = $1 AND username = $2`, f.d.inst, u)
		f.acc[u] = id
	}
	return f
}

func (f *bookingFixture) settings(t *testing.T, edit func(*db.BookingSettings)) {
	t.Helper()
	b := db.DefaultBookingSettings("mensa")
	b.ServiceID = f.d.mensa
	edit(&b)
	if err := f.s.SaveBookingSettings(context.Background(), f.d.inst, f.acc["operatore"], b); err != nil {
		t.Fatal(err)
	}
}

// req is a parent's request by Mario, pinned at now; key "" gets a new one.
func (f *bookingFixture) req(target string, from, to time.Time, now time.Time, children ...int64) db.MealRequest {
	f.n++
	r := db.MealRequest{InstallationID: f.d.inst, ChildIDs: children, ServiceID: f.d.mensa, From: from, To: to,
		Target: target, AccountID: f.acc["mario.rossi"], ActorName: "Mario Rossi", Channel: db.ChannelParent,
		RequestKey: "k" + time.Now().Format("150405.000000") + string(rune('a'+f.n%26)) + itoa(f.n)}
	return db.PinBookingNow(r, now)
}

func itoa(n int) string { return time.Duration(n).String() }

func refusal(t *testing.T, err error, reason string) *db.BookingRefusal {
	t.Helper()
	var r *db.BookingRefusal
	if !errors.As(err, &r) || r.Reason != reason {
		t.Fatalf("want refusal %q, got %v", reason, err)
	}
	return r
}

func TestMealCutoffIsDecidedByTheDatabaseClock(t *testing.T) {
	t.Parallel()
	f := newBookingFixture(t)
	ctx := context.Background()
	cases := []struct {
		name       string
		cutoffDay  string
		cutoffTime string
		day        time.Time
		inTime     string // Rome local time, just before the cut-off
		late       string // just after
		wantCutoff string // Rome
	}{
		{"same day 9:30", booking.SameDay, "09:30", calendar.Day(2027, 2, 3),
			"2027-02-03 09:29:59.9", "2027-02-03 09:30:00.1", "2027-02-03 09:30:00"},
		{"same day 9:30 on the first day of summer time", booking.SameDay, "09:30", calendar.Day(2027, 3, 31),
			"2027-03-31 09:29:59.9", "2027-03-31 09:30:00.1", "2027-03-31 09:30:00"},
		{"after All Saints', cut-off on the Friday before the change to winter time", booking.PreviousDay, "18:00", calendar.Day(2027, 11, 1 /* holiday */ +1),
			"2027-10-29 17:59:59.9", "2027-10-29 18:00:00.1", "2027-10-29 18:00:00"},
		{"Monday, cut-off on Friday", booking.PreviousDay, "18:00", calendar.Day(2027, 2, 8),
			"2027-02-05 17:59:59.9", "2027-02-06 10:00:00", "2027-02-05 18:00:00"},
		{"after the 8 December holiday", booking.PreviousDay, "18:00", calendar.Day(2026, 12, 9),
			"2026-12-07 17:59:59.9", "2026-12-08 09:00:00", "2026-12-07 18:00:00"},
	}
	// 2 November 2027 is a Tuesday after All Saints' (Monday 1): its school
	// day before is Friday 29 October, two days before the change of time.
	if _, err := f.s.DB().Exec(`INSERT INTO enrollments (installation_id, child_id, service_id, school_year, starts_on, ends_on, tariff_cents)
		VALUES ($1, $2, $3, 2027, '2027-09-06', '2028-06-30', 480)`, f.d.inst, f.d.sofia, f.d.mensa); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		f.settings(t, func(b *db.BookingSettings) { b.CutoffDay, b.CutoffTime = c.cutoffDay, c.cutoffTime })
		res, err := f.s.ChangeMeals(ctx, f.req(booking.Cancelled, c.day, c.day, rome(c.inTime), f.d.sofia))
		if err != nil {
			t.Fatalf("%s: in time: %v", c.name, err)
		}
		if len(res.Changes) != 1 || res.Receipt == "" || !res.AcceptedAt.Equal(rome(c.inTime)) ||
			!res.Changes[0].CutoffAt.Equal(rome(c.wantCutoff)) || res.Changes[0].Previous != booking.Booked {
			t.Fatalf("%s: result %+v", c.name, res)
		}
		_, err = f.s.ChangeMeals(ctx, f.req(booking.Booked, c.day, c.day, rome(c.late), f.d.sofia))
		r := refusal(t, err, booking.TooLate)
		if !r.Cutoff.Equal(rome(c.wantCutoff)) || !r.Now.Equal(rome(c.late)) {
			t.Fatalf("%s: refusal %+v", c.name, r)
		}
		days, err := f.s.MealDays(ctx, f.d.inst, f.d.sofia, mustSettings(t, f), c.day, c.day)
		if err != nil || len(days) != 1 || days[0].State != booking.Cancelled {
			t.Fatalf("%s: after the refusal %+v %v", c.name, days, err)
		}
	}
}

func mustSettings(t *testing.T, f *bookingFixture) db.BookingSettings {
	t.Helper()
	b, err := f.s.BookingSettingsOf(context.Background(), f.d.inst, f.d.mensa)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestMealRangeSkipsClosuresAndWeekends(t *testing.T) {
	t.Parallel()
	f := newBookingFixture(t)
	ctx := context.Background()
	f.settings(t, func(b *db.BookingSettings) { b.DaysAhead = 40 })
	now := rome("2026-12-01 08:00:00")
	// Christmas break 23 December - 6 January: Mon 21, Tue 22, Thu 7, Fri 8.
	res, err := f.s.ChangeMeals(ctx, f.req(booking.Cancelled, calendar.Day(2026, 12, 21), calendar.Day(2027, 1, 8), now, f.d.sofia, f.d.luca))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Changes) != 8 {
		t.Fatalf("%d changes, want 4 days × 2 children: %+v", len(res.Changes), res.Changes)
	}
	for _, m := range res.Changes {
		if m.ReceiptCode != res.Receipt || m.Channel != db.ChannelParent || m.ActorName != "Mario Rossi" {
			t.Fatalf("change %+v", m)
		}
		switch m.Day.Format(time.DateOnly) {
		case "2026-12-21", "2026-12-22", "2027-01-07", "2027-01-08":
		default:
			t.Fatalf("changed %s", m.Day)
		}
	}
	// the calendar reads it: an absence notified by the parent
	var status, source string
	dbtest.Get(t, f.s.DB(), &status, `SELECT status FROM attendance WHERE installation_id = $1 AND child_id = $2 AND service_id = $3 AND day = '2027-01-07'`,
		f.d.inst, f.d.luca, f.d.mensa)
	dbtest.Get(t, f.s.DB(), &source, `SELECT source FROM attendance WHERE installation_id = $1 AND child_id = $2 AND service_id = $3 AND day = '2027-01-07'`,
		f.d.inst, f.d.luca, f.d.mensa)
	if status != calendar.AbsenceNotified || source != "parent" {
		t.Fatalf("attendance %s/%s", status, source)
	}
	// a range of closures only changes nothing and says so
	_, err = f.s.ChangeMeals(ctx, f.req(booking.Cancelled, calendar.Day(2026, 12, 24), calendar.Day(2026, 12, 27), now, f.d.sofia))
	if !errors.Is(err, db.ErrNoBookableDay) {
		t.Fatalf("closures only: %v", err)
	}
	// one day late in a range refuses all of it
	_, err = f.s.ChangeMeals(ctx, f.req(booking.Booked, calendar.Day(2026, 12, 1), calendar.Day(2026, 12, 22), rome("2026-12-01 10:00:00"), f.d.sofia))
	_ = refusal(t, err, booking.TooLate)
	days, _ := f.s.MealDays(ctx, f.d.inst, f.d.sofia, mustSettings(t, f), calendar.Day(2026, 12, 21), calendar.Day(2026, 12, 22))
	if len(days) != 2 || days[0].State != booking.Cancelled || days[1].State != booking.Cancelled {
		t.Fatalf("a refused range changed something: %+v", days)
	}
	// days ahead and days past
	_, err = f.s.ChangeMeals(ctx, f.req(booking.Cancelled, calendar.Day(2027, 1, 11), calendar.Day(2027, 1, 11), now, f.d.sofia))
	_ = refusal(t, err, "ahead") // 41 days ahead
	_, err = f.s.ChangeMeals(ctx, f.req(booking.Cancelled, calendar.Day(2026, 11, 30), calendar.Day(2026, 11, 30), now, f.d.sofia))
	_ = refusal(t, err, "past")
	// a service without bookings
	r := f.req(booking.Cancelled, calendar.Day(2026, 12, 2), calendar.Day(2026, 12, 2), now, f.d.luca)
	r.ServiceID = f.d.trasporto
	if _, err := f.s.ChangeMeals(ctx, r); !errors.Is(err, db.ErrBookingDisabled) {
		t.Fatalf("trasporto: %v", err)
	}
}

func TestPlainMealLimit(t *testing.T) {
	t.Parallel()
	f := newBookingFixture(t)
	ctx := context.Background()
	now := rome("2027-02-01 08:00:00")
	// Fri 5, Mon 8, Tue 9: three consecutive school days
	if _, err := f.s.ChangeMeals(ctx, f.req(booking.Plain, calendar.Day(2027, 2, 5), calendar.Day(2027, 2, 9), now, f.d.luca)); err != nil {
		t.Fatal(err)
	}
	r := refusal(t, mustErr(f.s.ChangeMeals(ctx, f.req(booking.Plain, calendar.Day(2027, 2, 10), calendar.Day(2027, 2, 10), now, f.d.luca))), "plain_limit")
	if r.Limit != 3 {
		t.Fatalf("limit %d", r.Limit)
	}
	// joining from before refuses too
	_ = refusal(t, mustErr(f.s.ChangeMeals(ctx, f.req(booking.Plain, calendar.Day(2027, 2, 4), calendar.Day(2027, 2, 4), now, f.d.luca))), "plain_limit")
	// four at once: none
	_ = refusal(t, mustErr(f.s.ChangeMeals(ctx, f.req(booking.Plain, calendar.Day(2027, 2, 15), calendar.Day(2027, 2, 18), now, f.d.luca))), "plain_limit")
	days, _ := f.s.MealDays(ctx, f.d.inst, f.d.luca, mustSettings(t, f), calendar.Day(2027, 2, 15), calendar.Day(2027, 2, 18))
	for _, d := range days {
		if d.State != booking.Booked {
			t.Fatalf("refused plain range left %+v", d)
		}
	}
	// a day in between cancelled breaks the run: Wed 10 plain after Tue 9 back to booked
	if _, err := f.s.ChangeMeals(ctx, f.req(booking.Booked, calendar.Day(2027, 2, 9), calendar.Day(2027, 2, 9), now, f.d.luca)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.ChangeMeals(ctx, f.req(booking.Plain, calendar.Day(2027, 2, 10), calendar.Day(2027, 2, 10), now, f.d.luca)); err != nil {
		t.Fatal(err)
	}
	f.settings(t, func(b *db.BookingSettings) { b.PlainMaxDays = 0 })
	_ = refusal(t, mustErr(f.s.ChangeMeals(ctx, f.req(booking.Plain, calendar.Day(2027, 2, 22), calendar.Day(2027, 2, 22), now, f.d.luca))), "plain_limit")
}

func mustErr(_ db.MealResult, err error) error { return err }

func TestMealReplaysAndDoubleTapsChangeNothingTwice(t *testing.T) {
	t.Parallel()
	f := newBookingFixture(t)
	ctx := context.Background()
	now := rome("2027-02-01 08:00:00")
	day := calendar.Day(2027, 2, 3)
	r := f.req(booking.Cancelled, day, day, now, f.d.luca)
	first, err := f.s.ChangeMeals(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	again, err := f.s.ChangeMeals(ctx, db.PinBookingNow(r, rome("2027-02-03 11:00:00"))) // replayed after the cut-off
	if err != nil || !again.Replay || again.Receipt != first.Receipt || len(again.Changes) != 1 {
		t.Fatalf("replay: %+v %v", again, err)
	}
	// a second tap of a fresh form: already cancelled, nothing new
	tap, err := f.s.ChangeMeals(ctx, f.req(booking.Cancelled, day, day, now, f.d.luca))
	if err != nil || len(tap.Changes) != 0 || tap.Receipt != "" || len(tap.Unchanged) != 1 || tap.Unchanged[0].ReceiptCode != first.Receipt {
		t.Fatalf("double tap: %+v %v", tap, err)
	}
	var n int
	dbtest.Get(t, f.s.DB(), &n, `SELECT count(*) FROM meal_changes WHERE installation_id = $1 AND child_id = $2`, f.d.inst, f.d.luca)
	if n != 1 {
		t.Fatalf("%d changes recorded", n)
	}
	// append-only
	if _, err := f.s.DB().Exec(`UPDATE meal_changes SET state = 'booked' WHERE installation_id = $1`, f.d.inst); err == nil {
		t.Fatal("a meal change was rewritten")
	}
	if _, err := f.s.DB().Exec(`DELETE FROM meal_changes WHERE installation_id = $1`, f.d.inst); err == nil {
		t.Fatal("a meal change was deleted")
	}
}

func TestTwoGuardiansAtOnce(t *testing.T) {
	t.Parallel()
	f := newBookingFixture(t)
	ctx := context.Background()
	now := rome("2027-02-01 08:00:00")
	day := calendar.Day(2027, 2, 3)
	// both cancel the same day: one change, both answered with it
	var wg sync.WaitGroup
	results := make([]db.MealResult, 2)
	errs := make([]error, 2)
	for i, who := range []string{"mario.rossi", "laura.rossi"} {
		r := f.req(booking.Cancelled, day, day, now, f.d.sofia, f.d.luca)
		r.AccountID, r.ActorName = f.acc[who], who
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = f.s.ChangeMeals(ctx, r)
		}()
	}
	wg.Wait()
	if errs[0] != nil || errs[1] != nil {
		t.Fatal(errs)
	}
	if len(results[0].Changes)+len(results[1].Changes) != 2 || len(results[0].Unchanged)+len(results[1].Unchanged) != 2 {
		t.Fatalf("results %+v", results)
	}
	// one undoes, the other asks for a plain meal: both recorded, in order,
	// each knowing what the other did
	wg = sync.WaitGroup{}
	for i, target := range []string{booking.Booked, booking.Plain} {
		r := f.req(target, day, day, now, f.d.sofia)
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = f.s.ChangeMeals(ctx, r)
		}()
	}
	wg.Wait()
	if errs[0] != nil || errs[1] != nil {
		t.Fatal(errs)
	}
	h, err := f.s.MealHistory(ctx, f.d.inst, f.d.sofia, f.d.mensa, day)
	if err != nil || len(h) != 3 {
		t.Fatalf("history %+v %v", h, err)
	}
	for i := 1; i < len(h); i++ {
		if h[i].Previous != h[i-1].State {
			t.Fatalf("change %d saw %s, the one before left %s", i, h[i].Previous, h[i-1].State)
		}
	}
}

func TestLateChangesChargeAndRefundThroughTheLedger(t *testing.T) {
	t.Parallel()
	f := newBookingFixture(t)
	ctx := context.Background()
	f.settings(t, func(b *db.BookingSettings) { b.ChargeUnlessCancelled = true })
	day := calendar.Day(2027, 2, 3)
	cutoff := rome("2027-02-03 09:30:00")
	// Sofia is cancelled in time
	if _, err := f.s.ChangeMeals(ctx, f.req(booking.Cancelled, day, day, rome("2027-02-03 09:00:00"), f.d.sofia)); err != nil {
		t.Fatal(err)
	}
	// nothing is charged before the cut-off
	if n, err := f.s.ChargeUncancelledMealsAt(ctx, f.d.inst, f.d.mensa, day, rome("2027-02-03 09:29:59.9")); err != nil || n != 0 {
		t.Fatalf("before the cut-off: %d %v", n, err)
	}
	// at the cut-off, every meal not cancelled: Luca, Marco, Elena, Pietro
	n, err := f.s.ChargeUncancelledMealsAt(ctx, f.d.inst, f.d.mensa, day, cutoff)
	if err != nil || n != 4 {
		t.Fatalf("at the cut-off: %d %v", n, err)
	}
	if n, _ := f.s.ChargeUncancelledMealsAt(ctx, f.d.inst, f.d.mensa, day, cutoff.Add(time.Hour)); n != 0 {
		t.Fatalf("charged again: %d", n)
	}
	net := func(child int64) int64 {
		var v int64
		dbtest.Get(t, f.s.DB(), &v, `SELECT coalesce(sum(amount_cents), 0) FROM ledger_entries WHERE installation_id = $1 AND child_id = $2
			AND service_id = $3 AND attendance_day = $4`, f.d.inst, child, f.d.mensa, day)
		return v
	}
	if net(f.d.luca) != -480 || net(f.d.sofia) != 0 {
		t.Fatalf("Luca %d, Sofia %d", net(f.d.luca), net(f.d.sofia))
	}
	// the parent can no longer cancel; the office can, with a reason, and refunds
	_ = refusal(t, mustErr(f.s.ChangeMeals(ctx, f.req(booking.Cancelled, day, day, cutoff.Add(time.Minute), f.d.luca))), booking.TooLate)
	office := f.req(booking.Cancelled, day, day, cutoff.Add(2*time.Hour), f.d.luca)
	office.Channel, office.AccountID, office.ActorName = db.ChannelOffice, f.acc["operatore"], "Ufficio Servizi Scolastici"
	noReason := office
	_ = refusal(t, mustErr(f.s.ChangeMeals(ctx, noReason)), booking.TooLate)
	office.Reason = "Febbre, telefonata della madre alle 9:20"
	res, err := f.s.ChangeMeals(ctx, office)
	if err != nil || len(res.Refunds) != 1 || !res.Changes[0].Late {
		t.Fatalf("office late cancel: %+v %v", res, err)
	}
	if again, err := f.s.ChangeMeals(ctx, office); err != nil || !again.Replay || len(again.Refunds) != 0 {
		t.Fatalf("office replay: %+v %v", again, err)
	}
	if net(f.d.luca) != 0 {
		t.Fatalf("after the refund Luca's day nets %d", net(f.d.luca))
	}
	// booked again late by the office: charged again, under a new key
	rebook := f.req(booking.Booked, day, day, cutoff.Add(3*time.Hour), f.d.luca)
	rebook.Channel, rebook.AccountID, rebook.ActorName, rebook.Reason = db.ChannelOffice, f.acc["operatore"], "Ufficio", "Era presente"
	if res, err := f.s.ChangeMeals(ctx, rebook); err != nil || len(res.Charges) != 1 {
		t.Fatalf("rebook: %+v %v", res, err)
	}
	if net(f.d.luca) != -480 {
		t.Fatalf("rebooked day nets %d", net(f.d.luca))
	}
	// the family's payments page lists them, traceable to the day
	var kinds []string
	dbtest.Select(t, f.s.DB(), &kinds, `SELECT kind FROM ledger_entries WHERE installation_id = $1 AND child_id = $2 AND attendance_day = $3 ORDER BY id`,
		f.d.inst, f.d.luca, day)
	if len(kinds) != 3 || kinds[0] != "charge" || kinds[1] != "refund" || kinds[2] != "charge" {
		t.Fatalf("entries %v", kinds)
	}
	page, err := f.s.LedgerPage(ctx, f.d.inst, db.LedgerFilter{AdultID: f.d.mario, From: day, To: day}, 0, 0)
	if err != nil || len(page) != 3 || !page[0].AttendanceDay.Valid {
		t.Fatalf("Mario's payments of the day: %+v %v", page, err)
	}

	// the kitchen: frozen at the cut-off Luca's meal counts, Sofia's does not;
	// the office correction shows only after it
	states := func(at time.Time) map[int64]string {
		list, err := f.s.MealStatesAt(ctx, f.d.inst, f.d.mensa, day, at)
		if err != nil {
			t.Fatal(err)
		}
		m := map[int64]string{}
		for _, s := range list {
			m[s.ChildID] = s.State
		}
		return m
	}
	at := states(cutoff)
	if at[f.d.luca] != booking.Booked || at[f.d.sofia] != booking.Cancelled || len(at) != 5 {
		t.Fatalf("at the cut-off %v", at)
	}
	if s := states(cutoff.Add(150 * time.Minute)); s[f.d.luca] != booking.Cancelled {
		t.Fatalf("after the late cancel %v", s)
	}
	if c, err := f.s.BookingCutoff(ctx, f.d.inst, f.d.mensa, day); err != nil || !c.Equal(cutoff) {
		t.Fatalf("cut-off %v %v", c, err)
	}
}

func TestDemoSeedHasMealChanges(t *testing.T) {
	t.Parallel()
	s, _ := dbtest.New(t)
	d := lookupDemo(t, s)
	var states []string
	dbtest.Select(t, s.DB(), &states, `SELECT DISTINCT state FROM meal_changes WHERE installation_id = $1 ORDER BY 1`, d.inst)
	var stored bool
	dbtest.Get(t, s.DB(), &stored, `SELECT EXISTS (SELECT 1 FROM booking_settings WHERE installation_id = $1 AND service_id = $2)`, d.inst, d.mensa)
	// near the end of the school year there is nothing left to book
	if today := calendar.DateOf(time.Now().In(calendar.Rome)); today.Before(calendar.Day(2027, 6, 1)) && (len(states) != 2 || !stored) {
		t.Fatalf("states %v, settings stored %v", states, stored)
	}
	var notified int
	dbtest.Get(t, s.DB(), &notified, `SELECT count(*) FROM meal_changes m JOIN attendance a ON a.installation_id = m.installation_id
		AND a.child_id = m.child_id AND a.service_id = m.service_id AND a.day = m.day
		WHERE m.installation_id = $1 AND m.state = 'cancelled' AND a.status = 'absence_notified' AND a.source = 'parent'`, d.inst)
	if len(states) > 0 && notified != 3 {
		t.Fatalf("%d cancelled days in the calendar, want 3", notified)
	}
}

// TestRegisterAbsenceKeepsTheChargeOfAMealNotCancelled: with "charge
// unless cancelled", the register marking a child absent does not refund a
// meal booked at the cut-off; without that setting it does (as before).
func TestRegisterAbsenceKeepsTheChargeOfAMealNotCancelled(t *testing.T) {
	t.Parallel()
	f := newBookingFixture(t)
	ctx := context.Background()
	day := calendar.Day(2027, 2, 3)
	f.settings(t, func(b *db.BookingSettings) { b.ChargeUnlessCancelled = true })
	if _, err := f.s.ChargeUncancelledMealsAt(ctx, f.d.inst, f.d.mensa, day, rome("2027-02-03 09:30:00")); err != nil {
		t.Fatal(err)
	}
	mark := func(child int64, status string) db.MarkResult {
		r, err := f.s.MarkAttendance(ctx, db.Mark{InstallationID: f.d.inst, ChildID: child, ServiceID: f.d.mensa, Day: day,
			Status: status, AccountID: f.acc["operatore"], RecordedByName: "Registro", Today: day})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if r := mark(f.d.luca, "absent"); r.RefundID != 0 {
		t.Fatalf("a meal not cancelled was refunded for an absence: %+v", r)
	}
	if r := mark(f.d.luca, "present"); r.ChargeID != 0 {
		t.Fatalf("present after absent charged twice: %+v", r)
	}
	f.settings(t, func(b *db.BookingSettings) { b.ChargeUnlessCancelled = false })
	if r := mark(f.d.sofia, "absent"); r.RefundID == 0 {
		t.Fatalf("without the setting an absence refunds the day: %+v", r)
	}
}
