package db

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"portalegenitori/internal/rollover"
)

// RolloverSchool is a school with how it ends, for the rollover page.
type RolloverSchool struct {
	ID         int64         `db:"id"`
	Name       string        `db:"name"`
	LastClass  sql.NullInt64 `db:"last_class"`
	ExitAge    sql.NullInt64 `db:"exit_age"`
	NextSchool sql.NullInt64 `db:"next_school_id"`
}

// RolloverSchools lists the schools not retired, with their end rules.
func (s *Store) RolloverSchools(ctx context.Context, installationID int64) ([]RolloverSchool, error) {
	var out []RolloverSchool
	err := s.db.SelectContext(ctx, &out, `SELECT id, name, last_class, exit_age, next_school_id FROM schools
		WHERE installation_id = $1 AND retired_at IS NULL ORDER BY name, id`, installationID)
	return out, wrap("rollover schools", err)
}

// SaveRolloverSchool sets how a school ends (0: not set).
func (s *Store) SaveRolloverSchool(ctx context.Context, installationID, id int64, lastClass, exitAge int, next int64) error {
	res, err := s.db.ExecContext(ctx, `UPDATE schools SET last_class = nullif($3, 0), exit_age = nullif($4, 0), next_school_id = nullif($5, 0)
		WHERE installation_id = $1 AND id = $2`, installationID, id, lastClass, exitAge, next)
	return affectedOne(res, err, "save school end")
}

// RolloverOptions is the office's choice for the new school year.
type RolloverOptions struct {
	FromYear         int // the school year ending (starts in September of FromYear)
	Renew            bool
	StartsOn, EndsOn time.Time // the renewed enrollments' period
}

// RolloverRow is the plan for one child.
type RolloverRow struct {
	Family     string
	ChildID    int64
	Name       string
	FromSchool string
	FromClass  string
	ToSchool   string
	ToClass    string
	Leaves     bool
	Renew      int // enrollments renewed
}

// RolloverPlan is what a run would do (the dry run), or did.
type RolloverPlan struct {
	Families, Children, Up, Leave, ToNext, Same, Renew int
	Rows                                               []RolloverRow // the children that change, first ones
	Credit, Debt                                       int64         // the balances carried over, as they are today
}

type rolloverChild struct {
	ID        int64         `db:"id"`
	Family    string        `db:"family"`
	Name      string        `db:"name"`
	SchoolID  sql.NullInt64 `db:"school_id"`
	ClassName string        `db:"class_name"`
	BirthDate time.Time     `db:"birth_date"`
	Renewable pq.Int64Array `db:"renewable"`
}

// qRolloverChildren lists children by family with the enrollments that are
// active at the end of the school year (renewable). The first %s narrows
// it, the second locks.
const qRolloverChildren = `
	SELECT c.id, coalesce('a' || g.adult_id, 'c' || c.id) AS family, c.first_name || ' ' || c.last_name AS name,
	       c.school_id, c.class_name, c.birth_date,
	       coalesce((SELECT array_agg(e.id ORDER BY e.id) FROM enrollments e WHERE e.installation_id = c.installation_id AND e.child_id = c.id
	                 AND e.school_year = $2 AND e.ends_on >= e.starts_on AND e.ends_on >= make_date($2 + 1, 6, 1)), '{}') AS renewable
	FROM children c
	LEFT JOIN guardianships g ON g.installation_id = c.installation_id AND g.child_id = c.id AND g.role = 'payer'
	WHERE c.installation_id = $1 %s
	ORDER BY family, c.id %s`

func (s *Store) rolloverSchoolMap(ctx context.Context, q sqlx.QueryerContext, installationID int64) (map[int64]rollover.School, map[int64]string, error) {
	var list []RolloverSchool
	if err := sqlx.SelectContext(ctx, q, &list, `SELECT id, name, last_class, exit_age, next_school_id FROM schools WHERE installation_id = $1`,
		installationID); err != nil {
		return nil, nil, fmt.Errorf("rollover schools: %w", err)
	}
	m, names := map[int64]rollover.School{}, map[int64]string{}
	for _, sc := range list {
		m[sc.ID] = rollover.School{ID: sc.ID, LastClass: int(sc.LastClass.Int64), ExitAge: int(sc.ExitAge.Int64), NextSchool: sc.NextSchool.Int64}
		names[sc.ID] = sc.Name
	}
	return m, names, nil
}

func planRow(c rolloverChild, schools map[int64]rollover.School, names map[int64]string, o RolloverOptions) (RolloverRow, rollover.Move) {
	mv := rollover.Next(rollover.Child{SchoolID: c.SchoolID.Int64, ClassName: c.ClassName, BirthDate: c.BirthDate}, schools, o.FromYear+1)
	r := RolloverRow{Family: c.Family, ChildID: c.ID, Name: c.Name, FromSchool: names[c.SchoolID.Int64], FromClass: c.ClassName,
		ToSchool: names[mv.SchoolID], ToClass: mv.ClassName, Leaves: mv.Leaves}
	// a child who leaves with no next school named keeps no service here
	if o.Renew && (!mv.Leaves || mv.SchoolID != c.SchoolID.Int64) {
		r.Renew = len(c.Renewable)
	}
	return r, mv
}

