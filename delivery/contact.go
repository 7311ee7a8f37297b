package delivery

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"math/big"
	"time"

	"github.com/riverqueue/river"

	"portalegenitori/db"
	"portalegenitori/internal/calendar"
	"portalegenitori/internal/i18n"
	"portalegenitori/internal/notify"
	"portalegenitori/internal/password"
)

// Kinds of the contact-change messages (messages.kind).
const (
	KindContactProof  = "contact_proof"
	KindContactNotice = "contact_notice"
)

// ContactProofArgs sends the proof of a new e-mail (a one-time link) or
// mobile (a 6-digit code) to the new contact. It holds no secret: the job
// makes one at send time and stores only its hash; a retry after a failed
// send makes a new one, and nothing is sent again once a send went through.
type ContactProofArgs struct {
	InstallationID int64 `json:"installation_id"`
	AccountID      int64 `json:"account_id"`
	ChangeID       int64 `json:"change_id"`
}

// Kind is River's job kind.
func (ContactProofArgs) Kind() string { return "contact_proof" }

// InsertOpts: a proof is short-lived, so few retries.
func (ContactProofArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 5, Queue: river.QueueDefault}
}

// ContactNoticeArgs tells the replaced contact of a change (no secret).
type ContactNoticeArgs struct {
	InstallationID int64     `json:"installation_id"`
	AccountID      int64     `json:"account_id"`
	Channel        string    `json:"channel"`
	OldValue       string    `json:"old_value"`
	NewValue       string    `json:"new_value"`
	ChangedAt      time.Time `json:"changed_at"`
}

// Kind is River's job kind.
func (ContactNoticeArgs) Kind() string { return "contact_notice" }

// InsertOpts sets the retries and the queue.
func (ContactNoticeArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: maxAttempts, Queue: river.QueueDefault}
}

// ContactProof enqueues the proof of a new contact in tx.
func (e *Enqueuer) ContactProof(ctx context.Context, tx *sql.Tx, args ContactProofArgs) error {
	return e.insert(ctx, tx, args, "enqueue contact proof")
}

// ContactNotice enqueues the notice to the old contact in tx.
func (e *Enqueuer) ContactNotice(ctx context.Context, tx *sql.Tx, args ContactNoticeArgs) error {
	return e.insert(ctx, tx, args, "enqueue contact notice")
}

// ContactLinkPath is the path of the confirmation link of a new e-mail.
func ContactLinkPath(instCode, token string) string {
	return "/" + instCode + "/profilo/email/conferma/" + token
}

type contactProofWorker struct {
	river.WorkerDefaults[ContactProofArgs]
	jobDeps
}

// Work runs under the job's delivery lock, like every worker: two
// executions of one job never send two codes at once.
func (w *contactProofWorker) Work(ctx context.Context, job *river.Job[ContactProofArgs]) error {
	return w.store.WithDeliveryLock(ctx, job.ID, func() error { return w.work(ctx, job) })
}

