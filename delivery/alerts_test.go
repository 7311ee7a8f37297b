package delivery_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"portalegenitori/db"
	"portalegenitori/db/dbtest"
	"portalegenitori/delivery"
	"portalegenitori/internal/appio"
	"portalegenitori/internal/appio/emulator"
	"portalegenitori/internal/calendar"
	"portalegenitori/internal/notify"
	"portalegenitori/internal/notify/smtptest"
)

var payerSeq atomic.Int64

// payer creates a paying adult of the demo installation with a child, an
// account, the given contacts and a balance, and returns its IDs.
func payer(t *testing.T, store *db.Store, cf, email, mobile string, balance int64) (inst, adult, account int64) {
	t.Helper()
	ctx := context.Background()
	n := payerSeq.Add(1)
	dbx := store.DB()
	dbtest.Get(t, dbx, &inst, `SELECT id FROM installations WHERE code = 'demo'`)
	dbtest.Get(t, dbx, &adult, `INSERT INTO adults (installation_id, fiscal_code, first_name, last_name, email, mobile)
		VALUES ($1, $2, 'Prova', 'Avvisi', $3, $4) RETURNING id`, inst, cf, email, mobile)
	var child int64
	dbtest.Get(t, dbx, &child, `INSERT INTO children (installation_id, fiscal_code, first_name, last_name, birth_date)
		VALUES ($1, $2, 'Figlio', 'Avvisi', '2018-01-01') RETURNING id`, inst, fmt.Sprintf("FGLAVV18A01H5%02dZ", n))
	if _, err := dbx.ExecContext(ctx, `INSERT INTO guardianships (installation_id, child_id, adult_id, role) VALUES ($1, $2, $3, 'payer')`, inst, child, adult); err != nil {
		t.Fatal(err)
	}
	dbtest.Get(t, dbx, &account, `INSERT INTO accounts (installation_id, username, adult_id, linked_fiscal_code, display_name, lang)
		VALUES ($1, $2, $3, $4, 'Prova Avvisi', 'it') RETURNING id`, inst, fmt.Sprintf("avvisi%d", n), adult, cf)
	setBalance(t, store, inst, adult, balance)
	return inst, adult, account
}

// setBalance adds the ledger entry that brings the adult's balance to cents.
func setBalance(t *testing.T, store *db.Store, inst, adult, cents int64) {
	t.Helper()
	ctx := context.Background()
	bal, err := store.Balances(ctx, inst, []int64{adult})
	if err != nil {
		t.Fatal(err)
	}
	diff := cents - bal[adult]
	if diff == 0 {
		return
	}
	kind := db.KindTopUp
	if diff < 0 {
		kind = db.KindCharge
	}
	if _, _, err := store.AddEntry(ctx, db.NewEntry{InstallationID: inst, AdultID: adult, Kind: kind, AmountCents: diff,
		EntryDate: calendar.DateOf(time.Now()), IdempotencyKey: fmt.Sprintf("test:%d:%d", adult, time.Now().UnixNano())}); err != nil {
		t.Fatal(err)
	}
}

func alertPrefs(mutate func(*db.AlertSettings)) db.AlertSettings {
	a := db.AlertSettings{LowEnabled: true, LowMode: "amount", LowAmountCents: 1000, LowMeals: 5, DebtEnabled: true, ViaEmail: true}
	if mutate != nil {
		mutate(&a)
	}
	return a
}

// alertJobs counts the alert jobs of an adult by alert kind.
func alertJobs(t *testing.T, store *db.Store, adult int64) map[string]int {
	t.Helper()
	var rows []struct {
		Alert string `db:"alert"`
		N     int    `db:"n"`
	}
	dbtest.Select(t, store.DB(), &rows, `SELECT args->>'alert' AS alert, count(*) AS n FROM river_job
		WHERE kind = 'alert' AND (args->>'adult_id')::bigint = $1 GROUP BY 1`, adult)
	out := map[string]int{}
	for _, r := range rows {
		out[r.Alert] = r.N
	}
	return out
}

