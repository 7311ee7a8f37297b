package delivery_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"portalegenitori/db"
	"portalegenitori/db/dbtest"
	"portalegenitori/delivery"
	"portalegenitori/internal/notify"
	"portalegenitori/internal/notify/smtptest"
	"portalegenitori/internal/password"
)

// gateway is an HTTP SMS gateway that honours the Idempotency-Key: a
// request whose key it has seen is answered 200 and not sent again.
type gateway struct {
	mu        sync.Mutex
	sent      []map[string]string // the SMS sent to phones, "key" included
	requests  []map[string]string // every request, "key" included
	loseReply int                 // the first loseReply requests get no answer (the connection drops)
}

func (g *gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var m map[string]string
	if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	m["key"] = r.Header.Get("Idempotency-Key")
	g.mu.Lock()
	g.requests = append(g.requests, m)
	seen := false
	for _, s := range g.sent {
		seen = seen || (m["key"] != "" && s["key"] == m["key"])
	}
	if !seen {
		g.sent = append(g.sent, m)
	}
	lose := len(g.requests) <= g.loseReply
	g.mu.Unlock()
	if lose {
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			conn.Close()
			return
		}
	}
	w.WriteHeader(http.StatusOK)
}

func (g *gateway) texts() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []string
	for _, m := range g.sent {
		out = append(out, m["text"])
	}
	return out
}

func (g *gateway) count() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.sent)
}

