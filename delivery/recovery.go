package delivery

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"portalegenitori/db"
	"portalegenitori/internal/calendar"
	"portalegenitori/internal/i18n"
	"portalegenitori/internal/notify"
)

// Kinds of the recovery messages (messages.kind).
const (
	KindRecovery        = "recovery"
	KindPasswordChanged = "password_changed"
)

// RecoveryArgs is "Problemi con l'accesso": send a new temporary password
// (Channel "sms") or a one-time sign-in link (Channel "email") to the
// account's registry contact. It holds no secret: the job's first attempt
// makes one, stores its hash where it is checked and keeps it sealed until
// it is sent, so a retry sends the same one; a newer request makes a new
// one, which replaces the earlier ones (the message says so).
type RecoveryArgs struct {
	InstallationID int64  `json:"installation_id"`
	AccountID      int64  `json:"account_id"`
	Channel        string `json:"channel"` // "email" (link) or "sms" (temporary password)
}

// Kind is River's job kind.
func (RecoveryArgs) Kind() string { return "recovery" }

// InsertOpts sets the retries and the queue.
func (RecoveryArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: maxAttempts, Queue: river.QueueDefault}
}

// NoticeArgs tells an account that its password was changed (no secret).
type NoticeArgs struct {
	InstallationID int64     `json:"installation_id"`
	AccountID      int64     `json:"account_id"`
	ChangedAt      time.Time `json:"changed_at"`
}

// Kind is River's job kind.
func (NoticeArgs) Kind() string { return "password_notice" }

// InsertOpts sets the retries and the queue.
func (NoticeArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: maxAttempts, Queue: river.QueueDefault}
}

// Recovery enqueues a recovery message in tx.
func (e *Enqueuer) Recovery(ctx context.Context, tx *sql.Tx, args RecoveryArgs) error {
	if args.Channel != "email" && args.Channel != "sms" {
		return fmt.Errorf("enqueue recovery: channel %q", args.Channel)
	}
	return e.insert(ctx, tx, args, "enqueue recovery")
}

// Notice enqueues a "password changed" notice in tx.
func (e *Enqueuer) Notice(ctx context.Context, tx *sql.Tx, args NoticeArgs) error {
	return e.insert(ctx, tx, args, "enqueue notice")
}

// RecoveryChannels are the channels a recovery uses for the installation's
// delivery setting: "email" a link, "sms" a temporary password, "both" both.
func RecoveryChannels(deliveryChannel string) []string {
	switch deliveryChannel {
	case "email":
		return []string{"email"}
	case "sms":
		return []string{"sms"}
	default:
		return []string{"email", "sms"}
	}
}

