package db

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/jmoiron/sqlx"

	"portalegenitori/internal/booking"
	"portalegenitori/internal/calendar"
)

// BookingSettings are the rules of one service of a Comune.
type BookingSettings struct {
	ServiceID             int64  `db:"service_id"`
	ServiceKind           string `db:"service_kind"`
	ServiceName           string `db:"service_name"`
	Enabled               bool   `db:"enabled"`
	Mode                  string `db:"mode"`
	CutoffDay             string `db:"cutoff_day"`
	CutoffTime            string `db:"cutoff_time"`  // "09:30"
	WindowOpens           string `db:"window_opens"` // "" or "14:00"
	DaysAhead             int    `db:"days_ahead"`
	ChargeUnlessCancelled bool   `db:"charge_unless_cancelled"`
	PlainMaxDays          int    `db:"plain_max_days"`
	Stored                bool   `db:"stored"` // false: the defaults
}

// DefaultBookingSettings are the rules of a service without a row: the
// mensa is bookable with presumed presence and a 9:30 same-day cut-off.
func DefaultBookingSettings(kind string) BookingSettings {
	return BookingSettings{ServiceKind: kind, Enabled: kind == "mensa", Mode: booking.Presumed,
		CutoffDay: booking.SameDay, CutoffTime: "09:30", DaysAhead: 30, PlainMaxDays: 3}
}

// Rules are the timing rules of the settings.
func (b BookingSettings) Rules() booking.Rules {
	r := booking.Rules{CutoffDay: b.CutoffDay, DaysAhead: b.DaysAhead}
	r.CutoffAt, _ = booking.ParseClock(b.CutoffTime)
	if c, ok := booking.ParseClock(b.WindowOpens); ok && b.WindowOpens != "" {
		r.WindowOpens = &c
	}
	return r
}

// Default is the state of a day without any change.
func (b BookingSettings) Default() string {
	if b.Mode == booking.Explicit {
		return booking.None
	}
	return booking.Booked
}

const qBookingSettings = `
	SELECT sv.id AS service_id, sv.kind AS service_kind, sv.name AS service_name,
	       coalesce(bs.enabled, sv.kind = 'mensa') AS enabled, coalesce(bs.mode, 'presumed') AS mode,
	       coalesce(bs.cutoff_day, 'same') AS cutoff_day, to_char(coalesce(bs.cutoff_time, '09:30'), 'HH24:MI') AS cutoff_time,
	       coalesce(to_char(bs.window_opens, 'HH24:MI'), '') AS window_opens, coalesce(bs.days_ahead, 30) AS days_ahead,
	       coalesce(bs.charge_unless_cancelled, false) AS charge_unless_cancelled,
	       coalesce(bs.plain_max_days, 3) AS plain_max_days, bs.service_id IS NOT NULL AS stored
	FROM services sv
	LEFT JOIN booking_settings bs ON bs.installation_id = sv.installation_id AND bs.service_id = sv.id
	WHERE sv.installation_id = $1`

// BookingSettingsAll lists the rules of every service of the installation.
func (s *Store) BookingSettingsAll(ctx context.Context, installationID int64) ([]BookingSettings, error) {
	var out []BookingSettings
	err := s.readDB(ctx).SelectContext(ctx, &out, qBookingSettings+` ORDER BY sv.id`, installationID)
	return out, wrap("booking settings", err)
}

// BookingSettingsOf loads the rules of one service, or ErrNotFound.
func (s *Store) BookingSettingsOf(ctx context.Context, installationID, serviceID int64) (BookingSettings, error) {
	return bookingSettings(ctx, s.readDB(ctx), installationID, serviceID)
}

func bookingSettings(ctx context.Context, q sqlx.QueryerContext, installationID, serviceID int64) (BookingSettings, error) {
	var b BookingSettings
	err := sqlx.GetContext(ctx, q, &b, qBookingSettings+` AND sv.id = $2`, installationID, serviceID)
	if err != nil {
		return b, fmt.Errorf("booking settings of service %d: %w", serviceID, notFound(err))
	}
	return b, nil
}

