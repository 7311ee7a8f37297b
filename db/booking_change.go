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

	"portalegenitori/internal/booking"
	"portalegenitori/internal/calendar"
)

// A meal request is one transaction of two statements, each prepared once
// per connection (page.go): the first resolves the viewer, its
// guardianships, the rules, the closures and the enrollments, locks the
// children and reads, after the lock, the database clock and the meal
// changes (meal_request_state, migration 00036); Go decides by the rules of
// internal/booking; the second writes the changes, the attendance, the
// refunds and the audit row with data-modifying CTEs. With BEGIN and COMMIT,
// four round trips whatever the number of days.

// MealViewer is the parent acting: the children must be reachable through
// the adult's guardianships within the installation, read in the request's
// first statement, as the page statements check it.
type MealViewer struct {
	AdultID          int64
	LinkedFiscalCode sql.NullString // the codice fiscale the account was linked with
	// Enrolled asks that each child has been enrolled in the service (the
	// day's box of the calendar): otherwise ErrNotFound, as the page.
	Enrolled bool
	// Bookable: a service that takes no bookings is ErrNotFound (the
	// panel of the family home offers none), not a refusal.
	Bookable bool
}

// ErrStaleLink: the registry's codice fiscale of the viewer's adult changed
// after the account was linked (the family home tells the parent).
var ErrStaleLink = errors.New("the account's link to its adult is stale")

// qMealRequestState is the request's first statement; $8 are its request
// keys. The children read are those of the viewer's guardianships ($6 is 0
// for the office, which acts for any child of the installation).
const qMealRequestState = `
WITH ad AS (
	SELECT installation_id, id, fiscal_code, first_name, last_name FROM adults WHERE installation_id = $1 AND id = $6
), ch AS (
	SELECT c.id, c.first_name,
	       EXISTS (SELECT FROM enrollments e WHERE e.installation_id = c.installation_id AND e.child_id = c.id
	               AND e.service_id = $2 AND e.ends_on >= e.starts_on) AS enrolled
	FROM children c
	WHERE c.installation_id = $1 AND c.id = ANY ($3::bigint[])
	  AND ($6 = 0 OR EXISTS (
	      SELECT FROM ad JOIN guardianships g ON g.installation_id = ad.installation_id AND g.adult_id = ad.id AND g.child_id = c.id
	      WHERE $7::text IS NULL OR ad.fiscal_code = $7))
), bs AS (` + qBookingSettings + ` AND sv.id = $2
)
SELECT
	(SELECT row_to_json(ad) FROM ad) AS adult,
	(SELECT json_agg(ch ORDER BY ch.id) FROM ch) AS children,
	(SELECT row_to_json(bs) FROM bs) AS settings,
	(SELECT json_agg(x) FROM (
		SELECT day FROM closures WHERE installation_id = $1 AND day BETWEEN $4::date - 70 AND $5::date + 70) x) AS closures,
	(SELECT json_agg(x) FROM (
		SELECT child_id, starts_on, ends_on FROM enrollments
		WHERE installation_id = $1 AND child_id = ANY ($3::bigint[]) AND service_id = $2 AND starts_on <= $5 AND ends_on >= $4) x) AS periods,
	CASE WHEN (SELECT count(*) FROM ch) = cardinality($3::bigint[]) AND (SELECT enabled FROM bs)
	     THEN meal_request_state($1, $2, $3::bigint[], $4::date - 70, $5::date + 70, $8::text[]) END AS state`

// mealState is what the first statement read.
type mealState struct {
	adult    *Adult
	children []struct {
		ID        int64  `db:"id"`
		FirstName string `db:"first_name"`
		Enrolled  bool   `db:"enrolled"`
	}
	settings *BookingSettings
	cal      booking.Calendar
	periods  []struct {
		ChildID int64     `db:"child_id"`
		From    time.Time `db:"starts_on"`
		To      time.Time `db:"ends_on"`
	}
	locked bool // the children are locked: now, replay and states are read
	now    time.Time
	replay []MealChange
	states map[int64]map[time.Time]MealChange // by child, by day
}

