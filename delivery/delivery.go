// Package delivery is the durable queue of e-mail and SMS (docs/architecture.md#delivery): River
// jobs in PostgreSQL, enqueued in the same transaction as the change that
// causes them, worked by `genitori serve` (in process) or `genitori worker`,
// retried with backoff, and recorded in the messages table without secrets.
package delivery

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"

	"portalegenitori/billing"
	"portalegenitori/db"
	"portalegenitori/internal/notify"
	"portalegenitori/internal/password"
)

// Kinds of credentials messages.
const (
	KindRegistration = "registration"
)

// maxAttempts bounds the retries: River's backoff (attempt⁴ seconds plus
// jitter) spreads 12 attempts over about six hours.
const maxAttempts = 12

// CredentialsArgs is the job that tells an account its sign-in details. It
// holds no secret: a generated password is made by the job's first attempt
// and kept sealed until every channel has sent it (secret.go).
type CredentialsArgs struct {
	InstallationID   int64  `json:"installation_id"`
	AccountID        int64  `json:"account_id"`
	Purpose          string `json:"purpose"` // KindRegistration, ...
	GeneratePassword bool   `json:"generate_password"`
}

// Kind is River's job kind.
func (CredentialsArgs) Kind() string { return "credentials" }

// InsertOpts sets the retries and the queue.
func (CredentialsArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: maxAttempts, Queue: river.QueueDefault}
}

// Enqueuer inserts jobs inside the caller's transaction.
type Enqueuer struct {
	client *river.Client[*sql.Tx]
}

// NewEnqueuer builds an insert-only River client over the pool.
func NewEnqueuer(pool *sql.DB) (*Enqueuer, error) {
	workers := river.NewWorkers()
	river.AddWorker(workers, &credentialsWorker{}) // lets River check the kinds it inserts
	river.AddWorker(workers, &recoveryWorker{})
	river.AddWorker(workers, &noticeWorker{})
	addLinkWorkers(workers, jobDeps{})              // link.go
	river.AddWorker(workers, &contactProofWorker{}) // contact.go
	river.AddWorker(workers, &contactNoticeWorker{})
	addAlertWorkers(workers, jobDeps{}, nil) // alerts.go
	addDocumentWorkers(workers, jobDeps{})   // certificates.go, broadcast.go
	addBookingWorkers(workers, jobDeps{})    // booking.go
	addEnrolWorkers(workers, jobDeps{})      // enrol.go
	cl, err := river.NewClient(riverdatabasesql.New(pool), &river.Config{Workers: workers})
	if err != nil {
		return nil, fmt.Errorf("river insert client: %w", err)
	}
	return &Enqueuer{client: cl}, nil
}

