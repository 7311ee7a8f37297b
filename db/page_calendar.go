package db

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"portalegenitori/internal/booking"
	"portalegenitori/internal/calendar"
)

// CalendarPage is everything the attendance calendar of one child at one
// service shows for a month (and a chosen day), read in one statement.
type CalendarPage struct {
	Adult      *Adult            // nil: the account's adult is gone
	Child      *ChildSummary     // nil: not a child of the adult (or a stale link)
	Enrollment *Enrollment       // nil: never enrolled in the service
	Records    []Attendance      // the month's
	Closures   []Closure         // the month's
	Entries    []LedgerEntry     // the month's days' charges and refunds
	Charged    int64             // the month's total: its days' entries and the undated ones dated in it
	Others     []Enrollment      // the child's enrollments of the school year
	DayRecord  *AttendanceDetail // the chosen day's record, if any
	Settings   *BookingSettings  // the service's booking rules
	History    []MealChange      // the chosen day's meal changes, oldest first
	Menus      []ChildMenuCourse // the chosen day's menu (ChildMenus), for a mensa service
	meal       mealInputs
}

// mealInputs are what MealDays reads, for the month.
type mealInputs struct {
	periods []Enrollment // starts_on, ends_on only
	closed  []Closure    // from 70 days before the month: cut-offs count school days back
	states  []MealChange // the latest change of each day
}

// CalendarQuery names the page: the viewer's adult (and the codice fiscale
// the account was linked with, checked in the statement), the child, the
// service, the month and, optionally, a day of it.
type CalendarQuery struct {
	InstallationID, AdultID int64
	LinkedFiscalCode        sql.NullString
	ChildID, ServiceID      int64
	First, Last             time.Time
	Day                     time.Time // zero: none
}

// The guardianship check is the join ad → g → c: every part after it reads
// through ch (the child reachable from the viewer) or en (its enrollment),
// so another family's child yields nothing but the viewer's adult.
//
// A month without a chosen day runs qCalendarMonth: the same statement
// without the day's parts ($8), whose subplans PostgreSQL would otherwise
// set up on every run to find nothing (a third of the statement's cost is
// that setup; docs/performance.md).
var (
	qCalendarPage  = calendarPageQuery(true)
	qCalendarMonth = calendarPageQuery(false)
)

func calendarPageQuery(day bool) string {
	dayParts := `
	NULL::json AS day_record,
	(SELECT row_to_json(bs) FROM bs) AS settings,` + mealPartsSQL + `,
	NULL::json AS history,
	NULL::json AS menu_kids, 0::bigint AS menu_version`
	if day {
		dayParts = dayPartsSQL
	}
	return calendarHead + dayParts
}