// PlanRollover is the dry run: what a run with these options would change,
// computed from today's data without writing anything.
func (s *Store) PlanRollover(ctx context.Context, installationID int64, o RolloverOptions, maxRows int) (RolloverPlan, error) {
	var p RolloverPlan
	schools, names, err := s.rolloverSchoolMap(ctx, s.db, installationID)
	if err != nil {
		return p, err
	}
	var children []rolloverChild
	if err := s.db.SelectContext(ctx, &children, fmt.Sprintf(qRolloverChildren, "", ""), installationID, o.FromYear); err != nil {
		return p, fmt.Errorf("rollover plan: %w", err)
	}
	families := map[string]bool{}
	for _, c := range children {
		families[c.Family] = true
		r, mv := planRow(c, schools, names, o)
		p.Children++
		p.Renew += r.Renew
		switch {
		case mv.Leaves && mv.SchoolID != c.SchoolID.Int64:
			p.ToNext++
		case mv.Leaves:
			p.Leave++
		case mv.Changed:
			p.Up++
		default:
			p.Same++
		}
		if (mv.Changed || r.Renew > 0) && len(p.Rows) < maxRows {
			p.Rows = append(p.Rows, r)
		}
	}
	p.Families = len(families)
	err = s.db.GetContext(ctx, &p, `SELECT coalesce(sum(b) FILTER (WHERE b > 0), 0) AS credit, coalesce(sum(b) FILTER (WHERE b < 0), 0) AS debt
		FROM (SELECT sum(amount_cents) AS b FROM ledger_entries WHERE installation_id = $1 GROUP BY adult_id) x`, installationID)
	return p, wrap("rollover balances", err)
}

// RolloverRun is a run and its progress.
type RolloverRun struct {
	ID         int64        `db:"id"`
	FromYear   int          `db:"from_year"`
	Renew      bool         `db:"renew"`
	StartsOn   time.Time    `db:"starts_on"`
	EndsOn     time.Time    `db:"ends_on"`
	StartedAt  time.Time    `db:"started_at"`
	FinishedAt sql.NullTime `db:"finished_at"`
	Done       int          `db:"done"`
	Total      int          `db:"total"`
}

// ErrRolloverOptions: a run for that year exists with other options.
var ErrRolloverOptions = fmt.Errorf("a rollover for that year was started with other options: %w", ErrConflict)

// StartRollover creates the run of a new school year, or returns the one
// already started (resuming it); ErrRolloverOptions when its options differ.
func (s *Store) StartRollover(ctx context.Context, installationID int64, o RolloverOptions, by int64) (int64, error) {
	var id int64
	err := s.db.GetContext(ctx, &id, `
		INSERT INTO rollover_runs (installation_id, from_year, to_year, renew, starts_on, ends_on, started_by)
		VALUES ($1, $2, $2 + 1, $3, $4, $5, $6)
		ON CONFLICT (installation_id, to_year) DO UPDATE SET to_year = EXCLUDED.to_year
		RETURNING id`, installationID, o.FromYear, o.Renew, o.StartsOn, o.EndsOn, by)
	if err != nil {
		return 0, fmt.Errorf("start rollover: %w", err)
	}
	run, err := s.RolloverRunByID(ctx, installationID, id)
	if err != nil {
		return 0, err
	}
	if run.Renew != o.Renew || !run.StartsOn.Equal(o.StartsOn) || !run.EndsOn.Equal(o.EndsOn) {
		return id, ErrRolloverOptions
	}
	return id, nil
}

// RolloverRunByID loads a run with its progress.
func (s *Store) RolloverRunByID(ctx context.Context, installationID, id int64) (*RolloverRun, error) {
	var r RolloverRun
	err := s.db.GetContext(ctx, &r, `
		SELECT r.id, r.from_year, r.renew, r.starts_on, r.ends_on, r.started_at, r.finished_at,
		       (SELECT count(*) FROM rollover_families f WHERE f.installation_id = r.installation_id AND f.run_id = r.id) AS done,
		       (SELECT count(DISTINCT coalesce('a' || g.adult_id, 'c' || c.id)) FROM children c
		          LEFT JOIN guardianships g ON g.installation_id = c.installation_id AND g.child_id = c.id AND g.role = 'payer'
		          WHERE c.installation_id = r.installation_id) AS total
		FROM rollover_runs r WHERE r.installation_id = $1 AND r.id = $2`, installationID, id)
	if err != nil {
		return nil, fmt.Errorf("rollover run %d: %w", id, notFound(err))
	}
	return &r, nil
}

// LatestRollover is the last run started, or ErrNotFound.
func (s *Store) LatestRollover(ctx context.Context, installationID int64) (*RolloverRun, error) {
	var id int64
	if err := s.db.GetContext(ctx, &id, `SELECT id FROM rollover_runs WHERE installation_id = $1 ORDER BY to_year DESC LIMIT 1`, installationID); err != nil {
		return nil, fmt.Errorf("latest rollover: %w", notFound(err))
	}
	return s.RolloverRunByID(ctx, installationID, id)
}

