package billing

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/rivertype"

	"portalegenitori/db"
	"portalegenitori/internal/calendar"
	"portalegenitori/internal/pagopa"
)

// ReconcileArgs is the reconciliation job: every due position
// (PositionID 0, the periodic run), or one position now (the payer is
// back from Checkout or waits on the page).
type ReconcileArgs struct {
	InstallationID int64 `json:"installation_id,omitempty"`
	PositionID     int64 `json:"position_id,omitempty"`
}

// Kind is River's job kind.
func (ReconcileArgs) Kind() string { return "pagopa_reconcile" }

// InsertOpts: one such job per position (or one run) a second, whichever
// worker asks; by period rather than by state, so that a job left running
// by a killed worker does not block the next runs until it is rescued. A
// reconciliation is never worth retrying much later: the next run does it.
func (ReconcileArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 2, Queue: river.QueueDefault, UniqueOpts: river.UniqueOpts{
		ByArgs: true, ByPeriod: time.Second,
	}}
}

// MonthlyArgs is the staff's issue of the monthly bills of a month: one
// notice per paying adult with a debt for the month's charges, idempotent
// per (adult, month).
type MonthlyArgs struct {
	InstallationID int64  `json:"installation_id"`
	Month          string `json:"month"` // YYYY-MM
	By             int64  `json:"by"`    // the staff account
}

// Kind is River's job kind.
func (MonthlyArgs) Kind() string { return "pagopa_monthly" }

// InsertOpts: retried with backoff while GPD does not answer; one job per
// month waiting or running (each bill is made once anyway).
func (MonthlyArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 12, Queue: river.QueueDefault, UniqueOpts: river.UniqueOpts{
		ByArgs:  true,
		ByState: []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateScheduled, rivertype.JobStateRetryable},
	}}
}

type reconcileWorker struct {
	river.WorkerDefaults[ReconcileArgs]
	s *Service
}

// dueBatch bounds one periodic run.
const dueBatch = 500

func (w *reconcileWorker) Work(ctx context.Context, job *river.Job[ReconcileArgs]) error {
	if job.Args.PositionID != 0 {
		_, err := w.s.CheckNow(ctx, job.Args.InstallationID, job.Args.PositionID)
		if errors.Is(err, db.ErrNotFound) {
			return river.JobCancel(err)
		}
		if errors.Is(err, pagopa.ErrUnavailable) {
			return nil // its backoff is recorded; the periodic run tries again
		}
		return err
	}
	res, err := w.s.ReconcileDue(ctx, dueBatch)
	if res.Checked > 0 {
		w.s.log.Info("pagoPA reconciliation", "checked", res.Checked, "booked", res.Booked, "closed", res.Closed, "errors", res.Errors)
	}
	return err
}

type monthlyWorker struct {
	river.WorkerDefaults[MonthlyArgs]
	s *Service
}

func (w *monthlyWorker) Work(ctx context.Context, job *river.Job[MonthlyArgs]) error {
	_, err := w.s.IssueMonthly(ctx, job.Args.InstallationID, job.Args.Month, job.Args.By)
	return err
}

// IssueMonthly makes the month's bills: for each paying adult whose
// entries of the month (charges, refunds, adjustments) are a debt, one
// notice for that amount. Those already made are left alone (a replay, or a
// retry of the job, makes no second one); it returns how many bills the
// month has once it is done.
func (s *Service) IssueMonthly(ctx context.Context, installationID int64, month string, by int64) (int, error) {
	first, err := time.ParseInLocation("2006-01", month, calendar.Rome)
	if err != nil {
		return 0, fmt.Errorf("month %q: %w", month, err)
	}
	inst, err := s.store.InstallationByID(ctx, installationID)
	if err != nil {
		return 0, err
	}
	st, err := s.store.PagoPASettingsOf(ctx, installationID)
	if err != nil {
		return 0, err
	}
	debts, err := s.store.MonthDebts(ctx, installationID, first)
	if err != nil {
		return 0, err
	}
	made := 0
	var errs []error
	for adultID, amount := range debts {
		adult, err := s.store.AdultByID(ctx, installationID, adultID)
		if err != nil {
			return made, err
		}
		_, err = s.Open(ctx, Request{Inst: inst, Settings: st, Payer: adult, PayerEmail: adult.Email,
			Kind: db.PositionMonthly, AmountCents: amount, Month: &first,
			Description: "Servizi scolastici " + monthName(first), AttemptKey: fmt.Sprintf("monthly:%d:%s", adultID, month),
			CreatedBy: by})
		if err != nil {
			errs = append(errs, fmt.Errorf("adult %d: %w", adultID, err))
			continue
		}
		made++
	}
	return made, errors.Join(errs...)
}

