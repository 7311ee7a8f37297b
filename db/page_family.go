package db

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// FamilyPage is everything the family home shows, read in one statement.
type FamilyPage struct {
	Adult       *Adult
	Children    []ChildSummary // none for a stale link
	Enrollments []Enrollment   // of the school year, by child and service
	Presences   []PresenceCount
	Balances    map[int64]int64 // by paying adult
	Unread      int
	Settings    []BookingSettings // the bookable services
	ReceiptMail bool              // the account wants meal receipts by e-mail
	// the tariffs by ISEE on Today of the enrollments covering it, in a
	// service with tariffs by ISEE (TariffsOn), and then the viewer's latest
	// declaration (ISEEDeclarationsOf's first, without the adult's name and
	// who decided)
	Tariffs    []EnrollmentTariff
	LatestISEE *ISEEDeclaration
	// the enrolment windows open now and the requests the viewer may read
	// (EnrolmentWindows, EnrolmentRequestsOfAdult), with only what the panel
	// shows: the request's window, service, child, status and dates (not its
	// answers, documents, school, adult, clerks or known child)
	Windows  []EnrolmentWindow
	Requests []EnrolmentRequest
	// today's menu of the children (ChildMenus on Today, from the
	// installation's menus kept in memory: menu_book.go), when a menu is in
	// force for a school of the children
	Menus  []ChildMenuCourse
	Panels struct{ Menus bool }
	meal   mealInputs
}

// FamilyQuery names the family home of an account's adult.
type FamilyQuery struct {
	InstallationID, AdultID, AccountID int64
	LinkedFiscalCode                   sql.NullString
	SchoolYear                         int
	MonthFirst, MonthLast              time.Time // the month whose presences are counted
	MealFrom, MealTo                   time.Time // the days "Prossimi giorni" may list
	Today                              time.Time // the day of the tariffs and of the menu
}

