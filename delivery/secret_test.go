package delivery_test

import (
	"context"
	"database/sql"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"portalegenitori/db"
	"portalegenitori/db/dbtest"
	"portalegenitori/delivery"
	"portalegenitori/internal/notify/smtptest"
	"portalegenitori/internal/password"
)

var (
	mailIDRE     = regexp.MustCompile(`^<credentials\.(\d+)\.\d+\.(\d+)\.email@example\.it>$`)
	recoveryPWRE = regexp.MustCompile(`password temporanea (\S+) \(`)
	linkRE       = regexp.MustCompile(`recupero-accesso/link/([A-Z2-7]+)`)
)

// waitJob waits until the newest job of kind has ended and returns its state.
func waitJob(t *testing.T, store *db.Store, kind string) string {
	t.Helper()
	var state string
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		dbtest.Get(t, store.DB(), &state, `SELECT state FROM river_job WHERE kind = $1 ORDER BY id DESC LIMIT 1`, kind)
		if state == "completed" || state == "cancelled" || state == "discarded" {
			return state
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s job still %q", kind, state)
	return ""
}

func sealedSecrets(t *testing.T, store *db.Store) []db.DeliverySecret {
	t.Helper()
	var rows []db.DeliverySecret
	if err := store.DB().Select(&rows, `SELECT * FROM delivery_secrets`); err != nil {
		t.Fatal(err)
	}
	return rows
}

func tempPasswordWorks(t *testing.T, store *db.Store, inst, acc int64, pw string) bool {
	t.Helper()
	a, err := store.AccountByID(context.Background(), inst, acc)
	if err != nil {
		t.Fatal(err)
	}
	ok, _ := password.Verify(pw, a.TempPasswordHash.String)
	return ok && a.TempPasswordExpiresAt.Valid
}

// TestSameSecretOnEveryChannel: the e-mail fails and the SMS goes; the
// retry sends the e-mail with the password the SMS carried (kept sealed
// meanwhile, never in clear), does not send the SMS again, and wipes the
// sealed copy once both have gone.
func TestSameSecretOnEveryChannel(t *testing.T) {
	store, _ := dbtest.New(t)
	s, err := smtptest.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var open atomic.Bool
	s.SetReject(func(int) string {
		if !open.Load() {
			return "451 4.3.0 try again later"
		}
		return ""
	})
	g := &gateway{}
	gs := httptest.NewServer(g)
	defer gs.Close()
	store.DB().MustExec(`UPDATE installations SET delivery_channel = 'both' WHERE code = 'demo'`)
	inst, acc := newAccount(t, store, "demo", "stessapassword", true)
	w := worker(t, store, s.Port(), gs.URL, delivery.Options{SecretKey: strings.Repeat("k", 32)})
	if err := w.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = w.Stop(context.Background()) }()

	deadline := time.Now().Add(60 * time.Second)
	for len(messages(t, store, inst, acc)) < 2 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	texts := g.texts()
	if len(texts) != 1 {
		t.Fatalf("SMS sent %d times on the first attempt, want 1", len(texts))
	}
	pw := tempRE.FindStringSubmatch(texts[0])
	if pw == nil {
		t.Fatalf("no password in the SMS %q", texts[0])
	}
	rows := sealedSecrets(t, store)
	if len(rows) != 1 || !strings.HasPrefix(rows[0].Sealed, "v1:") || strings.Contains(rows[0].Sealed, pw[1]) || rows[0].AccountID != acc {
		t.Fatalf("sealed copy between the attempts: %+v", rows)
	}

	open.Store(true)
	if state := waitJob(t, store, "credentials"); state != "completed" {
		t.Fatalf("job %s", state)
	}
	mails := s.Messages()
	if len(mails) != 1 || len(g.texts()) != 1 {
		t.Fatalf("%d e-mails and %d SMS, want one each", len(mails), len(g.texts()))
	}
	if m := tempRE.FindStringSubmatch(mails[0].Text()); m == nil || m[1] != pw[1] {
		t.Fatalf("the e-mail carries %q, the SMS %q", m, pw[1])
	}
	if !tempPasswordWorks(t, store, inst, acc, pw[1]) {
		t.Fatal("the password sent is not the account's temporary password")
	}
	id := mailIDRE.FindStringSubmatch(mails[0].Header("Message-ID"))
	var jobID int64
	dbtest.Get(t, store.DB(), &jobID, `SELECT id FROM river_job WHERE kind = 'credentials' ORDER BY id DESC LIMIT 1`)
	if id == nil || id[1] != strconv.FormatInt(jobID, 10) {
		t.Fatalf("Message-ID %q, want one named after job %d", mails[0].Header("Message-ID"), jobID)
	}
	if key := g.requests[0]["key"]; key != strings.Replace(strings.Trim(mails[0].Header("Message-ID"), "<>"), "email@example.it", "sms", 1) {
		t.Fatalf("SMS Idempotency-Key %q, Message-ID %q", key, mails[0].Header("Message-ID"))
	}
	if rows := sealedSecrets(t, store); len(rows) != 0 {
		t.Fatalf("sealed copy kept after every channel sent it: %+v", rows)
	}
	var outcomes []string
	for _, m := range messages(t, store, inst, acc) {
		outcomes = append(outcomes, m.Channel+" "+m.Outcome)
	}
	if strings.Join(outcomes, ", ") != "email sent, sms sent, email failed" {
		t.Fatalf("record (newest first): %v", outcomes)
	}
}

