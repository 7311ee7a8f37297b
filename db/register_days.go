package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// RegisterDay is a day's register confirmed as closed.
type RegisterDay struct {
	ClassName string    `db:"class_name"`
	ClosedBy  string    `db:"closed_by_name"`
	ClosedAt  time.Time `db:"closed_at"`
}

// RegisterClosedFor tells whether the register of a school, service, class
// ("" the whole school) and day is closed: by itself or by the whole
// school's; nil when open.
func (s *Store) RegisterClosedFor(ctx context.Context, installationID, schoolID, serviceID int64, class string, day time.Time) (*RegisterDay, error) {
	var r RegisterDay
	err := s.db.GetContext(ctx, &r, `
		SELECT r.class_name, coalesce(a.username, '') AS closed_by_name, r.closed_at FROM register_days r
		LEFT JOIN accounts a ON a.installation_id = r.installation_id AND a.id = r.closed_by
		WHERE r.installation_id = $1 AND r.school_id = $2 AND r.service_id = $3 AND r.day = $4 AND (r.class_name = '' OR r.class_name = $5)
		ORDER BY r.class_name LIMIT 1`, installationID, schoolID, serviceID, day, class)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("register day: %w", err)
	}
	return &r, nil
}

// CloseRegisterDay confirms a register as closed (again: nothing changes).
func (s *Store) CloseRegisterDay(ctx context.Context, installationID, schoolID, serviceID int64, class string, day time.Time, by int64) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO register_days (installation_id, school_id, service_id, class_name, day, closed_by)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`, installationID, schoolID, serviceID, class, day, by)
	return wrap("close register", err)
}

// OpenRegisterDay opens a closed register again for corrections.
func (s *Store) OpenRegisterDay(ctx context.Context, installationID, schoolID, serviceID int64, class string, day time.Time) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM register_days WHERE installation_id = $1 AND school_id = $2 AND service_id = $3
		AND class_name = $4 AND day = $5`, installationID, schoolID, serviceID, class, day)
	return wrap("open register", err)
}
