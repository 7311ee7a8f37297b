package delivery

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/riverqueue/river"

	"portalegenitori/db"
	"portalegenitori/internal/certificate"
	"portalegenitori/internal/i18n"
)

// CertificateRunArgs issues every certificate of an office run
// (docs/certificate-730.md). It works in slices of at most chunkTime and
// snoozes between them, so that a run of any size never outlives the job
// timeout; each certificate issued is recorded at once, so a run that stops
// (a crash, a deploy) resumes where it was.
type CertificateRunArgs struct {
	InstallationID int64 `json:"installation_id"`
	RunID          int64 `json:"run_id"`
}

// Kind is River's job kind.
func (CertificateRunArgs) Kind() string { return "certificate_run" }

// InsertOpts: retried like the messages; one job per run.
func (CertificateRunArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: maxAttempts, Queue: river.QueueDefault, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// CertificateRun enqueues a run in tx.
func (e *Enqueuer) CertificateRun(ctx context.Context, tx *sql.Tx, args CertificateRunArgs) error {
	return e.insert(ctx, tx, args, "enqueue certificate run")
}

// chunkTime bounds one slice of a long job (runs and broadcasts).
var chunkTime = 20 * time.Second

type certificateRunWorker struct {
	river.WorkerDefaults[CertificateRunArgs]
	jobDeps
}

// ReissueReasonIt is the reason of a new version, in Italian: the
// certificate is a document of record in Italian.
func ReissueReasonIt(prev, next certificate.Content) string {
	return certificate.Reason(func(k string, a ...any) string { return i18n.T("it", k, a...) }, prev, next)
}

func (w *certificateRunWorker) Work(ctx context.Context, job *river.Job[CertificateRunArgs]) error {
	a := job.Args
	if err := w.store.SetRunStatus(ctx, a.InstallationID, a.RunID, "running"); err != nil {
		return err
	}
	deadline := time.Now().Add(chunkTime)
	for {
		ids, err := w.store.PendingRunAdults(ctx, a.InstallationID, a.RunID, 50)
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			return w.store.SetRunStatus(ctx, a.InstallationID, a.RunID, "done")
		}
		for _, adult := range ids {
			if err := IssueRunCertificate(ctx, w.store, a.InstallationID, a.RunID, adult); err != nil {
				return err
			}
			if time.Now().After(deadline) || ctx.Err() != nil {
				return river.JobSnooze(0)
			}
		}
	}
}

// IssueRunCertificate issues (or finds current) one adult's certificate of
// the run and records it in the run.
func IssueRunCertificate(ctx context.Context, store *db.Store, installationID, runID, adultID int64) error {
	run, err := store.CertificateRunByID(ctx, installationID, runID)
	if err != nil {
		return err
	}
	c, err := store.IssueCertificate(ctx, installationID, adultID, run.Year, &runID, ReissueReasonIt)
	if errors.Is(err, db.ErrNotFound) {
		return store.DropRunItem(ctx, installationID, runID, adultID)
	}
	if err != nil {
		return err
	}
	return store.MarkRunItem(ctx, installationID, runID, adultID, c.ID)
}
