package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// ErrLastAdmin means a change would leave the installation without an
// active administrator: nobody could then manage the staff.
var ErrLastAdmin = errors.New("the installation's last active administrator")

// --- staff accounts, managed by the administrator ---

// NewStaffAccount is a staff account created from the members page. The
// password is a generated temporary one, changed at the first sign-in.
type NewStaffAccount struct {
	InstallationID int64
	Username       string
	DisplayName    string
	Role           string // "staff" or "admin"
	PasswordHash   string
	Permissions    []string // StaffPermissions
}

// CreateStaffAccount adds a staff account; ErrUsernameTaken when the
// username exists in the installation.
func (s *Store) CreateStaffAccount(ctx context.Context, a NewStaffAccount) (int64, error) {
	var id int64
	err := s.WithTx(ctx, func(tx *sqlx.Tx) error {
		err := tx.GetContext(ctx, &id, `
			INSERT INTO accounts (installation_id, username, password_hash, must_change_password, role, display_name)
			VALUES ($1, $2, $3, true, $4, $5) RETURNING id`,
			a.InstallationID, a.Username, a.PasswordHash, a.Role, a.DisplayName)
		if uniqueViolation(err) {
			return ErrUsernameTaken
		}
		if err != nil {
			return fmt.Errorf("create staff account: %w", err)
		}
		return setStaffPermissions(ctx, tx, a.InstallationID, id, a.Permissions)
	})
	return id, err
}

