package delivery_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"portalegenitori/db"
	"portalegenitori/db/dbtest"
	"portalegenitori/delivery"
	"portalegenitori/internal/booking"
	"portalegenitori/internal/calendar"
	"portalegenitori/internal/notify"
	"portalegenitori/internal/notify/smtptest"
)

// TestMealReminders: the evening before the cut-off, only the adults who
// chose the reminder and have a child of an explicit-booking service
// without a decision for the next school day are reminded, once per adult
// and day (two children: one message; a rerun: nothing), by e-mail at once
// and by SMS after the quiet hours.
func TestMealReminders(t *testing.T) {
	t.Parallel()
	store, _ := dbtest.New(t)
	ctx := context.Background()
	dbx := store.DB()

	// Wednesday 10 March 2027: the reminder of Thursday 11 (cut-off 9:30) goes from 18:00
	at := func(hhmm string) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04", "2027-03-10 "+hhmm, calendar.Rome)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}

	twoCh, twoAdult, twoAcc := payer(t, store, "RMDTWO80A01H501X", "two@example.it", "", 1000)
	inst := twoCh
	_, decidedAdult, decidedAcc := payer(t, store, "RMDDEC80A01H501X", "decided@example.it", "", 1000)
	_, presumedAdult, presumedAcc := payer(t, store, "RMDPRS80A01H501X", "presumed@example.it", "", 1000)
	_, offAdult, offAcc := payer(t, store, "RMDOFF80A01H501X", "off@example.it", "", 1000)
	_, quietAdult, quietAcc := payer(t, store, "RMDQUT80A01H501X", "quiet@example.it", "+393330000202", 1000)

	var explicit, presumed int64
	dbtest.Get(t, dbx, &explicit, `INSERT INTO services (installation_id, kind, name) VALUES ($1, 'mensa', 'Mensa su prenotazione') RETURNING id`, inst)
	dbtest.Get(t, dbx, &presumed, `INSERT INTO services (installation_id, kind, name) VALUES ($1, 'mensa', 'Mensa presunta') RETURNING id`, inst)
	b := db.DefaultBookingSettings("mensa")
	b.ServiceID, b.Mode = explicit, booking.Explicit
	if err := store.SaveBookingSettings(ctx, inst, twoAcc, b); err != nil {
		t.Fatal(err)
	}
	enroll := func(adult, service int64, name string) int64 {
		t.Helper()
		var child int64
		dbtest.Get(t, dbx, &child, `SELECT child_id FROM guardianships WHERE installation_id = $1 AND adult_id = $2 ORDER BY child_id LIMIT 1`, inst, adult)
		if name == "Marco" { // a second child of the same adult
			dbtest.Get(t, dbx, &child, `INSERT INTO children (installation_id, fiscal_code, first_name, last_name, birth_date)
				VALUES ($1, 'MRCRMD19A01H501X', 'Marco', 'Avvisi', '2019-01-01') RETURNING id`, inst)
			dbx.MustExec(`INSERT INTO guardianships (installation_id, child_id, adult_id, role) VALUES ($1, $2, $3, 'guardian')`, inst, child, adult)
		}
		dbx.MustExec(`UPDATE children SET first_name = $3 WHERE installation_id = $1 AND id = $2`, inst, child, name)
		dbx.MustExec(`INSERT INTO enrollments (installation_id, child_id, service_id, school_year, starts_on, ends_on, tariff_cents)
			VALUES ($1, $2, $3, 2026, '2026-09-01', '2027-06-30', 450)`, inst, child, service)
		return child
	}
	enroll(twoAdult, explicit, "Anna")
	enroll(twoAdult, explicit, "Marco")
	decidedChild := enroll(decidedAdult, explicit, "Bruno")
	enroll(presumedAdult, presumed, "Carla")
	enroll(offAdult, explicit, "Dario")
	enroll(quietAdult, explicit, "Elisa")
	// Bruno's parent booked Thursday already
	dbx.MustExec(`INSERT INTO meal_changes (installation_id, child_id, service_id, day, state, previous, accepted_at, cutoff_at,
		account_id, actor_name, channel, receipt_code, request_key) VALUES ($1, $2, $3, '2027-03-11', 'booked', 'none', $4, $5, $6,
		'Prova Avvisi', 'parent', 'TEST-0001', 'reminder-test')`, inst, decidedChild, explicit, at("12:00"), at("12:00").Add(21*time.Hour+30*time.Minute), decidedAcc)

	on := func(a *db.AlertSettings) { a.ReminderEnabled, a.LowEnabled, a.DebtEnabled = true, false, false }
	for _, a := range []int64{twoAdult, decidedAdult, presumedAdult} {
		if err := store.SaveAlertPrefs(ctx, inst, a, alertPrefs(on)); err != nil {
			t.Fatal(err)
		}
	}
	if err := store.SaveAlertPrefs(ctx, inst, offAdult, alertPrefs(func(a *db.AlertSettings) { a.ReminderEnabled = false })); err != nil {
		t.Fatal(err)
	}
	// quiet hours 17:00–20:00: the e-mail goes, the SMS waits
	if err := store.SaveAlertPrefs(ctx, inst, quietAdult, alertPrefs(func(a *db.AlertSettings) {
		on(a)
		a.ViaSMS, a.QuietStart, a.QuietEnd = true, 17*60, 20*60
	})); err != nil {
		t.Fatal(err)
	}

	enq, err := delivery.NewEnqueuer(dbx.DB)
	if err != nil {
		t.Fatal(err)
	}
	jobs := func() map[int64]string {
		var rows []struct {
			Adult   int64  `db:"adult"`
			Channel string `db:"channel"`
		}
		dbtest.Select(t, dbx, &rows, `SELECT (args->>'adult_id')::bigint AS adult, args->>'channel' AS channel FROM river_job
			WHERE kind = 'meal_reminder' ORDER BY 1, 2`)
		out := map[int64]string{}
		for _, r := range rows {
			out[r.Adult] = strings.TrimPrefix(out[r.Adult]+","+r.Channel, ",")
		}
		return out
	}
	if n, err := enq.EnqueueMealReminders(ctx, store, at("17:55")); err != nil || n != 0 || len(jobs()) != 0 {
		t.Fatalf("before 18:00: %d reminded, %v, jobs %v", n, err, jobs())
	}
	if n, err := enq.EnqueueMealReminders(ctx, store, at("18:05")); err != nil || n != 2 {
		t.Fatalf("at 18:05: %d reminded (want 2), %v", n, err)
	}
	want := map[int64]string{twoAdult: "email", quietAdult: "email,sms"}
	got := jobs()
	if len(got) != len(want) || got[twoAdult] != want[twoAdult] || got[quietAdult] != want[quietAdult] {
		t.Fatalf("reminder jobs %v, want %v (not: decided %d, presumed %d, off %d)", got, want, decidedAdult, presumedAdult, offAdult)
	}
	if n, err := enq.EnqueueMealReminders(ctx, store, at("18:10")); err != nil || n != 0 || len(jobs()) != 2 {
		t.Fatalf("rerun: %d reminded, %v, jobs %v", n, err, jobs())
	}

	smtp, err := smtptest.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer smtp.Close()
	mailer, err := notify.NewSMTPMailer(notify.SMTPConfig{Host: "127.0.0.1", Port: smtp.Port(), From: "noreply@example.it", TLS: "none"})
	if err != nil {
		t.Fatal(err)
	}
	w, err := delivery.NewWorker(store, delivery.Senders{Mail: mailer, BaseURL: "https://portale.example.it"},
		slog.New(slog.NewTextHandler(io.Discard, nil)), delivery.Options{FetchPollInterval: 100 * time.Millisecond,
			Now: func() time.Time { return at("18:06") }})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer stopWorker(t, w)
	mailTo := func(to string) []smtptest.Message {
		var out []smtptest.Message
		for _, m := range smtp.Messages() {
			if len(m.To) > 0 && m.To[0] == to {
				out = append(out, m)
			}
		}
		return out
	}
	var snoozed string
	deadline := time.Now().Add(60 * time.Second)
	// the message record follows the SMTP answer: wait for it too
	for len(mailTo("two@example.it")) == 0 || len(mailTo("quiet@example.it")) == 0 || snoozed != "scheduled" ||
		len(messages(t, store, inst, quietAcc)) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("timed out: mails %d/%d, sms job %q", len(mailTo("two@example.it")), len(mailTo("quiet@example.it")), snoozed)
		}
		time.Sleep(50 * time.Millisecond)
		dbtest.Get(t, dbx, &snoozed, `SELECT state FROM river_job WHERE kind = 'meal_reminder' AND args->>'channel' = 'sms'`)
	}
	body := mailTo("two@example.it")[0].Text()
	for _, s := range []string{"giovedì 11 marzo 2027", "Anna, Marco", "9:30 di giovedì 11 marzo 2027", "https://portale.example.it/demo/famiglia#meal-days"} {
		if !strings.Contains(body, s) {
			t.Errorf("the reminder lacks %q:\n%s", s, body)
		}
	}
	for _, acc := range []int64{decidedAcc, presumedAcc, offAcc} {
		if msgs := messages(t, store, inst, acc); len(msgs) != 0 {
			t.Errorf("account %d got %d messages, want none", acc, len(msgs))
		}
	}
	var kinds []string
	for _, m := range messages(t, store, inst, quietAcc) {
		kinds = append(kinds, m.Kind+":"+m.Channel+":"+m.Outcome)
	}
	if strings.Join(kinds, ",") != "meal_reminder:email:sent" {
		t.Errorf("quiet adult's messages %v, want only the e-mail (the SMS waits for 20:00)", kinds)
	}
}
