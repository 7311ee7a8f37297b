package db

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Ledger entry kinds.
const (
	KindTopUp      = "topup"
	KindCharge     = "charge"
	KindRefund     = "refund"
	KindAdjustment = "adjustment"
)

// LedgerKinds lists the kinds in the order filters show them.
var LedgerKinds = []string{KindTopUp, KindCharge, KindRefund, KindAdjustment}

// LedgerEntry is one movement of a paying adult's balance: positive amounts
// are credit, negative are debit.
type LedgerEntry struct {
	ID            int64         `db:"id"`
	AdultID       int64         `db:"adult_id"`
	Kind          string        `db:"kind"`
	AmountCents   int64         `db:"amount_cents"`
	EntryDate     time.Time     `db:"entry_date"`
	ChildID       sql.NullInt64 `db:"child_id"`
	ChildName     string        `db:"child_name"`
	ServiceID     sql.NullInt64 `db:"service_id"`
	ServiceKind   string        `db:"service_kind"`
	ServiceName   string        `db:"service_name"`
	AttendanceDay sql.NullTime  `db:"attendance_day"`
	Channel       string        `db:"channel"`
	ReceiptRef    string        `db:"receipt_ref"`
	Reason        string        `db:"reason"`
	ReversesID    sql.NullInt64 `db:"reverses_id"`
	CreatedAt     time.Time     `db:"created_at"`
}

// LedgerFilter selects the entries of one paying adult.
type LedgerFilter struct {
	AdultID   int64
	From, To  time.Time // inclusive; zero means open
	ChildID   int64     // 0: any
	ServiceID int64     // 0: any
	Kind      string    // "": any
	// Children, when not nil, restricts the entries about a child to these
	// children (a guardian who is not the paying adult sees the entries of
	// their own children and those about no child, never another family's).
	Children []int64
}

// args are the positional parameters $2..$8 of ledgerWhere.
func (f LedgerFilter) args(installationID int64) []any {
	opt := func(ok bool, v any) any {
		if ok {
			return v
		}
		return nil
	}
	var children any
	if f.Children != nil {
		children = pq.Array(f.Children)
	}
	return []any{installationID, f.AdultID,
		opt(!f.From.IsZero(), f.From), opt(!f.To.IsZero(), f.To),
		opt(f.ChildID != 0, f.ChildID), opt(f.ServiceID != 0, f.ServiceID), opt(f.Kind != "", f.Kind), children}
}

// ledgerWhere filters on the key (installation_id, adult_id, entry_date):
// the optional conditions fold away in the custom plan of each query.
const ledgerWhere = `
	WHERE l.installation_id = $1 AND l.adult_id = $2
	  AND ($3::date IS NULL OR l.entry_date >= $3::date)
	  AND ($4::date IS NULL OR l.entry_date <= $4::date)
	  AND ($5::bigint IS NULL OR l.child_id = $5::bigint)
	  AND ($6::bigint IS NULL OR l.service_id = $6::bigint)
	  AND ($7::text IS NULL OR l.kind = $7::text)
	  AND ($8::bigint[] IS NULL OR l.child_id IS NULL OR l.child_id = ANY($8::bigint[]))`

const qLedgerPage = `
	SELECT l.id, l.adult_id, l.kind, l.amount_cents, l.entry_date, l.child_id, coalesce(c.first_name, '') AS child_name,
	       l.service_id, coalesce(sv.kind, '') AS service_kind, coalesce(sv.name, '') AS service_name,
	       l.attendance_day, l.channel, l.receipt_ref, l.reason, l.reverses_id, l.created_at
	FROM ledger_entries l
	LEFT JOIN children c ON c.installation_id = l.installation_id AND c.id = l.child_id
	LEFT JOIN services sv ON sv.installation_id = l.installation_id AND sv.id = l.service_id` + ledgerWhere + `
	ORDER BY l.entry_date DESC, l.id DESC
	LIMIT $9 OFFSET $10`

// LedgerPage lists entries newest first; limit <= 0 means all.
func (s *Store) LedgerPage(ctx context.Context, installationID int64, f LedgerFilter, limit, offset int) ([]LedgerEntry, error) {
	var lim any
	if limit > 0 {
		lim = limit
	}
	var list []LedgerEntry
	args := append(f.args(installationID), lim, offset)
	if err := s.readDB(ctx).SelectContext(ctx, &list, qLedgerPage, args...); err != nil {
		return nil, fmt.Errorf("ledger of adult %d: %w", f.AdultID, err)
	}
	return list, nil
}

// LedgerTotals sums the entries a filter selects.
type LedgerTotals struct {
	Count   int   `db:"count"`
	Credits int64 `db:"credits"` // sum of the positive amounts
	Debits  int64 `db:"debits"`  // sum of the negative amounts (negative)
}

// Net is credits plus debits.
func (t LedgerTotals) Net() int64 { return t.Credits + t.Debits }

