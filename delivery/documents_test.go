package delivery_test

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"portalegenitori/db"
	"portalegenitori/db/dbtest"
	"portalegenitori/delivery"
	"portalegenitori/internal/appio"
	"portalegenitori/internal/appio/emulator"
	"portalegenitori/internal/notify/smtptest"
)

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func mailsTo(s *smtptest.Server, addr string) int {
	n := 0
	for _, m := range s.Messages() {
		if slices.Contains(m.To, addr) {
			n++
		}
	}
	return n
}

// TestBroadcastJobIsIdempotent sends a message to the class 3ª B (Mario and
// Laura Rossi) by e-mail and SMS through the real worker; then the job runs
// again as after a crash: nothing goes twice, and only a delivery left
// pending is sent.
func TestBroadcastJobIsIdempotent(t *testing.T) {
	t.Parallel()
	store, _ := dbtest.New(t)
	ctx := context.Background()
	smtp, err := smtptest.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer smtp.Close()
	g := &gateway{}
	gs := httptest.NewServer(g)
	defer gs.Close()
	inst, err := store.InstallationByCode(ctx, "demo")
	if err != nil {
		t.Fatal(err)
	}
	var school int64
	if err := store.DB().Get(&school, `SELECT school_id FROM children WHERE installation_id = $1 AND first_name = 'Luca'`, inst.ID); err != nil {
		t.Fatal(err)
	}
	enq, err := delivery.NewEnqueuer(store.DB().DB)
	if err != nil {
		t.Fatal(err)
	}
	id, err := store.CreateBroadcast(ctx, db.NewBroadcast{InstallationID: inst.ID, Title: "Sciopero del 12 dicembre",
		Body: "La mensa resta chiusa.", Link: "https://comune.example.it/sciopero",
		Audience: db.Audience{Kind: db.AudienceClass, SchoolID: school, ClassName: "3ª B"}, Channels: []string{"email", "sms", "io"}},
		func(ctx context.Context, tx *sql.Tx, id int64) error {
			return enq.Broadcast(ctx, tx, delivery.BroadcastArgs{InstallationID: inst.ID, BroadcastID: id})
		})
	if err != nil {
		t.Fatal(err)
	}
	w := worker(t, store, smtp.Port(), gs.URL, delivery.Options{})
	if err := w.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer stopWorker(t, w)
	done := func() bool {
		b, err := store.BroadcastByID(ctx, inst.ID, id)
		return err == nil && b.Status == "done"
	}
	waitFor(t, "the message to be sent", 60*time.Second, done)
	b, _ := store.BroadcastByID(ctx, inst.ID, id)
	// two adults; e-mail and SMS each; App IO recorded as not available
	if b.Recipients != 2 || b.Sent != 4 || b.Failed != 2 || b.Pending != 0 {
		t.Fatalf("recipients %d sent %d failed %d pending %d", b.Recipients, b.Sent, b.Failed, b.Pending)
	}
	if mailsTo(smtp, "mario.rossi@example.it") != 1 || mailsTo(smtp, "laura.rossi@example.it") != 1 || g.count() != 2 {
		t.Fatalf("mails %d/%d, sms %d", mailsTo(smtp, "mario.rossi@example.it"), mailsTo(smtp, "laura.rossi@example.it"), g.count())
	}
	for _, m := range smtp.Messages() {
		if slices.Contains(m.To, "mario.rossi@example.it") && (!strings.Contains(m.Text(), "La mensa resta chiusa.") ||
			!strings.Contains(m.Text(), "/demo/messaggi/")) {
			t.Fatalf("mail text:\n%s", m.Text())
		}
	}
	for _, txt := range g.texts() {
		if !strings.Contains(txt, "Sciopero del 12 dicembre") {
			t.Fatalf("sms text %q", txt)
		}
	}

	// the job runs again, as River does after a crash before it recorded
	// the job done; Laura's SMS had not been recorded as sent
	if _, err := store.DB().Exec(`UPDATE broadcast_deliveries SET status = 'pending' FROM adults a
		WHERE a.installation_id = broadcast_deliveries.installation_id AND a.id = broadcast_deliveries.adult_id
		  AND a.first_name = 'Laura' AND channel = 'sms'`); err != nil {
		t.Fatal(err)
	}
	if _, err := store.DB().Exec(`UPDATE broadcasts SET status = 'sending', finished_at = NULL WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	if _, err := store.DB().Exec(`UPDATE river_job SET state = 'available', finalized_at = NULL, scheduled_at = now()
		WHERE kind = 'broadcast' AND args->>'broadcast_id' = $1`, id); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the job to run again", 60*time.Second, done)
	// the gateway saw a new request for Laura's SMS (same idempotency key)
	// and nothing else was sent again
	if mailsTo(smtp, "mario.rossi@example.it") != 1 || mailsTo(smtp, "laura.rossi@example.it") != 1 || g.requestCount() != 3 || g.count() != 2 {
		t.Fatalf("after the rerun: mails %d/%d, sms requests %d", mailsTo(smtp, "mario.rossi@example.it"),
			mailsTo(smtp, "laura.rossi@example.it"), g.requestCount())
	}
	var recipients int
	if err := store.DB().Get(&recipients, `SELECT count(*) FROM broadcast_recipients WHERE broadcast_id = $1`, id); err != nil || recipients != 2 {
		t.Fatalf("recipients after the rerun: %d %v", recipients, err)
	}
}

// TestCertificateRunJob: a run whose first certificate was issued before
// the process stopped is finished by the worker without issuing it again.
func TestCertificateRunJob(t *testing.T) {
	t.Parallel()
	store, _ := dbtest.New(t)
	ctx := context.Background()
	inst, err := store.InstallationByCode(ctx, "demo")
	if err != nil {
		t.Fatal(err)
	}
	// the seed's payers in its school year: traceable top-ups in 2026
	enq, err := delivery.NewEnqueuer(store.DB().DB)
	if err != nil {
		t.Fatal(err)
	}
	run, err := store.CreateCertificateRun(ctx, inst.ID, 2026, 0, func(ctx context.Context, tx *sql.Tx, id int64) error {
		return enq.CertificateRun(ctx, tx, delivery.CertificateRunArgs{InstallationID: inst.ID, RunID: id})
	})
	if err != nil {
		t.Fatal(err)
	}
	pending, err := store.PendingRunAdults(ctx, inst.ID, run, 100)
	if err != nil || len(pending) < 2 {
		t.Fatalf("adults of the run: %v %v", pending, err)
	}
	if err := delivery.IssueRunCertificate(ctx, store, inst.ID, run, pending[0]); err != nil {
		t.Fatal(err)
	}
	w := worker(t, store, 1, "http://127.0.0.1:1", delivery.Options{})
	if err := w.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer stopWorker(t, w)
	waitFor(t, "the run to finish", 60*time.Second, func() bool {
		r, err := store.CertificateRunByID(ctx, inst.ID, run)
		return err == nil && r.Status == "done"
	})
	r, _ := store.CertificateRunByID(ctx, inst.ID, run)
	var issued int
	if err := store.DB().Get(&issued, `SELECT count(*) FROM certificates WHERE installation_id = $1 AND year = 2026`, inst.ID); err != nil {
		t.Fatal(err)
	}
	if r.Done != len(pending) || r.Total != len(pending) || issued != len(pending) || r.Reissued != 0 {
		t.Fatalf("done %d/%d, issued %d, re-issued %d, want %d", r.Done, r.Total, issued, r.Reissued, len(pending))
	}
}

func (g *gateway) requestCount() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.requests)
}

// TestBroadcastOverAppIO sends a message through the App IO emulator over
// real HTTP: the citizen who allows the Comune's service gets it (201,
// recorded sent); the one who blocked it is recorded as not available and
// not retried.
func TestBroadcastOverAppIO(t *testing.T) {
	t.Parallel()
	store, _ := dbtest.New(t)
	ctx := context.Background()
	em := emulator.New(store.DB())
	ioSrv := httptest.NewTLSServer(em.APIHandler("/api/v1"))
	defer ioSrv.Close()
	sealer, _ := appio.NewKeySealer(strings.Repeat("k", 32))
	inst, err := store.InstallationByCode(ctx, "demo")
	if err != nil {
		t.Fatal(err)
	}
	sealed, _ := sealer.Seal("io-service-key-test5678", inst.ID)
	if err := store.SetAppIOService(ctx, inst.ID, sealed, "5678", 0); err != nil {
		t.Fatal(err)
	}
	var marioCF, lauraCF string
	var school int64
	if err := store.DB().Get(&marioCF, `SELECT fiscal_code FROM adults WHERE installation_id = $1 AND first_name = 'Mario'`, inst.ID); err != nil {
		t.Fatal(err)
	}
	if err := store.DB().Get(&lauraCF, `SELECT fiscal_code FROM adults WHERE installation_id = $1 AND first_name = 'Laura'`, inst.ID); err != nil {
		t.Fatal(err)
	}
	if err := store.DB().Get(&school, `SELECT school_id FROM children WHERE installation_id = $1 AND first_name = 'Luca'`, inst.ID); err != nil {
		t.Fatal(err)
	}
	if err := em.SetSwitch(ctx, lauraCF, emulator.Blocked, 0); err != nil {
		t.Fatal(err)
	}
	enq, err := delivery.NewEnqueuer(store.DB().DB)
	if err != nil {
		t.Fatal(err)
	}
	id, err := store.CreateBroadcast(ctx, db.NewBroadcast{InstallationID: inst.ID, Title: "Menù",
		Body: "Da lunedì il menù invernale.", Audience: db.Audience{Kind: db.AudienceClass, SchoolID: school, ClassName: "3ª B"},
		Channels: []string{"io"}}, func(ctx context.Context, tx *sql.Tx, id int64) error {
		return enq.Broadcast(ctx, tx, delivery.BroadcastArgs{InstallationID: inst.ID, BroadcastID: id})
	})
	if err != nil {
		t.Fatal(err)
	}
	w, err := delivery.NewWorker(store, delivery.Senders{BaseURL: "https://portale.example.it",
		AppIO: &delivery.AppIOClients{BaseURL: ioSrv.URL + "/api/v1", Sealer: sealer, HTTPClient: ioSrv.Client(), Store: store}},
		slog.New(slog.NewTextHandler(io.Discard, nil)), delivery.Options{FetchPollInterval: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer stopWorker(t, w)
	waitFor(t, "the message to be sent", 60*time.Second, func() bool {
		b, err := store.BroadcastByID(ctx, inst.ID, id)
		return err == nil && b.Status == "done"
	})
	list, err := store.BroadcastDeliveries(ctx, inst.ID, id, 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, d := range list {
		got[d.Recipient] = d.Status
	}
	if got[marioCF] != "sent" || got[lauraCF] != "unavailable" || len(got) != 2 {
		t.Fatalf("deliveries %v", got)
	}
	msgs, err := em.Messages(ctx, marioCF, 10)
	if err != nil || len(msgs) != 1 || !strings.Contains(msgs[0].Subject, "Menù") || !strings.Contains(msgs[0].Markdown, "menù invernale") {
		t.Fatalf("emulator messages of Mario: %+v %v", msgs, err)
	}
	if blocked, _ := em.Messages(ctx, lauraCF, 10); len(blocked) != 0 {
		t.Fatalf("Laura blocked the service but got %d messages", len(blocked))
	}
}
