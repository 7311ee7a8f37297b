package delivery

import (
	"context"

	"github.com/riverqueue/river/rivertype"

	"portalegenitori/db"
	"portalegenitori/internal/notify"
)

// mailReceipt sends a receipt (a meal change's, an enrolment request's) by
// e-mail, once per job, to an account: its own address, else its registry
// adult's; with neither the receipt stays on the portal. build reads what
// the receipt says, in the account's language; the message is recorded as
// kind.
func mailReceipt[D any](ctx context.Context, w jobDeps, job *rivertype.JobRow, installationID, accountID int64, kind string,
	build func(inst *db.Installation, acc *db.RecoveryAccount, lang string) (D, error),
	mail func(lang, to string, d D) (notify.Mail, error), sms func(lang, to string, d D) (notify.SMS, error)) error {
	inst, err := w.store.InstallationByID(ctx, installationID)
	if err != nil {
		return err
	}
	acc, err := w.store.RecoveryAccountByID(ctx, installationID, accountID)
	if err != nil {
		return cancelIfGone(err, accountID)
	}
	to := acc.Email
	if to == "" {
		to = acc.AdultEmail.String
	}
	if to == "" {
		return nil
	}
	if sent, err := w.store.MessageSentByJob(ctx, inst.ID, job.ID, "email"); err != nil || sent {
		return err
	}
	lang := acc.Lang
	if lang != "en" {
		lang = "it"
	}
	d, err := build(inst, acc, lang)
	if err != nil {
		return err
	}
	sendErr, err := deliver(ctx, w.senders, "email", lang, to, messageKey(job, 0, "email"), d, mail, sms)
	if err != nil {
		return err
	}
	m := db.Message{InstallationID: inst.ID, AccountID: acc.ID, JobID: &job.ID, Attempt: job.Attempt,
		Kind: kind, Channel: "email", Recipient: to, Outcome: "sent"}
	if sendErr != nil {
		m.Outcome, m.Error = "failed", sendErr.Error()
	}
	if err := recordMessage(ctx, w.store, m); err != nil {
		return err
	}
	return sendErr
}