// TestSMTPWindowCopy: the SMTP server accepts the e-mail but the answer is
// lost, so the worker cannot know it went. The retry sends it again — the
// one copy that exactly-once cannot avoid — and it is recognisably the same
// message: the same Message-ID and the same password as the first copy and
// the SMS, which is not sent again.
func TestSMTPWindowCopy(t *testing.T) {
	store, _ := dbtest.New(t)
	s, err := smtptest.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.SetLoseReply(func(n int) bool { return n == 1 })
	g := &gateway{}
	gs := httptest.NewServer(g)
	defer gs.Close()
	store.DB().MustExec(`UPDATE installations SET delivery_channel = 'both' WHERE code = 'demo'`)
	inst, acc := newAccount(t, store, "demo", "finestra", true)
	w := worker(t, store, s.Port(), gs.URL, delivery.Options{SecretKey: strings.Repeat("k", 32)})
	if err := w.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = w.Stop(context.Background()) }()
	if state := waitJob(t, store, "credentials"); state != "completed" {
		t.Fatalf("job %s", state)
	}
	mails := s.Messages()
	if len(mails) != 2 || len(g.texts()) != 1 {
		t.Fatalf("%d e-mails and %d SMS, want the two copies of one e-mail and one SMS", len(mails), len(g.texts()))
	}
	pw := tempRE.FindStringSubmatch(g.texts()[0])
	for _, m := range mails {
		if got := tempRE.FindStringSubmatch(m.Text()); got == nil || pw == nil || got[1] != pw[1] {
			t.Fatalf("copy %s carries %q, the SMS %q", m.Header("Message-ID"), got, pw)
		}
	}
	if a, b := mails[0].Header("Message-ID"), mails[1].Header("Message-ID"); a != b || mailIDRE.FindString(a) == "" {
		t.Fatalf("Message-IDs %q and %q, want the same stable one", a, b)
	}
	if !tempPasswordWorks(t, store, inst, acc, pw[1]) {
		t.Fatal("the password sent does not work")
	}
}

// enqueueRecovery queues a recovery job as the recovery page does.
func enqueueRecovery(t *testing.T, store *db.Store, inst, acc int64, channel string) {
	t.Helper()
	enq, err := delivery.NewEnqueuer(store.DB().DB)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.InTx(context.Background(), func(ctx context.Context, tx *sql.Tx) error {
		return enq.Recovery(ctx, tx, delivery.RecoveryArgs{InstallationID: inst, AccountID: acc, Channel: channel})
	}); err != nil {
		t.Fatal(err)
	}
}