// SaveBookingSettings stores the rules of a service (the caller validates
// them and audits the change).
func (s *Store) SaveBookingSettings(ctx context.Context, installationID, by int64, b BookingSettings) error {
	var window any
	if b.WindowOpens != "" {
		window = b.WindowOpens
	}
	_, err := s.db.ExecContext(ctx, `
		INSERT INTO booking_settings (installation_id, service_id, enabled, mode, cutoff_day, cutoff_time, window_opens,
			days_ahead, charge_unless_cancelled, plain_max_days, updated_at, updated_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now(), NULLIF($11, 0))
		ON CONFLICT (installation_id, service_id) DO UPDATE SET enabled = EXCLUDED.enabled, mode = EXCLUDED.mode,
			cutoff_day = EXCLUDED.cutoff_day, cutoff_time = EXCLUDED.cutoff_time, window_opens = EXCLUDED.window_opens,
			days_ahead = EXCLUDED.days_ahead, charge_unless_cancelled = EXCLUDED.charge_unless_cancelled,
			plain_max_days = EXCLUDED.plain_max_days, updated_at = now(), updated_by = EXCLUDED.updated_by`,
		installationID, b.ServiceID, b.Enabled, b.Mode, b.CutoffDay, b.CutoffTime, window, b.DaysAhead,
		b.ChargeUnlessCancelled, b.PlainMaxDays, by)
	return wrap("save booking settings", err)
}

// BookingReceiptEmail tells whether the account wants receipts by e-mail.
func (s *Store) BookingReceiptEmail(ctx context.Context, installationID, accountID int64) (bool, error) {
	var on bool
	err := s.readDB(ctx).GetContext(ctx, &on, `SELECT EXISTS (SELECT 1 FROM booking_receipt_emails WHERE installation_id = $1 AND account_id = $2)`,
		installationID, accountID)
	return on, wrap("booking receipt preference", err)
}

// SetBookingReceiptEmail sets the account's preference.
func (s *Store) SetBookingReceiptEmail(ctx context.Context, installationID, accountID int64, on bool) error {
	q := `DELETE FROM booking_receipt_emails WHERE installation_id = $1 AND account_id = $2`
	if on {
		q = `INSERT INTO booking_receipt_emails (installation_id, account_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`
	}
	_, err := s.db.ExecContext(ctx, q, installationID, accountID)
	return wrap("booking receipt preference", err)
}

// Channels of a meal change.
const (
	ChannelParent = "parent"
	ChannelOffice = "office"
)

// MealRequest is one action of a parent or of the office: the same target
// state for every school day from..to of each child.
type MealRequest struct {
	InstallationID int64
	ChildIDs       []int64
	ServiceID      int64
	From, To       time.Time
	Target         string // booking.Booked, Cancelled or Plain
	AccountID      int64
	ActorName      string // snapshot shown in the day's details
	Channel        string // ChannelParent or ChannelOffice
	// Reason lets the office correct a day after its cut-off (audited,
	// shown as such); parents never can.
	Reason string
	// RequestKey identifies the submitted form: a replay of it (double tap,
	// resubmission, retry after a lost answer) finds the changes made the
	// first time and makes none.
	RequestKey string
	// Receipt, when set, enqueues the e-mail receipt for an account in the
	// change's transaction (delivery.Enqueuer.MealReceipt): called for the
	// acting account, and for an office change every guardian's account,
	// that asked for receipts by e-mail.
	Receipt func(ctx context.Context, tx *sql.Tx, accountID int64, code string) error
	// Viewer, for a parent, is the account's adult: the children must be
	// reachable through its guardianships (booking_change.go). ActorName
	// may then be left empty: the adult's name.
	Viewer *MealViewer
	// Audit, when set, is the audit row of the request, written in its
	// transaction with the outcome ("success", "unchanged", "replay",
	// "refused") and, in Detail, the receipt and the reason refused; a
	// refusal commits it (and nothing else).
	Audit *AuditEvent
	// now pins booking_now() in the transaction: tests only (export_test.go).
	now string
}

// MealChange is one recorded change.
type MealChange struct {
	ID          int64     `db:"id"`
	ChildID     int64     `db:"child_id"`
	ServiceID   int64     `db:"service_id"`
	Day         time.Time `db:"day"`
	State       string    `db:"state"`
	Previous    string    `db:"previous"`
	AcceptedAt  time.Time `db:"accepted_at"`
	CutoffAt    time.Time `db:"cutoff_at"`
	Late        bool      `db:"late"`
	ActorName   string    `db:"actor_name"`
	Channel     string    `db:"channel"`
	ReceiptCode string    `db:"receipt_code"`
	Reason      string    `db:"reason"`
}