func TestDecideAlert(t *testing.T) {
	for _, tc := range []struct {
		name               string
		fired, enabled     bool
		balance, threshold int64
		fire, rearm        bool
	}{
		{"armed, above", false, true, 1500, 1000, false, false},
		{"armed, at the threshold", false, true, 1000, 1000, false, false},
		{"armed, crosses", false, true, 999, 1000, true, false},
		{"armed, crosses, turned off", false, false, 999, 1000, false, false},
		{"fired, still below", true, true, 500, 1000, false, false},
		{"fired, back at the threshold", true, true, 1000, 1000, false, true},
		{"fired, recovers while turned off", true, false, 2000, 1000, false, true},
		{"debt: armed, goes below zero", false, true, -1, 0, true, false},
	} {
		if fire, rearm := db.DecideAlert(tc.fired, tc.enabled, tc.balance, tc.threshold); fire != tc.fire || rearm != tc.rearm {
			t.Errorf("%s: fire %v rearm %v, want %v %v", tc.name, fire, rearm, tc.fire, tc.rearm)
		}
	}
}

// TestAlertCrossingRules walks one adult's balance down and up: each alert
// fires once per crossing, never again until the balance recovers, and
// again after a recovery and a new crossing.
func TestAlertCrossingRules(t *testing.T) {
	t.Parallel()
	store, _ := dbtest.New(t)
	ctx := context.Background()
	enq, err := delivery.NewEnqueuer(store.DB().DB)
	if err != nil {
		t.Fatal(err)
	}
	inst, adult, _ := payer(t, store, "CRSSNG80A01H501X", "crossing@example.it", "+393330000101", 1500)
	if err := store.SaveAlertPrefs(ctx, inst, adult, alertPrefs(func(a *db.AlertSettings) { a.ViaSMS = true })); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name      string
		balance   int64
		low, debt int // jobs so far (2 channels per firing)
		fired     int // alerts fired by this evaluation
	}{
		{"above the threshold", 1500, 0, 0, 0},
		{"crosses 10 €", 800, 2, 0, 1},
		{"evaluated again", 800, 2, 0, 0},
		{"a further charge", 300, 2, 0, 0},
		{"into debt", -200, 2, 2, 1},
		{"still in debt", -900, 2, 2, 0},
		{"topped up above the threshold", 1200, 2, 2, 0},
		{"crosses again", 900, 4, 2, 1},
		{"debt again", -100, 4, 4, 1},
	}
	for _, s := range steps {
		setBalance(t, store, inst, adult, s.balance)
		n, err := enq.EvaluateAlerts(ctx, store, inst, []int64{adult}, time.Now())
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		jobs := alertJobs(t, store, adult)
		if n != s.fired || jobs[db.AlertLowBalance] != s.low || jobs[db.AlertDebt] != s.debt {
			t.Fatalf("%s: fired %d, jobs %v; want fired %d, low %d, debt %d", s.name, n, jobs, s.fired, s.low, s.debt)
		}
	}

	// a threshold in meals: N days at today's daily tariff of the children
	inst2, adult2, _ := payer(t, store, "MLSMLS80A01H501X", "meals@example.it", "", 2000)
	if err := store.SaveAlertPrefs(ctx, inst2, adult2, alertPrefs(func(a *db.AlertSettings) { a.LowMode, a.LowMeals = "meals", 5 })); err != nil {
		t.Fatal(err)
	}
	if n, err := enq.EvaluateAlerts(ctx, store, inst2, []int64{adult2}, time.Now()); err != nil || n != 0 {
		t.Fatalf("meals without a daily tariff: fired %d, %v; want none", n, err)
	}
	var svc int64
	dbtest.Get(t, store.DB(), &svc, `SELECT id FROM services WHERE installation_id = $1 AND kind = 'mensa' LIMIT 1`, inst2)
	today := calendar.DateOf(time.Now().In(calendar.Rome))
	if _, err := store.DB().ExecContext(ctx, `INSERT INTO enrollments (installation_id, child_id, service_id, school_year, starts_on, ends_on, tariff_cents)
		SELECT $1, child_id, $2, 2026, $3::date - 30, $3::date + 30, 450 FROM guardianships WHERE installation_id = $1 AND adult_id = $4`,
		inst2, svc, today, adult2); err != nil {
		t.Fatal(err)
	}
	if n, err := enq.EvaluateAlerts(ctx, store, inst2, []int64{adult2}, time.Now()); err != nil || n != 1 {
		t.Fatalf("20 € below 5 meals at 4.50 €: fired %d, %v; want 1", n, err)
	}
	var th int64
	dbtest.Get(t, store.DB(), &th, `SELECT threshold_cents FROM alert_states WHERE installation_id = $1 AND adult_id = $2 AND kind = 'low_balance'`, inst2, adult2)
	if th != 2250 {
		t.Errorf("threshold of 5 meals = %d cents, want 2250", th)
	}
}