const calendarHead = `
WITH ad AS (
	SELECT installation_id, id, fiscal_code, first_name, last_name, email, mobile
	FROM adults WHERE installation_id = $1 AND id = $2
), ch AS (
	SELECT c.id, c.first_name, c.last_name, g.role, coalesce(s.name, '') AS school, c.class_name,
	       p.adult_id AS payer_id, coalesce(pa.first_name || ' ' || pa.last_name, '') AS payer_name
	FROM ad
	JOIN guardianships g ON g.installation_id = ad.installation_id AND g.adult_id = ad.id AND g.child_id = $3
	JOIN children c ON c.installation_id = g.installation_id AND c.id = g.child_id
	LEFT JOIN schools s ON s.installation_id = c.installation_id AND s.id = c.school_id
	LEFT JOIN guardianships p ON p.installation_id = g.installation_id AND p.child_id = g.child_id AND p.role = 'payer'
	LEFT JOIN adults pa ON pa.installation_id = p.installation_id AND pa.id = p.adult_id
	WHERE $7::text IS NULL OR ad.fiscal_code = $7
	LIMIT 1
), en AS (` + qEnrollments + `
	WHERE e.installation_id = $1 AND e.child_id = (SELECT id FROM ch) AND e.service_id = $4 AND e.ends_on >= e.starts_on
	ORDER BY (e.starts_on <= $5 AND e.ends_on >= $5) DESC, abs(e.starts_on - $5::date), e.id DESC
	LIMIT 1
), bs AS (` + qBookingSettings + ` AND sv.id = (SELECT service_id FROM en)
)
SELECT
	(SELECT row_to_json(ad) FROM ad) AS adult,
	(SELECT row_to_json(ch) FROM ch) AS child,
	(SELECT row_to_json(en) FROM en) AS enrollment,
	(SELECT json_agg(x ORDER BY x.day) FROM (
		SELECT day, status, source FROM attendance
		WHERE installation_id = $1 AND child_id = (SELECT child_id FROM en) AND service_id = $4 AND day BETWEEN $5 AND $6) x) AS records,
	(SELECT json_agg(x ORDER BY x.day) FROM (
		SELECT day, description FROM closures
		WHERE installation_id = $1 AND day BETWEEN $5::date - 70 AND $6 AND EXISTS (SELECT FROM en)) x) AS closures,
	(SELECT json_agg(x ORDER BY x.attendance_day, x.id) FROM (
		SELECT l.id, l.adult_id, l.kind, l.amount_cents, l.entry_date, l.child_id, l.service_id,
		       l.attendance_day, l.channel, l.receipt_ref, l.reason, l.reverses_id, l.created_at
		FROM ledger_entries l
		WHERE l.installation_id = $1 AND l.child_id = (SELECT child_id FROM en) AND l.service_id = $4
		  AND l.attendance_day BETWEEN $5 AND $6) x) AS entries,
	-- the month's total as two ranges of ledger_child_day: the month's days, and
	-- the entries without a day (a monthly pass) dated in the month
	(SELECT coalesce(sum(amount_cents), 0) FROM ledger_entries
		WHERE installation_id = $1 AND child_id = (SELECT child_id FROM en) AND service_id = $4
		  AND attendance_day BETWEEN $5 AND $6)
	+ (SELECT coalesce(sum(amount_cents), 0) FROM ledger_entries
		WHERE installation_id = $1 AND child_id = (SELECT child_id FROM en) AND service_id = $4
		  AND attendance_day IS NULL AND entry_date BETWEEN $5 AND $6) AS charged,
	(SELECT json_agg(x ORDER BY x.child_id, x.service_id, x.starts_on) FROM (` + qEnrollments + `
		WHERE e.installation_id = $1 AND e.child_id = (SELECT child_id FROM en)
		  AND e.school_year = (SELECT school_year FROM en) AND e.ends_on >= e.starts_on) x) AS others,
`

// CalendarPage reads the calendar page in one statement.
func (s *Store) CalendarPage(ctx context.Context, q CalendarQuery) (*CalendarPage, error) {
	query, args := qCalendarMonth, []any{q.InstallationID, q.AdultID, q.ChildID, q.ServiceID, q.First, q.Last, q.LinkedFiscalCode}
	if !q.Day.IsZero() {
		query, args = qCalendarPage, append(args, q.Day)
	}
	var raw struct {
		Adult, Child, Enrollment, Records, Closures, Entries []byte
		Charged                                              int64
		Others, DayRecord, Settings                          []byte
		MealPeriods, MealStates, History, MenuKids           []byte
		MenuVersion                                          int64
	}
	err := s.pageDB(ctx).QueryRowxContext(ctx, query, args...).Scan(&raw.Adult, &raw.Child, &raw.Enrollment, &raw.Records, &raw.Closures,
		&raw.Entries, &raw.Charged, &raw.Others, &raw.DayRecord, &raw.Settings, &raw.MealPeriods, &raw.MealStates, &raw.History, &raw.MenuKids, &raw.MenuVersion)
	if err != nil {
		return nil, fmt.Errorf("calendar page of child %d: %w", q.ChildID, err)
	}
	p := &CalendarPage{Charged: raw.Charged}
	if p.Adult, err = scanJSONOne[Adult](raw.Adult); err != nil {
		return nil, err
	}
	if p.Child, err = scanJSONOne[ChildSummary](raw.Child); err != nil {
		return nil, err
	}
	if p.Enrollment, err = scanJSONOne[Enrollment](raw.Enrollment); err != nil {
		return nil, err
	}
	if p.DayRecord, err = scanJSONOne[AttendanceDetail](raw.DayRecord); err != nil {
		return nil, err
	}
	if p.Settings, err = scanJSONOne[BookingSettings](raw.Settings); err != nil {
		return nil, err
	}
	for _, l := range []struct {
		raw  []byte
		dest any
	}{{raw.Records, &p.Records}, {raw.Closures, &p.meal.closed}, {raw.Entries, &p.Entries}, {raw.Others, &p.Others},
		{raw.MealPeriods, &p.meal.periods}, {raw.MealStates, &p.meal.states}, {raw.History, &p.History}} {
		if err := scanJSON(l.raw, l.dest); err != nil {
			return nil, err
		}
	}
	if !q.Day.IsZero() {
		if p.Menus, err = s.menusOn(ctx, q.InstallationID, raw.MenuKids, raw.MenuVersion, q.Day); err != nil {
			return nil, err
		}
	}
	for _, c := range p.meal.closed {
		if !c.Day.Before(q.First) {
			p.Closures = append(p.Closures, c)
		}
	}
	return p, nil
}