// MealResult tells what an accepted request did.
type MealResult struct {
	Receipt    string    // the code of this request's changes ("" when nothing changed)
	AcceptedAt time.Time // the database clock when the request was decided
	Changes    []MealChange
	Unchanged  []MealChange // days already in the target state: their last change ("" receipt when none)
	Replay     bool         // the request had been accepted before: nothing done now
	Charges    []int64      // ledger entries created
	Refunds    []int64
	Names      map[int64]string // the children's first names, by ID
	ActorName  string
}

// Cutoff is the earliest cut-off among the changed days.
func (r MealResult) Cutoff() time.Time {
	var c time.Time
	for _, m := range r.Changes {
		if c.IsZero() || m.CutoffAt.Before(c) {
			c = m.CutoffAt
		}
	}
	return c
}

// Why a booking request is refused.
var (
	ErrBookingDisabled = errors.New("the service takes no bookings")
	ErrNoBookableDay   = errors.New("no school day of the child's service in the range")
	ErrBookingTarget   = errors.New("unknown meal state")
)

// BookingRefusal is a day the rules refuse: the whole request is refused.
type BookingRefusal struct {
	Reason  string // booking.TooLate, booking.TooEarly, "past", "ahead", "plain_limit", "plain_explicit"
	ChildID int64
	Day     time.Time
	Cutoff  time.Time // the cut-off of the day (Rome)
	Opens   time.Time // when its window opens
	Limit   int       // days ahead, or the plain-meal limit
	Now     time.Time // the database clock that decided
}

func (e *BookingRefusal) Error() string {
	return fmt.Sprintf("meal of child %d on %s refused: %s", e.ChildID, e.Day.Format(time.DateOnly), e.Reason)
}

// ChangeMeals records a request in one transaction, decided by the
// database clock read in it after the children's rows are locked (so two
// guardians acting at once are decided one after the other): every day is
// in time, or nothing changes. Days that are not school days of the child's
// service (weekends, closures, outside the enrollment) are skipped. Each
// changed day gets an append-only meal_changes row sharing one receipt code,
// its attendance record is kept in step (a cancelled meal is an absence
// notified), and the ledger follows: a cancelled day's live charge is
// refunded; a day booked again after its cut-off by the office is charged
// when the service charges meals not cancelled.
func (s *Store) ChangeMeals(ctx context.Context, r MealRequest) (MealResult, error) {
	var res MealResult
	switch r.Target {
	case booking.Booked, booking.Cancelled, booking.Plain:
	default:
		return res, ErrBookingTarget
	}
	if r.RequestKey == "" || len(r.ChildIDs) == 0 || r.To.Before(r.From) {
		return res, fmt.Errorf("change meals: incomplete request")
	}
	if r.Channel != ChannelParent && r.Channel != ChannelOffice {
		return res, fmt.Errorf("change meals: channel %q", r.Channel)
	}
	children := append([]int64(nil), r.ChildIDs...)
	sort.Slice(children, func(i, j int) bool { return children[i] < children[j] })
	var decided error // a refusal, committed with its audit row
	prep := s.txPrep()
	prep.warm(ctx, qMealRequestState, qMealRequestWrite)
	err := s.WithTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		res, err = changeMealsTx(ctx, prep, tx, r, children)
		if r.Audit != nil && refused(err) {
			decided, err = err, nil
		}
		return err
	})
	if err == nil {
		err = decided
	}
	if err != nil {
		if !refused(err) && !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrStaleLink) {
			err = fmt.Errorf("change meals: %w", err)
		}
		return MealResult{Names: res.Names, ActorName: res.ActorName}, err
	}
	return res, nil
}

// refused tells a refusal of the rules from a failure.
func refused(err error) bool {
	var refusal *BookingRefusal
	return errors.As(err, &refusal) || errors.Is(err, ErrBookingDisabled) || errors.Is(err, ErrNoBookableDay)
}

func mealKey(r MealRequest, child int64, day time.Time) string {
	return fmt.Sprintf("%s:%d:%d:%s", r.RequestKey, child, r.ServiceID, day.Format(time.DateOnly))
}

const mealChangeCols = `id, child_id, service_id, day, state, previous, accepted_at, cutoff_at, late, actor_name, channel, receipt_code, reason`

// ReceiptLine is one day of a receipt, as the e-mail lists it.
type ReceiptLine struct {
	MealChange
	FirstName   string `db:"first_name"`
	ServiceName string `db:"service_name"`
}

