// Package delivery is the durable queue of e-mail and SMS (docs/architecture.md#delivery): River
// jobs in PostgreSQL, enqueued in the same transaction as the change that
// causes them, worked by `genitori serve` (in process) or `genitori worker`,
// retried with backoff, and recorded in the messages table without secrets.
package delivery

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"

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
// holds no secret: a generated password is created by the job at send time.
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
	river.AddWorker(workers, &contactProofWorker{}) // contact.go
	river.AddWorker(workers, &contactNoticeWorker{})
	cl, err := river.NewClient(riverdatabasesql.New(pool), &river.Config{Workers: workers})
	if err != nil {
		return nil, fmt.Errorf("river insert client: %w", err)
	}
	return &Enqueuer{client: cl}, nil
}

// Credentials enqueues a credentials message in tx.
func (e *Enqueuer) Credentials(ctx context.Context, tx *sql.Tx, args CredentialsArgs) error {
	if _, err := e.client.InsertTx(ctx, tx, args, nil); err != nil {
		return fmt.Errorf("enqueue credentials: %w", err)
	}
	return nil
}

// Senders are the channels the worker sends through.
type Senders struct {
	Mail    notify.Mailer
	SMS     notify.SMSSender
	BaseURL string // public URL of the portal, for sign-in links
}

// Options tune the worker (tests shorten the times).
type Options struct {
	FetchPollInterval    time.Duration // default 1s
	JobTimeout           time.Duration // default 1 minute
	RescueStuckJobsAfter time.Duration // default 5 minutes
	Workers              int           // default 4
}

// Worker works the queue until Stop.
type Worker struct {
	client *river.Client[*sql.Tx]
}

// NewWorker builds a working River client: poll-only, because lib/pq under
// database/sql offers no LISTEN/NOTIFY to River.
func NewWorker(store *db.Store, s Senders, log *slog.Logger, o Options) (*Worker, error) {
	workers := river.NewWorkers()
	deps := jobDeps{store: store, senders: s, log: log}
	river.AddWorker(workers, &credentialsWorker{jobDeps: deps})
	river.AddWorker(workers, &recoveryWorker{jobDeps: deps}) // recovery.go
	river.AddWorker(workers, &noticeWorker{jobDeps: deps})
	river.AddWorker(workers, &contactProofWorker{jobDeps: deps}) // contact.go
	river.AddWorker(workers, &contactNoticeWorker{jobDeps: deps})
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
		PollOnly:             true,
		FetchPollInterval:    o.FetchPollInterval,
		JobTimeout:           o.JobTimeout,
		RescueStuckJobsAfter: o.RescueStuckJobsAfter,
		Logger:               log.With("component", "river"),
	})
	if err != nil {
		return nil, fmt.Errorf("river worker: %w", err)
	}
	return &Worker{client: cl}, nil
}

// Start starts working jobs in the background.
func (w *Worker) Start(ctx context.Context) error { return w.client.Start(ctx) }

// Stop waits for running jobs to finish (bounded by ctx).
func (w *Worker) Stop(ctx context.Context) error { return w.client.Stop(ctx) }

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
}

// Work sends the sign-in details on the installation's channels. With a
// generated password, the password is made here, its hash stored, and the
// clear text exists only in memory and in the outgoing message; a retry
// makes a new one (the message says it replaces those sent before). Without,
// a retry skips the channels that already went through.
func (w *credentialsWorker) Work(ctx context.Context, job *river.Job[CredentialsArgs]) error {
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
		// before River recorded the job as done): sending again would be a
		// duplicate and, with a generated password, would replace the one
		// the parent already has
		return nil
	}
	if !a.GeneratePassword {
		targets = pending
	}
	d := notify.Credentials{
		Comune:   inst.Name,
		Name:     greetingName(acc),
		Username: acc.Username,
		LoginURL: w.senders.pageURL(inst, "accesso"),
		Office:   inst.OfficeName,
	}
	if a.GeneratePassword {
		pw, hash, err := newPassword(inst)
		if err != nil {
			return err
		}
		waiting, err := w.store.SetGeneratedPassword(ctx, inst.ID, acc.ID, hash)
		if err != nil {
			return err
		}
		if !waiting {
			w.log.Info("credentials not sent: the account already chose its password", "account", acc.ID, "job", job.ID)
			return nil
		}
		d.Password = pw
	}
	var failed []error
	for _, t := range targets {
		err := w.send(ctx, acc.Lang, t.channel, t.to, d)
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
	return errors.Join(failed...)
}

// send sends the credentials on one channel; a message that cannot be made
// counts as a failed send.
func (w *credentialsWorker) send(ctx context.Context, lang, channel, to string, d notify.Credentials) error {
	sendErr, buildErr := deliver(ctx, w.senders, channel, lang, to, d, notify.CredentialsMail, notify.CredentialsSMS)
	if buildErr != nil {
		return buildErr
	}
	return sendErr
}

// deliver sends d on channel ("email", otherwise SMS) as the message that
// mail or sms makes of it. A channel without a sender configured is a
// failed send (sendErr); a message that cannot be made is buildErr, and
// nothing is sent.
func deliver[D any](ctx context.Context, s Senders, channel, lang, to string, d D,
	mail func(lang, to string, d D) (notify.Mail, error), sms func(lang, to string, d D) (notify.SMS, error)) (sendErr, buildErr error) {
	if channel == "email" {
		if s.Mail == nil {
			return errors.New("no mailer configured"), nil
		}
		m, err := mail(lang, to, d)
		if err != nil {
			return nil, err
		}
		return s.Mail.Send(ctx, m), nil
	}
	if s.SMS == nil {
		return errors.New("no SMS adapter configured"), nil
	}
	m, err := sms(lang, to, d)
	if err != nil {
		return nil, err
	}
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
	ctx = context.WithoutCancel(ctx)
	deadline := time.Now().Add(30 * time.Second)
	wait := 100 * time.Millisecond
	for {
		err := store.RecordMessage(ctx, m)
		if err == nil || m.Outcome != "sent" || time.Now().After(deadline) {
			return err
		}
		time.Sleep(wait)
		wait = min(2*wait, 2*time.Second)
	}
}
