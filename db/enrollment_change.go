package db

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// Errors of ChangeEnrollment.
var (
	// ErrEnrollmentChanged: another clerk changed the enrollment after the
	// form was loaded; nothing was written.
	ErrEnrollmentChanged = fmt.Errorf("enrollment changed meanwhile: %w", ErrConflict)
	// ErrOutsidePeriod: the date is not within the enrollment's period.
	ErrOutsidePeriod = errors.New("date outside the enrollment's period")
)

// EnrollmentChange ends an enrollment from a date, or continues it from a
// date with new terms (service, diet, tariff, billing).
type EnrollmentChange struct {
	InstallationID, EnrollmentID int64
	Version                      int       // as read by the form
	From                         time.Time // the first day of the new terms, or the first day no longer enrolled
	End                          bool
	// the new terms (End false)
	ServiceID   int64
	DietID      *int64
	TariffName  string
	TariffCents int64
	Billing     string
	Reason      string
	By          int64
	Today       time.Time // the date of the ledger entries
}

// EnrollmentChangeResult is what a change did, for the clerk and the audit.
type EnrollmentChangeResult struct {
	NewEnrollmentID int64 `json:"new_enrollment,omitempty"`
	Reversed        int   `json:"reversed"`
	ReversedCents   int64 `json:"reversed_cents"`
	Charged         int   `json:"charged"`
	ChargedCents    int64 `json:"charged_cents"`
	RemovedDays     int   `json:"removed_days"`
}

// ChangeEnrollment applies a change in one transaction:
//   - the enrollment now ends the day before From;
//   - every charge of a day from From on (and of a month that starts on or
//     after From) is reversed by a refund that names it;
//   - ending: the days recorded after the end are removed;
//   - new terms: a new enrollment from From to the old end continues this
//     one, and the days present from From (or the months begun) are charged
//     again at the new tariff — each charge with its own idempotency key, so
//     every euro stays traceable to its day.
//
// A month already begun on From keeps its monthly charge (no proration).
func (s *Store) ChangeEnrollment(ctx context.Context, ch EnrollmentChange) (EnrollmentChangeResult, error) {
	var r EnrollmentChangeResult
	err := s.WithTx(ctx, func(tx *sqlx.Tx) error { return changeEnrollment(ctx, tx, ch, &r) })
	return r, err
}