// RolloverStep does the families of a run not done yet, each in its own
// transaction, until all are done or the deadline passes; the next call
// resumes. Two clerks (or a retried request) never do a family twice: the
// family's row is written in the same transaction as its changes.
func (s *Store) RolloverStep(ctx context.Context, installationID, runID, by int64, deadline time.Time) (finished bool, err error) {
	run, err := s.RolloverRunByID(ctx, installationID, runID)
	if err != nil {
		return false, err
	}
	o := RolloverOptions{FromYear: run.FromYear, Renew: run.Renew, StartsOn: run.StartsOn, EndsOn: run.EndsOn}
	var families []string
	if err := s.db.SelectContext(ctx, &families, `
		SELECT DISTINCT coalesce('a' || g.adult_id, 'c' || c.id) AS family FROM children c
		LEFT JOIN guardianships g ON g.installation_id = c.installation_id AND g.child_id = c.id AND g.role = 'payer'
		WHERE c.installation_id = $1 AND NOT EXISTS (SELECT 1 FROM rollover_families f WHERE f.installation_id = $1 AND f.run_id = $2
		      AND f.family = coalesce('a' || g.adult_id, 'c' || c.id))
		ORDER BY 1`, installationID, runID); err != nil {
		return false, fmt.Errorf("rollover families: %w", err)
	}
	// how the schools end is the office's choice for the run: read once a step
	schools, names, err := s.rolloverSchoolMap(ctx, s.db, installationID)
	if err != nil {
		return false, err
	}
	for _, fam := range families {
		if time.Now().After(deadline) {
			return false, nil
		}
		if err := s.rolloverFamily(ctx, installationID, runID, fam, o, by, schools, names); err != nil {
			return false, err
		}
	}
	_, err = s.db.ExecContext(ctx, `UPDATE rollover_runs SET finished_at = coalesce(finished_at, now()) WHERE installation_id = $1 AND id = $2`,
		installationID, runID)
	return true, wrap("finish rollover", err)
}

func (s *Store) rolloverFamily(ctx context.Context, installationID, runID int64, family string, o RolloverOptions, by int64,
	schools map[int64]rollover.School, names map[int64]string) error {
	return s.WithTx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO rollover_families (installation_id, run_id, family) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
			installationID, runID, family)
		if err != nil {
			return fmt.Errorf("rollover family %s: %w", family, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // done meanwhile by another request
		}
		var children []rolloverChild
		if err := tx.SelectContext(ctx, &children, fmt.Sprintf(qRolloverChildren,
			`AND coalesce('a' || g.adult_id, 'c' || c.id) = $3`, "FOR UPDATE OF c"), installationID, o.FromYear, family); err != nil {
			return fmt.Errorf("rollover family %s: %w", family, err)
		}
		var rows []RolloverRow
		for _, c := range children {
			r, mv := planRow(c, schools, names, o)
			if mv.Changed {
				var school any
				if mv.SchoolID != 0 {
					school = mv.SchoolID
				}
				if _, err := tx.ExecContext(ctx, `UPDATE children SET school_id = $3, class_name = $4 WHERE installation_id = $1 AND id = $2`,
					installationID, c.ID, school, mv.ClassName); err != nil {
					return fmt.Errorf("rollover child %d: %w", c.ID, err)
				}
			}
			if r.Renew > 0 {
				for _, enID := range c.Renewable {
					var newID int64
					err := tx.GetContext(ctx, &newID, `
						INSERT INTO enrollments (installation_id, child_id, service_id, school_year, starts_on, ends_on, diet_id, tariff_name, tariff_cents, billing, previous_id)
						SELECT installation_id, child_id, service_id, $3, $4, $5, diet_id, tariff_name, tariff_cents, billing, id
						FROM enrollments e WHERE installation_id = $1 AND id = $2
						  AND NOT EXISTS (SELECT 1 FROM enrollments n WHERE n.installation_id = e.installation_id AND n.previous_id = e.id AND n.school_year = $3)
						RETURNING id`, installationID, enID, o.FromYear+1, o.StartsOn, o.EndsOn)
					if errors.Is(err, sql.ErrNoRows) {
						continue
					}
					if err != nil {
						return fmt.Errorf("renew enrollment %d: %w", enID, err)
					}
					if err := enrollmentEvent(ctx, tx, installationID, newID, "created", o.StartsOn,
						fmt.Sprintf("Rinnovo per l'anno scolastico %d/%02d", o.FromYear+1, (o.FromYear+2)%100), map[string]any{"continues": enID}, by); err != nil {
						return err
					}
				}
			}
			rows = append(rows, r)
		}
		js, err := json.Marshal(rows)
		if err != nil {
			return fmt.Errorf("rollover detail: %w", err)
		}
		_, err = tx.ExecContext(ctx, `UPDATE rollover_families SET detail = $4 WHERE installation_id = $1 AND run_id = $2 AND family = $3`,
			installationID, runID, family, js)
		return wrap("rollover detail", err)
	})
}

// ToYear is the school year the run opens.
func (r RolloverRun) ToYear() int { return r.FromYear + 1 }
