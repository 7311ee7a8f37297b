package db

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// MethodUse is a way the account has signed in, and when last.
type MethodUse struct {
	Method string    `db:"method"`
	LastAt time.Time `db:"last_at"`
}

// SignInMethods lists the methods the account signed in with (from the
// audit log), the most recent first.
func (s *Store) SignInMethods(ctx context.Context, installationID, accountID int64) ([]MethodUse, error) {
	var out []MethodUse
	err := s.db.SelectContext(ctx, &out, `
		SELECT coalesce(detail->>'method', 'password') AS method, max(at) AS last_at FROM audit_log
		WHERE installation_id = $1 AND account_id = $2 AND action = 'login' AND outcome = 'success'
		GROUP BY 1 ORDER BY 2 DESC`, installationID, accountID)
	if err != nil {
		return nil, fmt.Errorf("sign-in methods of account %d: %w", accountID, err)
	}
	return out, nil
}

// SetAccountLang stores the language the holder chose, for pages and messages.
func (s *Store) SetAccountLang(ctx context.Context, installationID, accountID int64, lang string) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE accounts SET lang = $3, lang_chosen = true WHERE installation_id = $1 AND id = $2`,
		installationID, accountID, lang); err != nil {
		return fmt.Errorf("set language: %w", err)
	}
	return nil
}

// ContactChange is a change of e-mail or mobile waiting for its proof.
type ContactChange struct {
	InstallationID int64          `db:"installation_id"`
	ID             int64          `db:"id"`
	AccountID      int64          `db:"account_id"`
	Channel        string         `db:"channel"`
	NewValue       string         `db:"new_value"`
	TokenHash      []byte         `db:"token_hash"`
	CodeHash       sql.NullString `db:"code_hash"`
	Attempts       int            `db:"attempts"`
	CreatedAt      time.Time      `db:"created_at"`
	ExpiresAt      time.Time      `db:"expires_at"`
	UsedAt         sql.NullTime   `db:"used_at"`
}

// Open tells whether the change can still be confirmed.
func (c *ContactChange) Open(now time.Time) bool { return !c.UsedAt.Valid && now.Before(c.ExpiresAt) }

// StartContactChange records a change waiting for proof, ending the earlier
// open ones of the same channel, and calls enqueue (the job that sends the
// proof) in the same transaction.
func (s *Store) StartContactChange(ctx context.Context, installationID, accountID int64, channel, value string, ttl time.Duration,
	enqueue func(ctx context.Context, tx *sql.Tx, id int64) error) (int64, error) {
	var id int64
	err := s.WithTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE contact_changes SET expires_at = least(expires_at, now())
			WHERE installation_id = $1 AND account_id = $2 AND channel = $3 AND used_at IS NULL`, installationID, accountID, channel); err != nil {
			return err
		}
		if err := tx.GetContext(ctx, &id, `INSERT INTO contact_changes (installation_id, account_id, channel, new_value, expires_at)
			VALUES ($1, $2, $3, $4, now() + $5 * interval '1 second') RETURNING id`,
			installationID, accountID, channel, value, ttl.Seconds()); err != nil {
			return err
		}
		return enqueue(ctx, tx.Tx, id)
	})
	if err != nil {
		return 0, fmt.Errorf("start contact change: %w", err)
	}
	return id, nil
}

// ContactChangeByID loads a change of the account.
func (s *Store) ContactChangeByID(ctx context.Context, installationID, id int64) (*ContactChange, error) {
	var c ContactChange
	if err := s.db.GetContext(ctx, &c, `SELECT * FROM contact_changes WHERE installation_id = $1 AND id = $2`, installationID, id); err != nil {
		return nil, fmt.Errorf("contact change %d: %w", id, notFound(err))
	}
	return &c, nil
}

