package db

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"

	"portalegenitori/internal/booking"
	"portalegenitori/internal/calendar"
)

// MealReminderHour is when the reminder of a meal not yet booked goes:
// this hour (Italian time) of the evening before the day of the cut-off
// (docs/alerts.md).
const MealReminderHour = 18

// ReminderDay is the next school day of an explicit-booking service whose
// cut-off is still ahead, with its cut-off and when its reminder is due.
type ReminderDay struct {
	InstallationID int64
	ServiceID      int64
	Day            time.Time // civil date
	Cutoff         time.Time
	RemindAt       time.Time
}

// ReminderAt is when the reminder of a day goes: 18:00 of the evening
// before the cut-off's day, not before the day's booking window opens.
func ReminderAt(r booking.Rules, cal booking.Calendar, day time.Time) time.Time {
	c := r.Cutoff(cal, day).In(calendar.Rome)
	at := time.Date(c.Year(), c.Month(), c.Day()-1, MealReminderHour, 0, 0, 0, calendar.Rome)
	if opens := r.Opens(cal, day); opens.After(at) {
		at = opens
	}
	return at
}

// nextReminderDay finds the first school day (weekends and closures
// skipped) of the service whose cut-off is after now.
func nextReminderDay(ctx context.Context, q sqlx.QueryerContext, inst, service int64, now time.Time) (ReminderDay, bool, error) {
	settings, err := bookingSettings(ctx, q, inst, service)
	if err != nil {
		return ReminderDay{}, false, err
	}
	if !settings.Enabled || settings.Mode != booking.Explicit {
		return ReminderDay{}, false, nil
	}
	today := booking.Today(now)
	cal, err := schoolCalendar(ctx, q, inst, today.AddDate(0, 0, -70), today.AddDate(0, 0, 40))
	if err != nil {
		return ReminderDay{}, false, fmt.Errorf("reminder calendar: %w", err)
	}
	rules := settings.Rules()
	for d := today; d.Before(today.AddDate(0, 0, 40)); d = d.AddDate(0, 0, 1) {
		if !cal.SchoolDay(d) {
			continue
		}
		if c := rules.Cutoff(cal, d); c.After(now) {
			return ReminderDay{InstallationID: inst, ServiceID: service, Day: d, Cutoff: c, RemindAt: ReminderAt(rules, cal, d)}, true, nil
		}
	}
	return ReminderDay{}, false, nil
}

// DueMealReminders lists, for every enabled explicit-booking service of
// every installation, its next school day whose cut-off is still ahead,
// when the reminder of that day is due at now.
func (s *Store) DueMealReminders(ctx context.Context, now time.Time) ([]ReminderDay, error) {
	var svcs []struct {
		Inst    int64 `db:"installation_id"`
		Service int64 `db:"service_id"`
	}
	if err := s.db.SelectContext(ctx, &svcs, `SELECT installation_id, service_id FROM booking_settings
		WHERE enabled AND mode = 'explicit' ORDER BY installation_id, service_id`); err != nil {
		return nil, fmt.Errorf("explicit booking services: %w", err)
	}
	var out []ReminderDay
	for _, sv := range svcs {
		rd, ok, err := nextReminderDay(ctx, s.db, sv.Inst, sv.Service, now)
		if err != nil {
			return nil, err
		}
		if ok && !now.Before(rd.RemindAt) {
			out = append(out, rd)
		}
	}
	return out, nil
}

// ReminderChild is a child without a booking decision for a day, as one
// of the adults to remind sees it, with that adult's contacts and settings.
type ReminderChild struct {
	AdultID    int64  `db:"adult_id"`
	AccountID  int64  `db:"account_id"`
	FiscalCode string `db:"fiscal_code"`
	Email      string `db:"email"`
	Mobile     string `db:"mobile"`
	Lang       string `db:"lang"`
	AlertSettings
	ChildID     int64  `db:"child_id"`
	FirstName   string `db:"first_name"`
	ServiceID   int64  `db:"service_id"`
	ServiceName string `db:"service_name"`
	Cutoff      time.Time
}