func readMealState(ctx context.Context, p txPrep, tx *sqlx.Tx, r MealRequest, children []int64, keys []string) (*mealState, error) {
	var adultID int64
	var linked sql.NullString
	if r.Viewer != nil {
		adultID, linked = r.Viewer.AdultID, r.Viewer.LinkedFiscalCode
	}
	var raw struct{ Adult, Children, Settings, Closures, Periods, State []byte }
	err := p.queryRow(ctx, tx, qMealRequestState, r.InstallationID, r.ServiceID, pq.Array(children), r.From, r.To,
		adultID, linked, pq.Array(keys)).Scan(&raw.Adult, &raw.Children, &raw.Settings, &raw.Closures, &raw.Periods, &raw.State)
	if err != nil {
		return nil, err
	}
	st := &mealState{cal: booking.Calendar{Closed: map[time.Time]bool{}}, states: map[int64]map[time.Time]MealChange{}}
	if st.adult, err = scanJSONOne[Adult](raw.Adult); err != nil {
		return nil, err
	}
	if st.settings, err = scanJSONOne[BookingSettings](raw.Settings); err != nil {
		return nil, err
	}
	var closed []Closure
	for _, l := range []struct {
		raw  []byte
		dest any
	}{{raw.Children, &st.children}, {raw.Closures, &closed}, {raw.Periods, &st.periods}} {
		if err := scanJSON(l.raw, l.dest); err != nil {
			return nil, err
		}
	}
	for _, c := range closed {
		st.cal.Closed[calendar.DateOf(c.Day)] = true
	}
	if len(raw.State) == 0 || string(raw.State) == "null" {
		return st, nil
	}
	var parts struct {
		Now            time.Time
		Replay, States json.RawMessage
	}
	if err := json.Unmarshal(raw.State, &parts); err != nil {
		return nil, fmt.Errorf("meal request state: %w", err)
	}
	var states []MealChange
	if err := scanJSON(parts.Replay, &st.replay); err != nil {
		return nil, err
	}
	if err := scanJSON(parts.States, &states); err != nil {
		return nil, err
	}
	st.locked, st.now = true, parts.Now.In(calendar.Rome)
	for _, m := range states {
		if st.states[m.ChildID] == nil {
			st.states[m.ChildID] = map[time.Time]MealChange{}
		}
		st.states[m.ChildID][calendar.DateOf(m.Day)] = m
	}
	return st, nil
}