// TestRecoverySMSAnswerLost: the gateway takes the SMS but its answer is
// lost; the retry carries the same Idempotency-Key and the same temporary
// password, so the gateway sends it once, and that password works.
func TestRecoverySMSAnswerLost(t *testing.T) {
	store, _ := dbtest.New(t)
	s, err := smtptest.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	g := &gateway{loseReply: 1}
	gs := httptest.NewServer(g)
	defer gs.Close()
	inst, acc := newAccount(t, store, "demo", "recuperosms", false)
	store.DB().MustExec(`DELETE FROM river_job`) // the registration's own message is not under test
	enqueueRecovery(t, store, inst, acc, "sms")
	w := worker(t, store, s.Port(), gs.URL, delivery.Options{SecretKey: strings.Repeat("k", 32)})
	if err := w.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = w.Stop(context.Background()) }()
	if state := waitJob(t, store, "recovery"); state != "completed" {
		t.Fatalf("job %s", state)
	}
	g.mu.Lock()
	reqs := g.requests
	g.mu.Unlock()
	if len(reqs) != 2 || len(g.texts()) != 1 {
		t.Fatalf("%d requests, %d SMS sent; want the retry of one SMS, sent once", len(reqs), len(g.texts()))
	}
	if reqs[0]["key"] == "" || reqs[0]["key"] != reqs[1]["key"] || reqs[0]["text"] != reqs[1]["text"] {
		t.Fatalf("the retry differs: %q / %q", reqs[0], reqs[1])
	}
	pw := recoveryPWRE.FindStringSubmatch(reqs[0]["text"])
	if pw == nil || !tempPasswordWorks(t, store, inst, acc, pw[1]) {
		t.Fatalf("the password sent (%q) does not work", pw)
	}
	if rows := sealedSecrets(t, store); len(rows) != 0 {
		t.Fatalf("sealed copy kept after the SMS went: %+v", rows)
	}
}

// TestRecoveryLinkCopy: the e-mail with the one-time link is accepted but
// the answer lost; the copy sent again holds the same link, which works,
// and the job made one link only.
func TestRecoveryLinkCopy(t *testing.T) {
	store, _ := dbtest.New(t)
	s, err := smtptest.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.SetLoseReply(func(n int) bool { return n == 1 })
	g := &gateway{}
	gs := httptest.NewServer(g)
	defer gs.Close()
	inst, acc := newAccount(t, store, "demo", "recuperolink", false)
	store.DB().MustExec(`DELETE FROM river_job`)
	enqueueRecovery(t, store, inst, acc, "email")
	w := worker(t, store, s.Port(), gs.URL, delivery.Options{SecretKey: strings.Repeat("k", 32)})
	if err := w.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = w.Stop(context.Background()) }()
	if state := waitJob(t, store, "recovery"); state != "completed" {
		t.Fatalf("job %s", state)
	}
	mails := s.Messages()
	if len(mails) != 2 || mails[0].Header("Message-ID") != mails[1].Header("Message-ID") {
		t.Fatalf("%d copies, want the same e-mail twice", len(mails))
	}
	l0, l1 := linkRE.FindStringSubmatch(mails[0].Text()), linkRE.FindStringSubmatch(mails[1].Text())
	if l0 == nil || l1 == nil || l0[1] != l1[1] {
		t.Fatalf("links %q and %q, want the same", l0, l1)
	}
	if id, err := store.RecoveryTokenAccount(context.Background(), inst, delivery.TokenHash(l0[1])); err != nil || id != acc {
		t.Fatalf("the link sent does not work: %d %v", id, err)
	}
	var links int
	dbtest.Get(t, store.DB(), &links, `SELECT count(*) FROM recovery_tokens WHERE installation_id = $1 AND account_id = $2`, inst, acc)
	if links != 1 {
		t.Fatalf("%d links made, want 1", links)
	}
}