// SetContactSecret stores the hash of the proof made at send time; false
// when the change is no longer open (nothing to send).
func (s *Store) SetContactSecret(ctx context.Context, installationID, id int64, tokenHash []byte, codeHash string) (bool, error) {
	var code any
	if codeHash != "" {
		code = codeHash
	}
	res, err := s.db.ExecContext(ctx, `UPDATE contact_changes SET token_hash = $3, code_hash = $4, attempts = 0
		WHERE installation_id = $1 AND id = $2 AND used_at IS NULL AND expires_at > now()`, installationID, id, tokenHash, code)
	if err != nil {
		return false, fmt.Errorf("set contact proof: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// OpenSMSChange is the account's latest open change of mobile, if any.
func (s *Store) OpenSMSChange(ctx context.Context, installationID, accountID int64) (*ContactChange, error) {
	var c ContactChange
	err := s.db.GetContext(ctx, &c, `SELECT * FROM contact_changes
		WHERE installation_id = $1 AND account_id = $2 AND channel = 'sms' AND used_at IS NULL AND expires_at > now()
		ORDER BY id DESC LIMIT 1`, installationID, accountID)
	if err != nil {
		return nil, fmt.Errorf("open mobile change: %w", notFound(err))
	}
	return &c, nil
}

// ContactChangeByToken finds the open e-mail change of a link token's hash.
func (s *Store) ContactChangeByToken(ctx context.Context, installationID int64, tokenHash []byte) (*ContactChange, error) {
	var c ContactChange
	err := s.db.GetContext(ctx, &c, `SELECT * FROM contact_changes
		WHERE installation_id = $1 AND token_hash = $2 AND used_at IS NULL AND expires_at > now()`, installationID, tokenHash)
	if err != nil {
		return nil, fmt.Errorf("contact change by token: %w", notFound(err))
	}
	return &c, nil
}

// WrongContactCode counts a wrong code; after max the change is closed.
func (s *Store) WrongContactCode(ctx context.Context, installationID, id int64, max int) error {
	_, err := s.db.ExecContext(ctx, `UPDATE contact_changes SET attempts = attempts + 1,
		expires_at = CASE WHEN attempts + 1 >= $3 THEN least(expires_at, now()) ELSE expires_at END
		WHERE installation_id = $1 AND id = $2`, installationID, id, max)
	if err != nil {
		return fmt.Errorf("wrong contact code: %w", err)
	}
	return nil
}

// ApplyContactChange uses the open change once: the new contact replaces
// the one the portal uses (the registry adult's for a linked account, the
// account's own otherwise), and notice (the message to the old contact) is
// enqueued in the same transaction. ErrNotFound when it is no longer open.
func (s *Store) ApplyContactChange(ctx context.Context, installationID, accountID, id int64,
	notice func(ctx context.Context, tx *sql.Tx, channel, old, new string) error) error {
	return s.WithTx(ctx, func(tx *sqlx.Tx) error {
		var c ContactChange
		if err := tx.GetContext(ctx, &c, `UPDATE contact_changes SET used_at = now()
			WHERE installation_id = $1 AND account_id = $2 AND id = $3 AND used_at IS NULL AND expires_at > now()
			RETURNING *`, installationID, accountID, id); err != nil {
			return fmt.Errorf("apply contact change: %w", notFound(err))
		}
		col := "email"
		if c.Channel == "sms" {
			col = "mobile"
		}
		var acc Account
		if err := tx.GetContext(ctx, &acc, `SELECT * FROM accounts WHERE installation_id = $1 AND id = $2 FOR UPDATE`, installationID, accountID); err != nil {
			return fmt.Errorf("apply contact change: %w", notFound(err))
		}
		var old string
		if acc.AdultID.Valid {
			if err := tx.GetContext(ctx, &old, `SELECT `+col+` FROM adults WHERE installation_id = $1 AND id = $2 FOR UPDATE`,
				installationID, acc.AdultID.Int64); err != nil {
				return fmt.Errorf("apply contact change: %w", err)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE adults SET `+col+` = $3 WHERE installation_id = $1 AND id = $2`,
				installationID, acc.AdultID.Int64, c.NewValue); err != nil {
				return fmt.Errorf("apply contact change: %w", err)
			}
		} else {
			old = acc.Email
			if c.Channel == "sms" {
				old = acc.Mobile
			}
			if _, err := tx.ExecContext(ctx, `UPDATE accounts SET `+col+` = $3 WHERE installation_id = $1 AND id = $2`,
				installationID, accountID, c.NewValue); err != nil {
				return fmt.Errorf("apply contact change: %w", err)
			}
		}
		return notice(ctx, tx.Tx, c.Channel, old, c.NewValue)
	})
}

// AdultWithPayer loads a registry adult with whether they are the paying
// adult of at least one child.
func (s *Store) AdultWithPayer(ctx context.Context, installationID, id int64) (*Adult, bool, error) {
	var row struct {
		Adult
		Payer bool `db:"payer"`
	}
	err := s.db.GetContext(ctx, &row, `
		SELECT a.installation_id, a.id, a.fiscal_code, a.first_name, a.last_name, a.email, a.mobile,
		       EXISTS (SELECT 1 FROM guardianships g
		               WHERE g.installation_id = a.installation_id AND g.adult_id = a.id AND g.role = 'payer') AS payer
		FROM adults a WHERE a.installation_id = $1 AND a.id = $2`, installationID, id)
	if err != nil {
		return nil, false, fmt.Errorf("adult %d: %w", id, notFound(err))
	}
	return &row.Adult, row.Payer, nil
}

// SignIn is one sign-in event of the account (audit log).
type SignIn struct {
	At      time.Time `db:"at" json:"at"`
	Outcome string    `db:"outcome" json:"outcome"`
	Method  string    `db:"method" json:"method"`
	IP      string    `db:"ip" json:"ip"`
}

// SignInHistory lists the account's sign-ins and sign-outs, newest first.
func (s *Store) SignInHistory(ctx context.Context, installationID, accountID int64) ([]SignIn, error) {
	var out []SignIn
	err := s.db.SelectContext(ctx, &out, `
		SELECT at, action || ':' || outcome AS outcome, coalesce(detail->>'method', '') AS method, ip FROM audit_log
		WHERE installation_id = $1 AND account_id = $2 AND action IN ('login', 'logout', 'login_second_factor')
		ORDER BY at DESC, id DESC`, installationID, accountID)
	if err != nil {
		return nil, fmt.Errorf("sign-in history of account %d: %w", accountID, err)
	}
	return out, nil
}
