package db

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"portalegenitori/internal/booking"
	"portalegenitori/internal/calendar"
)

// seedDemoBooking gives the demo Comune its meal rules (the defaults,
// stored, so the settings page shows them as chosen) and a few changes
// made yesterday evening through the same rules as the portal: Luca's
// plain meal on the 3rd and 4th school day from today (Mario), Elena's
// meal cancelled on the 2nd (Giulia), Sofia's cancelled on the 12th and
// 13th, a family trip (Laura).
func seedDemoBooking(ctx context.Context, tx *sqlx.Tx, inst int64, today time.Time, children, services, accounts map[string]int64) error {
	mensa := services["mensa"]
	b := DefaultBookingSettings("mensa")
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO booking_settings (installation_id, service_id, enabled, mode, cutoff_day, cutoff_time, days_ahead,
			charge_unless_cancelled, plain_max_days, updated_by)
		VALUES ($1, $2, true, $3, $4, $5, $6, false, $7, $8) ON CONFLICT DO NOTHING`,
		inst, mensa, b.Mode, b.CutoffDay, b.CutoffTime, b.DaysAhead, b.PlainMaxDays, accounts["operatore"]); err != nil {
		return fmt.Errorf("seed booking settings: %w", err)
	}
	today = calendar.DateOf(today)
	cal, err := schoolCalendar(ctx, tx, inst, today.AddDate(0, 0, -70), today.AddDate(0, 0, 70))
	if err != nil {
		return fmt.Errorf("seed booking: %w", err)
	}
	var days []time.Time // the next school days, from tomorrow
	for d := today.AddDate(0, 0, 1); len(days) < 13 && d.Before(today.AddDate(0, 0, 30)); d = d.AddDate(0, 0, 1) {
		if cal.SchoolDay(d) {
			days = append(days, d)
		}
	}
	if len(days) < 13 {
		return nil // the end of the school year: nothing to book
	}
	evening := time.Date(today.Year(), today.Month(), today.Day(), 19, 30, 0, 0, calendar.Rome).AddDate(0, 0, -1)
	for i, c := range []struct {
		child, account, name, target string
		from, to                     int
	}{
		{"luca", "mario.rossi", "Mario Rossi", booking.Plain, 2, 3},
		{"elena", "giulia.bianchi", "Giulia Bianchi", booking.Cancelled, 1, 1},
		{"sofia", "laura.rossi", "Laura Rossi", booking.Cancelled, 11, 12},
	} {
		r := MealRequest{InstallationID: inst, ChildIDs: []int64{children[c.child]}, ServiceID: mensa,
			From: days[c.from], To: days[c.to], Target: c.target, AccountID: accounts[c.account], ActorName: c.name,
			Channel: ChannelParent, RequestKey: fmt.Sprintf("seed-%d", i), now: evening.Add(time.Duration(i) * time.Minute).Format(time.RFC3339Nano)}
		if _, err := changeMealsTx(ctx, txPrep{}, tx, r, r.ChildIDs); err != nil {
			return fmt.Errorf("seed meal change %s: %w", c.child, err)
		}
	}
	_, err = tx.ExecContext(ctx, `SELECT set_config('genitori.booking_now', '', true)`)
	return err
}

// seedSyntheticBooking gives the synthetic city its meal rules and, over
// the next ten school days, a cancelled meal for about one child in 25 a
// day and a plain meal for one in 200, recorded the evening before.
func seedSyntheticBooking(ctx context.Context, q sqlx.ExecerContext, inst int64, until time.Time) (int64, error) {
	if _, err := q.ExecContext(ctx, `
		INSERT INTO booking_settings (installation_id, service_id)
		SELECT installation_id, id FROM services WHERE installation_id = $1 AND kind = 'mensa'
		ON CONFLICT DO NOTHING`, inst); err != nil {
		return 0, fmt.Errorf("synthetic seed: booking settings: %w", err)
	}
	r, err := q.ExecContext(ctx, `
		WITH days AS (
			SELECT d::date AS day FROM generate_series($2::date + 1, $2::date + 16, interval '1 day') d
			WHERE extract(isodow FROM d) < 6
			  AND NOT EXISTS (SELECT 1 FROM closures cl WHERE cl.installation_id = $1 AND cl.day = d::date)
			ORDER BY 1 LIMIT 10)
		INSERT INTO meal_changes (installation_id, child_id, service_id, day, state, previous, accepted_at, cutoff_at,
			account_id, actor_name, channel, receipt_code, request_key)
		SELECT e.installation_id, e.child_id, e.service_id, days.day,
		       CASE WHEN x.h < 5 THEN 'plain' ELSE 'cancelled' END, 'booked',
		       (days.day - 1 + time '19:30') AT TIME ZONE 'Europe/Rome', (days.day + time '09:30') AT TIME ZONE 'Europe/Rome',
		       NULL, 'Genitore', 'parent',
		       'SYN' || lpad(to_hex((e.child_id * 7919 + (days.day - date '2000-01-01')) % 1048576), 5, '0'),
		       'syn-meal:' || e.child_id || ':' || days.day
		FROM enrollments e
		JOIN services sv ON sv.installation_id = e.installation_id AND sv.id = e.service_id AND sv.kind = 'mensa'
		JOIN days ON days.day BETWEEN e.starts_on AND e.ends_on
		CROSS JOIN LATERAL (SELECT abs(hashint8(e.child_id * 7 + (days.day - date '2000-01-01'))::bigint) % 1000 AS h) x
		WHERE e.installation_id = $1 AND x.h < 40
		ON CONFLICT (installation_id, request_key) DO NOTHING`, inst, until)
	if err != nil {
		return 0, fmt.Errorf("synthetic seed: meal changes: %w", err)
	}
	n, _ := r.RowsAffected()
	if _, err := q.ExecContext(ctx, `
		UPDATE attendance a SET status = 'absence_notified', source = 'parent', recorded_at = m.accepted_at
		FROM meal_changes m
		WHERE m.installation_id = $1 AND m.state = 'cancelled' AND m.day > $2
		  AND a.installation_id = m.installation_id AND a.child_id = m.child_id AND a.service_id = m.service_id AND a.day = m.day
		  AND a.status = 'booked'`, inst, until); err != nil {
		return 0, fmt.Errorf("synthetic seed: meal changes: %w", err)
	}
	return n, nil
}