func TestQuietUntil(t *testing.T) {
	rome := func(h, m int) time.Time { return time.Date(2026, 11, 30, h, m, 0, 0, calendar.Rome) }
	for _, tc := range []struct {
		name       string
		now        time.Time
		start, end int
		quiet      bool
		until      time.Time
	}{
		{"overnight, evening", rome(22, 30), 21 * 60, 8 * 60, true, time.Date(2026, 12, 1, 8, 0, 0, 0, calendar.Rome)},
		{"overnight, early morning", rome(6, 0), 21 * 60, 8 * 60, true, rome(8, 0)},
		{"overnight, day", rome(12, 0), 21 * 60, 8 * 60, false, time.Time{}},
		{"overnight, at the end", rome(8, 0), 21 * 60, 8 * 60, false, time.Time{}},
		{"daytime window", rome(13, 0), 12 * 60, 14 * 60, true, rome(14, 0)},
		{"none", rome(23, 0), 0, 0, false, time.Time{}},
	} {
		quiet, until := delivery.QuietUntil(tc.now.UTC(), tc.start, tc.end)
		if quiet != tc.quiet || !until.Equal(tc.until) {
			t.Errorf("%s: %v until %v, want %v until %v", tc.name, quiet, until, tc.quiet, tc.until)
		}
	}
}