// MealReminderChildren lists the children enrolled on day in an enabled
// explicit-booking service of the installation whose cut-off is after now
// and whose meal has no change at all as of now ("none", no decision),
// each with every paying adult with an account who guards them and has
// the reminder on (their own choice, or the Comune's default). adultID 0:
// every adult. Sorted by adult, then child.
func (s *Store) MealReminderChildren(ctx context.Context, inst int64, day, now time.Time, adultID int64) ([]ReminderChild, error) {
	if err := ensureAlertDefaults(ctx, s.db); err != nil {
		return nil, err
	}
	var services []int64
	if err := s.db.SelectContext(ctx, &services, `SELECT service_id FROM booking_settings
		WHERE installation_id = $1 AND enabled AND mode = 'explicit' ORDER BY service_id`, inst); err != nil {
		return nil, fmt.Errorf("explicit booking services: %w", err)
	}
	var adult any
	if adultID != 0 {
		adult = adultID
	}
	var out []ReminderChild
	for _, sv := range services {
		settings, err := bookingSettings(ctx, s.db, inst, sv)
		if err != nil {
			return nil, err
		}
		cal, err := schoolCalendar(ctx, s.db, inst, day.AddDate(0, 0, -70), day)
		if err != nil {
			return nil, fmt.Errorf("reminder calendar: %w", err)
		}
		if !cal.SchoolDay(day) {
			continue
		}
		cutoff := settings.Rules().Cutoff(cal, day)
		if !cutoff.After(now) {
			continue
		}
		var rows []ReminderChild
		err = s.db.SelectContext(ctx, &rows, `
			SELECT ad.id AS adult_id, acc.id AS account_id, ad.fiscal_code, ad.email, ad.mobile, acc.lang,
			       coalesce(p.low_enabled, d.low_enabled) AS low_enabled, coalesce(p.low_mode, d.low_mode) AS low_mode,
			       coalesce(p.low_amount_cents, d.low_amount_cents) AS low_amount_cents, coalesce(p.low_meals, d.low_meals) AS low_meals,
			       coalesce(p.debt_enabled, d.debt_enabled) AS debt_enabled, coalesce(p.via_email, d.via_email) AS via_email,
			       coalesce(p.via_sms, d.via_sms) AS via_sms, coalesce(p.via_appio, d.via_appio) AS via_appio,
			       coalesce(p.quiet_start, d.quiet_start) AS quiet_start, coalesce(p.quiet_end, d.quiet_end) AS quiet_end,
			       coalesce(p.reminder_enabled, d.reminder_enabled) AS reminder_enabled,
			       c.id AS child_id, c.first_name, sv.id AS service_id, sv.name AS service_name
			FROM meal_states($1, $2, $3, $4) ms
			JOIN children c ON c.installation_id = $1 AND c.id = ms.child_id
			JOIN services sv ON sv.installation_id = $1 AND sv.id = $2
			JOIN guardianships g ON g.installation_id = $1 AND g.child_id = ms.child_id
			JOIN adults ad ON ad.installation_id = $1 AND ad.id = g.adult_id
			JOIN accounts acc ON acc.installation_id = $1 AND acc.adult_id = ad.id
			JOIN alert_defaults d ON d.installation_id = $1
			LEFT JOIN alert_prefs p ON p.installation_id = $1 AND p.adult_id = ad.id
			WHERE ms.state = 'none' AND ms.change_id IS NULL
			  AND coalesce(p.reminder_enabled, d.reminder_enabled)
			  AND ($5::bigint IS NULL OR ad.id = $5)
			  AND EXISTS (SELECT 1 FROM guardianships gp WHERE gp.installation_id = $1 AND gp.adult_id = ad.id AND gp.role = 'payer')`,
			inst, sv, day, now, adult)
		if err != nil {
			return nil, fmt.Errorf("meal reminder children of service %d: %w", sv, err)
		}
		for i := range rows {
			rows[i].Cutoff = cutoff
		}
		out = append(out, rows...)
	}
	sortReminderChildren(out)
	return out, nil
}

func sortReminderChildren(list []ReminderChild) {
	slices.SortStableFunc(list, func(a, b ReminderChild) int {
		return cmp.Or(cmp.Compare(a.AdultID, b.AdultID), cmp.Compare(a.ChildID, b.ChildID))
	})
}

// ClaimMealReminder records the reminder of the adult for day and calls
// enqueue in the same transaction; a reminder already recorded (a rerun)
// calls nothing and returns false.
func (s *Store) ClaimMealReminder(ctx context.Context, inst, adultID int64, day time.Time, children int, enqueue func(tx *sql.Tx) error) (bool, error) {
	claimed := false
	err := s.WithTx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO meal_reminders (installation_id, adult_id, day, children) VALUES ($1, $2, $3, $4)
			ON CONFLICT DO NOTHING`, inst, adultID, day, children)
		if err != nil {
			return fmt.Errorf("claim meal reminder of adult %d: %w", adultID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		claimed = true
		return enqueue(tx.Tx)
	})
	return claimed, err
}

// GuardsExplicitBooking tells whether the adult guards a child enrolled
// (today or later) in an enabled explicit-booking service: the reminder
// is offered only then.
func (s *Store) GuardsExplicitBooking(ctx context.Context, inst, adultID int64, today time.Time) (bool, error) {
	var ok bool
	err := s.db.GetContext(ctx, &ok, `
		SELECT EXISTS (SELECT 1 FROM guardianships g
			JOIN enrollments e ON e.installation_id = g.installation_id AND e.child_id = g.child_id AND e.ends_on >= $3
			JOIN booking_settings bs ON bs.installation_id = e.installation_id AND bs.service_id = e.service_id
			WHERE g.installation_id = $1 AND g.adult_id = $2 AND bs.enabled AND bs.mode = 'explicit')`, inst, adultID, today)
	if err != nil {
		return false, fmt.Errorf("explicit booking of adult %d: %w", adultID, err)
	}
	return ok, nil
}
