package db

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// CertificateRun is an office run that issues a year's certificates.
type CertificateRun struct {
	InstallationID int64        `db:"installation_id"`
	ID             int64        `db:"id"`
	Year           int          `db:"year"`
	Status         string       `db:"status"`
	CreatedAt      time.Time    `db:"created_at"`
	FinishedAt     sql.NullTime `db:"finished_at"`
	Total          int          `db:"total"`
	Done           int          `db:"done"`
	Reissued       int          `db:"reissued"` // certificates of the run that replace an earlier version
}

const runColumns = `r.installation_id, r.id, r.year, r.status, r.created_at, r.finished_at,
	(SELECT count(*) FROM certificate_run_items i WHERE i.installation_id = r.installation_id AND i.run_id = r.id) AS total,
	(SELECT count(*) FROM certificate_run_items i WHERE i.installation_id = r.installation_id AND i.run_id = r.id
	   AND i.certificate_id IS NOT NULL) AS done,
	(SELECT count(*) FROM certificate_run_items i JOIN certificates c ON c.installation_id = i.installation_id AND c.id = i.certificate_id
	  WHERE i.installation_id = r.installation_id AND i.run_id = r.id AND c.version > 1) AS reissued`

// CreateCertificateRun records a run of the year covering every adult who
// paid by a traceable means that year, and calls enqueue in the same
// transaction (the job exists exactly when the run does).
func (s *Store) CreateCertificateRun(ctx context.Context, installationID int64, year int, createdBy int64,
	enqueue func(ctx context.Context, tx *sql.Tx, runID int64) error) (int64, error) {
	var id int64
	err := s.WithTx(ctx, func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &id, `
			INSERT INTO certificate_runs (installation_id, year, created_by) VALUES ($1, $2, $3) RETURNING id`,
			installationID, year, createdBy); err != nil {
			return fmt.Errorf("insert certificate run: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO certificate_run_items (installation_id, run_id, adult_id)
			SELECT DISTINCT installation_id, $2::bigint, adult_id FROM ledger_entries
			WHERE installation_id = $1 AND kind = 'topup' AND amount_cents > 0
			  AND entry_date BETWEEN make_date($3, 1, 1) AND make_date($3, 12, 31) AND `+traceableChannels,
			installationID, id, year); err != nil {
			return fmt.Errorf("certificate run items: %w", err)
		}
		return enqueue(ctx, tx.Tx, id)
	})
	return id, err
}

// CertificateRuns lists the installation's runs, newest first.
func (s *Store) CertificateRuns(ctx context.Context, installationID int64, limit int) ([]CertificateRun, error) {
	var out []CertificateRun
	err := s.db.SelectContext(ctx, &out, `SELECT `+runColumns+` FROM certificate_runs r
		WHERE r.installation_id = $1 ORDER BY r.id DESC LIMIT $2`, installationID, limit)
	if err != nil {
		return nil, fmt.Errorf("certificate runs: %w", err)
	}
	return out, nil
}

// CertificateRunByID loads one run of the installation.
func (s *Store) CertificateRunByID(ctx context.Context, installationID, id int64) (*CertificateRun, error) {
	var r CertificateRun
	err := s.db.GetContext(ctx, &r, `SELECT `+runColumns+` FROM certificate_runs r WHERE r.installation_id = $1 AND r.id = $2`,
		installationID, id)
	if err != nil {
		return nil, fmt.Errorf("certificate run %d: %w", id, notFound(err))
	}
	return &r, nil
}

// PendingRunAdults are up to limit adults of the run whose certificate is
// not issued yet.
func (s *Store) PendingRunAdults(ctx context.Context, installationID, runID int64, limit int) ([]int64, error) {
	var ids []int64
	err := s.db.SelectContext(ctx, &ids, `
		SELECT adult_id FROM certificate_run_items WHERE installation_id = $1 AND run_id = $2 AND certificate_id IS NULL
		ORDER BY adult_id LIMIT $3`, installationID, runID, limit)
	if err != nil {
		return nil, fmt.Errorf("pending certificates of run %d: %w", runID, err)
	}
	return ids, nil
}

// SetRunStatus moves the run to running or done.
func (s *Store) SetRunStatus(ctx context.Context, installationID, runID int64, status string) error {
	_, err := s.db.ExecContext(ctx, `
		UPDATE certificate_runs SET status = $3, finished_at = CASE WHEN $3 = 'done' THEN now() END
		WHERE installation_id = $1 AND id = $2 AND status <> 'done'`, installationID, runID, status)
	if err != nil {
		return fmt.Errorf("certificate run %d status: %w", runID, err)
	}
	return nil
}

// MarkRunItem records the certificate issued for an adult of the run.
func (s *Store) MarkRunItem(ctx context.Context, installationID, runID, adultID, certificateID int64) error {
	_, err := s.db.ExecContext(ctx, `
		UPDATE certificate_run_items SET certificate_id = $4 WHERE installation_id = $1 AND run_id = $2 AND adult_id = $3`,
		installationID, runID, adultID, certificateID)
	if err != nil {
		return fmt.Errorf("certificate run %d item: %w", runID, err)
	}
	return nil
}

// DropRunItem removes an adult the run has nothing to certify for (the
// payment was reversed since the run started).
func (s *Store) DropRunItem(ctx context.Context, installationID, runID, adultID int64) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM certificate_run_items WHERE installation_id = $1 AND run_id = $2 AND adult_id = $3`,
		installationID, runID, adultID)
	if err != nil {
		return fmt.Errorf("certificate run %d item: %w", runID, err)
	}
	return nil
}

// EachRunCertificate calls fn with each certificate the run issued or
// found current, by paying adult, reading them pageSize at a time along the
// run's primary key: the ZIP of a large city's run (a certificate with its
// content per paying adult) is never held whole in memory. An error of fn
// stops the walk and is returned as is.
func (s *Store) EachRunCertificate(ctx context.Context, installationID, runID int64, pageSize int, fn func(Certificate) error) error {
	var after int64 // adult IDs are positive
	for {
		var page []struct {
			Certificate
			ItemAdult int64 `db:"item_adult_id"`
		}
		err := s.db.SelectContext(ctx, &page, `SELECT i.adult_id AS item_adult_id, `+certificateColumns+` FROM certificate_run_items i
			JOIN certificates c ON c.installation_id = i.installation_id AND c.id = i.certificate_id
			WHERE i.installation_id = $1 AND i.run_id = $2 AND i.adult_id > $3
			ORDER BY i.adult_id LIMIT $4`, installationID, runID, after, pageSize)
		if err != nil {
			return fmt.Errorf("certificates of run %d: %w", runID, err)
		}
		for _, c := range page {
			if err := fn(c.Certificate); err != nil {
				return err
			}
		}
		if len(page) < pageSize {
			return nil
		}
		after = page[len(page)-1].ItemAdult
	}
}
