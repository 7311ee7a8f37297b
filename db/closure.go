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

// ClosureRequest is a parent's request to close the account.
type ClosureRequest struct {
	InstallationID int64         `db:"installation_id"`
	ID             int64         `db:"id"`
	AccountID      int64         `db:"account_id"`
	Reason         string        `db:"reason"`
	RequestedAt    time.Time     `db:"requested_at"`
	DecidedAt      sql.NullTime  `db:"decided_at"`
	DecidedBy      sql.NullInt64 `db:"decided_by"`
	Username       string        `db:"username"`
	Name           string        `db:"name"` // the registry adult's, or the display name
}

const closureSelect = `
	SELECT c.*, a.username, coalesce(nullif(ad.first_name || ' ' || ad.last_name, ' '), a.display_name) AS name
	FROM account_closures c
	JOIN accounts a ON a.installation_id = c.installation_id AND a.id = c.account_id
	LEFT JOIN adults ad ON ad.installation_id = a.installation_id AND ad.id = a.adult_id
	WHERE c.installation_id = $1 `

// RequestClosure records the request; ErrConflict when one is already open.
func (s *Store) RequestClosure(ctx context.Context, installationID, accountID int64, reason string) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO account_closures (installation_id, account_id, reason) VALUES ($1, $2, $3)`,
		installationID, accountID, reason)
	var pe *pq.Error
	if errors.As(err, &pe) && pe.Code == "23505" {
		return fmt.Errorf("closure request: %w", ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("closure request: %w", err)
	}
	return nil
}

// OpenClosure is the account's request waiting for the office.
func (s *Store) OpenClosure(ctx context.Context, installationID, accountID int64) (*ClosureRequest, error) {
	var c ClosureRequest
	if err := s.db.GetContext(ctx, &c, closureSelect+`AND c.account_id = $2 AND c.decided_at IS NULL`, installationID, accountID); err != nil {
		return nil, fmt.Errorf("open closure: %w", notFound(err))
	}
	return &c, nil
}

// OpenClosures lists the requests waiting for the office, oldest first.
func (s *Store) OpenClosures(ctx context.Context, installationID int64) ([]ClosureRequest, error) {
	var out []ClosureRequest
	if err := s.db.SelectContext(ctx, &out, closureSelect+`AND c.decided_at IS NULL ORDER BY c.requested_at`, installationID); err != nil {
		return nil, fmt.Errorf("open closures: %w", err)
	}
	return out, nil
}

// ConfirmClosure closes the account of an open request: the login goes
// (credentials, link to the registry, contacts given at registration,
// sessions, pending changes), the registry data stay. It returns the
// account's ID; ErrNotFound when the request is not open.
func (s *Store) ConfirmClosure(ctx context.Context, installationID, requestID, staffID int64) (int64, error) {
	var accountID int64
	err := s.WithTx(ctx, func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &accountID, `UPDATE account_closures SET decided_at = now(), decided_by = $3
			WHERE installation_id = $1 AND id = $2 AND decided_at IS NULL RETURNING account_id`,
			installationID, requestID, staffID); err != nil {
			return notFound(err)
		}
		if _, err := tx.ExecContext(ctx, `
			UPDATE accounts SET password_hash = NULL, temp_password_hash = NULL, temp_password_expires_at = NULL,
			       security_answer_hash = NULL, adult_id = NULL, linked_fiscal_code = NULL, email = '', mobile = '',
			       locked_at = now(), closed_at = now()
			WHERE installation_id = $1 AND id = $2`, installationID, accountID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE installation_id = $1 AND account_id = $2`, installationID, accountID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM contact_changes WHERE installation_id = $1 AND account_id = $2`, installationID, accountID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM cns_cards WHERE installation_id = $1 AND account_id = $2`, installationID, accountID)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("confirm closure %d: %w", requestID, err)
	}
	return accountID, nil
}
