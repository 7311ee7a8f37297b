package db

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// SessionRow is a stored server-side session.
type SessionRow struct {
	TokenHash      []byte        `db:"token_hash"`
	PublicID       int64         `db:"public_id"`
	InstallationID sql.NullInt64 `db:"installation_id"`
	AccountID      sql.NullInt64 `db:"account_id"`
	Data           []byte        `db:"data"`
	UserAgent      string        `db:"user_agent"`
	IP             string        `db:"ip"`
	CreatedAt      time.Time     `db:"created_at"`
	LastSeenAt     time.Time     `db:"last_seen_at"`
	ExpiresAt      time.Time     `db:"expires_at"`
}

// SaveSession inserts or updates a session. installationID and accountID of 0
// mean none.
func (s *Store) SaveSession(ctx context.Context, row *SessionRow) error {
	_, err := s.execPrepared(ctx, `
		INSERT INTO sessions (token_hash, installation_id, account_id, data, user_agent, ip, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (token_hash) DO UPDATE SET
			installation_id = EXCLUDED.installation_id, account_id = EXCLUDED.account_id,
			data = EXCLUDED.data, last_seen_at = now()`,
		row.TokenHash, row.InstallationID, row.AccountID, row.Data, row.UserAgent, row.IP, row.ExpiresAt)
	if err != nil {
		return fmt.Errorf("save session: %w", err)
	}
	return nil
}

// DeleteSession removes a session by its token hash.
func (s *Store) DeleteSession(ctx context.Context, tokenHash []byte) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, tokenHash); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// SessionsOfAccount lists the live sessions of an account, newest first.
func (s *Store) SessionsOfAccount(ctx context.Context, installationID, accountID int64, idle time.Duration) ([]SessionRow, error) {
	var rows []SessionRow
	err := s.db.SelectContext(ctx, &rows, `
		SELECT token_hash, public_id, installation_id, account_id, ''::bytea AS data, user_agent, ip,
		       created_at, last_seen_at, expires_at
		FROM sessions
		WHERE installation_id = $1 AND account_id = $2
		  AND expires_at > now() AND last_seen_at > now() - $3 * interval '1 second'
		ORDER BY last_seen_at DESC`, installationID, accountID, idle.Seconds())
	if err != nil {
		return nil, fmt.Errorf("sessions of account: %w", err)
	}
	return rows, nil
}

// RevokeSession ends one session of the account by its public id; it
// reports ErrNotFound when the account has no such session.
func (s *Store) RevokeSession(ctx context.Context, installationID, accountID, publicID int64) error {
	res, err := s.db.ExecContext(ctx,
		`DELETE FROM sessions WHERE installation_id = $1 AND account_id = $2 AND public_id = $3`,
		installationID, accountID, publicID)
	if err != nil {
		return fmt.Errorf("revoke session: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("revoke session %d: %w", publicID, ErrNotFound)
	}
	return nil
}

// RevokeOtherSessions ends every session of the account but keep.
func (s *Store) RevokeOtherSessions(ctx context.Context, installationID, accountID int64, keep []byte) (int64, error) {
	res, err := s.db.ExecContext(ctx,
		`DELETE FROM sessions WHERE installation_id = $1 AND account_id = $2 AND token_hash <> $3`,
		installationID, accountID, keep)
	if err != nil {
		return 0, fmt.Errorf("revoke other sessions: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// PurgeExpiredSessions deletes sessions past their absolute or idle expiry.
func (s *Store) PurgeExpiredSessions(ctx context.Context, idle time.Duration) (int64, error) {
	res, err := s.db.ExecContext(ctx,
		`DELETE FROM sessions WHERE expires_at < now() OR last_seen_at < now() - $1 * interval '1 second'`,
		idle.Seconds())
	if err != nil {
		return 0, fmt.Errorf("purge sessions: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}
