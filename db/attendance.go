package db

import (
	"context"
	"fmt"
	"time"
)

// Attendance is one child × service × day.
type Attendance struct {
	Day    time.Time `db:"day"`
	Status string    `db:"status"`
	Source string    `db:"source"`
}

const qAttendanceMonth = `
	SELECT day, status, source FROM attendance
	WHERE installation_id = $1 AND child_id = $2 AND service_id = $3 AND day BETWEEN $4 AND $5
	ORDER BY day`

// AttendanceDetail is a day as its details show it: who recorded it, when.
type AttendanceDetail struct {
	Attendance
	RecordedBy string    `db:"recorded_by"`
	RecordedAt time.Time `db:"recorded_at"`
}

var qAttendanceDay = attendanceDaySQL("$2", "$3", "$4")

// attendanceDaySQL reads a day's record with who recorded it, for the
// child, service and day given as SQL expressions ($1 is the
// installation); the calendar page statement carries it too.
func attendanceDaySQL(child, service, day string) string {
	return `
	SELECT a.day, a.status, a.source, a.recorded_at,
	       coalesce(nullif(a.recorded_by_name, ''), nullif(acc.display_name, ''),
	                rad.first_name || ' ' || rad.last_name, '') AS recorded_by
	FROM attendance a
	LEFT JOIN accounts acc ON acc.installation_id = a.installation_id AND acc.id = a.recorded_by
	LEFT JOIN adults rad ON rad.installation_id = acc.installation_id AND rad.id = acc.adult_id
	WHERE a.installation_id = $1 AND a.child_id = ` + child + ` AND a.service_id = ` + service + ` AND a.day = ` + day
}

// AttendanceOn loads the record of a day, or ErrNotFound.
func (s *Store) AttendanceOn(ctx context.Context, installationID, childID, serviceID int64, day time.Time) (*AttendanceDetail, error) {
	var a AttendanceDetail
	if err := s.readDB(ctx).GetContext(ctx, &a, qAttendanceDay, installationID, childID, serviceID, day); err != nil {
		return nil, fmt.Errorf("attendance of child %d on %s: %w", childID, day.Format(time.DateOnly), notFound(err))
	}
	return &a, nil
}

// Closure is a day the Comune's services are closed.
type Closure struct {
	Day         time.Time `db:"day"`
	Description string    `db:"description"`
}

// ClosuresBetween lists the closures from..to.
func (s *Store) ClosuresBetween(ctx context.Context, installationID int64, from, to time.Time) ([]Closure, error) {
	var list []Closure
	err := s.readDB(ctx).SelectContext(ctx, &list, `
		SELECT day, description FROM closures WHERE installation_id = $1 AND day BETWEEN $2 AND $3 ORDER BY day`,
		installationID, from, to)
	if err != nil {
		return nil, fmt.Errorf("closures: %w", err)
	}
	return list, nil
}

// ServiceByID loads a service of the installation.
func (s *Store) ServiceByID(ctx context.Context, installationID, id int64) (kind, name string, err error) {
	row := s.db.QueryRowxContext(ctx, `SELECT kind, name FROM services WHERE installation_id = $1 AND id = $2`, installationID, id)
	if err := row.Scan(&kind, &name); err != nil {
		return "", "", fmt.Errorf("service %d: %w", id, notFound(err))
	}
	return kind, name, nil
}