// SetStaffRole changes a staff account's role. ErrNotFound for an account
// that is not staff of the installation; ErrLastAdmin when it would demote
// the last active administrator.
func (s *Store) SetStaffRole(ctx context.Context, installationID, accountID int64, role string) error {
	return s.changeStaff(ctx, installationID, accountID, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE accounts SET role = $3 WHERE installation_id = $1 AND id = $2`,
			installationID, accountID, role)
		return err
	}, role == "admin")
}

// SetStaffActive disables (and signs out) or re-enables a staff account.
// ErrLastAdmin when it would disable the last active administrator.
func (s *Store) SetStaffActive(ctx context.Context, installationID, accountID int64, active bool) error {
	return s.changeStaff(ctx, installationID, accountID, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE accounts SET locked_at = CASE WHEN $3 THEN NULL ELSE now() END
			WHERE installation_id = $1 AND id = $2`, installationID, accountID, active); err != nil {
			return err
		}
		if active {
			return nil
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE installation_id = $1 AND account_id = $2`, installationID, accountID)
		return err
	}, active)
}

// changeStaff applies change to a staff account in one transaction that
// first locks the installation's administrators, so two administrators
// demoting each other at once cannot both succeed. keepsAdmin: the change
// cannot reduce the number of active administrators.
func (s *Store) changeStaff(ctx context.Context, installationID, accountID int64, change func(*sqlx.Tx) error, keepsAdmin bool) error {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("staff change: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	var admins []struct {
		ID     int64 `db:"id"`
		Active bool  `db:"active"`
	}
	if err := tx.SelectContext(ctx, &admins, `
		SELECT id, locked_at IS NULL AND closed_at IS NULL AS active FROM accounts
		WHERE installation_id = $1 AND role = 'admin' ORDER BY id FOR UPDATE`, installationID); err != nil {
		return fmt.Errorf("staff change: lock administrators: %w", err)
	}
	var role string
	err = tx.GetContext(ctx, &role, `SELECT role FROM accounts WHERE installation_id = $1 AND id = $2 FOR UPDATE`, installationID, accountID)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && role != "staff" && role != "admin") {
		return fmt.Errorf("staff change: account %d: %w", accountID, ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("staff change: %w", err)
	}
	if err := change(tx); err != nil {
		return fmt.Errorf("staff change: %w", err)
	}
	if !keepsAdmin {
		var active int
		if err := tx.GetContext(ctx, &active, `SELECT count(*) FROM accounts WHERE installation_id = $1 AND role = 'admin'
			AND locked_at IS NULL AND closed_at IS NULL`, installationID); err != nil {
			return fmt.Errorf("staff change: count administrators: %w", err)
		}
		if active == 0 {
			return ErrLastAdmin
		}
	}
	return wrap("staff change: commit", tx.Commit())
}

// --- recovery codes of the second factor (staff_recovery_codes, 00022) ---

// RecoveryCode is one stored recovery code: its slot and argon2id hash.
type RecoveryCode struct {
	Slot     int    `db:"slot"`
	Selector string `db:"selector"`
	Hash     string `db:"code_hash"`
}

// ReplaceRecoveryCodes stores a new set of hashed codes in place of the old
// ones (used or not), in one transaction.
func (s *Store) ReplaceRecoveryCodes(ctx context.Context, installationID, accountID int64, codes []RecoveryCode) error {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("recovery codes: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, `DELETE FROM staff_recovery_codes WHERE installation_id = $1 AND account_id = $2`,
		installationID, accountID); err != nil {
		return fmt.Errorf("recovery codes: %w", err)
	}
	for i, c := range codes {
		if _, err := tx.ExecContext(ctx, `INSERT INTO staff_recovery_codes (installation_id, account_id, slot, selector, code_hash)
			VALUES ($1, $2, $3, $4, $5)`, installationID, accountID, i+1, c.Selector, c.Hash); err != nil {
			return fmt.Errorf("recovery codes: %w", err)
		}
	}
	return wrap("recovery codes: commit", tx.Commit())
}

// UnusedRecoveryCode finds the account's unused code with a selector, or
// ErrNotFound.
func (s *Store) UnusedRecoveryCode(ctx context.Context, installationID, accountID int64, selector string) (*RecoveryCode, error) {
	var c RecoveryCode
	err := s.db.GetContext(ctx, &c, `SELECT slot, selector, code_hash FROM staff_recovery_codes
		WHERE installation_id = $1 AND account_id = $2 AND selector = $3 AND used_at IS NULL`, installationID, accountID, selector)
	if err != nil {
		return nil, fmt.Errorf("recovery code of account %d: %w", accountID, notFound(err))
	}
	return &c, nil
}

// UseRecoveryCode spends a code: false when it was spent meanwhile (two
// requests with the same code: one wins). left is how many remain unused.
func (s *Store) UseRecoveryCode(ctx context.Context, installationID, accountID int64, slot int) (ok bool, left int, err error) {
	res, err := s.db.ExecContext(ctx, `UPDATE staff_recovery_codes SET used_at = now()
		WHERE installation_id = $1 AND account_id = $2 AND slot = $3 AND used_at IS NULL`, installationID, accountID, slot)
	if err != nil {
		return false, 0, fmt.Errorf("use recovery code: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return false, 0, nil
	}
	left, err = s.RecoveryCodesLeft(ctx, installationID, accountID)
	return true, left, err
}

// RecoveryCodesLeft counts an account's unused recovery codes.
func (s *Store) RecoveryCodesLeft(ctx context.Context, installationID, accountID int64) (int, error) {
	var n int
	err := s.db.GetContext(ctx, &n, `SELECT count(*) FROM staff_recovery_codes
		WHERE installation_id = $1 AND account_id = $2 AND used_at IS NULL`, installationID, accountID)
	return n, wrap("recovery codes left", err)
}

// StaffSecondFactor is the state of a staff account's second factor, for
// the administrator's list.
type StaffSecondFactor struct {
	AccountID int64 `db:"account_id"`
	Enrolled  bool  `db:"enrolled"`
	CodesLeft int   `db:"codes_left"`
}

// StaffSecondFactors maps each staff account with a second factor to its
// state.
func (s *Store) StaffSecondFactors(ctx context.Context, installationID int64) (map[int64]StaffSecondFactor, error) {
	var list []StaffSecondFactor
	err := s.db.SelectContext(ctx, &list, `
		SELECT t.account_id, t.enrolled_at IS NOT NULL AS enrolled,
		       (SELECT count(*) FROM staff_recovery_codes r WHERE r.installation_id = t.installation_id
		          AND r.account_id = t.account_id AND r.used_at IS NULL) AS codes_left
		FROM staff_totp t WHERE t.installation_id = $1`, installationID)
	if err != nil {
		return nil, fmt.Errorf("staff second factors: %w", err)
	}
	m := make(map[int64]StaffSecondFactor, len(list))
	for _, f := range list {
		m[f.AccountID] = f
	}
	return m, nil
}
