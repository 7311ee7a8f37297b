package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"portalegenitori/internal/calendar"
)

// RegisterRow is one child of a class register: who is enrolled in the
// service on the day, and what is recorded.
type RegisterRow struct {
	ChildID    int64          `db:"child_id"`
	FirstName  string         `db:"first_name"`
	LastName   string         `db:"last_name"`
	ClassName  string         `db:"class_name"`
	Diet       string         `db:"diet"` // only the restriction; reading it is audited
	Status     sql.NullString `db:"status"`
	Source     sql.NullString `db:"source"`
	RecordedAt sql.NullTime   `db:"recorded_at"`
}

// ClassRegister lists the children of a school (and class, when not empty)
// enrolled in the service on day, with what is recorded for that day.
func (s *Store) ClassRegister(ctx context.Context, installationID, schoolID, serviceID int64, class string, day time.Time) ([]RegisterRow, error) {
	var out []RegisterRow
	err := s.db.SelectContext(ctx, &out, `
		SELECT c.id AS child_id, c.first_name, c.last_name, c.class_name, coalesce(d.name, '') AS diet,
		       a.status, a.source, a.recorded_at
		FROM children c
		JOIN enrollments e ON e.installation_id = c.installation_id AND e.child_id = c.id AND e.service_id = $3
		     AND $5::date BETWEEN e.starts_on AND e.ends_on
		LEFT JOIN diets d ON d.installation_id = e.installation_id AND d.id = e.diet_id
		LEFT JOIN attendance a ON a.installation_id = c.installation_id AND a.child_id = c.id AND a.service_id = $3 AND a.day = $5::date
		WHERE c.installation_id = $1 AND c.school_id = $2 AND ($4 = '' OR c.class_name = $4)
		ORDER BY c.class_name, c.last_name, c.first_name, c.id`, installationID, schoolID, serviceID, class, day)
	return out, wrap("class register", err)
}

// Classes lists the class names of a school.
func (s *Store) Classes(ctx context.Context, installationID, schoolID int64) ([]string, error) {
	var out []string
	err := s.db.SelectContext(ctx, &out, `SELECT DISTINCT class_name FROM children WHERE installation_id = $1 AND school_id = $2 AND class_name <> '' ORDER BY 1`,
		installationID, schoolID)
	return out, wrap("classes", err)
}

// Errors of MarkAttendance.
var (
	ErrNotEnrolled = errors.New("child not enrolled in the service on that day")
	ErrClosed      = errors.New("services closed on that day")
	ErrNoService   = errors.New("no service on that weekday")
)

// Mark is one row of the staff register.
type Mark struct {
	InstallationID, ChildID, ServiceID int64
	Day                                time.Time
	Status                             string // present, absent
	AccountID                          int64
	RecordedByName                     string // snapshot shown to parents
	Today                              time.Time
}

// MarkResult tells what changed, for the audit log.
type MarkResult struct {
	Before     string // "" when nothing was recorded
	ChargeID   int64  // charge created now
	RefundID   int64  // reversal of a charge created now
	RecordedAt time.Time
}

// MarkAttendance records one child's day from the staff register and keeps
// the ledger in step in the same transaction: a day present has exactly
// one live charge at the child's tariff (the set-based charge of
// ChargeAttendance, narrowed to the row, so the idempotency key is the one
// of att:child:service:day); a day that stops being present gets its charge
// reversed by a refund (never deleted); present again after a reversal is
// charged under att:...:day:N, N being the number of reversals so far.
// Replaying the same mark changes nothing.
func (s *Store) MarkAttendance(ctx context.Context, m Mark) (MarkResult, error) {
	var r MarkResult
	if m.Status != "present" && m.Status != "absent" {
		return r, fmt.Errorf("mark attendance: status %q", m.Status)
	}
	if !calendar.ServiceWeekday(m.Day) {
		return r, ErrNoService
	}
	err := s.WithTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		r, err = markTx(ctx, tx, m, false)
		return err
	})
	if err != nil && !errors.Is(err, ErrNotEnrolled) && !errors.Is(err, ErrClosed) {
		err = fmt.Errorf("mark attendance: %w", err)
	}
	return r, err
}

// MarkRowError tells which mark of MarkAttendanceAll failed.
type MarkRowError struct {
	Index int // in the marks given
	Err   error
}

func (e *MarkRowError) Error() string { return fmt.Sprintf("mark %d: %v", e.Index, e.Err) }
func (e *MarkRowError) Unwrap() error { return e.Err }