func (w *contactProofWorker) work(ctx context.Context, job *river.Job[ContactProofArgs]) error {
	a := job.Args
	inst, err := w.store.InstallationByID(ctx, a.InstallationID)
	if err != nil {
		return err
	}
	acc, err := w.store.RecoveryAccountByID(ctx, a.InstallationID, a.AccountID)
	if err != nil {
		return cancelIfGone(err, a.AccountID)
	}
	ch, err := w.store.ContactChangeByID(ctx, a.InstallationID, a.ChangeID)
	if err != nil || ch.AccountID != acc.ID {
		return river.JobCancel(fmt.Errorf("contact change %d: %v", a.ChangeID, err))
	}
	if !ch.Open(time.Now()) {
		return river.JobCancel(fmt.Errorf("contact change %d is no longer open", ch.ID))
	}
	channel := "email"
	if ch.Channel == "sms" {
		channel = "sms"
	}
	if sent, err := w.store.MessageSentByJob(ctx, inst.ID, job.ID, channel); err != nil || sent {
		return err // sent on an earlier attempt whose end River did not record: a new code would replace it
	}
	d := notify.ContactProof{Comune: inst.Name, Name: acc.GreetingName(), Username: acc.Username,
		Minutes: int(time.Until(ch.ExpiresAt).Minutes()) + 1, Office: office(inst)}
	var tokenHash []byte
	var codeHash string
	if channel == "sms" {
		n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
		if err != nil {
			return err
		}
		d.Code = fmt.Sprintf("%06d", n.Int64())
		if codeHash, err = password.Hash(d.Code); err != nil {
			return err
		}
	} else {
		token := rand.Text()
		tokenHash = TokenHash(token)
		d.LinkURL = w.senders.BaseURL + ContactLinkPath(inst.Code, token)
	}
	ok, err := w.store.SetContactSecret(ctx, inst.ID, ch.ID, tokenHash, codeHash)
	if err != nil {
		return err
	}
	if !ok {
		return river.JobCancel(fmt.Errorf("contact change %d closed meanwhile", ch.ID))
	}
	sendErr, err := deliver(ctx, w.senders, channel, acc.Lang, ch.NewValue, messageKey(job.JobRow, int64(job.Attempt), channel), d, notify.ContactProofMail, notify.ContactProofSMS)
	if err != nil {
		return err
	}
	m := db.Message{InstallationID: inst.ID, AccountID: acc.ID, JobID: &job.ID, Attempt: job.Attempt,
		Kind: KindContactProof, Channel: channel, Recipient: ch.NewValue, Outcome: "sent"}
	if sendErr != nil {
		m.Outcome, m.Error = "failed", sendErr.Error()
		w.log.Warn("contact proof failed", "account", acc.ID, "channel", channel, "attempt", job.Attempt, "err", sendErr)
	}
	if err := recordMessage(ctx, w.store, m); err != nil {
		return err
	}
	return sendErr
}

type contactNoticeWorker struct {
	river.WorkerDefaults[ContactNoticeArgs]
	jobDeps
}

func (w *contactNoticeWorker) Work(ctx context.Context, job *river.Job[ContactNoticeArgs]) error {
	return w.store.WithDeliveryLock(ctx, job.ID, func() error { return w.work(ctx, job) })
}

func (w *contactNoticeWorker) work(ctx context.Context, job *river.Job[ContactNoticeArgs]) error {
	a := job.Args
	if a.OldValue == "" {
		return nil // there was no contact to tell
	}
	inst, err := w.store.InstallationByID(ctx, a.InstallationID)
	if err != nil {
		return err
	}
	acc, err := w.store.RecoveryAccountByID(ctx, a.InstallationID, a.AccountID)
	if err != nil {
		return cancelIfGone(err, a.AccountID)
	}
	if sent, err := w.store.MessageSentByJob(ctx, inst.ID, job.ID, a.Channel); err != nil || sent {
		return err
	}
	lang := acc.Lang
	if lang != "en" {
		lang = "it"
	}
	d := notify.ContactNotice{Comune: inst.Name, Name: acc.GreetingName(), Username: acc.Username, Email: a.Channel == "email",
		NewValue: notify.Mask(a.NewValue), When: a.ChangedAt.In(calendar.Rome).Format(i18n.T(lang, "common.date_time")),
		LoginURL: w.senders.pageURL(inst, "accesso"), Office: office(inst)}
	sendErr, err := deliver(ctx, w.senders, a.Channel, lang, a.OldValue, messageKey(job.JobRow, 0, a.Channel), d, notify.ContactNoticeMail, notify.ContactNoticeSMS)
	if err != nil {
		return err
	}
	m := db.Message{InstallationID: inst.ID, AccountID: acc.ID, JobID: &job.ID, Attempt: job.Attempt,
		Kind: KindContactNotice, Channel: a.Channel, Recipient: a.OldValue, Outcome: "sent"}
	if sendErr != nil {
		m.Outcome, m.Error = "failed", sendErr.Error()
	}
	if err := recordMessage(ctx, w.store, m); err != nil {
		return err
	}
	return sendErr
}