// MealReceipt lists the changes of a receipt, or ErrNotFound.
func (s *Store) MealReceipt(ctx context.Context, installationID int64, code string) ([]ReceiptLine, error) {
	var out []ReceiptLine
	err := s.db.SelectContext(ctx, &out, `
		SELECT m.id, m.child_id, m.service_id, m.day, m.state, m.previous, m.accepted_at, m.cutoff_at, m.late, m.actor_name,
		       m.channel, m.receipt_code, m.reason, c.first_name, sv.name AS service_name
		FROM meal_changes m
		JOIN children c ON c.installation_id = m.installation_id AND c.id = m.child_id
		JOIN services sv ON sv.installation_id = m.installation_id AND sv.id = m.service_id
		WHERE m.installation_id = $1 AND m.receipt_code = $2
		ORDER BY m.day, c.first_name, m.id`, installationID, code)
	if err == nil && len(out) == 0 {
		err = ErrNotFound
	}
	return out, wrap("meal receipt "+code, err)
}

// mealLedger: a cancelled day's live charge is refunded; a day booked (or
// plain) again after its cut-off is charged when the service charges the
// meals not cancelled. Keys as the register's (db/staff_attendance.go), so
// the register and the booking never charge a day twice.
func mealLedger(ctx context.Context, tx *sqlx.Tx, r MealRequest, settings BookingSettings, child int64, day time.Time, late bool, today time.Time, res *MealResult) error {
	var live struct {
		ID     int64 `db:"id"`
		Amount int64 `db:"amount_cents"`
		Adult  int64 `db:"adult_id"`
	}
	err := tx.GetContext(ctx, &live, `
		SELECT l.id, l.amount_cents, l.adult_id FROM ledger_entries l
		WHERE l.installation_id = $1 AND l.child_id = $2 AND l.service_id = $3 AND l.attendance_day = $4 AND l.kind = 'charge'
		  AND NOT EXISTS (SELECT 1 FROM ledger_entries x WHERE x.installation_id = l.installation_id AND x.reverses_id = l.id)
		ORDER BY l.id DESC LIMIT 1`, r.InstallationID, child, r.ServiceID, day)
	hasLive := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	var by *int64
	if r.AccountID != 0 {
		by = &r.AccountID
	}
	switch {
	case r.Target == booking.Cancelled && hasLive:
		reason := "Pasto disdetto"
		if r.Reason != "" {
			reason += ": " + r.Reason
		}
		id, _, err := addEntry(ctx, tx, NewEntry{
			InstallationID: r.InstallationID, AdultID: live.Adult, Kind: KindRefund, AmountCents: -live.Amount,
			EntryDate: today, ChildID: &child, ServiceID: &r.ServiceID, AttendanceDay: &day,
			Reason: reason, ReversesID: &live.ID, CreatedBy: by, IdempotencyKey: fmt.Sprintf("rev:%d", live.ID),
		})
		if err != nil {
			return err
		}
		res.Refunds = append(res.Refunds, id)
	case r.Target != booking.Cancelled && !hasLive && late && settings.ChargeUnlessCancelled:
		id, err := chargeMeal(ctx, tx, r.InstallationID, child, r.ServiceID, day, by)
		if err != nil {
			return err
		}
		if id != 0 {
			res.Charges = append(res.Charges, id)
		}
	}
	return nil
}