// insert enqueues args in tx, so the job exists exactly when the
// transaction that asks for it commits; what names it in the error.
func (e *Enqueuer) insert(ctx context.Context, tx *sql.Tx, args river.JobArgs, what string) error {
	if _, err := e.client.InsertTx(ctx, tx, args, nil); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// Credentials enqueues a credentials message in tx.
func (e *Enqueuer) Credentials(ctx context.Context, tx *sql.Tx, args CredentialsArgs) error {
	return e.insert(ctx, tx, args, "enqueue credentials")
}

// Senders are the channels the worker sends through.
type Senders struct {
	Mail    notify.Mailer
	SMS     notify.SMSSender
	BaseURL string        // public URL of the portal, for sign-in links
	AppIO   *AppIOClients // alerts.go; nil: no App IO
}

// Options tune the worker (tests shorten the times).
type Options struct {
	FetchPollInterval    time.Duration // default 1s
	JobTimeout           time.Duration // default 1 minute
	RescueStuckJobsAfter time.Duration // default 5 minutes
	Workers              int           // default 4
	// SecretKey (GENITORI_SECRET_KEY) seals the secrets kept between the
	// attempts of a job; empty: a random key that dies with the process
	SecretKey string
	// Alerts (alerts.go): how often balances that moved are scanned
	// (default 1 minute) and the clock of quiet hours (default time.Now).
	AlertScanEvery time.Duration
	Now            func() time.Time
	// Billing, when set, works the pagoPA jobs too, and reconciles every
	// ReconcileEvery (package billing, docs/pagopa.md)
	Billing        *billing.Service
	ReconcileEvery time.Duration
}

// Worker works the queue until Stop.
type Worker struct {
	client *river.Client[*sql.Tx]
	sweep  func(context.Context) // secret.go; with Billing, also the pagoPA runs
	stop   context.CancelFunc    // ends the sweep
	done   chan struct{}         // closed when the sweep has ended
}

// NewWorker builds a working River client: poll-only, because lib/pq under
// database/sql offers no LISTEN/NOTIFY to River.
func NewWorker(store *db.Store, s Senders, log *slog.Logger, o Options) (*Worker, error) {
	sl, err := newSealer(o.SecretKey)
	if err != nil {
		return nil, fmt.Errorf("delivery secrets key: %w", err)
	}
	workers := river.NewWorkers()
	deps := jobDeps{store: store, senders: s, log: log, sealer: sl}
	river.AddWorker(workers, &credentialsWorker{jobDeps: deps})
	river.AddWorker(workers, &recoveryWorker{jobDeps: deps}) // recovery.go
	river.AddWorker(workers, &noticeWorker{jobDeps: deps})
	addLinkWorkers(workers, deps)                                // link.go
	river.AddWorker(workers, &contactProofWorker{jobDeps: deps}) // contact.go
	river.AddWorker(workers, &contactNoticeWorker{jobDeps: deps})
	addAlertWorkers(workers, deps, o.Now) // alerts.go
	addDocumentWorkers(workers, deps)     // certificates.go, broadcast.go
	background := deps.sweepSecrets
	if o.Billing != nil { // pagoPA: its jobs, and a reconciliation run every ReconcileEvery
		billing.AddWorkers(workers, o.Billing)
		o.Billing.Every = cmp.Or(o.ReconcileEvery, o.Billing.Every)
		background = func(ctx context.Context) {
			done := make(chan struct{})
			go func() { defer close(done); o.Billing.Tick(ctx) }()
			deps.sweepSecrets(ctx)
			<-done
		}
	}
	addBookingWorkers(workers, deps) // booking.go
	addEnrolWorkers(workers, deps)   // enrol.go
	addKitchenWorkers(workers, deps) // kitchen.go
	addDietWorkers(workers, deps)    // diets.go
	if o.Workers == 0 {
		o.Workers = 4
	}
	if o.JobTimeout == 0 {
		o.JobTimeout = time.Minute
	}
	if o.RescueStuckJobsAfter == 0 {
		o.RescueStuckJobsAfter = 5 * time.Minute
	}
	cl, err := river.NewClient(riverdatabasesql.New(store.DB().DB), &river.Config{
		Queues:               map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: o.Workers}},
		Workers:              workers,
		PeriodicJobs:         append(append(append(alertPeriodicJobs(o.AlertScanEvery), bookingPeriodicJobs()...), kitchenPeriodicJobs()...), dietPeriodicJobs()...), // alerts.go, booking.go, kitchen.go, diets.go
		PollOnly:             true,
		FetchPollInterval:    o.FetchPollInterval,
		JobTimeout:           o.JobTimeout,
		RescueStuckJobsAfter: o.RescueStuckJobsAfter,
		Logger:               log.With("component", "river"),
	})
	if err != nil {
		return nil, fmt.Errorf("river worker: %w", err)
	}
	return &Worker{client: cl, sweep: background}, nil
}

// Start starts working jobs, and sweeping the sealed secrets left behind,
// in the background.
func (w *Worker) Start(ctx context.Context) error {
	if err := w.client.Start(ctx); err != nil {
		return err
	}
	sctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	w.stop, w.done = stop, make(chan struct{})
	go func() {
		defer close(w.done)
		w.sweep(sctx)
	}()
	return nil
}

// Stop waits for running jobs to finish (bounded by ctx).
func (w *Worker) Stop(ctx context.Context) error {
	if w.stop != nil {
		w.stop()
		<-w.done
	}
	return w.client.Stop(ctx)
}

// credentialsWorker sends a CredentialsArgs job.
type credentialsWorker struct {
	river.WorkerDefaults[CredentialsArgs]
	jobDeps
}

// jobDeps is what every delivery worker needs.
type jobDeps struct {
	store   *db.Store
	senders Senders
	log     *slog.Logger
	sealer  sealer
}