// The children are those of the viewer's guardianships (kids); every other
// part reads through kids or through the adult (viewer, for the panels:
// nothing for a stale link).
var qFamilyPage = `
WITH ad AS (
	SELECT installation_id, id, fiscal_code, first_name, last_name, email, mobile
	FROM adults WHERE installation_id = $1 AND id = $2
), kids AS (
	SELECT c.id, c.first_name, c.last_name, g.role, coalesce(s.name, '') AS school, c.class_name,
	       p.adult_id AS payer_id, coalesce(pa.first_name || ' ' || pa.last_name, '') AS payer_name,
	       row_number() OVER (ORDER BY c.birth_date, c.first_name, c.id) AS ord
	FROM ad
	JOIN guardianships g ON g.installation_id = ad.installation_id AND g.adult_id = ad.id
	JOIN children c ON c.installation_id = g.installation_id AND c.id = g.child_id
	LEFT JOIN schools s ON s.installation_id = c.installation_id AND s.id = c.school_id
	LEFT JOIN guardianships p ON p.installation_id = g.installation_id AND p.child_id = g.child_id AND p.role = 'payer'
	LEFT JOIN adults pa ON pa.installation_id = p.installation_id AND pa.id = p.adult_id
	WHERE $3::text IS NULL OR ad.fiscal_code = $3
), en AS (` + qEnrollments + `
	WHERE e.installation_id = $1 AND e.child_id IN (SELECT id FROM kids) AND e.school_year = $4
	  AND e.ends_on >= e.starts_on -- not withdrawn before it started
), bs AS (` + qBookingSettings + ` AND sv.id IN (SELECT service_id FROM en)
), bookable AS (
	SELECT * FROM bs WHERE enabled
), viewer AS (
	SELECT id FROM ad WHERE $3::text IS NULL OR ad.fiscal_code = $3
), tq AS (
	SELECT DISTINCT child_id, service_id FROM en WHERE $10::date BETWEEN starts_on AND ends_on
), tf AS (` + tariffsOn("$10") + `
)
SELECT
	(SELECT row_to_json(ad) FROM ad) AS adult,
	(SELECT json_agg(to_jsonb(kids) - 'ord' ORDER BY ord) FROM kids) AS children,
	(SELECT json_agg(en ORDER BY en.child_id, en.service_id, en.starts_on) FROM en) AS enrollments,
	(SELECT json_agg(x) FROM (
		SELECT child_id, service_id, count(*) FILTER (WHERE status = 'present') AS present
		FROM attendance
		WHERE installation_id = $1 AND child_id IN (SELECT id FROM kids) AND day BETWEEN $5 AND $6
		GROUP BY child_id, service_id) x) AS presences,
	(SELECT json_agg(x) FROM (
		SELECT adult_id AS id, sum(amount_cents) AS amount_cents FROM ledger_entries
		WHERE installation_id = $1 AND adult_id IN (SELECT payer_id FROM kids) GROUP BY adult_id) x) AS balances,
	(SELECT count(*) FROM broadcast_recipients
		WHERE installation_id = $1 AND adult_id = (SELECT id FROM ad) AND read_at IS NULL) AS unread,
	(SELECT json_agg(bookable ORDER BY service_id) FROM bookable) AS settings,
	(SELECT json_agg(x) FROM (
		SELECT child_id, service_id, starts_on, ends_on FROM en
		WHERE service_id IN (SELECT service_id FROM bookable) AND starts_on <= $8 AND ends_on >= $7) x) AS meal_periods,
	(SELECT json_agg(x) FROM (
		SELECT day, description FROM closures
		WHERE installation_id = $1 AND day BETWEEN $7::date - 70 AND $8 AND EXISTS (SELECT FROM bookable)) x) AS meal_closed,
	(SELECT json_agg(x) FROM (
		-- by child and service: with child_id IN (kids) the generic plan read
		-- the installation's changes of the days and filtered them
		SELECT m.* FROM kids CROSS JOIN bookable b CROSS JOIN LATERAL (
			SELECT DISTINCT ON (day) ` + mealChangeCols + ` FROM meal_changes
			WHERE installation_id = $1 AND child_id = kids.id AND service_id = b.service_id AND day BETWEEN $7 AND $8
			ORDER BY day, accepted_at DESC, id DESC) m) x) AS meal_states,
	EXISTS (SELECT 1 FROM booking_receipt_emails WHERE installation_id = $1 AND account_id = $9
		AND EXISTS (SELECT FROM bookable)) AS receipt_mail,
	(SELECT json_agg(tf ORDER BY child_id, service_id) FROM tf) AS tariffs,
	(SELECT row_to_json(x) FROM (
		-- what the panel shows: the value, its state and why it was refused
		SELECT d.id, d.installation_id, d.adult_id, d.isee_cents, d.dsu_protocol, d.expires_on, d.status, d.declared_at,
		       d.decided_at, d.applies_from, d.reason
		FROM isee_declarations d
		WHERE d.installation_id = $1 AND d.adult_id = (SELECT id FROM viewer) AND d.status <> 'sostituita' AND EXISTS (SELECT FROM tf)
		ORDER BY d.declared_at DESC, d.id DESC LIMIT 1) x) AS latest_isee,
	(SELECT json_agg(w ORDER BY w.opens_at DESC, w.id DESC) FROM (
		SELECT w.id, w.service_id, sv.name AS service_name, w.school_year, w.title, w.opens_at, w.closes_at, w.starts_on, w.ends_on,
		       w.debts, false AS early, false AS closed
		FROM enrolment_windows w
		JOIN services sv ON sv.installation_id = w.installation_id AND sv.id = w.service_id
		WHERE w.installation_id = $1 AND now() >= w.opens_at AND now() < w.closes_at AND EXISTS (SELECT FROM viewer)) w) AS windows,
	(SELECT json_agg(r ORDER BY r.submitted_at DESC, r.id DESC) FROM (
		SELECT r.id, r.window_id, w.title AS window_title, w.service_id, sv.name AS service_name, w.school_year, w.starts_on, w.ends_on,
		       r.adult_id, r.child_id, r.first_name, r.last_name, r.submitted_at, r.status
		FROM enrolment_requests r
		JOIN enrolment_windows w ON w.installation_id = r.installation_id AND w.id = r.window_id
		JOIN services sv ON sv.installation_id = w.installation_id AND sv.id = w.service_id
		WHERE r.installation_id = $1 AND r.id IN (
			SELECT x.id FROM enrolment_requests x WHERE x.installation_id = $1 AND x.adult_id = (SELECT id FROM viewer)
			UNION SELECT x.id FROM enrolment_requests x WHERE x.installation_id = $1 AND x.child_id IN (SELECT id FROM kids))) r) AS requests,
	` + menuInputsPart("c.id IN (SELECT id FROM kids)", "$10") + `,
	EXISTS (SELECT 1 FROM menu_schools ms JOIN menus m ON m.installation_id = ms.installation_id AND m.id = ms.menu_id
		WHERE ms.installation_id = $1 AND m.valid_from <= $7::date + 1 AND m.valid_to >= $7::date - 1
		  AND ms.school_id IN (SELECT c.school_id FROM children c WHERE c.installation_id = $1 AND c.id IN (SELECT id FROM kids))) AS panel_menus`