// changeEnrollment is ChangeEnrollment in the caller's transaction (a diet
// request accepted changes the enrollments with it, diets.go).
func changeEnrollment(ctx context.Context, tx *sqlx.Tx, ch EnrollmentChange, r *EnrollmentChangeResult) error {
	{
		var old struct {
			ChildID     int64         `db:"child_id"`
			ServiceID   int64         `db:"service_id"`
			StartsOn    time.Time     `db:"starts_on"`
			EndsOn      time.Time     `db:"ends_on"`
			DietID      sql.NullInt64 `db:"diet_id"`
			TariffName  string        `db:"tariff_name"`
			TariffCents int64         `db:"tariff_cents"`
			Billing     string        `db:"billing"`
			Version     int           `db:"version"`
		}
		if err := tx.GetContext(ctx, &old, `SELECT child_id, service_id, starts_on, ends_on, diet_id, tariff_name, tariff_cents, billing, version
			FROM enrollments WHERE installation_id = $1 AND id = $2 FOR UPDATE`, ch.InstallationID, ch.EnrollmentID); err != nil {
			return fmt.Errorf("enrollment %d: %w", ch.EnrollmentID, notFound(err))
		}
		if old.Version != ch.Version {
			return ErrEnrollmentChanged
		}
		if ch.From.Before(old.StartsOn) || ch.From.After(old.EndsOn) {
			return ErrOutsidePeriod
		}
		if _, err := tx.ExecContext(ctx, `UPDATE enrollments SET ends_on = $3::date - 1, version = version + 1
			WHERE installation_id = $1 AND id = $2`, ch.InstallationID, ch.EnrollmentID, ch.From); err != nil {
			return fmt.Errorf("end enrollment: %w", err)
		}
		reason := "Fine iscrizione dal " + ch.From.Format("02/01/2006")
		if !ch.End {
			reason = "Nuove condizioni dell'iscrizione dal " + ch.From.Format("02/01/2006")
		}
		// the live (not reversed) charges from From on, by day and by month
		var rev struct {
			N     int   `db:"n"`
			Cents int64 `db:"cents"`
		}
		if err := tx.GetContext(ctx, &rev, `
			WITH live AS (
				SELECT l.id, l.adult_id, l.amount_cents, l.attendance_day FROM ledger_entries l
				WHERE l.installation_id = $1 AND l.child_id = $2 AND l.service_id = $3 AND l.kind = 'charge'
				  AND ((l.attendance_day BETWEEN $4 AND $5)
				       OR (l.attendance_day IS NULL AND l.idempotency_key LIKE 'month:' || $2 || ':' || $3 || ':%'
				           AND to_date(split_part(l.idempotency_key, ':', 4), 'YYYY-MM') BETWEEN $4 AND $5))
				  AND NOT EXISTS (SELECT 1 FROM ledger_entries r WHERE r.installation_id = l.installation_id AND r.reverses_id = l.id)
			), ins AS (
				INSERT INTO ledger_entries (installation_id, adult_id, kind, amount_cents, entry_date, child_id, service_id,
					attendance_day, reason, reverses_id, created_by, idempotency_key)
				SELECT $1, adult_id, 'refund', -amount_cents, $6, $2, $3, attendance_day, $7, id, $8, 'rev:' || id
				FROM live ORDER BY id
				ON CONFLICT (installation_id, idempotency_key) DO NOTHING
				RETURNING amount_cents)
			SELECT count(*) AS n, coalesce(sum(amount_cents), 0) AS cents FROM ins`,
			ch.InstallationID, old.ChildID, old.ServiceID, ch.From, old.EndsOn, ch.Today, reason, ch.By); err != nil {
			return fmt.Errorf("reverse charges: %w", err)
		}
		r.Reversed, r.ReversedCents = rev.N, rev.Cents
		detail := map[string]any{"before": map[string]any{"service": old.ServiceID, "starts_on": old.StartsOn.Format(time.DateOnly),
			"ends_on": old.EndsOn.Format(time.DateOnly), "diet": old.DietID, "tariff_name": old.TariffName,
			"tariff_cents": old.TariffCents, "billing": old.Billing}}
		kind := "ended"
		if ch.End || ch.ServiceID != old.ServiceID {
			res, err := tx.ExecContext(ctx, `
				DELETE FROM attendance a WHERE a.installation_id = $1 AND a.child_id = $2 AND a.service_id = $3 AND a.day BETWEEN $4 AND $5
				  AND NOT EXISTS (SELECT 1 FROM enrollments e WHERE e.installation_id = a.installation_id AND e.child_id = a.child_id
				                  AND e.service_id = a.service_id AND a.day BETWEEN e.starts_on AND e.ends_on)`,
				ch.InstallationID, old.ChildID, old.ServiceID, ch.From, old.EndsOn)
			if err != nil {
				return fmt.Errorf("remove days after the end: %w", err)
			}
			n, _ := res.RowsAffected()
			r.RemovedDays = int(n)
		}
		if !ch.End {
			kind = "changed"
			id, err := addEnrollment(ctx, tx, NewEnrollment{InstallationID: ch.InstallationID, ChildID: old.ChildID, ServiceID: ch.ServiceID,
				DietID: ch.DietID, StartsOn: ch.From, EndsOn: old.EndsOn, TariffName: ch.TariffName, TariffCents: ch.TariffCents, Billing: ch.Billing})
			if err != nil {
				return err
			}
			r.NewEnrollmentID = id
			if _, err := tx.ExecContext(ctx, `UPDATE enrollments SET previous_id = $3, school_year = $4 WHERE installation_id = $1 AND id = $2`,
				ch.InstallationID, id, ch.EnrollmentID, SchoolYearOf(old.StartsOn)); err != nil {
				return fmt.Errorf("link enrollment: %w", err)
			}
			if err := chargeAgain(ctx, tx, ch, old.ChildID, r); err != nil {
				return err
			}
			detail["after"] = map[string]any{"enrollment": id, "service": ch.ServiceID, "diet": ch.DietID, "tariff_name": ch.TariffName,
				"tariff_cents": ch.TariffCents, "billing": ch.Billing}
			if err := enrollmentEvent(ctx, tx, ch.InstallationID, id, "created", ch.From, ch.Reason, map[string]any{"continues": ch.EnrollmentID}, ch.By); err != nil {
				return err
			}
		}
		detail["ledger"] = r
		return enrollmentEvent(ctx, tx, ch.InstallationID, ch.EnrollmentID, kind, ch.From, ch.Reason, detail, ch.By)
	}
}

