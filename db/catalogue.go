package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Errors of the catalogue.
var (
	// ErrInUse: a school, service or diet still serves children today or
	// later, so it cannot be retired.
	ErrInUse = errors.New("still in use")
	// ErrReferenced: something in the history refers to it: retire it
	// instead of deleting it.
	ErrReferenced = errors.New("referenced by the history")
	// ErrPastClosure: a closure day in the past is history.
	ErrPastClosure = errors.New("closure day in the past")
)

// CatalogueItem is a school, a service or a diet, for the catalogue page.
type CatalogueItem struct {
	ID        int64        `db:"id"`
	Name      string       `db:"name"`
	Kind      string       `db:"kind"`
	RetiredAt sql.NullTime `db:"retired_at"`
	InUse     int          `db:"in_use"`     // children served from today on
	Refs      int          `db:"referenced"` // rows of the history that name it
}

// catalogueTables whitelists the tables and says how each is used: now
// (children served today or later) and ever (any reference).
var catalogueTables = map[string]struct{ table, kind, inUse, refs string }{
	"school": {"schools", "''",
		`(SELECT count(*) FROM children c WHERE c.installation_id = t.installation_id AND c.school_id = t.id
		   AND EXISTS (SELECT 1 FROM enrollments e WHERE e.installation_id = c.installation_id AND e.child_id = c.id AND e.ends_on >= $2))`,
		`(SELECT count(*) FROM children c WHERE c.installation_id = t.installation_id AND c.school_id = t.id)`},
	"service": {"services", "t.kind",
		`(SELECT count(*) FROM enrollments e WHERE e.installation_id = t.installation_id AND e.service_id = t.id AND e.ends_on >= $2 AND e.ends_on >= e.starts_on)`,
		`(SELECT count(*) FROM enrollments e WHERE e.installation_id = t.installation_id AND e.service_id = t.id)
		 + (SELECT count(*) FROM ledger_entries l WHERE l.installation_id = t.installation_id AND l.service_id = t.id)`},
	"diet": {"diets", "''",
		`(SELECT count(*) FROM enrollments e WHERE e.installation_id = t.installation_id AND e.diet_id = t.id AND e.ends_on >= $2 AND e.ends_on >= e.starts_on)`,
		`(SELECT count(*) FROM enrollments e WHERE e.installation_id = t.installation_id AND e.diet_id = t.id)`},
}

// CatalogueItems lists every school, service or diet (what), retired ones
// last, with how much each is used.
func (s *Store) CatalogueItems(ctx context.Context, installationID int64, what string, today time.Time) ([]CatalogueItem, error) {
	t, ok := catalogueTables[what]
	if !ok {
		return nil, fmt.Errorf("catalogue %q: %w", what, ErrNotFound)
	}
	var out []CatalogueItem
	err := s.db.SelectContext(ctx, &out, `SELECT t.id, t.name, `+t.kind+` AS kind, t.retired_at, `+t.inUse+` AS in_use, `+t.refs+` AS referenced
		FROM `+t.table+` t WHERE t.installation_id = $1 ORDER BY t.retired_at IS NOT NULL, t.name, t.id`, installationID, today)
	return out, wrap("catalogue "+what, err)
}

// RenameCatalogue renames a school, a service or a diet.
func (s *Store) RenameCatalogue(ctx context.Context, installationID int64, what string, id int64, name string) error {
	t, ok := catalogueTables[what]
	if !ok {
		return fmt.Errorf("catalogue %q: %w", what, ErrNotFound)
	}
	res, err := s.db.ExecContext(ctx, `UPDATE `+t.table+` SET name = $3 WHERE installation_id = $1 AND id = $2`, installationID, id, name)
	return affectedOne(res, err, "rename "+what)
}

// RetireCatalogue retires (or restores) a school, a service or a diet.
// ErrInUse when it still serves children from today on: end those
// enrollments first. The check and the change are one transaction that
// locks the row, so an enrollment added meanwhile is seen.
func (s *Store) RetireCatalogue(ctx context.Context, installationID int64, what string, id int64, retire bool, today time.Time) (inUse int, err error) {
	t, ok := catalogueTables[what]
	if !ok {
		return 0, fmt.Errorf("catalogue %q: %w", what, ErrNotFound)
	}
	err = s.WithTx(ctx, func(tx *sqlx.Tx) error {
		var it CatalogueItem
		if err := tx.GetContext(ctx, &it, `SELECT t.id, t.name, '' AS kind, t.retired_at, `+t.inUse+` AS in_use, 0 AS referenced
			FROM `+t.table+` t WHERE t.installation_id = $1 AND t.id = $3 FOR UPDATE`, installationID, today, id); err != nil {
			return fmt.Errorf("retire %s %d: %w", what, id, notFound(err))
		}
		if retire && it.InUse > 0 {
			inUse = it.InUse
			return ErrInUse
		}
		_, err := tx.ExecContext(ctx, `UPDATE `+t.table+` SET retired_at = CASE WHEN $3 THEN now() END WHERE installation_id = $1 AND id = $2`,
			installationID, id, retire)
		return wrap("retire "+what, err)
	})
	return inUse, err
}

