package db

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/lib/pq"
)

// Adult is a person of the Comune's registry.
type Adult struct {
	InstallationID int64  `db:"installation_id"`
	ID             int64  `db:"id"`
	FiscalCode     string `db:"fiscal_code"`
	FirstName      string `db:"first_name"`
	LastName       string `db:"last_name"`
	Email          string `db:"email"`
	Mobile         string `db:"mobile"`
}

// AdultByID loads an adult of the installation.
func (s *Store) AdultByID(ctx context.Context, installationID, id int64) (*Adult, error) {
	var a Adult
	err := s.readDB(ctx).GetContext(ctx, &a,
		`SELECT installation_id, id, fiscal_code, first_name, last_name, email, mobile
		 FROM adults WHERE installation_id = $1 AND id = $2`, installationID, id)
	if err != nil {
		return nil, fmt.Errorf("adult %d: %w", id, notFound(err))
	}
	return &a, nil
}

// ChildSummary is a child as listed on the family home, with its paying
// adult.
type ChildSummary struct {
	ID        int64         `db:"id"`
	FirstName string        `db:"first_name"`
	LastName  string        `db:"last_name"`
	Role      string        `db:"role"` // the viewer's role: payer or guardian
	School    string        `db:"school"`
	ClassName string        `db:"class_name"`
	PayerID   sql.NullInt64 `db:"payer_id"`
	PayerName string        `db:"payer_name"`
}

const qChildrenOfAdult = `
	SELECT c.id, c.first_name, c.last_name, g.role, coalesce(s.name, '') AS school, c.class_name,
	       p.adult_id AS payer_id, coalesce(pa.first_name || ' ' || pa.last_name, '') AS payer_name
	FROM guardianships g
	JOIN children c ON c.installation_id = g.installation_id AND c.id = g.child_id
	LEFT JOIN schools s ON s.installation_id = c.installation_id AND s.id = c.school_id
	LEFT JOIN guardianships p ON p.installation_id = g.installation_id AND p.child_id = g.child_id AND p.role = 'payer'
	LEFT JOIN adults pa ON pa.installation_id = p.installation_id AND pa.id = p.adult_id
	WHERE g.installation_id = $1 AND g.adult_id = $2`

// ChildrenOfAdult lists the children the adult is a guardian of, paying
// adult or not: every guardian reads the same data.
func (s *Store) ChildrenOfAdult(ctx context.Context, installationID, adultID int64) ([]ChildSummary, error) {
	var list []ChildSummary
	err := s.readDB(ctx).SelectContext(ctx, &list, qChildrenOfAdult+` ORDER BY c.birth_date, c.first_name, c.id`, installationID, adultID)
	if err != nil {
		return nil, fmt.Errorf("children of adult %d: %w", adultID, err)
	}
	return list, nil
}

// ChildOfAdult loads one child only if the adult is one of its guardians;
// otherwise ErrNotFound, whether or not the child exists.
func (s *Store) ChildOfAdult(ctx context.Context, installationID, adultID, childID int64) (*ChildSummary, error) {
	var c ChildSummary
	err := s.readDB(ctx).GetContext(ctx, &c, qChildrenOfAdult+` AND g.child_id = $3`, installationID, adultID, childID)
	if err != nil {
		return nil, fmt.Errorf("child %d of adult %d: %w", childID, adultID, notFound(err))
	}
	return &c, nil
}

// Enrollment is a child's enrollment in a service for a school year, with
// the names the family sees. Diet is only the restriction (docs/architecture.md#diets).
type Enrollment struct {
	ID          int64         `db:"id"`
	ChildID     int64         `db:"child_id"`
	ServiceID   int64         `db:"service_id"`
	ServiceKind string        `db:"service_kind"`
	ServiceName string        `db:"service_name"`
	SchoolYear  int           `db:"school_year"`
	StartsOn    time.Time     `db:"starts_on"`
	EndsOn      time.Time     `db:"ends_on"`
	Diet        string        `db:"diet"`
	TariffName  string        `db:"tariff_name"`
	TariffCents int64         `db:"tariff_cents"`
	Billing     string        `db:"billing"`
	DietID      sql.NullInt64 `db:"diet_id"`
	Version     int           `db:"version"` // for the staff's change form (00022)
}

const qEnrollments = `
	SELECT e.id, e.child_id, e.service_id, sv.kind AS service_kind, sv.name AS service_name, e.school_year,
	       e.starts_on, e.ends_on, coalesce(d.name, '') AS diet, e.tariff_name, e.tariff_cents, e.billing,
	       e.diet_id, e.version
	FROM enrollments e
	JOIN services sv ON sv.installation_id = e.installation_id AND sv.id = e.service_id
	LEFT JOIN diets d ON d.installation_id = e.installation_id AND d.id = e.diet_id`

// EnrollmentsOfChildren lists the enrollments of the children in a school
// year, by child and service.
func (s *Store) EnrollmentsOfChildren(ctx context.Context, installationID int64, childIDs []int64, schoolYear int) ([]Enrollment, error) {
	var list []Enrollment
	err := s.readDB(ctx).SelectContext(ctx, &list, qEnrollments+`
		WHERE e.installation_id = $1 AND e.child_id = ANY($2) AND e.school_year = $3
		  AND e.ends_on >= e.starts_on -- not withdrawn before it started
		ORDER BY e.child_id, sv.id, e.starts_on`, installationID, pq.Array(childIDs), schoolYear)
	if err != nil {
		return nil, fmt.Errorf("enrollments: %w", err)
	}
	return list, nil
}

// EnrollmentForDay finds the child's enrollment in the service that covers
// day or, failing that, the latest that starts before the end of the school
// year of day. ErrNotFound when the child was never enrolled in it.
func (s *Store) EnrollmentForDay(ctx context.Context, installationID, childID, serviceID int64, day time.Time) (*Enrollment, error) {
	var e Enrollment
	err := s.readDB(ctx).GetContext(ctx, &e, qEnrollments+`
		WHERE e.installation_id = $1 AND e.child_id = $2 AND e.service_id = $3 AND e.ends_on >= e.starts_on
		ORDER BY (e.starts_on <= $4 AND e.ends_on >= $4) DESC, abs(e.starts_on - $4::date), e.id DESC
		LIMIT 1`, installationID, childID, serviceID, day)
	if err != nil {
		return nil, fmt.Errorf("enrollment of child %d in service %d: %w", childID, serviceID, notFound(err))
	}
	return &e, nil
}

// PresenceCount is how many days a child was present at a service.
type PresenceCount struct {
	ChildID   int64 `db:"child_id"`
	ServiceID int64 `db:"service_id"`
	Present   int   `db:"present"`
}

const qPresenceCounts = `
	SELECT child_id, service_id, count(*) FILTER (WHERE status = 'present') AS present
	FROM attendance
	WHERE installation_id = $1 AND child_id = ANY($2) AND day BETWEEN $3 AND $4
	GROUP BY child_id, service_id`

// PresenceCounts counts the days present per child and service between from
// and to (inclusive).
func (s *Store) PresenceCounts(ctx context.Context, installationID int64, childIDs []int64, from, to time.Time) ([]PresenceCount, error) {
	var list []PresenceCount
	if err := s.readDB(ctx).SelectContext(ctx, &list, qPresenceCounts, installationID, pq.Array(childIDs), from, to); err != nil {
		return nil, fmt.Errorf("presence counts: %w", err)
	}
	return list, nil
}
