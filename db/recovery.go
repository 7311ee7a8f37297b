package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"portalegenitori/internal/recovery"

	"github.com/jmoiron/sqlx"
)

// Recovery ("Problemi con l'accesso"): lookups by the value a parent typed,
// the registry contacts the recovery goes to, and the one-time secrets
// (temporary password, e-mail link) whose hashes only are stored.

// ErrAmbiguous means a recovery value matches more than one account (an
// e-mail address shared by two profiles): none can be chosen.
var ErrAmbiguous = errors.New("the value matches more than one account")

// Recovery lookup keys, as chosen in the form's menu.
const (
	RecoverByFiscalCode = recovery.ByFiscalCode
	RecoverByUsername   = recovery.ByUsername
	RecoverByEmail      = recovery.ByEmail
)

// RecoveryAccount is an account with what a recovery needs to decide where
// the secret goes: the registry adult it is linked to (if any).
type RecoveryAccount struct {
	Account
	AdultFiscalCode sql.NullString `db:"adult_fiscal_code"`
	AdultEmail      sql.NullString `db:"adult_email"`
	AdultMobile     sql.NullString `db:"adult_mobile"`
	AdultName       string         `db:"adult_name"` // "Mario Rossi"; empty when not linked
}

// GreetingName is how messages greet the holder: the registry adult's name,
// else the name given at registration, else the username.
func (r *RecoveryAccount) GreetingName() string {
	switch {
	case strings.TrimSpace(r.AdultName) != "":
		return r.AdultName
	case r.DisplayName != "":
		return r.DisplayName
	}
	return r.Username
}

// StaleLink tells whether the registry changed the adult's codice fiscale
// after the profile was linked and the office has not regenerated it.
func (r *RecoveryAccount) StaleLink() bool {
	return r.AdultID.Valid && r.AdultFiscalCode.Valid && r.LinkedFiscalCode.Valid &&
		r.AdultFiscalCode.String != r.LinkedFiscalCode.String
}

// Contact is where a recovery goes on channel ("email" or "sms"): the
// registry adult's contact for a linked profile (the seed: "in anagrafica"),
// the contact given at registration for a profile not linked to the registry.
// Empty: there is none.
func (r *RecoveryAccount) Contact(channel string) string {
	if r.AdultID.Valid {
		if channel == "email" {
			return r.AdultEmail.String
		}
		return r.AdultMobile.String
	}
	if channel == "email" {
		return r.Email
	}
	return r.Mobile
}

const recoverySelect = `
	SELECT a.*, ad.fiscal_code AS adult_fiscal_code, ad.email AS adult_email, ad.mobile AS adult_mobile,
	       coalesce(ad.first_name || ' ' || ad.last_name, '') AS adult_name
	FROM accounts a
	LEFT JOIN adults ad ON ad.installation_id = a.installation_id AND ad.id = a.adult_id
	WHERE a.installation_id = $1 `

// AccountForRecovery finds the account of the value typed in the recovery
// form: by username (case-insensitive), by codice fiscale (the one the
// profile was linked with, or the registry adult's current one), or by
// e-mail (the registry's or the one given at registration,
// case-insensitive). ErrNotFound when none, ErrAmbiguous when several.
func (s *Store) AccountForRecovery(ctx context.Context, installationID int64, key, value string) (*RecoveryAccount, error) {
	var cond string
	switch key {
	case RecoverByUsername:
		cond = `AND lower(a.username) = lower($2)`
	case RecoverByFiscalCode:
		cond = `AND (a.linked_fiscal_code = $2 OR ad.fiscal_code = $2)`
	case RecoverByEmail:
		cond = `AND (lower(ad.email) = lower($2) OR lower(a.email) = lower($2))`
	default:
		return nil, fmt.Errorf("recovery key %q: %w", key, ErrNotFound)
	}
	var rows []RecoveryAccount
	if err := s.db.SelectContext(ctx, &rows, recoverySelect+cond+` ORDER BY a.adult_id IS NULL, a.id LIMIT 2`, installationID, value); err != nil {
		return nil, fmt.Errorf("account for recovery: %w", err)
	}
	// Profiles still waiting for their link (link.go) may carry the registry
	// e-mail of the adult they claim: the one profile linked to the registry
	// is the owner's.
	if len(rows) > 1 && rows[0].AdultID.Valid && !rows[1].AdultID.Valid {
		rows = rows[:1]
	}
	switch len(rows) {
	case 0:
		return nil, fmt.Errorf("account for recovery: %w", ErrNotFound)
	case 1:
		return &rows[0], nil
	default:
		return nil, ErrAmbiguous
	}
}

