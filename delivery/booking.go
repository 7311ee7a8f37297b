package delivery

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"github.com/riverqueue/river"

	"portalegenitori/db"
	"portalegenitori/internal/calendar"
	"portalegenitori/internal/i18n"
	"portalegenitori/internal/notify"
)

// KindMealReceipt is the messages.kind of a meal change's receipt.
const KindMealReceipt = "meal_receipt"

// MealReceiptArgs sends the receipt of a meal change (docs/booking.md) by
// e-mail to an account that asked for it. No secret: the receipt's changes
// are read from meal_changes when the job runs.
type MealReceiptArgs struct {
	InstallationID int64  `json:"installation_id"`
	AccountID      int64  `json:"account_id"`
	Receipt        string `json:"receipt"`
}

// Kind is River's job kind.
func (MealReceiptArgs) Kind() string { return "meal_receipt" }

// InsertOpts sets the retries and the queue.
func (MealReceiptArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: maxAttempts, Queue: river.QueueDefault}
}

// MealReceipt enqueues a receipt in tx, the change's transaction.
func (e *Enqueuer) MealReceipt(ctx context.Context, tx *sql.Tx, args MealReceiptArgs) error {
	return e.insert(ctx, tx, args, "enqueue meal receipt")
}

func addBookingWorkers(workers *river.Workers, deps jobDeps) {
	river.AddWorker(workers, &mealReceiptWorker{jobDeps: deps})
	river.AddWorker(workers, &mealChargesWorker{jobDeps: deps})
}

type mealReceiptWorker struct {
	river.WorkerDefaults[MealReceiptArgs]
	jobDeps
}

func (w *mealReceiptWorker) Work(ctx context.Context, job *river.Job[MealReceiptArgs]) error {
	return w.store.WithDeliveryLock(ctx, job.ID, func() error { return w.work(ctx, job) })
}

func (w *mealReceiptWorker) work(ctx context.Context, job *river.Job[MealReceiptArgs]) error {
	a := job.Args
	return mailReceipt(ctx, w.jobDeps, job.JobRow, a.InstallationID, a.AccountID, KindMealReceipt,
		func(inst *db.Installation, acc *db.RecoveryAccount, lang string) (notify.MealReceipt, error) {
			lines, err := w.store.MealReceipt(ctx, inst.ID, a.Receipt)
			if err != nil {
				return notify.MealReceipt{}, err
			}
			first := lines[0]
			d := notify.MealReceipt{Comune: inst.Name, Name: acc.GreetingName(), Receipt: a.Receipt,
				Accepted: first.AcceptedAt.In(calendar.Rome).Format("02/01/2006 15:04:05"), Office: first.Channel == db.ChannelOffice,
				Actor: first.ActorName, PageURL: w.senders.pageURL(inst, "famiglia"), Contact: office(inst)}
			if !first.Late {
				c := first.CutoffAt.In(calendar.Rome)
				d.Cutoff = fmt.Sprintf("%d:%02d %s", c.Hour(), c.Minute(), longDate(lang, c))
			}
			for _, l := range lines {
				d.Lines = append(d.Lines, longDate(lang, l.Day)+" – "+l.FirstName+" ("+l.ServiceName+") – "+i18n.T(lang, "meal.state."+l.State))
			}
			return d, nil
		}, notify.MealReceiptMail, notify.MealReceiptSMS)
}

// longDate is "giovedì 3 dicembre 2026".
func longDate(lang string, t time.Time) string {
	return i18n.T(lang, "date.long", i18n.T(lang, "weekday."+strconv.Itoa(int(t.Weekday()))), t.Day(),
		i18n.T(lang, "month."+strconv.Itoa(int(t.Month()))), t.Year())
}

// MealChargesArgs is the periodic job that charges, for the services that
// charge meals not cancelled in time, the days whose cut-off has passed
// (db.Store.ChargeUncancelledMeals: idempotent, so every run may look at the
// last days again).
type MealChargesArgs struct{}

// Kind is River's job kind.
func (MealChargesArgs) Kind() string { return "meal_charges" }

// InsertOpts: a run missed is made good by the next.
func (MealChargesArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 3, Queue: river.QueueDefault}
}

// mealChargesEvery is how often the charges at the cut-off are made.
const mealChargesEvery = 5 * time.Minute

// bookingPeriodicJobs are the booking's periodic jobs.
func bookingPeriodicJobs() []*river.PeriodicJob {
	return []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(mealChargesEvery),
		func() (river.JobArgs, *river.InsertOpts) { return MealChargesArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true})}
}

type mealChargesWorker struct {
	river.WorkerDefaults[MealChargesArgs]
	jobDeps
}

func (w *mealChargesWorker) Work(ctx context.Context, _ *river.Job[MealChargesArgs]) error {
	list, err := w.store.ChargingServices(ctx)
	if err != nil {
		return err
	}
	today := calendar.DateOf(time.Now().In(calendar.Rome))
	for _, s := range list {
		for d := today.AddDate(0, 0, -7); !d.After(today.AddDate(0, 0, 1)); d = d.AddDate(0, 0, 1) {
			n, err := w.store.ChargeUncancelledMeals(ctx, s.InstallationID, s.ServiceID, d)
			if err != nil {
				return err
			}
			if n > 0 && w.log != nil {
				w.log.Info("meals charged at the cut-off", "installation", s.InstallationID, "service", s.ServiceID,
					"day", d.Format(time.DateOnly), "charges", n)
			}
		}
	}
	return nil
}
