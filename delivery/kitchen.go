package delivery

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"portalegenitori/internal/calendar"
)

// KitchenFreezeArgs is the periodic job that freezes the kitchen counts
// whose cut-off has passed (db.Store.FreezeDueKitchenCounts; the first read
// after the cut-off freezes too, whichever comes first: the figures are the
// same, docs/kitchen-count.md).
type KitchenFreezeArgs struct{}

// Kind is River's job kind.
func (KitchenFreezeArgs) Kind() string { return "kitchen_freeze" }

// InsertOpts: a run missed is made good by the next.
func (KitchenFreezeArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 3, Queue: river.QueueDefault}
}

// kitchenFreezeEvery is how soon after a cut-off its count is frozen.
const kitchenFreezeEvery = time.Minute

func kitchenPeriodicJobs() []*river.PeriodicJob {
	return []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(kitchenFreezeEvery),
		func() (river.JobArgs, *river.InsertOpts) { return KitchenFreezeArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true})}
}

func addKitchenWorkers(workers *river.Workers, deps jobDeps) {
	river.AddWorker(workers, &kitchenFreezeWorker{jobDeps: deps})
}

type kitchenFreezeWorker struct {
	river.WorkerDefaults[KitchenFreezeArgs]
	jobDeps
}

// Work freezes today's and the next days' counts that are due (a
// "previous school day" cut-off freezes tomorrow's, or Monday's on Friday).
func (w *kitchenFreezeWorker) Work(ctx context.Context, _ *river.Job[KitchenFreezeArgs]) error {
	today := calendar.DateOf(time.Now().In(calendar.Rome))
	n, err := w.store.FreezeDueKitchenCounts(ctx, today, today.AddDate(0, 0, 4))
	if n > 0 && w.log != nil {
		w.log.Info("kitchen counts frozen at the cut-off", "counts", n)
	}
	return err
}