// chargeAgain charges the new enrollment's days present up to today (and
// its months begun), each with a key that follows the charges already made
// for the day, as the register does when it charges a day again.
func chargeAgain(ctx context.Context, tx *sqlx.Tx, ch EnrollmentChange, childID int64, r *EnrollmentChangeResult) error {
	var days []time.Time
	if err := tx.SelectContext(ctx, &days, `SELECT day FROM attendance WHERE installation_id = $1 AND child_id = $2 AND service_id = $3
		AND day BETWEEN $4 AND $5 AND status = 'present' ORDER BY day`, ch.InstallationID, childID, ch.ServiceID, ch.From, ch.Today); err != nil {
		return fmt.Errorf("days to charge: %w", err)
	}
	for _, day := range days {
		var made int
		if err := tx.GetContext(ctx, &made, `SELECT count(*) FROM ledger_entries WHERE installation_id = $1 AND child_id = $2
			AND service_id = $3 AND attendance_day = $4 AND kind = 'charge'`, ch.InstallationID, childID, ch.ServiceID, day); err != nil {
			return fmt.Errorf("charges of %s: %w", day.Format(time.DateOnly), err)
		}
		suffix := ""
		if made > 0 {
			suffix = fmt.Sprintf(":%d", made)
		}
		res, err := tx.ExecContext(ctx, qChargeOneDay, ch.InstallationID, day, day, childID, ch.ServiceID, suffix)
		if err != nil {
			return fmt.Errorf("charge %s again: %w", day.Format(time.DateOnly), err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			r.Charged++
			r.ChargedCents -= ch.TariffCents
		}
	}
	if ch.Billing != "monthly" || ch.TariffCents == 0 {
		return nil
	}
	var months struct {
		N     int   `db:"n"`
		Cents int64 `db:"cents"`
	}
	err := tx.GetContext(ctx, &months, `
		WITH ins AS (
			INSERT INTO ledger_entries (installation_id, adult_id, kind, amount_cents, entry_date, child_id, service_id, idempotency_key, reason)
			SELECT e.installation_id, g.adult_id, 'charge', -e.tariff_cents, m::date, e.child_id, e.service_id,
			       'month:' || e.child_id || ':' || e.service_id || ':' || to_char(m, 'YYYY-MM') || ':' ||
			       (SELECT count(*) FROM ledger_entries x WHERE x.installation_id = e.installation_id AND x.kind = 'charge'
			          AND x.idempotency_key LIKE 'month:' || e.child_id || ':' || e.service_id || ':' || to_char(m, 'YYYY-MM') || '%'),
			       e.tariff_name
			FROM enrollments e
			JOIN guardianships g ON g.installation_id = e.installation_id AND g.child_id = e.child_id AND g.role = 'payer'
			CROSS JOIN LATERAL generate_series(date_trunc('month', e.starts_on - 1) + interval '1 month',
			                                   date_trunc('month', $3::date), interval '1 month') AS m
			WHERE e.installation_id = $1 AND e.id = $2 AND m::date <= e.ends_on
			  AND NOT EXISTS (SELECT 1 FROM ledger_entries l WHERE l.installation_id = e.installation_id AND l.kind = 'charge'
			        AND l.idempotency_key LIKE 'month:' || e.child_id || ':' || e.service_id || ':' || to_char(m, 'YYYY-MM') || '%'
			        AND NOT EXISTS (SELECT 1 FROM ledger_entries x WHERE x.installation_id = l.installation_id AND x.reverses_id = l.id))
			ON CONFLICT (installation_id, idempotency_key) DO NOTHING
			RETURNING amount_cents)
		SELECT count(*) AS n, coalesce(sum(amount_cents), 0) AS cents FROM ins`, ch.InstallationID, r.NewEnrollmentID, ch.Today)
	if err != nil {
		return fmt.Errorf("charge months again: %w", err)
	}
	r.Charged += months.N
	r.ChargedCents += months.Cents
	return nil
}

func enrollmentEvent(ctx context.Context, tx *sqlx.Tx, installationID, enrollmentID int64, kind string, on time.Time, reason string, detail map[string]any, by int64) error {
	js, err := json.Marshal(detail)
	if err != nil {
		return fmt.Errorf("enrollment event: %w", err)
	}
	var byAcc any
	if by != 0 {
		byAcc = by
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO enrollment_events (installation_id, enrollment_id, kind, effective_on, reason, detail, by_account)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, installationID, enrollmentID, kind, on, reason, js, byAcc)
	return wrap("enrollment event", err)
}

// EnrollmentEvent is one line of an enrollment's history.
type EnrollmentEvent struct {
	EnrollmentID int64     `db:"enrollment_id"`
	Kind         string    `db:"kind"`
	EffectiveOn  time.Time `db:"effective_on"`
	Reason       string    `db:"reason"`
	Detail       []byte    `db:"detail"`
	By           string    `db:"by_name"`
	At           time.Time `db:"at"`
}

// EnrollmentEventsOfChild lists the history of a child's enrollments,
// oldest first.
func (s *Store) EnrollmentEventsOfChild(ctx context.Context, installationID, childID int64) ([]EnrollmentEvent, error) {
	var list []EnrollmentEvent
	err := s.db.SelectContext(ctx, &list, `
		SELECT ev.enrollment_id, ev.kind, ev.effective_on, ev.reason, ev.detail, coalesce(a.username, '') AS by_name, ev.at
		FROM enrollment_events ev
		JOIN enrollments e ON e.installation_id = ev.installation_id AND e.id = ev.enrollment_id
		LEFT JOIN accounts a ON a.installation_id = ev.installation_id AND a.id = ev.by_account
		WHERE ev.installation_id = $1 AND e.child_id = $2 ORDER BY ev.at, ev.id`, installationID, childID)
	return list, wrap("enrollment history", err)
}

// AddEnrollmentBy records an enrollment made by a clerk, with the first
// line of its history, in one transaction.
func (s *Store) AddEnrollmentBy(ctx context.Context, e NewEnrollment, by int64) (int64, error) {
	var id int64
	err := s.WithTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		if id, err = addEnrollment(ctx, tx, e); err != nil {
			return err
		}
		return enrollmentEvent(ctx, tx, e.InstallationID, id, "created", e.StartsOn, "", map[string]any{}, by)
	})
	return id, err
}
