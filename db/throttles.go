package db

import (
	"context"
	"fmt"
	"time"

	"portalegenitori/internal/throttle"
)

// throttleFresh tells, inside the upsert, whether the counter starts a new
// window: its lockout is over, or (not locked) its window is.
const throttleFresh = `(CASE WHEN t.blocked_until IS NOT NULL THEN t.blocked_until <= now()
	ELSE t.window_start <= now() - $3 * interval '1 second' END)`

// ReserveAttempt counts one attempt against key in one statement (the row
// lock of the upsert orders concurrent attempts): a new window when the last
// one or its lockout is over; the attempt that reaches limit locks the key
// for lockout; attempts while locked are counted too, always above limit
// (so the caller's "hits <= limit" is exact even if limit was raised since).
// Counters live in
// PostgreSQL so every app server shares them.
func (s *Store) ReserveAttempt(ctx context.Context, key string, limit int, window, lockout time.Duration) (throttle.Count, error) {
	var c throttle.Count
	var blocked float64
	err := s.db.QueryRowxContext(ctx, `
		INSERT INTO throttles AS t (key, hits, window_start, blocked_until)
		VALUES ($1, 1, now(), CASE WHEN $2 <= 1 THEN now() + $4 * interval '1 second' END)
		ON CONFLICT (key) DO UPDATE SET
			hits = CASE WHEN `+throttleFresh+` THEN 1
				WHEN t.blocked_until IS NOT NULL THEN greatest(t.hits + 1, $2 + 1)
				ELSE t.hits + 1 END,
			window_start = CASE WHEN `+throttleFresh+` THEN now() ELSE t.window_start END,
			blocked_until = CASE
				WHEN `+throttleFresh+` THEN CASE WHEN $2 <= 1 THEN now() + $4 * interval '1 second' END
				WHEN t.blocked_until IS NOT NULL THEN t.blocked_until
				WHEN t.hits + 1 >= $2 THEN now() + $4 * interval '1 second'
			END
		RETURNING hits, window_start, coalesce(extract(epoch FROM blocked_until - now()), 0)::float8`,
		key, limit, window.Seconds(), lockout.Seconds()).Scan(&c.Hits, &c.WindowStart, &blocked)
	if err != nil {
		return c, fmt.Errorf("reserve attempt: %w", err)
	}
	c.Blocked = time.Duration(max(blocked, 0) * float64(time.Second))
	return c, nil
}

// ReleaseAttempt gives back one attempt of the window that started at
// windowStart (a later window is left alone), lifting the lockout when the
// count falls below limit.
func (s *Store) ReleaseAttempt(ctx context.Context, key string, windowStart time.Time, limit int) error {
	_, err := s.db.ExecContext(ctx, `
		UPDATE throttles SET hits = greatest(hits - 1, 0),
			blocked_until = CASE WHEN hits - 1 < $3 THEN NULL ELSE blocked_until END
		WHERE key = $1 AND window_start = $2`, key, windowStart, limit)
	if err != nil {
		return fmt.Errorf("release attempt: %w", err)
	}
	return nil
}