// RecoveryAccountByID loads an account with its registry contacts (for the
// delivery jobs).
func (s *Store) RecoveryAccountByID(ctx context.Context, installationID, id int64) (*RecoveryAccount, error) {
	var r RecoveryAccount
	if err := s.db.GetContext(ctx, &r, recoverySelect+`AND a.id = $2`, installationID, id); err != nil {
		return nil, fmt.Errorf("recovery account %d: %w", id, notFound(err))
	}
	return &r, nil
}

// InTx runs fn in one transaction (for enqueueing jobs with database/sql).
func (s *Store) InTx(ctx context.Context, fn func(ctx context.Context, tx *sql.Tx) error) error {
	return s.WithTx(ctx, func(tx *sqlx.Tx) error { return fn(ctx, tx.Tx) })
}

// UseTempPassword records a sign-in with the temporary password whose hash
// was just verified: the account must change its password. The temporary
// password stays valid until it expires or a new password is chosen, so a
// parent who leaves the change page can come back with it. false means it
// was replaced or expired meanwhile.
func (s *Store) UseTempPassword(ctx context.Context, installationID, accountID int64, hash string) (bool, error) {
	res, err := s.db.ExecContext(ctx, `
		UPDATE accounts SET must_change_password = true
		WHERE installation_id = $1 AND id = $2 AND temp_password_hash = $3 AND temp_password_expires_at > now()`,
		installationID, accountID, hash)
	if err != nil {
		return false, fmt.Errorf("use temporary password: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// RecoveryTokenAccount tells which account an unused, unexpired link is for,
// without spending it. ErrNotFound: unknown, used, replaced or expired.
func (s *Store) RecoveryTokenAccount(ctx context.Context, installationID int64, tokenHash []byte) (int64, error) {
	var id int64
	err := s.db.GetContext(ctx, &id, `
		SELECT account_id FROM recovery_tokens
		WHERE installation_id = $1 AND token_hash = $2 AND used_at IS NULL AND expires_at > now()`,
		installationID, tokenHash)
	if err != nil {
		return 0, fmt.Errorf("recovery link: %w", notFound(err))
	}
	return id, nil
}

// ConsumeRecoveryToken spends a link once: it is marked used and its account
// must change its password, in one transaction. ErrNotFound: unknown, used,
// replaced or expired.
func (s *Store) ConsumeRecoveryToken(ctx context.Context, installationID int64, tokenHash []byte) (int64, error) {
	var id int64
	err := s.WithTx(ctx, func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &id, `
			UPDATE recovery_tokens SET used_at = now()
			WHERE installation_id = $1 AND token_hash = $2 AND used_at IS NULL AND expires_at > now()
			RETURNING account_id`, installationID, tokenHash); err != nil {
			return fmt.Errorf("consume recovery link: %w", notFound(err))
		}
		if _, err := tx.ExecContext(ctx, `
			UPDATE accounts SET must_change_password = true WHERE installation_id = $1 AND id = $2`,
			installationID, id); err != nil {
			return fmt.Errorf("consume recovery link: %w", err)
		}
		return nil
	})
	return id, err
}

// TempPasswordTTL is how long a temporary password or a recovery link works.
const TempPasswordTTL = 24 * time.Hour
