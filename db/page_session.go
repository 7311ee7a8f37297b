package db

import (
	"context"
	"fmt"
	"time"
)

// LoadSessionAccount is LoadSession that reads the session's account in the
// same statement (nil when it has none or it is gone): with the page's own
// statement, a signed-in page costs two round trips. It stays on the
// primary: a session is written at sign-in and read at once.
func (s *Store) LoadSessionAccount(ctx context.Context, tokenHash []byte, idle time.Duration) (*SessionRow, *Account, error) {
	var row struct {
		SessionRow
		Account []byte `db:"account"`
	}
	err := s.stmts.on(s.db).QueryRowxContext(ctx, `
		SELECT s.token_hash, s.public_id, s.installation_id, s.account_id, s.data, s.user_agent, s.ip,
		       s.created_at, s.last_seen_at, s.expires_at,
		       (SELECT row_to_json(a) FROM accounts a WHERE a.installation_id = s.installation_id AND a.id = s.account_id) AS account
		FROM sessions s
		WHERE s.token_hash = $1 AND s.expires_at > now() AND s.last_seen_at > now() - $2 * interval '1 second'`,
		tokenHash, idle.Seconds()).StructScan(&row)
	if err != nil {
		return nil, nil, fmt.Errorf("load session: %w", notFound(err))
	}
	if time.Since(row.LastSeenAt) > time.Minute {
		if _, err := s.db.ExecContext(ctx,
			`UPDATE sessions SET last_seen_at = now() WHERE token_hash = $1`, tokenHash); err != nil {
			return nil, nil, fmt.Errorf("touch session: %w", err)
		}
	}
	acc, err := scanJSONOne[Account](row.Account)
	if err != nil {
		return nil, nil, fmt.Errorf("load session: %w", err)
	}
	return &row.SessionRow, acc, nil
}