const qLedgerTotals = `
	SELECT count(*) AS count,
	       coalesce(sum(l.amount_cents) FILTER (WHERE l.amount_cents > 0), 0) AS credits,
	       coalesce(sum(l.amount_cents) FILTER (WHERE l.amount_cents < 0), 0) AS debits
	FROM ledger_entries l` + ledgerWhere

// LedgerSum totals the entries of a filter.
func (s *Store) LedgerSum(ctx context.Context, installationID int64, f LedgerFilter) (LedgerTotals, error) {
	var t LedgerTotals
	if err := s.readDB(ctx).GetContext(ctx, &t, qLedgerTotals, f.args(installationID)...); err != nil {
		return t, fmt.Errorf("ledger totals of adult %d: %w", f.AdultID, err)
	}
	return t, nil
}

const qBalances = `
	SELECT adult_id, sum(amount_cents) AS balance FROM ledger_entries
	WHERE installation_id = $1 AND adult_id = ANY($2) GROUP BY adult_id`

// Balances returns the balance of each paying adult: the sum of all their
// entries (missing adults have no entry, hence balance zero).
func (s *Store) Balances(ctx context.Context, installationID int64, adultIDs []int64) (map[int64]int64, error) {
	rows, err := s.readDB(ctx).QueryContext(ctx, qBalances, installationID, pq.Array(adultIDs))
	if err != nil {
		return nil, fmt.Errorf("balances: %w", err)
	}
	defer rows.Close()
	out := make(map[int64]int64, len(adultIDs))
	for rows.Next() {
		var id, b int64
		if err := rows.Scan(&id, &b); err != nil {
			return nil, fmt.Errorf("balances: %w", err)
		}
		out[id] = b
	}
	return out, rows.Err()
}

// Payer is a paying adult whose ledger a viewer may read.
type Payer struct {
	AdultID  int64         `db:"adult_id"`
	Name     string        `db:"name"`
	Children pq.Int64Array `db:"children"` // the viewer's children this adult pays for
}

const qPayersFor = `
	SELECT p.adult_id, a.first_name || ' ' || a.last_name AS name, array_agg(g.child_id ORDER BY g.child_id) AS children
	FROM guardianships g
	JOIN guardianships p ON p.installation_id = g.installation_id AND p.child_id = g.child_id AND p.role = 'payer'
	JOIN adults a ON a.installation_id = p.installation_id AND a.id = p.adult_id
	WHERE g.installation_id = $1 AND g.adult_id = $2
	GROUP BY p.adult_id, a.first_name, a.last_name
	ORDER BY p.adult_id = $2 DESC, a.last_name, a.first_name, p.adult_id`

// PayersFor lists the paying adults of the viewer's children, the viewer
// first when they pay.
func (s *Store) PayersFor(ctx context.Context, installationID, viewerID int64) ([]Payer, error) {
	var list []Payer
	if err := s.readDB(ctx).SelectContext(ctx, &list, qPayersFor, installationID, viewerID); err != nil {
		return nil, fmt.Errorf("payers for adult %d: %w", viewerID, err)
	}
	return list, nil
}

const qDayCharges = `
	SELECT l.id, l.adult_id, l.kind, l.amount_cents, l.entry_date, l.child_id, '' AS child_name,
	       l.service_id, '' AS service_kind, '' AS service_name,
	       l.attendance_day, l.channel, l.receipt_ref, l.reason, l.reverses_id, l.created_at
	FROM ledger_entries l
	WHERE l.installation_id = $1 AND l.child_id = $2 AND l.service_id = $3
	  AND l.attendance_day BETWEEN $4 AND $5
	ORDER BY l.attendance_day, l.id`

// NewEntry is a ledger entry to record.
type NewEntry struct {
	InstallationID int64
	AdultID        int64
	Kind           string
	AmountCents    int64
	EntryDate      time.Time
	ChildID        *int64
	ServiceID      *int64
	AttendanceDay  *time.Time
	Channel        string
	ReceiptRef     string
	Reason         string
	ReversesID     *int64
	CreatedBy      *int64
	// IdempotencyKey makes a replay of the same event a no-op.
	IdempotencyKey string
}

// AddEntry records an entry once: a replay with the same idempotency key
// returns the first entry's ID and created=false, and changes nothing.
func (s *Store) AddEntry(ctx context.Context, e NewEntry) (id int64, created bool, err error) {
	return addEntry(ctx, s.db, e)
}