// qMealRequestWrite is the request's second statement: the changes decided,
// as arrays of one element per day ($10..$15), the attendance kept in step
// (a cancelled meal is an absence notified; a day the register recorded,
// present or absent, is left as it is), a cancelled day's live charge
// refunded under the register's reversal key, the audit row ($20: whether
// there is one), and the accounts to send the receipt to.
const qMealRequestWrite = `
WITH w AS (
	SELECT * FROM unnest($10::bigint[], $11::date[], $12::text[], $13::timestamptz[], $14::bool[], $15::text[])
	       AS w(child_id, day, previous, cutoff_at, late, request_key)
), mc AS (
	INSERT INTO meal_changes (installation_id, child_id, service_id, day, state, previous, accepted_at, cutoff_at,
		late, account_id, actor_name, channel, receipt_code, request_key, reason)
	SELECT $1, w.child_id, $2, w.day, $3, w.previous, $4, w.cutoff_at, w.late, NULLIF($5::bigint, 0), $6, $7, $8, w.request_key, $9
	FROM w ORDER BY w.child_id, w.day
	RETURNING ` + mealChangeCols + `
), att AS (
	INSERT INTO attendance (installation_id, child_id, service_id, day, status, source, recorded_by, recorded_by_name, recorded_at)
	SELECT $1, w.child_id, $2, w.day, $16, $17, NULLIF($5, 0), $18, $4
	FROM w ORDER BY w.child_id, w.day
	ON CONFLICT (installation_id, child_id, service_id, day) DO UPDATE
	SET status = EXCLUDED.status, source = EXCLUDED.source, recorded_by = EXCLUDED.recorded_by,
	    recorded_by_name = EXCLUDED.recorded_by_name, recorded_at = EXCLUDED.recorded_at
	WHERE attendance.status IN ('booked', 'absence_notified')
), refund AS (
	INSERT INTO ledger_entries (installation_id, adult_id, kind, amount_cents, entry_date, child_id, service_id,
		attendance_day, channel, receipt_ref, reason, reverses_id, created_by, idempotency_key)
	SELECT $1, l.adult_id, 'refund', -l.amount_cents, $19::date, w.child_id, $2, w.day, '', '', $21, l.id, NULLIF($5, 0), 'rev:' || l.id
	FROM w CROSS JOIN LATERAL (
		SELECT l.id, l.amount_cents, l.adult_id FROM ledger_entries l
		WHERE l.installation_id = $1 AND l.child_id = w.child_id AND l.service_id = $2 AND l.attendance_day = w.day AND l.kind = 'charge'
		  AND NOT EXISTS (SELECT 1 FROM ledger_entries x WHERE x.installation_id = l.installation_id AND x.reverses_id = l.id)
		ORDER BY l.id DESC LIMIT 1) l
	WHERE $3 = 'cancelled'
	ORDER BY w.child_id, w.day
	ON CONFLICT (installation_id, idempotency_key) DO NOTHING
	RETURNING id
), aud AS (
	INSERT INTO audit_log (installation_id, account_id, actor, action, outcome, ip, detail)
	SELECT NULLIF($1, 0), NULLIF($22::bigint, 0), $23, $24, $25, $26, $27::jsonb WHERE $20
)
SELECT
	(SELECT json_agg(mc ORDER BY mc.child_id, mc.day) FROM mc) AS changes,
	(SELECT coalesce(array_agg(id ORDER BY id), '{}') FROM refund) AS refunds,
	(SELECT coalesce(array_agg(b.account_id ORDER BY b.account_id), '{}') FROM booking_receipt_emails b
	 WHERE $28 AND EXISTS (SELECT FROM mc) AND b.installation_id = $1 AND (b.account_id = $5 OR ($7 = 'office' AND b.account_id IN (
	       SELECT a.id FROM accounts a JOIN guardianships g ON g.installation_id = a.installation_id AND g.adult_id = a.adult_id
	       WHERE a.installation_id = $1 AND g.child_id = ANY ($29::bigint[]))))) AS receipts`

// mealWrite is what Go decided, for the second statement.
type mealWrite struct {
	children, changed []int64
	days              []time.Time
	previous, keys    []string
	cutoffs           []time.Time
	late              []bool
	today             time.Time
	code              string
	outcome           string // of the audit row
	detail            map[string]any
}

func writeMeals(ctx context.Context, p txPrep, tx *sqlx.Tx, r MealRequest, w mealWrite, res *MealResult) error {
	status, source, name := calendar.Booked, "parent", ""
	if r.Target == booking.Cancelled {
		status = calendar.AbsenceNotified
	}
	if r.Channel == ChannelOffice {
		source, name = "staff", r.ActorName
	}
	reason := "Pasto disdetto"
	if r.Reason != "" {
		reason += ": " + r.Reason
	}
	var a AuditEvent
	detail := []byte("{}")
	if r.Audit != nil {
		a = *r.Audit
		if w.detail != nil {
			d, err := json.Marshal(w.detail)
			if err != nil {
				return fmt.Errorf("audit detail: %w", err)
			}
			detail = d
		}
	}
	cutoffs := make([]string, len(w.cutoffs))
	for i, c := range w.cutoffs {
		cutoffs[i] = c.Format(time.RFC3339Nano)
	}
	days := make([]string, len(w.days))
	for i, d := range w.days {
		days[i] = d.Format(time.DateOnly)
	}
	var changes []byte
	var refunds, receipts pq.Int64Array
	err := p.queryRow(ctx, tx, qMealRequestWrite, r.InstallationID, r.ServiceID, r.Target, res.AcceptedAt, r.AccountID,
		r.ActorName, r.Channel, w.code, r.Reason,
		pq.Array(w.changed), pq.Array(days), pq.Array(w.previous), pq.Array(cutoffs), pq.Array(w.late), pq.Array(w.keys),
		status, source, name, w.today, r.Audit != nil, reason,
		a.AccountID, a.Actor, a.Action, w.outcome, a.IP, string(detail), r.Receipt != nil, pq.Array(w.children),
	).Scan(&changes, &refunds, &receipts)
	if err != nil {
		return err
	}
	if err := scanJSON(changes, &res.Changes); err != nil {
		return err
	}
	res.Refunds = append(res.Refunds, refunds...)
	for _, acc := range receipts {
		if err := r.Receipt(ctx, tx.Tx, acc, w.code); err != nil {
			return err
		}
	}
	return nil
}

