package db

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Account is a login: a parent or a member of staff.
type Account struct {
	InstallationID     int64          `db:"installation_id"`
	ID                 int64          `db:"id"`
	Username           string         `db:"username"`
	PasswordHash       sql.NullString `db:"password_hash"`
	MustChangePassword bool           `db:"must_change_password"`
	Role               string         `db:"role"`
	AdultID            sql.NullInt64  `db:"adult_id"`
	LinkedFiscalCode   sql.NullString `db:"linked_fiscal_code"`
	DisplayName        string         `db:"display_name"`
	Email              string         `db:"email"`
	Mobile             string         `db:"mobile"`
	SecurityQuestion   string         `db:"security_question"`
	SecurityAnswerHash sql.NullString `db:"security_answer_hash"`
	FitTables          bool           `db:"fit_tables"`
	Lang               string         `db:"lang"`
	LockedAt           sql.NullTime   `db:"locked_at"`
	CreatedAt          time.Time      `db:"created_at"`
	PasswordChangedAt  sql.NullTime   `db:"password_changed_at"`
	LastLoginAt        sql.NullTime   `db:"last_login_at"`
	StaffFiscalCode    sql.NullString `db:"staff_fiscal_code"` // staff only: for SPID/CIE sign-in
	LinkProof          sql.NullString `db:"link_proof"`        // how the link to AdultID was proven (00009)
	// a temporary password (recovery, generated at registration), 00006
	TempPasswordHash      sql.NullString `db:"temp_password_hash"`
	TempPasswordExpiresAt sql.NullTime   `db:"temp_password_expires_at"`
	ClosedAt              sql.NullTime   `db:"closed_at"`   // closed at the holder's request (00014)
	LangChosen            bool           `db:"lang_chosen"` // Lang was chosen by the holder: it decides the pages
}

// IsStaff tells whether the account has a staff role.
func (a *Account) IsStaff() bool { return a.Role == "staff" || a.Role == "admin" }

// AccountByUsername finds an account of the installation, case-insensitively.
func (s *Store) AccountByUsername(ctx context.Context, installationID int64, username string) (*Account, error) {
	var a Account
	err := s.db.GetContext(ctx, &a,
		`SELECT * FROM accounts WHERE installation_id = $1 AND lower(username) = lower($2)`,
		installationID, username)
	if err != nil {
		return nil, fmt.Errorf("account by username: %w", notFound(err))
	}
	return &a, nil
}

// AccountByID loads an account of the installation.
func (s *Store) AccountByID(ctx context.Context, installationID, id int64) (*Account, error) {
	var a Account
	err := s.db.GetContext(ctx, &a,
		`SELECT * FROM accounts WHERE installation_id = $1 AND id = $2`, installationID, id)
	if err != nil {
		return nil, fmt.Errorf("account %d: %w", id, notFound(err))
	}
	return &a, nil
}

// RecordLogin stamps a successful sign-in.
func (s *Store) RecordLogin(ctx context.Context, installationID, id int64) error {
	_, err := s.db.ExecContext(ctx,
		`UPDATE accounts SET last_login_at = now() WHERE installation_id = $1 AND id = $2`, installationID, id)
	if err != nil {
		return fmt.Errorf("record login: %w", err)
	}
	return nil
}

// SetPassword stores a new password hash, clears the forced change, voids
// any temporary password or recovery link still waiting, and ends every
// session of the account except keepSession (its token hash), in one
// transaction; after (optional) runs in it too, e.g. to enqueue the notice.
func (s *Store) SetPassword(ctx context.Context, installationID, id int64, hash string, keepSession []byte, after ...func(ctx context.Context, tx *sql.Tx) error) error {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx,
		`UPDATE accounts SET password_hash = $3, must_change_password = false, password_changed_at = now(),
		        temp_password_hash = NULL, temp_password_expires_at = NULL
		 WHERE installation_id = $1 AND id = $2`, installationID, id, hash)
	if err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("set password: %w", ErrNotFound)
	}
	if _, err := tx.ExecContext(ctx,
		`DELETE FROM sessions WHERE installation_id = $1 AND account_id = $2 AND token_hash <> $3`,
		installationID, id, keepSession); err != nil {
		return fmt.Errorf("end other sessions: %w", err)
	}
	if _, err := tx.ExecContext(ctx,
		`UPDATE recovery_tokens SET used_at = now() WHERE installation_id = $1 AND account_id = $2 AND used_at IS NULL`,
		installationID, id); err != nil {
		return fmt.Errorf("void recovery links: %w", err)
	}
	for _, f := range after {
		if err := f(ctx, tx.Tx); err != nil {
			return fmt.Errorf("set password: %w", err)
		}
	}
	return tx.Commit()
}

// SetFitTables stores the "Controllo dimensioni" preference.
func (s *Store) SetFitTables(ctx context.Context, installationID, id int64, on bool) error {
	_, err := s.db.ExecContext(ctx,
		`UPDATE accounts SET fit_tables = $3 WHERE installation_id = $1 AND id = $2`, installationID, id, on)
	if err != nil {
		return fmt.Errorf("set fit tables: %w", err)
	}
	return nil
}

// LockAccount marks the account locked (too many failed sign-ins are handled
// by throttles; this is an explicit lock).
func (s *Store) LockAccount(ctx context.Context, installationID, id int64, locked bool) error {
	_, err := s.db.ExecContext(ctx,
		`UPDATE accounts SET locked_at = CASE WHEN $3 THEN now() END WHERE installation_id = $1 AND id = $2`,
		installationID, id, locked)
	if err != nil {
		return fmt.Errorf("lock account: %w", err)
	}
	return nil
}