func addEntry(ctx context.Context, q sqlx.QueryerContext, e NewEntry) (int64, bool, error) {
	if e.IdempotencyKey == "" {
		return 0, false, fmt.Errorf("ledger entry without idempotency key")
	}
	var id int64
	err := sqlx.GetContext(ctx, q, &id, `
		INSERT INTO ledger_entries (installation_id, adult_id, kind, amount_cents, entry_date, child_id, service_id,
			attendance_day, channel, receipt_ref, reason, reverses_id, created_by, idempotency_key)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
		ON CONFLICT (installation_id, idempotency_key) DO NOTHING
		RETURNING id`,
		e.InstallationID, e.AdultID, e.Kind, e.AmountCents, e.EntryDate, e.ChildID, e.ServiceID,
		e.AttendanceDay, e.Channel, e.ReceiptRef, e.Reason, e.ReversesID, e.CreatedBy, e.IdempotencyKey)
	if err == nil {
		return id, true, nil
	}
	if err != sql.ErrNoRows {
		return 0, false, fmt.Errorf("add ledger entry %s: %w", e.IdempotencyKey, err)
	}
	err = sqlx.GetContext(ctx, q, &id, `SELECT id FROM ledger_entries WHERE installation_id = $1 AND idempotency_key = $2`,
		e.InstallationID, e.IdempotencyKey)
	if err != nil {
		return 0, false, fmt.Errorf("replayed ledger entry %s: %w", e.IdempotencyKey, err)
	}
	return id, false, nil
}

// ChargeKey is the idempotency key of the charge of one service day.
func ChargeKey(childID, serviceID int64, day time.Time) string {
	return fmt.Sprintf("att:%d:%d:%s", childID, serviceID, day.Format(time.DateOnly))
}

// ChargeAttendance charges every day present from..to at a service billed
// by the day (a meal eaten) to the child's paying adult, at the tariff of
// the enrollment covering the day. It is idempotent: replaying a period
// charges only what is new. It returns the number of charges created.
func (s *Store) ChargeAttendance(ctx context.Context, installationID int64, from, to time.Time) (int64, error) {
	return chargeAttendance(ctx, s.db, installationID, from, to)
}

func chargeAttendance(ctx context.Context, q sqlx.ExecerContext, installationID int64, from, to time.Time) (int64, error) {
	res, err := q.ExecContext(ctx, qChargeAttendance, installationID, from, to)
	if err != nil {
		return 0, fmt.Errorf("charge attendance: %w", err)
	}
	return res.RowsAffected()
}

// qChargeTemplate is the set-based charge of the days present; %[1]s is a
// suffix of the idempotency key, %[2]s narrows it to one child and service
// (the staff register charges one row at a time, db/staff_attendance.go).
const qChargeTemplate = `
		INSERT INTO ledger_entries (installation_id, adult_id, kind, amount_cents, entry_date, child_id, service_id,
			attendance_day, idempotency_key, created_at)
		SELECT a.installation_id, g.adult_id, 'charge', -e.tariff_cents, a.day, a.child_id, a.service_id, a.day,
		       'att:' || a.child_id || ':' || a.service_id || ':' || to_char(a.day, 'YYYY-MM-DD') || %[1]s,
		       a.recorded_at
		FROM attendance a
		JOIN enrollments e ON e.installation_id = a.installation_id AND e.child_id = a.child_id
		     AND e.service_id = a.service_id AND a.day BETWEEN e.starts_on AND e.ends_on AND e.billing = 'daily'
		JOIN guardianships g ON g.installation_id = a.installation_id AND g.child_id = a.child_id AND g.role = 'payer'
		WHERE a.installation_id = $1 AND a.day BETWEEN $2 AND $3 AND a.status = 'present' AND e.tariff_cents > 0 %[2]s
		ORDER BY a.day, a.child_id, a.service_id
		ON CONFLICT (installation_id, idempotency_key) DO NOTHING`

var (
	qChargeAttendance = fmt.Sprintf(qChargeTemplate, "''", "")
	qChargeOneDay     = fmt.Sprintf(qChargeTemplate, "$6::text", "AND a.child_id = $4 AND a.service_id = $5")
)

// ChargeMonthly charges the monthly enrollments (a bus pass) active in the
// month of first to their paying adults, dated the first of the month.
// Idempotent like ChargeAttendance.
func (s *Store) ChargeMonthly(ctx context.Context, installationID int64, first time.Time) (int64, error) {
	return chargeMonthly(ctx, s.db, installationID, first)
}

func chargeMonthly(ctx context.Context, q sqlx.ExecerContext, installationID int64, first time.Time) (int64, error) {
	res, err := q.ExecContext(ctx, `
		INSERT INTO ledger_entries (installation_id, adult_id, kind, amount_cents, entry_date, child_id, service_id,
			idempotency_key, reason)
		SELECT e.installation_id, g.adult_id, 'charge', -e.tariff_cents, greatest($2::date, e.starts_on), e.child_id, e.service_id,
		       'month:' || e.child_id || ':' || e.service_id || ':' || to_char($2::date, 'YYYY-MM'), e.tariff_name
		FROM enrollments e
		JOIN guardianships g ON g.installation_id = e.installation_id AND g.child_id = e.child_id AND g.role = 'payer'
		WHERE e.installation_id = $1 AND e.billing = 'monthly' AND e.tariff_cents > 0
		  AND e.starts_on <= ($2::date + interval '1 month' - interval '1 day') AND e.ends_on >= $2::date
		ON CONFLICT (installation_id, idempotency_key) DO NOTHING`, installationID, first)
	if err != nil {
		return 0, fmt.Errorf("charge monthly: %w", err)
	}
	return res.RowsAffected()
}