// Work sends the sign-in details on the installation's channels, each
// channel once: a retry skips the channels already sent. A generated
// password is made once, its hash stored as the account's temporary password
// and its clear text kept sealed until every channel has sent it, so a retry
// sends the same password on the channel that has not gone yet. Two
// executions of one job never run at once (WithDeliveryLock).
func (w *credentialsWorker) Work(ctx context.Context, job *river.Job[CredentialsArgs]) error {
	return w.store.WithDeliveryLock(ctx, job.ID, func() error { return w.work(ctx, job) })
}

func (w *credentialsWorker) work(ctx context.Context, job *river.Job[CredentialsArgs]) error {
	a := job.Args
	inst, err := w.store.InstallationByID(ctx, a.InstallationID)
	if err != nil {
		return err
	}
	acc, err := w.store.AccountByID(ctx, a.InstallationID, a.AccountID)
	if err != nil {
		return cancelIfGone(err, a.AccountID)
	}
	type target struct{ channel, to string }
	var targets []target
	if (inst.DeliveryChannel == "email" || inst.DeliveryChannel == "both") && acc.Email != "" {
		targets = append(targets, target{"email", acc.Email})
	}
	if (inst.DeliveryChannel == "sms" || inst.DeliveryChannel == "both") && acc.Mobile != "" {
		targets = append(targets, target{"sms", acc.Mobile})
	}
	if len(targets) == 0 {
		return river.JobCancel(fmt.Errorf("account %d has no contact for channel %s", acc.ID, inst.DeliveryChannel))
	}
	var pending []target
	for _, t := range targets {
		sent, err := w.store.MessageSentByJob(ctx, inst.ID, job.ID, t.channel)
		if err != nil {
			return err
		}
		if !sent {
			pending = append(pending, t)
		}
	}
	if len(pending) == 0 {
		// every channel went through on an earlier attempt (the process died
		// before River recorded the job as done)
		w.wipe(ctx, inst.ID, job.ID)
		return nil
	}
	d := notify.Credentials{
		Comune:   inst.Name,
		Name:     greetingName(acc),
		Username: acc.Username,
		LoginURL: w.senders.pageURL(inst, "accesso"),
		Office:   inst.OfficeName,
	}
	var secretID int64
	if a.GeneratePassword {
		row, pw, err := w.earlierSecret(ctx, inst.ID, acc.ID, job.ID)
		switch {
		case errors.Is(err, errSecretSpent):
			// the password the other channel carried was used (or replaced,
			// or expired): sending it now would only confuse
			w.log.Info("credentials not sent again: the password already sent no longer works", "account", acc.ID, "job", job.ID)
			w.wipe(ctx, inst.ID, job.ID)
			return nil
		case errors.Is(err, errUnsealable):
			w.log.Warn("the sealed password of an earlier attempt cannot be opened (GENITORI_SECRET_KEY unset or changed since): a new one goes on every channel",
				"account", acc.ID, "job", job.ID)
			w.wipe(ctx, inst.ID, job.ID)
			row = nil
		case err != nil:
			return err
		}
		if row == nil {
			if len(pending) < len(targets) {
				// the password sent is no longer known: the new one replaces it everywhere
				pending = targets
			}
			var hash string
			if pw, hash, err = newPassword(inst); err != nil {
				return err
			}
			sealed, err := w.sealer.seal(pw, secretBound(inst.ID, acc.ID, job.ID))
			if err != nil {
				return err
			}
			row = &db.DeliverySecret{InstallationID: inst.ID, AccountID: acc.ID, JobID: job.ID, Sealed: sealed, Ref: hash}
			waiting, err := w.store.CreateGeneratedPassword(ctx, row)
			if err != nil {
				return err
			}
			if !waiting {
				w.log.Info("credentials not sent: the account already chose its password", "account", acc.ID, "job", job.ID)
				return nil
			}
		}
		d.Password, secretID = pw, row.ID
	}
	var failed []error
	for _, t := range pending {
		err := w.send(ctx, acc.Lang, t.channel, t.to, messageKey(job.JobRow, secretID, t.channel), d)
		m := db.Message{InstallationID: inst.ID, AccountID: acc.ID, JobID: &job.ID, Attempt: job.Attempt,
			Kind: a.Purpose, Channel: t.channel, Recipient: t.to, Outcome: "sent", TempPassword: d.Password != ""}
		if err != nil {
			m.Outcome, m.Error = "failed", err.Error()
			failed = append(failed, fmt.Errorf("%s: %w", t.channel, err))
			w.log.Warn("delivery failed", "account", acc.ID, "channel", t.channel, "attempt", job.Attempt, "err", err)
		} else {
			w.log.Info("delivered", "account", acc.ID, "channel", t.channel, "kind", a.Purpose, "attempt", job.Attempt)
		}
		// the record must not be lost when the request context ends, nor
		// while the database restarts: a "sent" lost here means a resend
		if err := recordMessage(ctx, w.store, m); err != nil {
			return err
		}
	}
	if len(failed) > 0 {
		return errors.Join(failed...)
	}
	if a.GeneratePassword {
		w.wipe(ctx, inst.ID, job.ID) // every channel has it now
	}
	return nil
}

