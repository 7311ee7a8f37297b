package db

import (
	"context"
	"fmt"
	"time"
)

// Hit counts one event against key in a fixed window. When the count reaches
// limit, the key is blocked for block. It returns the time the key is blocked
// until (zero when it is not blocked). Counters live in PostgreSQL so every
// app server shares them.
func (s *Store) Hit(ctx context.Context, key string, limit int, window, block time.Duration) (time.Time, error) {
	var hits int
	var blocked *time.Time
	err := s.db.QueryRowxContext(ctx, `
		INSERT INTO throttles AS t (key, hits, window_start) VALUES ($1, 1, now())
		ON CONFLICT (key) DO UPDATE SET
			hits = CASE WHEN t.window_start < now() - $2 * interval '1 second'
			            AND (t.blocked_until IS NULL OR t.blocked_until < now()) THEN 1 ELSE t.hits + 1 END,
			window_start = CASE WHEN t.window_start < now() - $2 * interval '1 second'
			            AND (t.blocked_until IS NULL OR t.blocked_until < now()) THEN now() ELSE t.window_start END,
			blocked_until = CASE WHEN t.blocked_until IS NOT NULL AND t.blocked_until < now() THEN NULL ELSE t.blocked_until END
		RETURNING hits, blocked_until`, key, window.Seconds()).Scan(&hits, &blocked)
	if err != nil {
		return time.Time{}, fmt.Errorf("throttle hit %s: %w", key, err)
	}
	if blocked != nil {
		return *blocked, nil
	}
	if hits >= limit {
		var until time.Time
		err := s.db.QueryRowxContext(ctx, `
			UPDATE throttles SET blocked_until = now() + $2 * interval '1 second' WHERE key = $1
			RETURNING blocked_until`, key, block.Seconds()).Scan(&until)
		if err != nil {
			return time.Time{}, fmt.Errorf("throttle block %s: %w", key, err)
		}
		return until, nil
	}
	return time.Time{}, nil
}

// BlockedUntil tells whether key is blocked now, without counting.
func (s *Store) BlockedUntil(ctx context.Context, key string) (time.Time, error) {
	var until *time.Time
	err := s.db.GetContext(ctx, &until,
		`SELECT blocked_until FROM throttles WHERE key = $1 AND blocked_until > now()`, key)
	if err != nil {
		if notFound(err) == ErrNotFound {
			return time.Time{}, nil
		}
		return time.Time{}, fmt.Errorf("throttle check %s: %w", key, err)
	}
	if until == nil {
		return time.Time{}, nil
	}
	return *until, nil
}

// ResetThrottle forgets the counter of key (after a successful sign-in).
func (s *Store) ResetThrottle(ctx context.Context, key string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM throttles WHERE key = $1`, key); err != nil {
		return fmt.Errorf("throttle reset %s: %w", key, err)
	}
	return nil
}