// MealDays is Store.MealDays from the page's data: from..to must lie in
// the page's month. Nil when the service is not bookable.
func (p *CalendarPage) MealDays(from, to time.Time) []MealDay {
	if p.Settings == nil || !p.Settings.Enabled {
		return nil
	}
	return mealDaysOf(p.Child.ID, *p.Settings, from, to, p.meal.periods, p.meal.closed, p.meal.states)
}

// mealDaysOf is the loop of Store.MealDays over data already read.
func mealDaysOf(childID int64, settings BookingSettings, from, to time.Time, periods []Enrollment, closed []Closure, states []MealChange) []MealDay {
	cal := booking.Calendar{Closed: make(map[time.Time]bool, len(closed))}
	for _, c := range closed {
		cal.Closed[calendar.DateOf(c.Day)] = true
	}
	byDay := make(map[time.Time]MealChange, len(states))
	for _, m := range states {
		byDay[calendar.DateOf(m.Day)] = m
	}
	rules := settings.Rules()
	var out []MealDay
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		in := false
		for _, e := range periods {
			if !d.Before(calendar.DateOf(e.StartsOn)) && !d.After(calendar.DateOf(e.EndsOn)) {
				in = true
			}
		}
		if !in || !cal.SchoolDay(d) {
			continue
		}
		md := MealDay{ChildID: childID, ServiceID: settings.ServiceID, Day: d, State: settings.Default(),
			Cutoff: rules.Cutoff(cal, d), Opens: rules.Opens(cal, d)}
		if m, ok := byDay[d]; ok {
			md.State, md.Last = m.State, &m
		}
		out = append(out, md)
	}
	return out
}

// mealPartsSQL are the month's meal periods and states (MealDays).
const mealPartsSQL = `
	(SELECT json_agg(x) FROM (
		SELECT starts_on, ends_on FROM enrollments
		WHERE installation_id = $1 AND child_id = (SELECT child_id FROM en) AND service_id = $4
		  AND starts_on <= $6 AND ends_on >= $5 AND (SELECT enabled FROM bs)) x) AS meal_periods,
	(SELECT json_agg(x) FROM (
		SELECT DISTINCT ON (day) ` + mealChangeCols + ` FROM meal_changes
		WHERE installation_id = $1 AND child_id = (SELECT child_id FROM en) AND service_id = $4 AND day BETWEEN $5 AND $6
		  AND (SELECT enabled FROM bs)
		ORDER BY day, accepted_at DESC, id DESC) x) AS meal_states`

// dayPartsSQL are the chosen day's parts ($8).
var dayPartsSQL = `
	(SELECT row_to_json(x) FROM (` + attendanceDaySQL("(SELECT child_id FROM en)", "$4", "$8") + `) x) AS day_record,
	(SELECT row_to_json(bs) FROM bs) AS settings,` + mealPartsSQL + `,
	(SELECT json_agg(x ORDER BY x.accepted_at, x.id) FROM (
		SELECT ` + mealChangeCols + ` FROM meal_changes
		WHERE installation_id = $1 AND child_id = (SELECT child_id FROM en) AND service_id = $4 AND day = $8
		  AND (SELECT enabled FROM bs)) x) AS history,
	` + menuInputsPart("c.id = (SELECT child_id FROM en) AND (SELECT service_kind FROM en) = 'mensa'", "$8")