// FamilyPage reads the family home in one statement.
func (s *Store) FamilyPage(ctx context.Context, q FamilyQuery) (*FamilyPage, error) {
	var raw struct {
		Adult, Children, Enrollments, Presences, Balances []byte
		Unread                                            int
		Settings, MealPeriods, MealClosed, MealStates     []byte
		Tariffs, LatestISEE, Windows, Requests, MenuKids  []byte
		MenuVersion                                       int64
	}
	p := &FamilyPage{}
	err := s.pageDB(ctx).QueryRowxContext(ctx, qFamilyPage, q.InstallationID, q.AdultID, q.LinkedFiscalCode, q.SchoolYear,
		q.MonthFirst, q.MonthLast, q.MealFrom, q.MealTo, q.AccountID, q.Today).Scan(&raw.Adult, &raw.Children, &raw.Enrollments,
		&raw.Presences, &raw.Balances, &raw.Unread, &raw.Settings, &raw.MealPeriods, &raw.MealClosed, &raw.MealStates, &p.ReceiptMail,
		&raw.Tariffs, &raw.LatestISEE, &raw.Windows, &raw.Requests, &raw.MenuKids, &raw.MenuVersion, &p.Panels.Menus)
	if err != nil {
		return nil, fmt.Errorf("family page of adult %d: %w", q.AdultID, err)
	}
	p.Unread = raw.Unread
	if p.Adult, err = scanJSONOne[Adult](raw.Adult); err != nil {
		return nil, err
	}
	if p.LatestISEE, err = scanJSONOne[ISEEDeclaration](raw.LatestISEE); err != nil {
		return nil, err
	}
	var tariffs []tariffRow
	var balances []struct {
		ID     int64 `db:"id"`
		Amount int64 `db:"amount_cents"`
	}
	for _, l := range []struct {
		raw  []byte
		dest any
	}{{raw.Children, &p.Children}, {raw.Enrollments, &p.Enrollments}, {raw.Presences, &p.Presences}, {raw.Balances, &balances},
		{raw.Settings, &p.Settings}, {raw.MealPeriods, &p.meal.periods}, {raw.MealClosed, &p.meal.closed}, {raw.MealStates, &p.meal.states},
		{raw.Tariffs, &tariffs}, {raw.Windows, &p.Windows}, {raw.Requests, &p.Requests}} {
		if err := scanJSON(l.raw, l.dest); err != nil {
			return nil, err
		}
	}
	if len(tariffs) > 0 {
		p.Tariffs = tariffsOf(tariffs)
	}
	if p.Menus, err = s.menusOn(ctx, q.InstallationID, raw.MenuKids, raw.MenuVersion, q.Today); err != nil {
		return nil, err
	}
	p.Balances = make(map[int64]int64, len(balances))
	for _, b := range balances {
		p.Balances[b.ID] = b.Amount
	}
	return p, nil
}

// MealDays is Store.MealDays of a child's bookable service from the page's
// data; from..to must lie within the query's MealFrom..MealTo.
func (p *FamilyPage) MealDays(childID int64, settings BookingSettings, from, to time.Time) []MealDay {
	var periods []Enrollment
	for _, e := range p.meal.periods {
		if e.ChildID == childID && e.ServiceID == settings.ServiceID {
			periods = append(periods, e)
		}
	}
	var states []MealChange
	for _, m := range p.meal.states {
		if m.ChildID == childID && m.ServiceID == settings.ServiceID {
			states = append(states, m)
		}
	}
	return mealDaysOf(childID, settings, from, to, periods, p.meal.closed, states)
}