// DeleteCatalogue deletes a school, a service or a diet that nothing refers
// to (one added by mistake); ErrReferenced otherwise.
func (s *Store) DeleteCatalogue(ctx context.Context, installationID int64, what string, id int64) error {
	t, ok := catalogueTables[what]
	if !ok {
		return fmt.Errorf("catalogue %q: %w", what, ErrNotFound)
	}
	res, err := s.db.ExecContext(ctx, `DELETE FROM `+t.table+` WHERE installation_id = $1 AND id = $2`, installationID, id)
	if fkViolation(err) {
		return ErrReferenced
	}
	return affectedOne(res, err, "delete "+what)
}

func fkViolation(err error) bool {
	var pqe *pq.Error
	return errors.As(err, &pqe) && pqe.Code == "23503"
}

func affectedOne(res sql.Result, err error, what string) error {
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return nil
}

// --- closure days (holidays, strikes) ---

// ClosureDay is a day the services are closed.
type ClosureDay struct {
	Day         time.Time `db:"day"`
	Description string    `db:"description"`
}

// ClosureDays lists the closure days from a day on.
func (s *Store) ClosureDays(ctx context.Context, installationID int64, from time.Time) ([]ClosureDay, error) {
	var out []ClosureDay
	err := s.db.SelectContext(ctx, &out, `SELECT day, description FROM closures WHERE installation_id = $1 AND day >= $2 ORDER BY day`,
		installationID, from)
	return out, wrap("closure days", err)
}

// AddClosureDay closes the services on a day (or renames an existing
// closure). Closing a day removes what was recorded for it and reverses its
// charges, in the same transaction: nothing is charged on a closed day.
func (s *Store) AddClosureDay(ctx context.Context, installationID int64, day time.Time, description string, by int64, today time.Time) (reversed int, err error) {
	err = s.WithTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO closures (installation_id, day, description) VALUES ($1, $2, $3)
			ON CONFLICT (installation_id, day) DO UPDATE SET description = EXCLUDED.description`, installationID, day, description); err != nil {
			return fmt.Errorf("add closure: %w", err)
		}
		if err := tx.GetContext(ctx, &reversed, `
			WITH live AS (
				SELECT l.id, l.adult_id, l.amount_cents, l.child_id, l.service_id FROM ledger_entries l
				WHERE l.installation_id = $1 AND l.attendance_day = $2 AND l.kind = 'charge'
				  AND NOT EXISTS (SELECT 1 FROM ledger_entries r WHERE r.installation_id = l.installation_id AND r.reverses_id = l.id)
			), ins AS (
				INSERT INTO ledger_entries (installation_id, adult_id, kind, amount_cents, entry_date, child_id, service_id,
					attendance_day, reason, reverses_id, created_by, idempotency_key)
				SELECT $1, adult_id, 'refund', -amount_cents, $3, child_id, service_id, $2, $4, id, $5, 'rev:' || id FROM live ORDER BY id
				ON CONFLICT (installation_id, idempotency_key) DO NOTHING RETURNING 1)
			SELECT count(*) FROM ins`, installationID, day, today, "Servizio chiuso: "+description, by); err != nil {
			return fmt.Errorf("reverse charges of a closed day: %w", err)
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM attendance WHERE installation_id = $1 AND day = $2`, installationID, day)
		return wrap("clear a closed day", err)
	})
	return reversed, err
}

// RemoveClosureDay opens again a closure day from today on; a past one is
// history (ErrPastClosure).
func (s *Store) RemoveClosureDay(ctx context.Context, installationID int64, day, today time.Time) error {
	if day.Before(today) {
		return ErrPastClosure
	}
	res, err := s.db.ExecContext(ctx, `DELETE FROM closures WHERE installation_id = $1 AND day = $2`, installationID, day)
	return affectedOne(res, err, "remove closure")
}
