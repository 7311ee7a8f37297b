package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/lib/pq"
)

// Conflicts of a registration, both matching ErrConflict.
var (
	ErrUsernameTaken = fmt.Errorf("username taken: %w", ErrConflict)
	ErrAccountExists = fmt.Errorf("fiscal code already has an account: %w", ErrConflict)
)

// AdultByFiscalCode finds the registry adult with that (normalised) codice
// fiscale, with whether they are the paying adult of at least one child.
func (s *Store) AdultByFiscalCode(ctx context.Context, installationID int64, cf string) (*Adult, bool, error) {
	var row struct {
		Adult
		Payer bool `db:"payer"`
	}
	err := s.db.GetContext(ctx, &row, `
		SELECT a.installation_id, a.id, a.fiscal_code, a.first_name, a.last_name, a.email, a.mobile,
		       EXISTS (SELECT 1 FROM guardianships g
		               WHERE g.installation_id = a.installation_id AND g.adult_id = a.id AND g.role = 'payer') AS payer
		FROM adults a WHERE a.installation_id = $1 AND a.fiscal_code = $2`, installationID, cf)
	if err != nil {
		return nil, false, fmt.Errorf("adult by fiscal code: %w", notFound(err))
	}
	return &row.Adult, row.Payer, nil
}

// AccountExistsFor tells whether an account is already linked (proven) with
// the codice fiscale, or to the adult (adultID 0: none). Accounts waiting
// for their link do not count: a claim must not lock the real parent out.
func (s *Store) AccountExistsFor(ctx context.Context, installationID int64, cf string, adultID int64) (bool, error) {
	var exists bool
	err := s.db.GetContext(ctx, &exists, `
		SELECT EXISTS (SELECT 1 FROM accounts WHERE installation_id = $1
		               AND (linked_fiscal_code = $2 OR ($3 <> 0 AND adult_id = $3)))`,
		installationID, cf, adultID)
	if err != nil {
		return false, fmt.Errorf("account exists for fiscal code: %w", err)
	}
	return exists, nil
}

// UsernameTaken tells whether the username exists in the installation,
// case-insensitively.
func (s *Store) UsernameTaken(ctx context.Context, installationID int64, username string) (bool, error) {
	var taken bool
	err := s.db.GetContext(ctx, &taken,
		`SELECT EXISTS (SELECT 1 FROM accounts WHERE installation_id = $1 AND lower(username) = lower($2))`,
		installationID, username)
	if err != nil {
		return false, fmt.Errorf("username taken: %w", err)
	}
	return taken, nil
}

// NewAccount is a self-registered account. PasswordHash empty means the
// password is generated (and its hash stored) by the delivery job. It is
// never linked to the registry when created: a FiscalCode given makes a
// link request (link.go), with Claim as its evidence.
type NewAccount struct {
	InstallationID     int64
	Username           string
	PasswordHash       string
	FiscalCode         string
	Claim              *LinkClaim
	DisplayName        string
	Email, Mobile      string
	SecurityQuestion   string
	SecurityAnswerHash string
	Lang               string
}

// CreateAccount inserts the account and, in the same transaction, calls
// after (which enqueues the delivery job), so the account exists if and only
// if its message will be sent. A taken username or an existing account for
// the CF, including one created by a concurrent request, comes back as
// ErrUsernameTaken or ErrAccountExists.
func (s *Store) CreateAccount(ctx context.Context, a NewAccount, after func(ctx context.Context, tx *sql.Tx, accountID int64) error) (int64, error) {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	var hash any
	if a.PasswordHash != "" {
		hash = a.PasswordHash
	}
	var id int64
	err = tx.GetContext(ctx, &id, `
		INSERT INTO accounts (installation_id, username, password_hash, must_change_password, role,
			display_name, email, mobile, security_question, security_answer_hash, lang, password_changed_at)
		VALUES ($1, $2, $3, $4, 'parent', $5, $6, $7, $8, $9, $10, CASE WHEN $4 THEN NULL ELSE now() END)
		RETURNING id`,
		a.InstallationID, a.Username, hash, a.PasswordHash == "", a.DisplayName,
		a.Email, a.Mobile, a.SecurityQuestion, a.SecurityAnswerHash, a.Lang)
	if err != nil {
		var pqe *pq.Error
		if errors.As(err, &pqe) && pqe.Code == "23505" {
			switch pqe.Constraint {
			case "accounts_username":
				return 0, ErrUsernameTaken
			case "accounts_adult", "accounts_linked_fiscal_code":
				return 0, ErrAccountExists
			}
		}
		return 0, fmt.Errorf("create account: %w", err)
	}
	if a.FiscalCode != "" {
		var claim LinkClaim
		if a.Claim != nil {
			claim = *a.Claim
		}
		if err := createLinkRequest(ctx, tx, a.InstallationID, id, a.FiscalCode, claim); err != nil {
			return 0, err
		}
	}
	if after != nil {
		if err := after(ctx, tx.Tx, id); err != nil {
			return 0, fmt.Errorf("create account: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("create account: commit: %w", err)
	}
	return id, nil
}

// SpendCaptcha records a used captcha solution; false means it was already
// used (a replay).
func (s *Store) SpendCaptcha(ctx context.Context, key string, expires time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx, `
		INSERT INTO captcha_spent (key, expires_at) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`, key, expires)
	if err != nil {
		return false, fmt.Errorf("spend captcha: %w", err)
	}
	n, _ := res.RowsAffected()
	if n == 1 {
		// keep the table small: forget solutions that expired anyway
		_, _ = s.db.ExecContext(ctx, `DELETE FROM captcha_spent WHERE expires_at < now() - interval '1 hour'`)
	}
	return n == 1, nil
}
