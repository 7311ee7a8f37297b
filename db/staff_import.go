package db

import (
	"context"
	"errors"
	"fmt"

	"portalegenitori/internal/registryimport"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// ImportRow is one validated line of a registry and enrollments CSV: a
// child, one of its adults and, optionally, an enrollment.
type ImportRow = registryimport.Row

// RowError is a line the database refused.
type RowError struct {
	Line int
	Err  error
}

func (e RowError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }

// ImportResult counts what an import wrote (or would write).
type ImportResult struct {
	Adults, Children, Enrollments int
	Rejected                      []RowError
}

// ImportRegistry writes the rows in one transaction: adults and children are
// matched by codice fiscale (created or updated), the adult becomes the
// paying adult or a guardian, and the enrollment is added unless the same
// one (child, service, start) exists. All or nothing: the first refused row
// rolls everything back and is returned as a RowError. With dryRun every row
// is tried (each in a savepoint), every refusal is listed in Rejected, and
// the transaction is always rolled back.
func (s *Store) ImportRegistry(ctx context.Context, installationID int64, rows []ImportRow, dryRun bool) (ImportResult, error) {
	var res ImportResult
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return res, fmt.Errorf("begin import: %w", err)
	}
	defer tx.Rollback()
	// one import at a time per installation: two clerks importing the same
	// file would otherwise race on the same people
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7007, $1::int)`, installationID); err != nil {
		return res, fmt.Errorf("lock import: %w", err)
	}
	seenAdult, seenChild := map[string]bool{}, map[string]bool{}
	for _, r := range rows {
		if dryRun {
			if _, err := tx.ExecContext(ctx, `SAVEPOINT import_row`); err != nil {
				return res, err
			}
		}
		enrolled, err := importRow(ctx, tx, installationID, r)
		if err != nil {
			if !dryRun {
				return ImportResult{}, RowError{Line: r.Line, Err: friendlyImportError(err)}
			}
			res.Rejected = append(res.Rejected, RowError{Line: r.Line, Err: friendlyImportError(err)})
			if _, err := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT import_row`); err != nil {
				return res, err
			}
			continue
		}
		if !seenAdult[r.AdultCF] {
			seenAdult[r.AdultCF] = true
			res.Adults++
		}
		if !seenChild[r.ChildCF] {
			seenChild[r.ChildCF] = true
			res.Children++
		}
		if enrolled {
			res.Enrollments++
		}
	}
	if dryRun {
		return res, nil
	}
	if err := tx.Commit(); err != nil {
		return ImportResult{}, fmt.Errorf("commit import: %w", err)
	}
	return res, nil
}

// ErrImportPayer: the child already has another paying adult in this file.
var ErrImportPayer = errors.New("another paying adult for the same child")

func importRow(ctx context.Context, tx *sqlx.Tx, inst int64, r ImportRow) (bool, error) {
	var adultID, childID int64
	if err := tx.GetContext(ctx, &adultID, `
		INSERT INTO adults (installation_id, fiscal_code, first_name, last_name, email, mobile)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (installation_id, fiscal_code) DO UPDATE
		SET first_name = EXCLUDED.first_name, last_name = EXCLUDED.last_name,
		    email = CASE WHEN EXCLUDED.email = '' THEN adults.email ELSE EXCLUDED.email END,
		    mobile = CASE WHEN EXCLUDED.mobile = '' THEN adults.mobile ELSE EXCLUDED.mobile END, updated_at = now()
		RETURNING id`, inst, r.AdultCF, r.AdultFirst, r.AdultLast, r.Email, r.Mobile); err != nil {
		return false, fmt.Errorf("adult: %w", err)
	}
	if err := tx.GetContext(ctx, &childID, `
		INSERT INTO children (installation_id, fiscal_code, first_name, last_name, birth_date, school_id, class_name)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (installation_id, fiscal_code) DO UPDATE
		SET first_name = EXCLUDED.first_name, last_name = EXCLUDED.last_name, birth_date = EXCLUDED.birth_date,
		    school_id = EXCLUDED.school_id, class_name = EXCLUDED.class_name
		RETURNING id`, inst, r.ChildCF, r.ChildFirst, r.ChildLast, r.ChildBirth, r.SchoolID, r.Class); err != nil {
		return false, fmt.Errorf("child: %w", err)
	}
	if r.Role == "payer" {
		// the file names the paying adult: a previous payer becomes a guardian
		if _, err := tx.ExecContext(ctx, `UPDATE guardianships SET role = 'guardian'
			WHERE installation_id = $1 AND child_id = $2 AND role = 'payer' AND adult_id <> $3`, inst, childID, adultID); err != nil {
			return false, err
		}
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO guardianships (installation_id, child_id, adult_id, role) VALUES ($1, $2, $3, $4)
		ON CONFLICT (installation_id, child_id, adult_id) DO UPDATE SET role = EXCLUDED.role`,
		inst, childID, adultID, r.Role); err != nil {
		return false, fmt.Errorf("guardianship: %w", err)
	}
	if r.ServiceID == 0 {
		return false, nil
	}
	var exists bool
	if err := tx.GetContext(ctx, &exists, `SELECT EXISTS (SELECT 1 FROM enrollments WHERE installation_id = $1 AND child_id = $2
		AND service_id = $3 AND starts_on = $4)`, inst, childID, r.ServiceID, r.From); err != nil {
		return false, err
	}
	if exists {
		return false, nil
	}
	if _, err := addEnrollment(ctx, tx, NewEnrollment{InstallationID: inst, ChildID: childID, ServiceID: r.ServiceID, DietID: r.DietID,
		StartsOn: r.From, EndsOn: r.To, TariffName: r.TariffName, TariffCents: r.TariffCents, Billing: r.Billing}); err != nil {
		return false, err
	}
	return true, nil
}

// friendlyImportError names the constraint a row broke.
func friendlyImportError(err error) error {
	var pqe *pq.Error
	if errors.As(err, &pqe) {
		switch pqe.Constraint {
		case "guardianships_one_payer":
			return ErrImportPayer
		}
		switch pqe.Code {
		case "23514":
			return fmt.Errorf("value out of range (%s)", pqe.Constraint)
		case "23503":
			return fmt.Errorf("reference to something that does not exist (%s)", pqe.Constraint)
		case "23505":
			return fmt.Errorf("duplicate (%s)", pqe.Constraint)
		}
	}
	return err
}
