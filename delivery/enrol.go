package delivery

import (
	"context"
	"database/sql"

	"github.com/riverqueue/river"

	"portalegenitori/db"
	"portalegenitori/internal/calendar"
	"portalegenitori/internal/notify"
)

// KindEnrolmentReceipt is the messages.kind of an enrolment request's receipt.
const KindEnrolmentReceipt = "enrolment_receipt"

// EnrolmentReceiptArgs sends the receipt of an enrolment request
// (docs/enrolment.md) by e-mail to the account that sent it, or for a
// request entered by the office, to the requesting adult's account. No
// secret: the request is read when the job runs.
type EnrolmentReceiptArgs struct {
	InstallationID int64 `json:"installation_id"`
	AccountID      int64 `json:"account_id"`
	RequestID      int64 `json:"request_id"`
}

// Kind is River's job kind.
func (EnrolmentReceiptArgs) Kind() string { return "enrolment_receipt" }

// InsertOpts sets the retries and the queue.
func (EnrolmentReceiptArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: maxAttempts, Queue: river.QueueDefault}
}

// EnrolmentReceipt enqueues a receipt in tx, the request's transaction.
func (e *Enqueuer) EnrolmentReceipt(ctx context.Context, tx *sql.Tx, args EnrolmentReceiptArgs) error {
	return e.insert(ctx, tx, args, "enqueue enrolment receipt")
}

func addEnrolWorkers(workers *river.Workers, deps jobDeps) {
	river.AddWorker(workers, &enrolReceiptWorker{jobDeps: deps})
}

type enrolReceiptWorker struct {
	river.WorkerDefaults[EnrolmentReceiptArgs]
	jobDeps
}

func (w *enrolReceiptWorker) Work(ctx context.Context, job *river.Job[EnrolmentReceiptArgs]) error {
	return w.store.WithDeliveryLock(ctx, job.ID, func() error { return w.work(ctx, job) })
}

func (w *enrolReceiptWorker) work(ctx context.Context, job *river.Job[EnrolmentReceiptArgs]) error {
	a := job.Args
	return mailReceipt(ctx, w.jobDeps, job.JobRow, a.InstallationID, a.AccountID, KindEnrolmentReceipt,
		func(inst *db.Installation, acc *db.RecoveryAccount, lang string) (notify.EnrolmentReceipt, error) {
			r, err := w.store.EnrolmentRequestByID(ctx, inst.ID, a.RequestID)
			if err != nil {
				return notify.EnrolmentReceipt{}, err
			}
			return notify.EnrolmentReceipt{Comune: inst.Name, Name: acc.GreetingName(), Protocol: r.Protocol(),
				Submitted: r.SubmittedAt.In(calendar.Rome).Format("02/01/2006 15:04:05"), Window: r.WindowTitle,
				Child: r.FirstName + " " + r.LastName, Late: r.Late, Documents: r.Documents,
				PageURL: w.senders.pageURL(inst, "iscrizioni"), Contact: office(inst)}, nil
		}, notify.EnrolmentReceiptMail, notify.EnrolmentReceiptSMS)
}
