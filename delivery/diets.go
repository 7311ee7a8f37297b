package delivery

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"portalegenitori/internal/calendar"
)

// DietRetentionArgs is the periodic job that deletes the medical
// certificates of the special diets whose retention has ended
// (db.Store.PurgeDietCertificates, docs/special-diets.md).
type DietRetentionArgs struct{}

// Kind is River's job kind.
func (DietRetentionArgs) Kind() string { return "diet_certificate_retention" }

// InsertOpts: a run missed is made good by the next.
func (DietRetentionArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 3, Queue: river.QueueDefault}
}

// dietRetentionEvery: retention is counted in days; hourly is soon enough.
const dietRetentionEvery = time.Hour

func dietPeriodicJobs() []*river.PeriodicJob {
	return []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(dietRetentionEvery),
		func() (river.JobArgs, *river.InsertOpts) { return DietRetentionArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true})}
}

func addDietWorkers(workers *river.Workers, deps jobDeps) {
	river.AddWorker(workers, &dietRetentionWorker{jobDeps: deps})
}

type dietRetentionWorker struct {
	river.WorkerDefaults[DietRetentionArgs]
	jobDeps
}

// Work deletes the certificates due today (Rome's date).
func (w *dietRetentionWorker) Work(ctx context.Context, _ *river.Job[DietRetentionArgs]) error {
	n, err := w.store.PurgeDietCertificates(ctx, calendar.DateOf(time.Now().In(calendar.Rome)))
	if n > 0 && w.log != nil {
		w.log.Info("diet certificates deleted at the end of their retention", "certificates", n)
	}
	return err
}