// TestNewSecretWhenKeyChanged: a worker restarted with another
// GENITORI_SECRET_KEY (or none: a random one) cannot open the password an
// earlier attempt sealed; rather than lose the message, it sends a new
// password on every channel (the message says it replaces earlier ones),
// and only the new one works.
func TestNewSecretWhenKeyChanged(t *testing.T) {
	store, _ := dbtest.New(t)
	s, err := smtptest.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var open atomic.Bool
	s.SetReject(func(int) string {
		if !open.Load() {
			return "451 4.3.0 try again later"
		}
		return ""
	})
	g := &gateway{}
	gs := httptest.NewServer(g)
	defer gs.Close()
	store.DB().MustExec(`UPDATE installations SET delivery_channel = 'both' WHERE code = 'demo'`)
	inst, acc := newAccount(t, store, "demo", "chiavecambiata", true)
	w1 := worker(t, store, s.Port(), gs.URL, delivery.Options{SecretKey: strings.Repeat("1", 32)})
	if err := w1.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for len(g.texts()) < 1 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if err := w1.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	open.Store(true)
	w2 := worker(t, store, s.Port(), gs.URL, delivery.Options{SecretKey: strings.Repeat("2", 32)})
	if err := w2.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = w2.Stop(context.Background()) }()
	if state := waitJob(t, store, "credentials"); state != "completed" {
		t.Fatalf("job %s", state)
	}
	texts, mails := g.texts(), s.Messages()
	if len(texts) != 2 || len(mails) != 1 {
		t.Fatalf("%d SMS and %d e-mails, want the first SMS, then a new password on both", len(texts), len(mails))
	}
	first, second, mailed := tempRE.FindStringSubmatch(texts[0]), tempRE.FindStringSubmatch(texts[1]), tempRE.FindStringSubmatch(mails[0].Text())
	if first == nil || second == nil || mailed == nil || second[1] != mailed[1] || first[1] == second[1] {
		t.Fatalf("passwords: first SMS %q, second SMS %q, e-mail %q", first, second, mailed)
	}
	if !tempPasswordWorks(t, store, inst, acc, second[1]) || tempPasswordWorks(t, store, inst, acc, first[1]) {
		t.Fatal("the new password must be the one that works")
	}
}

// TestSweepLeftoverSecrets: a worker deletes, when it starts, the sealed
// secrets that expired or whose job is gone, and keeps the others.
func TestSweepLeftoverSecrets(t *testing.T) {
	store, _ := dbtest.New(t)
	ctx := context.Background()
	inst, acc := newAccount(t, store, "demo", "spazzatura", true)
	store.DB().MustExec(`DELETE FROM river_job`) // its job is gone
	var live int64
	if err := store.DB().Get(&live, `INSERT INTO river_job (kind, args, max_attempts, queue, state, scheduled_at)
		VALUES ('credentials', '{}', 12, 'paused_for_test', 'available', now() + interval '1 day') RETURNING id`); err != nil {
		t.Fatal(err)
	}
	for _, job := range []int64{live, live + 1000, live + 2000} {
		d := &db.DeliverySecret{InstallationID: inst, AccountID: acc, JobID: job, Sealed: "v1:x", Ref: "h", ExpiresAt: time.Now().Add(time.Hour)}
		if err := store.CreateTempPassword(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	store.DB().MustExec(`UPDATE delivery_secrets SET expires_at = now() - interval '1 second' WHERE job_id = $1`, live+2000)
	store.DB().MustExec(`INSERT INTO river_job (id, kind, args, max_attempts, queue, state, scheduled_at) OVERRIDING SYSTEM VALUE
		VALUES ($1, 'credentials', '{}', 12, 'paused_for_test', 'available', now() + interval '1 day')`, live+2000) // expired, though its job lives on
	w := worker(t, store, 1, "http://127.0.0.1:1", delivery.Options{})
	if err := w.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = w.Stop(ctx) }()
	deadline := time.Now().Add(30 * time.Second)
	var left []int64
	for time.Now().Before(deadline) {
		left = nil
		dbtest.Select(t, store.DB(), &left, `SELECT job_id FROM delivery_secrets ORDER BY job_id`)
		if len(left) == 1 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if len(left) != 1 || left[0] != live {
		t.Fatalf("secrets left %v, want only the one of the live job %d", left, live)
	}
}