// changeMealsTx decides a request on what readMealState read, by the rules
// of internal/booking, and writes it with writeMeals: a refusal, a replay
// or a request that changes nothing writes only its audit row.
func changeMealsTx(ctx context.Context, p txPrep, tx *sqlx.Tx, r MealRequest, children []int64) (MealResult, error) {
	var res MealResult
	if r.now != "" {
		if _, err := tx.ExecContext(ctx, `SELECT set_config('genitori.booking_now', $1, true)`, r.now); err != nil {
			return res, err
		}
	}
	var keys []string
	for _, c := range children {
		for d := r.From; !d.After(r.To); d = d.AddDate(0, 0, 1) {
			keys = append(keys, mealKey(r, c, d))
		}
	}
	st, err := readMealState(ctx, p, tx, r, children, keys)
	if err != nil {
		return res, err
	}
	if r.Viewer != nil {
		switch {
		case st.adult == nil:
			return res, fmt.Errorf("adult %d of the account is gone", r.Viewer.AdultID)
		case r.Viewer.LinkedFiscalCode.Valid && r.Viewer.LinkedFiscalCode.String != st.adult.FiscalCode:
			return res, ErrStaleLink
		}
	}
	if len(st.children) != len(children) {
		return res, ErrNotFound
	}
	res.Names = make(map[int64]string, len(st.children))
	for _, c := range st.children {
		if r.Viewer != nil && r.Viewer.Enrolled && !c.Enrolled {
			return res, ErrNotFound
		}
		res.Names[c.ID] = c.FirstName
	}
	if r.ActorName == "" && st.adult != nil {
		r.ActorName = st.adult.FirstName + " " + st.adult.LastName
	}
	res.ActorName = r.ActorName
	if st.settings == nil {
		return res, fmt.Errorf("booking settings of service %d: %w", r.ServiceID, ErrNotFound)
	}
	w := mealWrite{children: children}
	decided := func(outcome string, refused error) (MealResult, error) {
		if r.Audit == nil {
			return res, refused
		}
		w.outcome = outcome
		w.detail = map[string]any{}
		for k, v := range r.Audit.Detail {
			w.detail[k] = v
		}
		w.detail["receipt"] = res.Receipt
		var refusal *BookingRefusal
		if errors.As(refused, &refusal) {
			w.detail["reason_refused"] = refusal.Reason
		}
		if refused != nil {
			w = mealWrite{children: w.children, outcome: w.outcome, detail: w.detail}
		}
		if err := writeMeals(ctx, p, tx, r, w, &res); err != nil {
			return res, err
		}
		return res, refused
	}
	settings := *st.settings
	if !settings.Enabled {
		if r.Viewer != nil && r.Viewer.Bookable {
			return res, ErrNotFound
		}
		return decided("refused", ErrBookingDisabled)
	}
	if r.Target == booking.Plain && settings.PlainMaxDays == 0 {
		return decided("refused", &BookingRefusal{Reason: "plain_limit", ChildID: children[0], Day: r.From})
	}
	if !st.locked {
		return res, fmt.Errorf("meal request: children not locked")
	}
	if len(st.replay) > 0 {
		res = MealResult{Receipt: st.replay[0].ReceiptCode, AcceptedAt: st.replay[0].AcceptedAt, Changes: st.replay, Replay: true,
			Names: res.Names, ActorName: res.ActorName}
		return decided("replay", nil)
	}
	now := st.now
	res.AcceptedAt = now
	today := booking.Today(now)
	w.today = today
	cal := st.cal
	rules := settings.Rules()
	code, err := receiptCode()
	if err != nil {
		return res, err
	}
	w.code = code
	var lateDays []MealChange // late days booked again: charged apart (mealLedger)
	for _, child := range children {
		enrolled := func(d time.Time) bool {
			for _, p := range st.periods {
				if p.ChildID == child && !d.Before(calendar.DateOf(p.From)) && !d.After(calendar.DateOf(p.To)) {
					return true
				}
			}
			return false
		}
		states := st.states[child]
		if states == nil {
			states = map[time.Time]MealChange{}
		}
		stateOf := func(d time.Time) string {
			if m, ok := states[d]; ok {
				return m.State
			}
			return settings.Default()
		}
		for d := r.From; !d.After(r.To); d = d.AddDate(0, 0, 1) {
			if !cal.SchoolDay(d) || !enrolled(d) {
				continue
			}
			cutoff := rules.Cutoff(cal, d)
			refuse := func(reason string) *BookingRefusal {
				return &BookingRefusal{Reason: reason, ChildID: child, Day: d, Cutoff: cutoff, Opens: rules.Opens(cal, d),
					Limit: settings.DaysAhead, Now: now}
			}
			late := false
			switch {
			case d.Before(today):
				return decided("refused", refuse("past"))
			case d.After(today.AddDate(0, 0, settings.DaysAhead)):
				return decided("refused", refuse("ahead"))
			}
			switch rules.Check(cal, d, now) {
			case booking.TooLate:
				if r.Channel != ChannelOffice || r.Reason == "" {
					return decided("refused", refuse(booking.TooLate))
				}
				late = true
			case booking.TooEarly:
				if r.Channel != ChannelOffice {
					return decided("refused", refuse(booking.TooEarly))
				}
			}
			prev := stateOf(d)
			if prev == r.Target {
				m := states[d]
				m.ChildID, m.ServiceID, m.Day, m.State = child, r.ServiceID, d, prev
				res.Unchanged = append(res.Unchanged, m)
				continue
			}
			if r.Target == booking.Plain {
				run := cal.PlainRun(d, func(o time.Time) bool { return stateOf(o) == booking.Plain })
				if run > settings.PlainMaxDays {
					e := refuse("plain_limit")
					e.Limit = settings.PlainMaxDays
					return decided("refused", e)
				}
			}
			// the days after this one see it, as the plain-meal run does
			states[d] = MealChange{ChildID: child, ServiceID: r.ServiceID, Day: d, State: r.Target}
			w.changed = append(w.changed, child)
			w.days = append(w.days, d)
			w.previous = append(w.previous, prev)
			w.cutoffs = append(w.cutoffs, cutoff)
			w.late = append(w.late, late)
			w.keys = append(w.keys, mealKey(r, child, d))
			if late && r.Target != booking.Cancelled && settings.ChargeUnlessCancelled {
				lateDays = append(lateDays, MealChange{ChildID: child, Day: d, Late: true})
			}
		}
	}
	if len(w.changed) == 0 && len(res.Unchanged) == 0 {
		return decided("refused", ErrNoBookableDay)
	}
	if len(w.changed) > 0 {
		res.Receipt = code
	}
	outcome := "unchanged"
	if len(w.changed) > 0 {
		outcome = "success"
	}
	if r.Audit == nil && len(w.changed) > 0 {
		if err := writeMeals(ctx, p, tx, r, w, &res); err != nil {
			return res, err
		}
	} else if _, err := decided(outcome, nil); err != nil {
		return res, err
	}
	for _, m := range lateDays {
		if err := mealLedger(ctx, tx, r, settings, m.ChildID, m.Day, true, today, &res); err != nil {
			return res, err
		}
	}
	return res, nil
}