func worker(t *testing.T, store *db.Store, smtpPort int, smsURL string, o delivery.Options) *delivery.Worker {
	t.Helper()
	mailer, err := notify.NewSMTPMailer(notify.SMTPConfig{Host: "127.0.0.1", Port: smtpPort, From: "noreply@example.it", TLS: "none", Timeout: 60 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if o.FetchPollInterval == 0 {
		o.FetchPollInterval = 100 * time.Millisecond
	}
	w, err := delivery.NewWorker(store, delivery.Senders{Mail: mailer, SMS: &notify.HTTPGateway{URL: smsURL}, BaseURL: "https://portale.example.it"},
		slog.New(slog.NewTextHandler(io.Discard, nil)), o)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// newAccount creates an account of installation code with its credentials
// job, as the registration handler does.
func newAccount(t *testing.T, store *db.Store, code, username string, generate bool) (int64, int64) {
	t.Helper()
	ctx := context.Background()
	inst, err := store.InstallationByCode(ctx, code)
	if err != nil {
		t.Fatal(err)
	}
	enq, err := delivery.NewEnqueuer(store.DB().DB)
	if err != nil {
		t.Fatal(err)
	}
	na := db.NewAccount{InstallationID: inst.ID, Username: username, FiscalCode: "CCCFBA85D03L219P",
		Email: username + "@example.it", Mobile: "+393470000001", Lang: "it", DisplayName: "Prova"}
	if !generate {
		na.PasswordHash, _ = password.Hash("Una-Password-Lunga-1")
	}
	id, err := store.CreateAccount(ctx, na, func(ctx context.Context, tx *sql.Tx, id int64) error {
		return enq.Credentials(ctx, tx, delivery.CredentialsArgs{InstallationID: inst.ID, AccountID: id, Purpose: delivery.KindRegistration, GeneratePassword: generate})
	})
	if err != nil {
		t.Fatal(err)
	}
	return inst.ID, id
}

func messages(t *testing.T, store *db.Store, inst, acc int64) []db.Message {
	msgs, err := store.MessagesOfAccount(context.Background(), inst, acc)
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}

// TestRetryWithBackoff: the SMTP server refuses the first attempt; River
// retries; the SMS that went through is not sent again; the record keeps
// both outcomes.
func TestRetryWithBackoff(t *testing.T) {
	t.Parallel()
	store, _ := dbtest.New(t)
	s, err := smtptest.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.SetReject(func(n int) string {
		if n == 1 {
			return "451 4.3.0 try again later"
		}
		return ""
	})
	g := &gateway{}
	gs := httptest.NewServer(g)
	defer gs.Close()
	inst, acc := newAccount(t, store, "demo", "riprova", false)
	w := worker(t, store, s.Port(), gs.URL, delivery.Options{})
	if err := w.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer stopWorker(t, w)
	if got := s.Wait(1, 30*time.Second); len(got) != 1 {
		t.Fatalf("mail not delivered after retry")
	}
	deadline := time.Now().Add(60 * time.Second)
	var msgs []db.Message
	for time.Now().Before(deadline) {
		if msgs = messages(t, store, inst, acc); len(msgs) >= 3 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	outcomes := map[string]int{}
	for _, m := range msgs {
		outcomes[m.Channel+":"+m.Outcome]++
		if m.TempPassword {
			t.Fatalf("no password in a reminder")
		}
	}
	if outcomes["email:failed"] != 1 || outcomes["email:sent"] != 1 || outcomes["sms:sent"] != 1 || g.count() != 1 {
		t.Fatalf("outcomes %v, sms %d", outcomes, g.count())
	}
	for _, m := range msgs {
		if m.Outcome == "failed" && !strings.Contains(m.Error, "451") {
			t.Fatalf("failure reason %q", m.Error)
		}
	}
}

// TestCrashHelper is the worker process that TestDeliveredAfterCrash kills.
func TestCrashHelper(t *testing.T) {
	if os.Getenv("DELIVERY_CRASH_HELPER") != "1" {
		t.Skip("helper process only")
	}
	store, err := db.Open(context.Background(), os.Getenv("DELIVERY_DB"))
	if err != nil {
		t.Fatal(err)
	}
	port, _ := strconv.Atoi(os.Getenv("DELIVERY_SMTP_PORT"))
	w := worker(t, store, port, os.Getenv("DELIVERY_SMS"), delivery.Options{})
	if err := w.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Minute) // killed long before
}

var tempRE = regexp.MustCompile(`Password temporanea: (\S+)`)

// TestDeliveredAfterCrash: a worker process is killed (SIGKILL) while it is
// sending; the job stays in PostgreSQL; once a worker is back, the message
// is delivered, once, with a generated password that works.
func TestDeliveredAfterCrash(t *testing.T) {
	t.Parallel()
	if os.Getenv("DELIVERY_CRASH_HELPER") == "1" {
		t.Skip()
	}
	store, url := dbtest.New(t)
	stall, err := smtptest.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer stall.Close()
	hold := make(chan struct{})
	defer close(hold)
	stall.SetStall(hold)
	g := &gateway{}
	gs := httptest.NewServer(g)
	defer gs.Close()
	// demo sends by e-mail and SMS; make it e-mail only so the crash is mid-mail
	store.DB().MustExec(`UPDATE installations SET delivery_channel = 'email' WHERE code = 'demo'`)
	inst, acc := newAccount(t, store, "demo", "sopravvive", true)

	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelper$", "-test.count=1")
	cmd.Env = append(os.Environ(), "DELIVERY_CRASH_HELPER=1", "DELIVERY_DB="+url,
		"DELIVERY_SMTP_PORT="+strconv.Itoa(stall.Port()), "DELIVERY_SMS="+gs.URL)
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-stall.Stalled:
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill() // the test fails anyway
		t.Fatal("the helper worker never reached the SMTP DATA")
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait() // killed: the exit status says so
	var state string
	dbtest.Get(t, store.DB(), &state, `SELECT state FROM river_job WHERE kind = 'credentials' ORDER BY id DESC LIMIT 1`)
	if state != "running" {
		t.Fatalf("job state after the crash %q, want running", state)
	}
	if n := len(stall.Messages()); n != 0 {
		t.Fatalf("nothing was delivered before the crash, got %d", n)
	}

	// the worker comes back after the rescue delay: the crashed attempt is
	// that old, and the dead process's leadership (River's maintenance
	// services, the rescuer among them, run on the leader) is gone, as once
	// its lease runs out. The delays leave a slow machine room for the retried job
	// (a new password hashed, a whole SMTP exchange): one that ran past its
	// timeout would be retried, and counted, once more.
	if n, _ := store.DB().MustExec(`UPDATE river_job SET attempted_at = attempted_at - interval '1 minute' WHERE kind = 'credentials' AND state = 'running'`).RowsAffected(); n != 1 {
		t.Fatalf("%d running jobs after the crash, want 1", n)
	}
	store.DB().MustExec(`DELETE FROM river_leader`)
	good, err := smtptest.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer good.Close()
	w := worker(t, store, good.Port(), gs.URL, delivery.Options{JobTimeout: 20 * time.Second, RescueStuckJobsAfter: 30 * time.Second})
	if err := w.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer stopWorker(t, w)
	got := good.Wait(1, 90*time.Second)
	if len(got) != 1 {
		t.Fatalf("message not delivered after the worker came back")
	}
	time.Sleep(500 * time.Millisecond)
	if n := len(good.Messages()); n != 1 {
		t.Fatalf("delivered %d times, want once", n)
	}
	m := tempRE.FindStringSubmatch(got[0].Text())
	if m == nil {
		t.Fatalf("no temporary password:\n%s", got[0].Text())
	}
	a, err := store.AccountByID(context.Background(), inst, acc)
	if err != nil {
		t.Fatal(err)
	}
	// stored as the temporary password (00006_recovery): one use within 24 hours
	if ok, _ := password.Verify(m[1], a.TempPasswordHash.String); !ok || !a.MustChangePassword || !a.TempPasswordExpiresAt.Valid {
		t.Fatalf("the delivered password does not work or is not temporary")
	}
	msgs := messages(t, store, inst, acc)
	if len(msgs) != 1 || msgs[0].Outcome != "sent" || !msgs[0].TempPassword || msgs[0].Attempt != 2 {
		t.Fatalf("record: %+v", msgs)
	}
}

func stopWorker(t *testing.T, w *delivery.Worker) {
	t.Helper()
	if err := w.Stop(context.Background()); err != nil {
		t.Errorf("stop the worker: %v", err)
	}
}