// TestAlertsOverAppIO delivers alerts through the worker to the App IO
// emulator over real HTTP and to an SMTP listener: 201 is sent; a citizen
// who does not allow the service is recorded as refused and not retried; a
// 5xx is retried until it goes; App IO waits for the end of quiet hours
// while the e-mail goes at once.
func TestAlertsOverAppIO(t *testing.T) {
	t.Parallel()
	store, _ := dbtest.New(t)
	ctx := context.Background()
	em := emulator.New(store.DB())
	ioSrv := httptest.NewTLSServer(em.APIHandler("/api/v1"))
	defer ioSrv.Close()
	smtp, err := smtptest.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer smtp.Close()
	sealer, _ := appio.NewKeySealer(strings.Repeat("k", 32))

	const okCF, blockedCF, flakyCF, quietCF = "LLWDIO80A01H501X", "BLCKDD80A01H501X", "FLKYIO80A01H501X", "QTHRSS80A01H501X"
	instOK, okAdult, okAcc := payer(t, store, okCF, "", "", 1500)
	_, blockedAdult, blockedAcc := payer(t, store, blockedCF, "", "", 1500)
	_, flakyAdult, flakyAcc := payer(t, store, flakyCF, "", "", 1500)
	_, quietAdult, quietAcc := payer(t, store, quietCF, "quiet@example.it", "", 1500)
	sealed, _ := sealer.Seal("io-service-key-test1234", instOK)
	if err := store.SetAppIOService(ctx, instOK, sealed, "1234", 0); err != nil {
		t.Fatal(err)
	}
	if err := em.SetSwitch(ctx, blockedCF, emulator.Blocked, 0); err != nil {
		t.Fatal(err)
	}
	if err := em.SetSwitch(ctx, flakyCF, emulator.Allowed, 1); err != nil {
		t.Fatal(err)
	}
	now := time.Now().In(calendar.Rome)
	m := now.Hour()*60 + now.Minute()
	for _, a := range []int64{okAdult, blockedAdult, flakyAdult} {
		if err := store.SaveAlertPrefs(ctx, instOK, a, alertPrefs(func(s *db.AlertSettings) { s.ViaEmail, s.ViaAppIO = false, true })); err != nil {
			t.Fatal(err)
		}
	}
	// quiet hours from an hour ago to two hours from now
	if err := store.SaveAlertPrefs(ctx, instOK, quietAdult, alertPrefs(func(s *db.AlertSettings) {
		s.ViaAppIO, s.QuietStart, s.QuietEnd = true, (m+1440-60)%1440, (m+120)%1440
	})); err != nil {
		t.Fatal(err)
	}

	mailer, err := notify.NewSMTPMailer(notify.SMTPConfig{Host: "127.0.0.1", Port: smtp.Port(), From: "noreply@example.it", TLS: "none"})
	if err != nil {
		t.Fatal(err)
	}
	w, err := delivery.NewWorker(store, delivery.Senders{Mail: mailer, BaseURL: "https://portale.example.it",
		AppIO: &delivery.AppIOClients{BaseURL: ioSrv.URL + "/api/v1", Sealer: sealer, HTTPClient: ioSrv.Client(), Store: store}},
		slog.New(slog.NewTextHandler(io.Discard, nil)), delivery.Options{FetchPollInterval: 100 * time.Millisecond, AlertScanEvery: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer stopWorker(t, w)

	// charges cross the 10 € threshold; the frequent scan finds them
	for _, a := range []int64{okAdult, blockedAdult, flakyAdult, quietAdult} {
		setBalance(t, store, instOK, a, 750)
	}
	outcomes := func(acc int64) string {
		var parts []string
		for _, msg := range messages(t, store, instOK, acc) {
			parts = append(parts, msg.Channel+":"+msg.Outcome)
		}
		return strings.Join(parts, ",")
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting: %s", what)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	waitFor("the allowed citizen's alert", func() bool { return outcomes(okAcc) == "appio:sent" })
	waitFor("the refusal", func() bool { return outcomes(blockedAcc) == "appio:refused" })
	waitFor("the retried 5xx", func() bool { return outcomes(flakyAcc) == "appio:sent,appio:failed" })
	quietMail := func() []smtptest.Message {
		var out []smtptest.Message
		for _, m := range smtp.Messages() {
			if len(m.To) > 0 && m.To[0] == "quiet@example.it" {
				out = append(out, m)
			}
		}
		return out
	}
	waitFor("the e-mail in quiet hours", func() bool { return len(quietMail()) == 1 })

	got, err := em.Messages(ctx, okCF, 10)
	if err != nil || len(got) != 1 || !strings.Contains(got[0].Markdown, "7,50") || !strings.Contains(got[0].Markdown, "10,00") ||
		!strings.Contains(got[0].Markdown, "https://portale.example.it/demo/pagamenti") || got[0].KeyHint != "1234" {
		t.Fatalf("IO messages of %s = %+v, %v", okCF, got, err)
	}
	if got, _ := em.Messages(ctx, blockedCF, 10); len(got) != 0 {
		t.Errorf("a message reached the citizen who does not allow the service: %+v", got)
	}
	if got, _ := em.Messages(ctx, flakyCF, 10); len(got) != 1 {
		t.Errorf("the retried alert reached IO %d times, want once", len(got))
	}
	if mail := quietMail()[0]; !strings.Contains(mail.Text(), "7,50") || !strings.Contains(mail.Text(), "https://portale.example.it/demo/pagamenti") {
		t.Errorf("quiet-hours e-mail:\n%s", mail.Text())
	}
	// the quiet adult's App IO alert waits, as a job, for the end of the quiet hours
	var state string
	var at time.Time
	waitFor("the snoozed IO job", func() bool {
		dbtest.Get(t, store.DB(), &state, `SELECT state FROM river_job WHERE kind = 'alert' AND args->>'channel' = 'appio'
			AND (args->>'adult_id')::bigint = $1`, quietAdult)
		return state == "scheduled"
	})
	dbtest.Get(t, store.DB(), &at, `SELECT scheduled_at FROM river_job WHERE kind = 'alert' AND args->>'channel' = 'appio'
		AND (args->>'adult_id')::bigint = $1`, quietAdult)
	if want := now.Truncate(time.Minute).Add(2 * time.Hour); at.Sub(want).Abs() > time.Minute {
		t.Errorf("IO alert scheduled at %v, want the end of the quiet hours %v", at, want)
	}
	if got := outcomes(quietAcc); got != "email:sent" {
		t.Errorf("quiet adult's record %q, want only the e-mail", got)
	}
	var attempts int
	dbtest.Get(t, store.DB(), &attempts, `SELECT count(*) FROM river_job WHERE kind = 'alert' AND (args->>'adult_id')::bigint = $1 AND state = 'completed'`, blockedAdult)
	if attempts != 1 {
		t.Errorf("the refused alert's job is not completed once (%d)", attempts)
	}
}