// MarkAttendanceAll records the rows of a whole register in one
// transaction, each as MarkAttendance does: all of them with their charges
// and refunds, or none (a *MarkRowError names the row that failed). A row whose
// stored status is already the one chosen is not written (its result has
// Before == Status), so replaying the same save changes nothing.
func (s *Store) MarkAttendanceAll(ctx context.Context, marks []Mark) ([]MarkResult, error) {
	out := make([]MarkResult, len(marks))
	for i, m := range marks {
		if m.Status != "present" && m.Status != "absent" {
			return nil, &MarkRowError{Index: i, Err: fmt.Errorf("mark attendance: status %q", m.Status)}
		}
		if !calendar.ServiceWeekday(m.Day) {
			return nil, &MarkRowError{Index: i, Err: ErrNoService}
		}
	}
	err := s.WithTx(ctx, func(tx *sqlx.Tx) error {
		for i, m := range marks {
			r, err := markTx(ctx, tx, m, true)
			if err != nil {
				if !errors.Is(err, ErrNotEnrolled) && !errors.Is(err, ErrClosed) {
					err = fmt.Errorf("mark attendance: %w", err)
				}
				return &MarkRowError{Index: i, Err: err}
			}
			out[i] = r
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// markTx is one row of the register inside tx; with keepSame a row whose
// stored status is already m.Status is left as it is.
func markTx(ctx context.Context, tx *sqlx.Tx, m Mark, keepSame bool) (MarkResult, error) {
	var r MarkResult
	var enrolled bool
	if err := tx.GetContext(ctx, &enrolled, `
			SELECT EXISTS (SELECT 1 FROM enrollments WHERE installation_id = $1 AND child_id = $2 AND service_id = $3
			               AND $4::date BETWEEN starts_on AND ends_on)`, m.InstallationID, m.ChildID, m.ServiceID, m.Day); err != nil {
		return r, err
	}
	if !enrolled {
		return r, ErrNotEnrolled
	}
	var closed bool
	if err := tx.GetContext(ctx, &closed, `SELECT EXISTS (SELECT 1 FROM closures WHERE installation_id = $1 AND day = $2)`,
		m.InstallationID, m.Day); err != nil {
		return r, err
	}
	if closed {
		return r, ErrClosed
	}
	var before sql.NullString
	err := tx.GetContext(ctx, &before, `SELECT status FROM attendance WHERE installation_id = $1 AND child_id = $2 AND service_id = $3 AND day = $4 FOR UPDATE`,
		m.InstallationID, m.ChildID, m.ServiceID, m.Day)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return r, err
	}
	r.Before = before.String
	if keepSame && r.Before == m.Status {
		return r, nil
	}
	if err := tx.GetContext(ctx, &r.RecordedAt, `
			INSERT INTO attendance (installation_id, child_id, service_id, day, status, source, recorded_by, recorded_by_name, recorded_at)
			VALUES ($1, $2, $3, $4, $5, 'staff', $6, $7, now())
			ON CONFLICT (installation_id, child_id, service_id, day) DO UPDATE
			SET status = EXCLUDED.status, source = 'staff', recorded_by = EXCLUDED.recorded_by,
			    recorded_by_name = EXCLUDED.recorded_by_name,
			    recorded_at = CASE WHEN attendance.status = EXCLUDED.status THEN attendance.recorded_at ELSE now() END
			RETURNING recorded_at`,
		m.InstallationID, m.ChildID, m.ServiceID, m.Day, m.Status, m.AccountID, m.RecordedByName); err != nil {
		return r, err
	}
	// the live charge of the day, if any (not reversed)
	var live struct {
		ID     int64 `db:"id"`
		Amount int64 `db:"amount_cents"`
		Adult  int64 `db:"adult_id"`
	}
	err = tx.GetContext(ctx, &live, `
			SELECT l.id, l.amount_cents, l.adult_id FROM ledger_entries l
			WHERE l.installation_id = $1 AND l.child_id = $2 AND l.service_id = $3 AND l.attendance_day = $4 AND l.kind = 'charge'
			  AND NOT EXISTS (SELECT 1 FROM ledger_entries r WHERE r.installation_id = l.installation_id AND r.reverses_id = l.id)
			ORDER BY l.id DESC LIMIT 1`, m.InstallationID, m.ChildID, m.ServiceID, m.Day)
	hasLive := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return r, err
	}
	switch {
	case m.Status == "present" && !hasLive:
		var reversed int
		if err := tx.GetContext(ctx, &reversed, `
				SELECT count(*) FROM ledger_entries WHERE installation_id = $1 AND child_id = $2 AND service_id = $3
				  AND attendance_day = $4 AND kind = 'charge'`, m.InstallationID, m.ChildID, m.ServiceID, m.Day); err != nil {
			return r, err
		}
		suffix := ""
		if reversed > 0 {
			suffix = fmt.Sprintf(":%d", reversed)
		}
		if _, err := tx.ExecContext(ctx, qChargeOneDay, m.InstallationID, m.Day, m.Day, m.ChildID, m.ServiceID, suffix); err != nil {
			return r, fmt.Errorf("charge day: %w", err)
		}
		err := tx.GetContext(ctx, &r.ChargeID, `SELECT id FROM ledger_entries WHERE installation_id = $1 AND idempotency_key = $2`,
			m.InstallationID, ChargeKey(m.ChildID, m.ServiceID, m.Day)+suffix)
		if err != nil && !errors.Is(err, sql.ErrNoRows) { // no row: monthly billing or free tariff
			return r, err
		}
	case m.Status != "present" && hasLive:
		if keep, err := chargedUnlessCancelled(ctx, tx, m.InstallationID, m.ChildID, m.ServiceID, m.Day); err != nil || keep {
			return r, err // a meal booked and not cancelled in time stays charged (db/booking.go)
		}
		id, _, err := addEntry(ctx, tx, NewEntry{
			InstallationID: m.InstallationID, AdultID: live.Adult, Kind: KindRefund, AmountCents: -live.Amount,
			EntryDate: m.Today, ChildID: &m.ChildID, ServiceID: &m.ServiceID, AttendanceDay: &m.Day,
			Reason: "Correzione presenza: assente", ReversesID: &live.ID, CreatedBy: &m.AccountID,
			IdempotencyKey: fmt.Sprintf("rev:%d", live.ID),
		})
		if err != nil {
			return r, err
		}
		r.RefundID = id
	}
	return r, nil
}

// --- staff ledger operations ---

// ErrAlreadyReversed: the entry has been reversed already.
var ErrAlreadyReversed = errors.New("ledger entry already reversed")

// EntryByID loads one entry of an adult's ledger.
func (s *Store) EntryByID(ctx context.Context, installationID, id int64) (*LedgerEntry, error) {
	var e LedgerEntry
	err := s.db.GetContext(ctx, &e, `
		SELECT l.id, l.adult_id, l.kind, l.amount_cents, l.entry_date, l.child_id, '' AS child_name,
		       l.service_id, '' AS service_kind, '' AS service_name,
		       l.attendance_day, l.channel, l.receipt_ref, l.reason, l.reverses_id, l.created_at
		FROM ledger_entries l WHERE l.installation_id = $1 AND l.id = $2`, installationID, id)
	if err != nil {
		return nil, fmt.Errorf("ledger entry %d: %w", id, notFound(err))
	}
	return &e, nil
}

// ReversedIDs tells which of the entries have been reversed.
func (s *Store) ReversedIDs(ctx context.Context, installationID, adultID int64) (map[int64]bool, error) {
	var ids []int64
	err := s.db.SelectContext(ctx, &ids, `SELECT reverses_id FROM ledger_entries WHERE installation_id = $1 AND adult_id = $2 AND reverses_id IS NOT NULL`,
		installationID, adultID)
	if err != nil {
		return nil, fmt.Errorf("reversed entries: %w", err)
	}
	out := make(map[int64]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// Reverse records the opposite of an entry: a charge is reversed by a
// refund, anything else by an adjustment; the reason is mandatory. An entry
// is reversed once (ledger_reversed_once); a reversal is not reversed.
func (s *Store) Reverse(ctx context.Context, installationID, entryID, by int64, reason string, today time.Time) (int64, error) {
	var id int64
	err := s.WithTx(ctx, func(tx *sqlx.Tx) error {
		var e struct {
			Adult    int64          `db:"adult_id"`
			Kind     string         `db:"kind"`
			Amount   int64          `db:"amount_cents"`
			Child    sql.NullInt64  `db:"child_id"`
			Service  sql.NullInt64  `db:"service_id"`
			Day      sql.NullTime   `db:"attendance_day"`
			Reverses sql.NullInt64  `db:"reverses_id"`
			Channel  sql.NullString `db:"channel"`
		}
		if err := tx.GetContext(ctx, &e, `SELECT adult_id, kind, amount_cents, child_id, service_id, attendance_day, reverses_id, channel
			FROM ledger_entries WHERE installation_id = $1 AND id = $2 FOR UPDATE`, installationID, entryID); err != nil {
			return notFound(err)
		}
		if e.Reverses.Valid {
			return ErrAlreadyReversed
		}
		kind := KindAdjustment
		if e.Kind == KindCharge {
			kind = KindRefund
		}
		ne := NewEntry{InstallationID: installationID, AdultID: e.Adult, Kind: kind, AmountCents: -e.Amount, EntryDate: today,
			Reason: reason, ReversesID: &entryID, CreatedBy: &by, IdempotencyKey: fmt.Sprintf("rev:%d", entryID)}
		if e.Child.Valid {
			ne.ChildID = &e.Child.Int64
		}
		if e.Service.Valid {
			ne.ServiceID = &e.Service.Int64
		}
		if e.Day.Valid {
			ne.AttendanceDay = &e.Day.Time
		}
		var created bool
		var err error
		id, created, err = addEntry(ctx, tx, ne)
		if err == nil && !created {
			return ErrAlreadyReversed
		}
		return err
	})
	if uniqueViolation(err) {
		return 0, ErrAlreadyReversed
	}
	if err != nil && !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrAlreadyReversed) {
		err = fmt.Errorf("reverse entry %d: %w", entryID, err)
	}
	return id, err
}