// TokenHash is the SHA-256 stored for a one-time link token.
func TokenHash(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// recoveryWorker sends a RecoveryArgs job.
type recoveryWorker struct {
	river.WorkerDefaults[RecoveryArgs]
	jobDeps
}

// Work makes the secret (or takes the one an earlier attempt made), sends
// it once, then wipes its sealed copy. The request page already refused
// stale links and missing contacts; they are checked again here because the
// registry may have changed since (then nothing is sent).
func (w *recoveryWorker) Work(ctx context.Context, job *river.Job[RecoveryArgs]) error {
	return w.store.WithDeliveryLock(ctx, job.ID, func() error { return w.work(ctx, job) })
}

func (w *recoveryWorker) work(ctx context.Context, job *river.Job[RecoveryArgs]) error {
	a := job.Args
	inst, err := w.store.InstallationByID(ctx, a.InstallationID)
	if err != nil {
		return err
	}
	acc, err := w.store.RecoveryAccountByID(ctx, a.InstallationID, a.AccountID)
	if err != nil {
		return cancelIfGone(err, a.AccountID)
	}
	to := acc.Contact(a.Channel)
	switch {
	case acc.LockedAt.Valid:
		return river.JobCancel(fmt.Errorf("account %d is locked", acc.ID))
	case acc.StaleLink():
		return river.JobCancel(fmt.Errorf("account %d: registry fiscal code changed, profile not regenerated", acc.ID))
	case to == "":
		return river.JobCancel(fmt.Errorf("account %d has no %s contact", acc.ID, a.Channel))
	}
	sent, err := w.store.MessageSentByJob(ctx, inst.ID, job.ID, a.Channel)
	if err != nil {
		return err
	}
	if sent { // on an earlier attempt, whose end River did not record
		w.wipe(ctx, inst.ID, job.ID)
		return nil
	}
	row, secret, err := w.earlierSecret(ctx, inst.ID, acc.ID, job.ID)
	switch {
	case errors.Is(err, errSecretSpent):
		w.log.Info("recovery not sent: its secret was replaced by a newer request or expired", "account", acc.ID, "job", job.ID)
		w.wipe(ctx, inst.ID, job.ID)
		return nil
	case errors.Is(err, errUnsealable):
		w.log.Warn("the sealed secret of an earlier attempt cannot be opened (GENITORI_SECRET_KEY unset or changed since): a new one is sent",
			"account", acc.ID, "job", job.ID)
		w.wipe(ctx, inst.ID, job.ID)
		row = nil
	case err != nil:
		return err
	}
	if row == nil {
		if row, secret, err = w.newRecoverySecret(ctx, inst, acc.ID, job.ID, a.Channel); err != nil {
			return err
		}
	}
	d := notify.Recovery{
		Comune:   inst.Name,
		Name:     acc.GreetingName(),
		Username: acc.Username,
		LoginURL: w.senders.pageURL(inst, "accesso"),
		Office:   office(inst),
		Hours:    int(db.TempPasswordTTL.Hours()),
	}
	if a.Channel == "email" {
		d.LinkURL = w.senders.pageURL(inst, "recupero-accesso/link/"+secret)
	} else {
		d.Password = secret
	}
	sendErr, err := deliver(ctx, w.senders, a.Channel, acc.Lang, to, messageKey(job.JobRow, row.ID, a.Channel), d, notify.RecoveryMail, notify.RecoverySMS)
	if err != nil {
		return err
	}
	m := db.Message{InstallationID: inst.ID, AccountID: acc.ID, JobID: &job.ID, Attempt: job.Attempt,
		Kind: KindRecovery, Channel: a.Channel, Recipient: to, Outcome: "sent", TempPassword: a.Channel == "sms"}
	if sendErr != nil {
		m.Outcome, m.Error = "failed", sendErr.Error()
		w.log.Warn("recovery delivery failed", "account", acc.ID, "channel", a.Channel, "attempt", job.Attempt, "err", sendErr)
	} else {
		w.log.Info("delivered", "account", acc.ID, "channel", a.Channel, "kind", KindRecovery, "attempt", job.Attempt)
	}
	if err := recordMessage(ctx, w.store, m); err != nil {
		return err
	}
	if sendErr == nil {
		w.wipe(ctx, inst.ID, job.ID)
	}
	return sendErr
}

// newRecoverySecret makes a one-time link's token ("email") or a temporary
// password ("sms"), valid for TempPasswordTTL, stores its hash where it is
// checked and its sealed copy, in one transaction.
func (w *recoveryWorker) newRecoverySecret(ctx context.Context, inst *db.Installation, accountID, jobID int64, channel string) (*db.DeliverySecret, string, error) {
	row := &db.DeliverySecret{InstallationID: inst.ID, AccountID: accountID, JobID: jobID, ExpiresAt: time.Now().Add(db.TempPasswordTTL)}
	var secret, hash string
	if channel == "email" {
		secret = rand.Text() // 26 base32 characters, 130 bits
	} else {
		var err error
		if secret, hash, err = newPassword(inst); err != nil {
			return nil, "", err
		}
	}
	sealed, err := w.sealer.seal(secret, secretBound(inst.ID, accountID, jobID))
	if err != nil {
		return nil, "", err
	}
	row.Sealed, row.Ref = sealed, hash
	if channel == "email" {
		err = w.store.CreateRecoveryLink(ctx, row, TokenHash(secret))
	} else {
		err = w.store.CreateTempPassword(ctx, row)
	}
	if err != nil {
		return nil, "", err
	}
	return row, secret, nil
}

// noticeWorker sends a NoticeArgs job on the installation's channels that
// have a contact; a retry skips the channels already sent.
type noticeWorker struct {
	river.WorkerDefaults[NoticeArgs]
	jobDeps
}

func (w *noticeWorker) Work(ctx context.Context, job *river.Job[NoticeArgs]) error {
	return w.store.WithDeliveryLock(ctx, job.ID, func() error { return w.work(ctx, job) })
}

func (w *noticeWorker) work(ctx context.Context, job *river.Job[NoticeArgs]) error {
	a := job.Args
	inst, err := w.store.InstallationByID(ctx, a.InstallationID)
	if err != nil {
		return err
	}
	acc, err := w.store.RecoveryAccountByID(ctx, a.InstallationID, a.AccountID)
	if err != nil {
		return cancelIfGone(err, a.AccountID)
	}
	lang := acc.Lang
	if lang != "en" {
		lang = "it"
	}
	d := notify.PasswordChanged{
		Comune: inst.Name, Name: acc.GreetingName(), Username: acc.Username,
		When:     a.ChangedAt.In(calendar.Rome).Format(i18n.T(lang, "common.date_time")),
		LoginURL: w.senders.pageURL(inst, "accesso"),
		Office:   office(inst),
	}
	var failed []error
	sentAny := false
	for _, ch := range RecoveryChannels(inst.DeliveryChannel) {
		to := acc.Contact(ch)
		if to == "" {
			continue
		}
		sent, err := w.store.MessageSentByJob(ctx, inst.ID, job.ID, ch)
		if err != nil {
			return err
		}
		if sent {
			sentAny = true
			continue
		}
		sendErr, err := deliver(ctx, w.senders, ch, lang, to, messageKey(job.JobRow, 0, ch), d, notify.PasswordChangedMail, notify.PasswordChangedSMS)
		if err != nil {
			return err
		}
		m := db.Message{InstallationID: inst.ID, AccountID: acc.ID, JobID: &job.ID, Attempt: job.Attempt,
			Kind: KindPasswordChanged, Channel: ch, Recipient: to, Outcome: "sent"}
		if sendErr != nil {
			m.Outcome, m.Error = "failed", sendErr.Error()
			failed = append(failed, fmt.Errorf("%s: %w", ch, sendErr))
		} else {
			sentAny = true
		}
		if err := recordMessage(ctx, w.store, m); err != nil {
			return err
		}
	}
	if !sentAny && len(failed) == 0 {
		return river.JobCancel(fmt.Errorf("account %d has no contact for channel %s", acc.ID, inst.DeliveryChannel))
	}
	return errors.Join(failed...)
}

func office(inst *db.Installation) string {
	o := inst.OfficeName
	if o == "" {
		o = inst.Name
	}
	if inst.ControllerEmail != "" {
		o += " (" + inst.ControllerEmail + ")"
	}
	return o
}
