package delivery

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"portalegenitori/db"
	"portalegenitori/internal/notify"
	"portalegenitori/internal/password"
)

// KindLinkCode is the one-time code that links a self-registered account to
// its registry adult (messages.kind).
const KindLinkCode = "link_code"

// LinkCodeTTL is how long a link code works.
const LinkCodeTTL = 30 * time.Minute

// LinkCodeArgs sends a new code for the open link request of an account to
// the registry contacts of the adult the request names. It holds no secret:
// the job makes the code at send time and stores only its argon2id hash.
type LinkCodeArgs struct {
	InstallationID int64 `json:"installation_id"`
	AccountID      int64 `json:"account_id"`
}

// Kind is River's job kind.
func (LinkCodeArgs) Kind() string { return "link_code" }

// InsertOpts: a code is short-lived, so a few quick retries only.
func (LinkCodeArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 5, Queue: river.QueueDefault}
}

// LinkCode enqueues a link code in tx.
func (e *Enqueuer) LinkCode(ctx context.Context, tx *sql.Tx, args LinkCodeArgs) error {
	return e.insert(ctx, tx, args, "enqueue link code")
}

// Target is one contact a message goes to.
type Target struct {
	Channel string // "email" or "sms"
	To      string
}

// LinkTargets are the registry contacts a link code goes to: those of the
// installation's delivery channels that the registry has for the adult, or,
// when it has none of them, whichever it has. Never a contact the parent
// typed. None: only the office can confirm the link.
func LinkTargets(inst *db.Installation, email, mobile string) []Target {
	var out []Target
	for _, ch := range RecoveryChannels(inst.DeliveryChannel) {
		if ch == "email" && email != "" {
			out = append(out, Target{"email", email})
		}
		if ch == "sms" && mobile != "" {
			out = append(out, Target{"sms", mobile})
		}
	}
	if len(out) == 0 {
		if email != "" {
			out = append(out, Target{"email", email})
		} else if mobile != "" {
			out = append(out, Target{"sms", mobile})
		}
	}
	return out
}

// MaskTargets is how the parent is told where the code went.
func MaskTargets(ts []Target) string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = notify.Mask(t.To)
	}
	return strings.Join(parts, ", ")
}

// addLinkWorkers registers the link workers (called by NewEnqueuer and NewWorker).
func addLinkWorkers(workers *river.Workers, deps jobDeps) {
	river.AddWorker(workers, &linkCodeWorker{jobDeps: deps})
}

type linkCodeWorker struct {
	river.WorkerDefaults[LinkCodeArgs]
	jobDeps
}

// Work makes a code, stores its hash and sends it on every target. A retry
// after a partial failure makes a new code and sends it on every target
// again (the message says it replaces the earlier ones); once every target
// went through, a retry sends nothing.
func (w *linkCodeWorker) Work(ctx context.Context, job *river.Job[LinkCodeArgs]) error {
	return w.store.WithDeliveryLock(ctx, job.ID, func() error { return w.work(ctx, job) })
}

func (w *linkCodeWorker) work(ctx context.Context, job *river.Job[LinkCodeArgs]) error {
	a := job.Args
	inst, err := w.store.InstallationByID(ctx, a.InstallationID)
	if err != nil {
		return err
	}
	r, err := w.store.PendingLink(ctx, a.InstallationID, a.AccountID)
	if errors.Is(err, db.ErrNotFound) {
		return river.JobCancel(fmt.Errorf("account %d has no open link request", a.AccountID))
	}
	if err != nil {
		return err
	}
	if !r.AdultID.Valid {
		return river.JobCancel(fmt.Errorf("link request %d names no registry adult", r.ID))
	}
	targets := LinkTargets(inst, r.AdultEmail.String, r.AdultMobile.String)
	if len(targets) == 0 {
		return river.JobCancel(fmt.Errorf("adult %d has no contact in the registry", r.AdultID.Int64))
	}
	allSent := true
	for _, t := range targets {
		sent, err := w.store.MessageSentByJob(ctx, inst.ID, job.ID, t.Channel)
		if err != nil {
			return err
		}
		allSent = allSent && sent
	}
	if allSent {
		return nil
	}
	code, err := newLinkCode()
	if err != nil {
		return err
	}
	hash, err := password.Hash(code)
	if err != nil {
		return err
	}
	open, err := w.store.SetLinkCode(ctx, inst.ID, a.AccountID, hash, time.Now().Add(LinkCodeTTL), MaskTargets(targets))
	if err != nil {
		return err
	}
	if !open {
		return nil // linked or refused meanwhile
	}
	d := notify.LinkCode{
		Comune:   inst.Name,
		Name:     strings.TrimSpace(r.AdultFirstName.String + " " + r.AdultLastName.String),
		Username: r.Username,
		Code:     code,
		Minutes:  int(LinkCodeTTL.Minutes()),
		PageURL:  w.senders.pageURL(inst, "collegamento"),
		Office:   office(inst),
	}
	var failed []error
	for _, t := range targets {
		// Each attempt makes a new code, so each attempt is a new message:
		// its attempt number stands in the key for the secret's ID.
		key := messageKey(job.JobRow, int64(job.Attempt), t.Channel)
		sendErr, err := deliver(ctx, w.senders, t.Channel, r.Lang, t.To, key, d, notify.LinkCodeMail, notify.LinkCodeSMS)
		if err != nil {
			return err
		}
		m := db.Message{InstallationID: inst.ID, AccountID: a.AccountID, JobID: &job.ID, Attempt: job.Attempt,
			Kind: KindLinkCode, Channel: t.Channel, Recipient: t.To, Outcome: "sent"}
		if sendErr != nil {
			m.Outcome, m.Error = "failed", sendErr.Error()
			failed = append(failed, fmt.Errorf("%s: %w", t.Channel, sendErr))
			w.log.Warn("link code delivery failed", "account", a.AccountID, "channel", t.Channel, "attempt", job.Attempt, "err", sendErr)
		} else {
			w.log.Info("delivered", "account", a.AccountID, "channel", t.Channel, "kind", KindLinkCode, "attempt", job.Attempt)
		}
		if err := recordMessage(ctx, w.store, m); err != nil {
			return err
		}
	}
	return errors.Join(failed...)
}

// newLinkCode is six random digits.
func newLinkCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}
