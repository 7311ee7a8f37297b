package delivery_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"portalegenitori/db"
	"portalegenitori/db/dbtest"
	"portalegenitori/delivery"
	"portalegenitori/internal/booking"
	"portalegenitori/internal/calendar"
	"portalegenitori/internal/notify/smtptest"
)

// TestMealReceiptByEmail: a parent who asked for receipts gets one per
// change, enqueued with it; the other guardian, who did not ask, gets none;
// a change by the office reaches the guardian who asked. The record of
// the message holds no more than the recipient.
func TestMealReceiptByEmail(t *testing.T) {
	t.Parallel()
	store, _ := dbtest.New(t)
	ctx := context.Background()
	s, err := smtptest.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	q := store.DB()
	var inst, mario, operatore, luca, mensa int64
	dbtest.Get(t, q, &inst, `SELECT id FROM installations WHERE code = 'demo'`)
	dbtest.Get(t, q, &mario, `SELECT id FROM accounts WHERE installation_id = $1 AND username = 'mario.rossi'`, inst)
	dbtest.Get(t, q, &operatore, `SELECT id FROM accounts WHERE installation_id = $1 AND username = 'operatore'`, inst)
	dbtest.Get(t, q, &luca, `SELECT id FROM children WHERE installation_id = $1 AND first_name = 'Luca'`, inst)
	dbtest.Get(t, q, &mensa, `SELECT id FROM services WHERE installation_id = $1 AND kind = 'mensa'`, inst)
	q.MustExec(`UPDATE accounts SET email = 'mario@example.it' WHERE id = $1`, mario)
	if err := store.SetBookingReceiptEmail(ctx, inst, mario, true); err != nil {
		t.Fatal(err)
	}
	enq, err := delivery.NewEnqueuer(q.DB)
	if err != nil {
		t.Fatal(err)
	}
	receipt := func(ctx context.Context, tx *sql.Tx, acc int64, code string) error {
		return enq.MealReceipt(ctx, tx, delivery.MealReceiptArgs{InstallationID: inst, AccountID: acc, Receipt: code})
	}
	// a school day far enough ahead to be open whatever the hour
	day := calendar.DateOf(time.Now().In(calendar.Rome)).AddDate(0, 0, 1)
	for !calendar.ServiceWeekday(day) || closed(t, store, inst, day) {
		day = day.AddDate(0, 0, 1)
	}
	var laura int64
	dbtest.Get(t, q, &laura, `SELECT id FROM accounts WHERE installation_id = $1 AND username = 'laura.rossi'`, inst)
	req := db.MealRequest{InstallationID: inst, ChildIDs: []int64{luca}, ServiceID: mensa, From: day, To: day, Target: booking.Cancelled,
		AccountID: mario, ActorName: "Mario Rossi", Channel: db.ChannelParent, RequestKey: "mail-test-1", Receipt: receipt}
	first, err := store.ChangeMeals(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	req.AccountID, req.ActorName, req.Target, req.RequestKey = laura, "Laura Rossi", booking.Booked, "mail-test-2"
	if _, err := store.ChangeMeals(ctx, req); err != nil { // Laura asked for no receipt
		t.Fatal(err)
	}
	req.AccountID, req.ActorName, req.Channel, req.Target, req.RequestKey = operatore, "Ufficio Servizi Scolastici", db.ChannelOffice, booking.Plain, "mail-test-3"
	third, err := store.ChangeMeals(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	w := worker(t, store, s.Port(), "http://127.0.0.1:1", delivery.Options{})
	if err := w.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer stopWorker(t, w)
	got := s.Wait(2, 60*time.Second)
	if len(got) != 2 {
		t.Fatalf("%d receipts sent, want 2", len(got))
	}
	texts := got[0].Text() + got[1].Text()
	for _, want := range []string{first.Receipt, third.Receipt, "Luca (Mensa scolastica) – Pasto disdetto", "Pasto in bianco",
		"Fatta da: Mario Rossi", "Fatta da: Ufficio Servizi Scolastici (ufficio)", "prima del termine delle 9:30"} {
		if !strings.Contains(texts, want) {
			t.Fatalf("receipts lack %q:\n%s", want, texts)
		}
	}
	for _, m := range got {
		if len(m.To) != 1 || m.To[0] != "mario@example.it" {
			t.Fatalf("receipt sent to %v", m.To)
		}
	}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		var n int
		dbtest.Get(t, q, &n, `SELECT count(*) FROM messages WHERE kind = 'meal_receipt' AND outcome = 'sent' AND account_id = $1`, mario)
		if n == 2 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("the receipts are not recorded as sent")
}

func closed(t *testing.T, s *db.Store, inst int64, day time.Time) bool {
	var c bool
	dbtest.Get(t, s.DB(), &c, `SELECT EXISTS (SELECT 1 FROM closures WHERE installation_id = $1 AND day = $2)`, inst, day)
	return c
}

// TestMealChargesAtTheCutoff: the worker's periodic job charges, where the
// Comune charges the meals not cancelled in time, a past school day's
// booked meal that has no charge yet, once.
func TestMealChargesAtTheCutoff(t *testing.T) {
	t.Parallel()
	store, _ := dbtest.New(t)
	ctx := context.Background()
	q := store.DB()
	var inst, luca, mensa int64 // luca: the new child below
	dbtest.Get(t, q, &inst, `SELECT id FROM installations WHERE code = 'demo'`)
	dbtest.Get(t, q, &mensa, `SELECT id FROM services WHERE installation_id = $1 AND kind = 'mensa'`, inst)
	day := calendar.DateOf(time.Now().In(calendar.Rome)).AddDate(0, 0, -1)
	for !calendar.ServiceWeekday(day) || closed(t, store, inst, day) {
		day = day.AddDate(0, 0, -1)
	}
	if day.Before(calendar.DateOf(time.Now().In(calendar.Rome)).AddDate(0, 0, -7)) || day.Before(calendar.Day(2026, 9, 7)) {
		t.Skip("no school day in the last week")
	}
	// a child enrolled from that day, paid by Mario, with nothing charged yet
	q.MustExec(`INSERT INTO children (installation_id, fiscal_code, first_name, last_name, birth_date)
		VALUES ($1, 'RSSNNA19A41H501X', 'Anna', 'Rossi', '2019-01-01')`, inst)
	dbtest.Get(t, q, &luca, `SELECT id FROM children WHERE installation_id = $1 AND fiscal_code = 'RSSNNA19A41H501X'`, inst)
	q.MustExec(`INSERT INTO guardianships (installation_id, child_id, adult_id, role)
		SELECT $1, $2, id, 'payer' FROM adults WHERE installation_id = $1 AND first_name = 'Mario'`, inst, luca)
	q.MustExec(`INSERT INTO enrollments (installation_id, child_id, service_id, school_year, starts_on, ends_on, tariff_cents)
		VALUES ($1, $2, $3, 2026, $4, '2027-06-30', 480)`, inst, luca, mensa, day)
	b, err := store.BookingSettingsOf(ctx, inst, mensa)
	if err != nil {
		t.Fatal(err)
	}
	b.ChargeUnlessCancelled = true
	if err := store.SaveBookingSettings(ctx, inst, 0, b); err != nil {
		t.Fatal(err)
	}
	w := worker(t, store, 1, "http://127.0.0.1:1", delivery.Options{})
	if err := w.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer stopWorker(t, w)
	deadline := time.Now().Add(60 * time.Second)
	for {
		var n int
		dbtest.Get(t, q, &n, `SELECT count(*) FROM ledger_entries WHERE installation_id = $1 AND child_id = $2 AND service_id = $3
			AND attendance_day = $4 AND kind = 'charge' AND reason = 'Pasto prenotato non disdetto'`, inst, luca, mensa, day)
		if n == 1 {
			break
		}
		if n > 1 || time.Now().After(deadline) {
			t.Fatalf("%d charges of %s", n, day.Format(time.DateOnly))
		}
		time.Sleep(50 * time.Millisecond)
	}
}