// chargeMeal charges one day at the enrollment's tariff to the paying
// adult, under att:child:service:day (":N" after N reversals). 0: nothing
// to charge (free tariff, monthly billing, no payer).
func chargeMeal(ctx context.Context, tx *sqlx.Tx, inst, child, service int64, day time.Time, by *int64) (int64, error) {
	var reversed int
	if err := tx.GetContext(ctx, &reversed, `SELECT count(*) FROM ledger_entries WHERE installation_id = $1 AND child_id = $2
		AND service_id = $3 AND attendance_day = $4 AND kind = 'charge'`, inst, child, service, day); err != nil {
		return 0, err
	}
	key := ChargeKey(child, service, day)
	if reversed > 0 {
		key += fmt.Sprintf(":%d", reversed)
	}
	var id int64
	err := tx.GetContext(ctx, &id, `
		INSERT INTO ledger_entries (installation_id, adult_id, kind, amount_cents, entry_date, child_id, service_id,
			attendance_day, reason, created_by, idempotency_key)
		SELECT e.installation_id, g.adult_id, 'charge', -e.tariff_cents, $4, e.child_id, e.service_id, $4,
		       'Pasto prenotato non disdetto', $5, $6
		FROM enrollments e
		JOIN guardianships g ON g.installation_id = e.installation_id AND g.child_id = e.child_id AND g.role = 'payer'
		WHERE e.installation_id = $1 AND e.child_id = $2 AND e.service_id = $3 AND $4::date BETWEEN e.starts_on AND e.ends_on
		  AND e.billing = 'daily' AND e.tariff_cents > 0
		LIMIT 1
		ON CONFLICT (installation_id, idempotency_key) DO NOTHING
		RETURNING id`, inst, child, service, day, by, key)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

// ChargeUncancelledMeals charges, for a service that charges the meals not
// cancelled in time, every booked or plain meal of day once its cut-off has
// passed by the database clock (before it, nothing). Idempotent: the keys
// are the register's, so a day already charged is not charged again. It
// returns the number of charges created.
func (s *Store) ChargeUncancelledMeals(ctx context.Context, installationID, serviceID int64, day time.Time) (int64, error) {
	return s.chargeUncancelled(ctx, installationID, serviceID, day, "")
}

func (s *Store) chargeUncancelled(ctx context.Context, installationID, serviceID int64, day time.Time, pinned string) (int64, error) {
	var n int64
	err := s.WithTx(ctx, func(tx *sqlx.Tx) error {
		if pinned != "" {
			if _, err := tx.ExecContext(ctx, `SELECT set_config('genitori.booking_now', $1, true)`, pinned); err != nil {
				return err
			}
		}
		settings, err := bookingSettings(ctx, tx, installationID, serviceID)
		if err != nil || !settings.Enabled || !settings.ChargeUnlessCancelled {
			return err
		}
		cal, err := schoolCalendar(ctx, tx, installationID, day.AddDate(0, 0, -70), day)
		if err != nil {
			return err
		}
		if !cal.SchoolDay(day) {
			return nil
		}
		var now time.Time
		if err := tx.GetContext(ctx, &now, `SELECT booking_now()`); err != nil {
			return err
		}
		if now.Before(settings.Rules().Cutoff(cal, day)) {
			return nil
		}
		res, err := tx.ExecContext(ctx, `
			INSERT INTO ledger_entries (installation_id, adult_id, kind, amount_cents, entry_date, child_id, service_id,
				attendance_day, reason, idempotency_key)
			SELECT e.installation_id, g.adult_id, 'charge', -e.tariff_cents, $3, e.child_id, e.service_id, $3,
			       'Pasto prenotato non disdetto', 'att:' || e.child_id || ':' || e.service_id || ':' || to_char($3::date, 'YYYY-MM-DD')
			FROM meal_states($1, $2, $3, $4) ms
			JOIN enrollments e ON e.installation_id = $1 AND e.child_id = ms.child_id AND e.service_id = $2
			     AND $3::date BETWEEN e.starts_on AND e.ends_on AND e.billing = 'daily' AND e.tariff_cents > 0
			JOIN guardianships g ON g.installation_id = e.installation_id AND g.child_id = e.child_id AND g.role = 'payer'
			WHERE ms.state IN ('booked', 'plain')
			  AND NOT EXISTS (SELECT 1 FROM ledger_entries l WHERE l.installation_id = $1 AND l.child_id = e.child_id
			                  AND l.service_id = $2 AND l.attendance_day = $3 AND l.kind = 'charge')
			ON CONFLICT (installation_id, idempotency_key) DO NOTHING`, installationID, serviceID, day, now)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, wrap("charge meals not cancelled", err)
}

// schoolCalendar loads the closures from..to.
func schoolCalendar(ctx context.Context, q sqlx.QueryerContext, inst int64, from, to time.Time) (booking.Calendar, error) {
	var days []time.Time
	if err := sqlx.SelectContext(ctx, q, &days, `SELECT day FROM closures WHERE installation_id = $1 AND day BETWEEN $2 AND $3`,
		inst, from, to); err != nil {
		return booking.Calendar{}, err
	}
	c := booking.Calendar{Closed: make(map[time.Time]bool, len(days))}
	for _, d := range days {
		c.Closed[calendar.DateOf(d)] = true
	}
	return c, nil
}

const qMealDaysOfChild = `
	SELECT DISTINCT ON (day) ` + mealChangeCols + ` FROM meal_changes
	WHERE installation_id = $1 AND child_id = $2 AND service_id = $3 AND day BETWEEN $4 AND $5
	ORDER BY day, accepted_at DESC, id DESC`

// currentStates: the latest change of each day of a child's service.
func currentStates(ctx context.Context, q sqlx.QueryerContext, inst, child, service int64, from, to time.Time) (map[time.Time]MealChange, error) {
	var list []MealChange
	if err := sqlx.SelectContext(ctx, q, &list, qMealDaysOfChild, inst, child, service, from, to); err != nil {
		return nil, err
	}
	out := make(map[time.Time]MealChange, len(list))
	for _, m := range list {
		out[calendar.DateOf(m.Day)] = m
	}
	return out, nil
}

// receiptCode is 8 characters of an alphabet without look-alikes, as
// "K7QM-3TXA".
func receiptCode() (string, error) {
	const alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ" // 32
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("receipt code: %w", err)
	}
	out := make([]byte, 0, 9)
	for i, x := range b {
		if i == 4 {
			out = append(out, '-')
		}
		out = append(out, alphabet[x%32])
	}
	return string(out), nil
}

// MealDay is a school day of a child's service as the family sees it.
type MealDay struct {
	ChildID   int64
	ServiceID int64
	Day       time.Time
	State     string      // booking.Booked, Cancelled, Plain, None
	Last      *MealChange // the change that decided it; nil: the mode's default
	Cutoff    time.Time
	Opens     time.Time
}

// Open tells whether the day can still change at now (shown to the parent;
// the database clock decides when they act).
func (d MealDay) Open(now time.Time) bool { return now.Before(d.Cutoff) && !now.Before(d.Opens) }

// MealDays lists the school days from..to of a child's bookable service
// (weekends, closures and days outside the enrollment left out) with their
// current state.
func (s *Store) MealDays(ctx context.Context, installationID, childID int64, settings BookingSettings, from, to time.Time) ([]MealDay, error) {
	var periods []struct {
		From time.Time `db:"starts_on"`
		To   time.Time `db:"ends_on"`
	}
	if err := s.readDB(ctx).SelectContext(ctx, &periods, `SELECT starts_on, ends_on FROM enrollments
		WHERE installation_id = $1 AND child_id = $2 AND service_id = $3 AND starts_on <= $5 AND ends_on >= $4`,
		installationID, childID, settings.ServiceID, from, to); err != nil {
		return nil, fmt.Errorf("meal days: %w", err)
	}
	cal, err := schoolCalendar(ctx, s.readDB(ctx), installationID, from.AddDate(0, 0, -70), to)
	if err != nil {
		return nil, fmt.Errorf("meal days: %w", err)
	}
	states, err := currentStates(ctx, s.readDB(ctx), installationID, childID, settings.ServiceID, from, to)
	if err != nil {
		return nil, fmt.Errorf("meal days: %w", err)
	}
	rules := settings.Rules()
	var out []MealDay
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		in := false
		for _, p := range periods {
			if !d.Before(calendar.DateOf(p.From)) && !d.After(calendar.DateOf(p.To)) {
				in = true
			}
		}
		if !in || !cal.SchoolDay(d) {
			continue
		}
		md := MealDay{ChildID: childID, ServiceID: settings.ServiceID, Day: d, State: settings.Default(),
			Cutoff: rules.Cutoff(cal, d), Opens: rules.Opens(cal, d)}
		if m, ok := states[d]; ok {
			m := m
			md.State, md.Last = m.State, &m
		}
		out = append(out, md)
	}
	return out, nil
}

// MealHistory lists every change of a child's service day, oldest first:
// who and when, from which channel, with the receipt.
func (s *Store) MealHistory(ctx context.Context, installationID, childID, serviceID int64, day time.Time) ([]MealChange, error) {
	var list []MealChange
	err := s.readDB(ctx).SelectContext(ctx, &list, `SELECT `+mealChangeCols+` FROM meal_changes
		WHERE installation_id = $1 AND child_id = $2 AND service_id = $3 AND day = $4
		ORDER BY accepted_at, id`, installationID, childID, serviceID, day)
	return list, wrap("meal history", err)
}

// MealState is a child's meal on a day as the kitchen counts it.
type MealState struct {
	ChildID   int64         `db:"child_id"`
	FirstName string        `db:"first_name"`
	LastName  string        `db:"last_name"`
	SchoolID  sql.NullInt64 `db:"school_id"`
	School    string        `db:"school"`
	ClassName string        `db:"class_name"`
	Diet      string        `db:"diet"` // only the restriction
	State     string        `db:"state"`
	ChangeID  sql.NullInt64 `db:"change_id"`
}

// MealStatesAt lists every child enrolled in the service on day (a school
// day; none otherwise) with its meal state as of the instant at: the
// interface of the kitchen count. Pass the day's cut-off (BookingCutoff)
// for the count frozen at the cut-off.
func (s *Store) MealStatesAt(ctx context.Context, installationID, serviceID int64, day, at time.Time) ([]MealState, error) {
	var out []MealState
	err := s.db.SelectContext(ctx, &out, `
		SELECT ms.child_id, c.first_name, c.last_name, c.school_id, coalesce(sc.name, '') AS school, c.class_name,
		       coalesce(d.name, '') AS diet, ms.state, ms.change_id
		FROM meal_states($1, $2, $3, $4) ms
		JOIN children c ON c.installation_id = $1 AND c.id = ms.child_id
		LEFT JOIN schools sc ON sc.installation_id = c.installation_id AND sc.id = c.school_id
		LEFT JOIN enrollments e ON e.installation_id = $1 AND e.child_id = ms.child_id AND e.service_id = $2
		     AND $3::date BETWEEN e.starts_on AND e.ends_on
		LEFT JOIN diets d ON d.installation_id = e.installation_id AND d.id = e.diet_id
		ORDER BY sc.name, c.class_name, c.last_name, c.first_name, c.id`, installationID, serviceID, day, at)
	return out, wrap("meal states", err)
}

// BookingCutoff is the cut-off of a day of a service (Rome time).
func (s *Store) BookingCutoff(ctx context.Context, installationID, serviceID int64, day time.Time) (time.Time, error) {
	settings, err := bookingSettings(ctx, s.db, installationID, serviceID)
	if err != nil {
		return time.Time{}, err
	}
	cal, err := schoolCalendar(ctx, s.db, installationID, day.AddDate(0, 0, -70), day)
	if err != nil {
		return time.Time{}, fmt.Errorf("booking cut-off: %w", err)
	}
	return settings.Rules().Cutoff(cal, day), nil
}

// BookingNow is the database clock as the booking rules read it.
func (s *Store) BookingNow(ctx context.Context) (time.Time, error) {
	var now time.Time
	err := s.db.GetContext(ctx, &now, `SELECT booking_now()`)
	return now.In(calendar.Rome), wrap("booking clock", err)
}

// chargedUnlessCancelled tells whether a day's charge stands although the
// child was absent: the service charges the meals not cancelled in time,
// and the day's meal was booked (or plain) at its cut-off.
func chargedUnlessCancelled(ctx context.Context, tx *sqlx.Tx, inst, child, service int64, day time.Time) (bool, error) {
	settings, err := bookingSettings(ctx, tx, inst, service)
	if err != nil || !settings.Enabled || !settings.ChargeUnlessCancelled {
		return false, err
	}
	cal, err := schoolCalendar(ctx, tx, inst, day.AddDate(0, 0, -70), day)
	if err != nil {
		return false, err
	}
	cutoff := settings.Rules().Cutoff(cal, day)
	var state sql.NullString
	err = tx.GetContext(ctx, &state, `SELECT state FROM meal_changes WHERE installation_id = $1 AND child_id = $2 AND service_id = $3
		AND day = $4 AND accepted_at < $5 ORDER BY accepted_at DESC, id DESC LIMIT 1`, inst, child, service, day, cutoff)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return false, err
	}
	s := settings.Default()
	if state.Valid {
		s = state.String
	}
	return booking.Meal(s), nil
}

// ChargingService is a service that charges the meals not cancelled in time.
type ChargingService struct {
	InstallationID int64 `db:"installation_id"`
	ServiceID      int64 `db:"service_id"`
}

// ChargingServices lists them, in every installation.
func (s *Store) ChargingServices(ctx context.Context) ([]ChargingService, error) {
	var out []ChargingService
	err := s.db.SelectContext(ctx, &out, `SELECT installation_id, service_id FROM booking_settings
		WHERE enabled AND charge_unless_cancelled ORDER BY installation_id, service_id`)
	return out, wrap("charging services", err)
}