var monthsIT = [...]string{"gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto",
	"settembre", "ottobre", "novembre", "dicembre"}

func monthName(t time.Time) string { return fmt.Sprintf("%s %d", monthsIT[t.Month()-1], t.Year()) }

// AddWorkers registers the pagoPA jobs with a River client; s may be nil
// for an insert-only client.
func AddWorkers(workers *river.Workers, s *Service) {
	river.AddWorker(workers, &reconcileWorker{s: s})
	river.AddWorker(workers, &monthlyWorker{s: s})
}

// Tick enqueues a reconciliation run every s.Every until ctx ends. Every
// worker process ticks (the job's uniqueness makes one run per second at
// most): unlike River's periodic jobs, which only the elected leader
// enqueues, the runs go on at once when a worker is killed.
func (s *Service) Tick(ctx context.Context) {
	enq, err := NewEnqueuer(s.store.DB().DB)
	if err != nil {
		s.log.Error("pagoPA reconciliation not scheduled", "err", err)
		return
	}
	t := time.NewTicker(s.Every)
	defer t.Stop()
	for {
		// a job only when there is something to check; an idle run is
		// recorded here, for the staff page
		due, err := s.store.HasDuePositions(ctx, s.DraftGrace)
		switch {
		case err != nil:
			if ctx.Err() == nil {
				s.log.Warn("pagoPA reconciliation: open positions not read", "err", err)
			}
		case due:
			if _, err := enq.client.Insert(ctx, ReconcileArgs{}, nil); err != nil && ctx.Err() == nil {
				s.log.Warn("pagoPA reconciliation run not enqueued", "err", err)
			}
		default:
			if err := s.store.RecordIdleRuns(ctx, nil); err != nil && ctx.Err() == nil {
				s.log.Warn("pagoPA reconciliation: idle run not recorded", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Enqueuer inserts the pagoPA jobs.
type Enqueuer struct {
	client *river.Client[*sql.Tx]
}

// NewEnqueuer builds an insert-only River client over the pool.
func NewEnqueuer(pool *sql.DB) (*Enqueuer, error) {
	workers := river.NewWorkers()
	AddWorkers(workers, nil)
	cl, err := river.NewClient(riverdatabasesql.New(pool), &river.Config{Workers: workers})
	if err != nil {
		return nil, fmt.Errorf("river insert client: %w", err)
	}
	return &Enqueuer{client: cl}, nil
}

// CheckSoon asks for an immediate check of a position.
func (e *Enqueuer) CheckSoon(ctx context.Context, installationID, positionID int64) error {
	if _, err := e.client.Insert(ctx, ReconcileArgs{InstallationID: installationID, PositionID: positionID}, nil); err != nil {
		return fmt.Errorf("enqueue pagoPA check: %w", err)
	}
	return nil
}

// Monthly enqueues the issue of a month's bills; a second request while the
// first waits or runs is the same job.
func (e *Enqueuer) Monthly(ctx context.Context, a MonthlyArgs) error {
	if _, err := e.client.Insert(ctx, a, nil); err != nil {
		return fmt.Errorf("enqueue monthly bills: %w", err)
	}
	return nil
}