// send sends the credentials on one channel; a message that cannot be made
// counts as a failed send.
func (w *credentialsWorker) send(ctx context.Context, lang, channel, to, key string, d notify.Credentials) error {
	sendErr, buildErr := deliver(ctx, w.senders, channel, lang, to, key, d, notify.CredentialsMail, notify.CredentialsSMS)
	if buildErr != nil {
		return buildErr
	}
	return sendErr
}

// deliver sends d on channel ("email", otherwise SMS) as the message that
// mail or sms makes of it, named key (messageKey). A channel without a
// sender configured is a failed send (sendErr); a message that cannot be
// made is buildErr, and nothing is sent.
func deliver[D any](ctx context.Context, s Senders, channel, lang, to, key string, d D,
	mail func(lang, to string, d D) (notify.Mail, error), sms func(lang, to string, d D) (notify.SMS, error)) (sendErr, buildErr error) {
	if channel == "email" {
		if s.Mail == nil {
			return errors.New("no mailer configured"), nil
		}
		m, err := mail(lang, to, d)
		if err != nil {
			return nil, err
		}
		m.ID = key
		return s.Mail.Send(ctx, m), nil
	}
	if s.SMS == nil {
		return errors.New("no SMS adapter configured"), nil
	}
	m, err := sms(lang, to, d)
	if err != nil {
		return nil, err
	}
	m.IdempotencyKey = key
	return s.SMS.Send(ctx, m), nil
}

// cancelIfGone: a job for an account deleted since it was queued is
// cancelled, since retrying cannot help; any other error is retried.
func cancelIfGone(err error, accountID int64) error {
	if errors.Is(err, db.ErrNotFound) {
		return river.JobCancel(fmt.Errorf("account %d no longer exists", accountID))
	}
	return err
}

// pageURL is the public URL of a page of the installation.
func (s Senders) pageURL(inst *db.Installation, path string) string {
	return s.BaseURL + "/" + inst.Code + "/" + path
}

// greetingName is how a message addresses the account's holder.
func greetingName(acc *db.Account) string {
	if acc.DisplayName != "" {
		return acc.DisplayName
	}
	return acc.Username
}

// newPassword makes a password within the installation's length bounds, at
// least 12 characters, and its hash.
func newPassword(inst *db.Installation) (pw, hash string, err error) {
	pw = password.Random(min(max(inst.PasswordMin, 12), inst.PasswordMax))
	hash, err = password.Hash(pw)
	return pw, hash, err
}

// recordMessage writes the record of an attempt; a "sent" record is retried
// for up to 30 seconds (e.g. while PostgreSQL restarts), because without it
// a retry of the job would send the message again.
func recordMessage(ctx context.Context, store *db.Store, m db.Message) error {
	if m.Outcome != "sent" {
		return store.RecordMessage(context.WithoutCancel(ctx), m)
	}
	return persist(ctx, func(ctx context.Context) error { return store.RecordMessage(ctx, m) })
}

// persist runs a write that must not be lost when the job's context ends,
// nor while the database restarts: it is retried for up to 30 seconds, at
// most half a second apart, so that it lands as soon as the database is
// back (until then, a crash means the message goes again).
func persist(ctx context.Context, write func(context.Context) error) error {
	ctx = context.WithoutCancel(ctx)
	deadline := time.Now().Add(30 * time.Second)
	wait := 100 * time.Millisecond
	for {
		err := write(ctx)
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(wait)
		wait = min(2*wait, 500*time.Millisecond)
	}
}
