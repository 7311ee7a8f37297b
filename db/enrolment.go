package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Errors of the online enrolment (docs/enrolment.md).
var (
	// ErrWindowNotOpen: the window opens later (database clock).
	ErrWindowNotOpen = errors.New("enrolment window not open yet")
	// ErrWindowClosed: the window has closed (database clock); only the
	// office may still enter a request, marked late.
	ErrWindowClosed = errors.New("enrolment window closed")
	// ErrAlreadyRequested: another guardian of the child already sent a
	// request for the child in this window (both see it on their family
	// home). A request by anybody else is never revealed: the new one is
	// kept beside it for the office (migration 00038).
	ErrAlreadyRequested = fmt.Errorf("a request for this child is already in the window: %w", ErrConflict)
	// ErrDebtsBlock: the window refuses requests of an adult in debt.
	ErrDebtsBlock = errors.New("unpaid debts block the request")
	// ErrPlanNeeded: the adult is in debt and did not accept the repayment plan.
	ErrPlanNeeded = errors.New("repayment plan not accepted")
	// ErrAlreadyEnrolled: the child has an enrollment of the service that
	// overlaps the window's period.
	ErrAlreadyEnrolled = fmt.Errorf("child already enrolled in the period: %w", ErrConflict)
	// ErrWindowHasRequests: the service or the school year of a window
	// that families already sent requests to cannot change.
	ErrWindowHasRequests = fmt.Errorf("the window has requests: %w", ErrConflict)
	// ErrWindowChanged: another clerk saved the window after the version
	// the change was made on.
	ErrWindowChanged = fmt.Errorf("enrolment window changed meanwhile: %w", ErrConflict)
	// ErrChildOfAnotherFamily: a request for a child "not yet registered"
	// names the codice fiscale of a registry child the requesting adult does
	// not guard. Knowing a codice fiscale proves nothing: the office links
	// the adult to the child on the child's card, with proof, not here.
	ErrChildOfAnotherFamily = fmt.Errorf("the codice fiscale is of a registry child of another family: %w", ErrConflict)
)

// EnrolmentQuestion is one extra question of a window.
type EnrolmentQuestion struct {
	Kind string `json:"kind"` // "yesno" or "text"
	Text string `json:"text"`
}

// EnrolmentQuestions is a jsonb list of questions.
type EnrolmentQuestions []EnrolmentQuestion

// Scan reads the jsonb column.
func (q *EnrolmentQuestions) Scan(src any) error { return scanJSONColumn(src, q) }

// Value writes the jsonb column.
func (q EnrolmentQuestions) Value() (driver.Value, error) { return valueJSON(q, "[]") }

// EnrolmentAnswer is the answer to one question, with the question's text
// as it was asked.
type EnrolmentAnswer struct {
	Question string `json:"question"`
	Kind     string `json:"kind"`
	Answer   string `json:"answer"`
}

// EnrolmentAnswers is a jsonb list of answers.
type EnrolmentAnswers []EnrolmentAnswer

// Scan reads the jsonb column.
func (a *EnrolmentAnswers) Scan(src any) error { return scanJSONColumn(src, a) }

// Value writes the jsonb column.
func (a EnrolmentAnswers) Value() (driver.Value, error) { return valueJSON(a, "[]") }

// TextList is a jsonb list of strings (the documents a window asks for).
type TextList []string

// Scan reads the jsonb column.
func (l *TextList) Scan(src any) error { return scanJSONColumn(src, l) }

// Value writes the jsonb column.
func (l TextList) Value() (driver.Value, error) { return valueJSON(l, "[]") }

func scanJSONColumn(src, dst any) error {
	var b []byte
	switch v := src.(type) {
	case []byte:
		b = v
	case string:
		b = []byte(v)
	case nil:
		return nil
	default:
		return fmt.Errorf("jsonb: unexpected %T", src)
	}
	return json.Unmarshal(b, dst)
}

func valueJSON(v any, empty string) (driver.Value, error) {
	b, err := json.Marshal(v)
	if err != nil || string(b) == "null" {
		return empty, err
	}
	return string(b), nil
}

// WindowSchool is a school a window serves and its classes (none: all).
type WindowSchool struct {
	SchoolID int64          `db:"school_id"`
	Name     string         `db:"name"`
	Classes  pq.StringArray `db:"classes"`
}

// EnrolmentWindow is an enrolment window as read, with its state by the
// database clock.
type EnrolmentWindow struct {
	ID          int64              `db:"id"`
	ServiceID   int64              `db:"service_id"`
	ServiceName string             `db:"service_name"`
	SchoolYear  int                `db:"school_year"`
	Title       string             `db:"title"`
	OpensAt     time.Time          `db:"opens_at"`
	ClosesAt    time.Time          `db:"closes_at"`
	StartsOn    time.Time          `db:"starts_on"`
	EndsOn      time.Time          `db:"ends_on"`
	Debts       string             `db:"debts"`
	Questions   EnrolmentQuestions `db:"questions"`
	Documents   TextList           `db:"documents"`
	Early       bool               `db:"early"` // not open yet
	Closed      bool               `db:"closed"`
	Requests    int                `db:"requests"`
	Version     int                `db:"version"`
	Schools     []WindowSchool     `db:"-"`
}

// Open is whether families may send requests now.
func (w EnrolmentWindow) Open() bool { return !w.Early && !w.Closed }

const qWindows = `
	SELECT w.id, w.service_id, sv.name AS service_name, w.school_year, w.title, w.opens_at, w.closes_at, w.starts_on, w.ends_on,
	       w.debts, w.questions, w.documents, now() < w.opens_at AS early, now() >= w.closes_at AS closed, w.version,
	       (SELECT count(*) FROM enrolment_requests r WHERE r.installation_id = w.installation_id AND r.window_id = w.id) AS requests
	FROM enrolment_windows w
	JOIN services sv ON sv.installation_id = w.installation_id AND sv.id = w.service_id`

// EnrolmentWindowInput is a window as the office typed it.
type EnrolmentWindowInput struct {
	InstallationID, ID int64 // ID 0: a new window
	ServiceID          int64
	SchoolYear         int
	Title              string
	OpensAt, ClosesAt  time.Time
	StartsOn, EndsOn   time.Time
	Debts              string
	Questions          EnrolmentQuestions
	Documents          TextList
	Schools            []WindowSchool
	By                 int64
	Version            int // of the window the change was made on (not for a new one)
}

// SaveEnrolmentWindow creates or updates a window and its schools in one
// transaction; it returns the window's ID.
func (s *Store) SaveEnrolmentWindow(ctx context.Context, w EnrolmentWindowInput) (int64, error) {
	id := w.ID
	err := s.WithTx(ctx, func(tx *sqlx.Tx) error {
		if id == 0 {
			if err := tx.GetContext(ctx, &id, `INSERT INTO enrolment_windows (installation_id, service_id, school_year, title, opens_at, closes_at,
				starts_on, ends_on, debts, questions, documents, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
				w.InstallationID, w.ServiceID, w.SchoolYear, w.Title, w.OpensAt, w.ClosesAt, w.StartsOn, w.EndsOn, w.Debts, w.Questions, w.Documents, w.By); err != nil {
				return fmt.Errorf("add enrolment window: %w", err)
			}
		} else {
			// saved only over the version the clerk's page showed; the lock
			// holds another clerk's save until this one is decided
			var version int
			if err := tx.GetContext(ctx, &version, `SELECT version FROM enrolment_windows WHERE installation_id = $1 AND id = $2 FOR UPDATE`,
				w.InstallationID, id); err != nil {
				return fmt.Errorf("enrolment window %d: %w", id, notFound(err))
			}
			if version != w.Version {
				return ErrWindowChanged
			}
			// the requests already sent name the window for its service and
			// year: those two stay as the families saw them
			var moved bool
			if err := tx.GetContext(ctx, &moved, `SELECT EXISTS (SELECT 1 FROM enrolment_windows w
				WHERE w.installation_id = $1 AND w.id = $2 AND (w.service_id <> $3 OR w.school_year <> $4)
				  AND EXISTS (SELECT 1 FROM enrolment_requests r WHERE r.installation_id = w.installation_id AND r.window_id = w.id))`,
				w.InstallationID, id, w.ServiceID, w.SchoolYear); err != nil {
				return fmt.Errorf("enrolment window %d: %w", id, err)
			}
			if moved {
				return ErrWindowHasRequests
			}
			if _, err := tx.ExecContext(ctx, `UPDATE enrolment_windows SET service_id = $3, school_year = $4, title = $5, opens_at = $6, closes_at = $7,
				starts_on = $8, ends_on = $9, debts = $10, questions = $11, documents = $12, version = version + 1 WHERE installation_id = $1 AND id = $2`,
				w.InstallationID, id, w.ServiceID, w.SchoolYear, w.Title, w.OpensAt, w.ClosesAt, w.StartsOn, w.EndsOn, w.Debts, w.Questions, w.Documents); err != nil {
				return fmt.Errorf("update enrolment window %d: %w", id, err)
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM enrolment_window_schools WHERE installation_id = $1 AND window_id = $2`, w.InstallationID, id); err != nil {
				return fmt.Errorf("enrolment window schools: %w", err)
			}
		}
		for _, sc := range w.Schools {
			if sc.Classes == nil {
				sc.Classes = pq.StringArray{}
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO enrolment_window_schools (installation_id, window_id, school_id, classes) VALUES ($1, $2, $3, $4)`,
				w.InstallationID, id, sc.SchoolID, sc.Classes); err != nil {
				return fmt.Errorf("enrolment window school %d: %w", sc.SchoolID, err)
			}
		}
		return nil
	})
	return id, err
}

// EnrolmentWindows lists the windows of an installation, newest first;
// openOnly keeps those open now.
func (s *Store) EnrolmentWindows(ctx context.Context, installationID int64, openOnly bool) ([]EnrolmentWindow, error) {
	q := qWindows + ` WHERE w.installation_id = $1`
	if openOnly {
		q += ` AND now() >= w.opens_at AND now() < w.closes_at`
	}
	var list []EnrolmentWindow
	if err := sqlx.SelectContext(ctx, s.pageDB(ctx), &list, q+` ORDER BY w.opens_at DESC, w.id DESC`, installationID); err != nil {
		return nil, fmt.Errorf("enrolment windows: %w", err)
	}
	for i := range list {
		if err := s.windowSchools(ctx, installationID, &list[i]); err != nil {
			return nil, err
		}
	}
	return list, nil
}

// EnrolmentWindowByID reads one window with its schools.
func (s *Store) EnrolmentWindowByID(ctx context.Context, installationID, id int64) (*EnrolmentWindow, error) {
	var w EnrolmentWindow
	if err := s.db.GetContext(ctx, &w, qWindows+` WHERE w.installation_id = $1 AND w.id = $2`, installationID, id); err != nil {
		return nil, fmt.Errorf("enrolment window %d: %w", id, notFound(err))
	}
	return &w, s.windowSchools(ctx, installationID, &w)
}

func (s *Store) windowSchools(ctx context.Context, installationID int64, w *EnrolmentWindow) error {
	err := sqlx.SelectContext(ctx, s.pageDB(ctx), &w.Schools, `SELECT ws.school_id, sc.name, ws.classes FROM enrolment_window_schools ws
		JOIN schools sc ON sc.installation_id = ws.installation_id AND sc.id = ws.school_id
		WHERE ws.installation_id = $1 AND ws.window_id = $2 ORDER BY sc.name`, installationID, w.ID)
	return wrap("enrolment window schools", err)
}

// --- drafts ---

// SaveEnrolmentDraft keeps the form of an adult for a window (any JSON
// value the handler chooses), replacing the previous one.
func (s *Store) SaveEnrolmentDraft(ctx context.Context, installationID, windowID, adultID int64, form any) error {
	b, err := json.Marshal(form)
	if err != nil {
		return fmt.Errorf("enrolment draft: %w", err)
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO enrolment_drafts (installation_id, window_id, adult_id, form) VALUES ($1, $2, $3, $4)
		ON CONFLICT (installation_id, window_id, adult_id) DO UPDATE SET form = EXCLUDED.form, saved_at = now()`,
		installationID, windowID, adultID, string(b))
	return wrap("save enrolment draft", err)
}

// EnrolmentDraft reads the saved form into dst; false when there is none.
func (s *Store) EnrolmentDraft(ctx context.Context, installationID, windowID, adultID int64, dst any) (time.Time, bool, error) {
	var row struct {
		Form    []byte    `db:"form"`
		SavedAt time.Time `db:"saved_at"`
	}
	err := s.db.GetContext(ctx, &row, `SELECT form, saved_at FROM enrolment_drafts WHERE installation_id = $1 AND window_id = $2 AND adult_id = $3`,
		installationID, windowID, adultID)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("enrolment draft: %w", err)
	}
	return row.SavedAt, true, json.Unmarshal(row.Form, dst)
}

// --- requests ---

// NewEnrolmentRequest is a request to send: ChildID for a child of the
// registry (a child of AdultID), else the new child's details.
type NewEnrolmentRequest struct {
	InstallationID, WindowID, AdultID int64
	ChildID                           int64
	FiscalCode, FirstName, LastName   string
	BirthDate                         time.Time
	SchoolID                          int64
	ClassName                         string
	Answers                           EnrolmentAnswers
	DocumentsAck, PlanAccepted        bool
	EnteredBy                         int64
	ByOffice                          bool // the office enters it: allowed after the deadline, marked late
	// ISEE: the adult's ISEE declared with the request (optional), recorded
	// in the same transaction to be verified by the office (db/tariff.go).
	ISEE *ISEEDeclaration
}

// EnrolmentReceipt is what the family is shown and sent after sending.
type EnrolmentReceipt struct {
	ID          int64
	Protocol    string
	SubmittedAt time.Time
	Late        bool
	Again       bool // the same adult had already sent it: nothing new was stored
	// ISEEDeclaration is the declaration recorded with the request (0: none).
	ISEEDeclaration int64
}

// SubmitEnrolment stores a request in one transaction: the window's dates
// checked by the database clock, the debts rule, one request per child and
// window, the draft deleted, and queued (in the same transaction) whatever
// queue does — the e-mail receipt.
func (s *Store) SubmitEnrolment(ctx context.Context, r NewEnrolmentRequest, queue func(ctx context.Context, tx *sql.Tx, requestID int64) error) (EnrolmentReceipt, error) {
	var rc EnrolmentReceipt
	err := s.WithTx(ctx, func(tx *sqlx.Tx) error {
		var w struct {
			Early      bool   `db:"early"`
			Closed     bool   `db:"closed"`
			Debts      string `db:"debts"`
			SchoolYear int    `db:"school_year"`
		}
		if err := tx.GetContext(ctx, &w, `SELECT now() < opens_at AS early, now() >= closes_at AS closed, debts, school_year
			FROM enrolment_windows WHERE installation_id = $1 AND id = $2 FOR SHARE`, r.InstallationID, r.WindowID); err != nil {
			return fmt.Errorf("enrolment window %d: %w", r.WindowID, notFound(err))
		}
		late := false
		switch {
		case r.ByOffice:
			late = w.Closed
		case w.Early:
			return ErrWindowNotOpen
		case w.Closed:
			return ErrWindowClosed
		}
		if w.Debts != "ignore" {
			var balance int64
			if err := tx.GetContext(ctx, &balance, `SELECT coalesce(sum(amount_cents), 0) FROM ledger_entries WHERE installation_id = $1 AND adult_id = $2`,
				r.InstallationID, r.AdultID); err != nil {
				return fmt.Errorf("balance: %w", err)
			}
			if balance < 0 && w.Debts == "block" {
				return ErrDebtsBlock
			}
			if balance < 0 && !r.PlanAccepted {
				return ErrPlanNeeded
			}
		}
		if r.ChildID != 0 {
			var c struct {
				FiscalCode string    `db:"fiscal_code"`
				First      string    `db:"first_name"`
				Last       string    `db:"last_name"`
				Birth      time.Time `db:"birth_date"`
			}
			if err := tx.GetContext(ctx, &c, `SELECT c.fiscal_code, c.first_name, c.last_name, c.birth_date FROM children c
				JOIN guardianships g ON g.installation_id = c.installation_id AND g.child_id = c.id AND g.adult_id = $3
				WHERE c.installation_id = $1 AND c.id = $2`, r.InstallationID, r.ChildID, r.AdultID); err != nil {
				return fmt.Errorf("child %d of adult %d: %w", r.ChildID, r.AdultID, notFound(err))
			}
			r.FiscalCode, r.FirstName, r.LastName, r.BirthDate = c.FiscalCode, c.First, c.Last, c.Birth
		}
		if r.ChildID == 0 {
			// a child of the adult already in the registry, typed as new
			err := tx.GetContext(ctx, &r.ChildID, `SELECT c.id FROM children c
				JOIN guardianships g ON g.installation_id = c.installation_id AND g.child_id = c.id AND g.adult_id = $3
				WHERE c.installation_id = $1 AND c.fiscal_code = $2`, r.InstallationID, r.FiscalCode, r.AdultID)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("child by fiscal code: %w", err)
			}
		}
		var child any
		if r.ChildID != 0 {
			child = r.ChildID
		}
		if r.ChildID != 0 {
			// the guardians of one child, one at a time: the second sees the
			// first's request (a request by anybody else names no child, so
			// it never waits here, nor tells anything by waiting)
			if _, err := tx.ExecContext(ctx, `SELECT 1 FROM children WHERE installation_id = $1 AND id = $2 FOR NO KEY UPDATE`,
				r.InstallationID, r.ChildID); err != nil {
				return fmt.Errorf("lock child %d: %w", r.ChildID, err)
			}
		}
		var other int64
		err := tx.GetContext(ctx, &other, `SELECT r.id FROM enrolment_requests r
			JOIN guardianships g ON g.installation_id = r.installation_id AND g.child_id = r.child_id AND g.adult_id = $4
			WHERE r.installation_id = $1 AND r.window_id = $2 AND r.fiscal_code = $3 AND r.status <> 'rejected' AND r.adult_id <> $4
			LIMIT 1`, r.InstallationID, r.WindowID, r.FiscalCode, r.AdultID)
		switch {
		case err == nil:
			return ErrAlreadyRequested
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("the other guardians' requests: %w", err)
		}
		var row struct {
			ID int64     `db:"id"`
			At time.Time `db:"submitted_at"`
		}
		err = tx.GetContext(ctx, &row, `INSERT INTO enrolment_requests (installation_id, window_id, adult_id, child_id, fiscal_code, first_name, last_name,
				birth_date, school_id, class_name, answers, documents_ack, plan_accepted, late, entered_by, by_office)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
			ON CONFLICT (installation_id, window_id, fiscal_code, adult_id) WHERE status <> 'rejected' DO NOTHING
			RETURNING id, submitted_at`,
			r.InstallationID, r.WindowID, r.AdultID, child, r.FiscalCode, r.FirstName, r.LastName, r.BirthDate, r.SchoolID, r.ClassName,
			r.Answers, r.DocumentsAck, r.PlanAccepted, late, r.EnteredBy, r.ByOffice)
		if errors.Is(err, sql.ErrNoRows) {
			// the adult's request for the child is there: a double submit,
			// shown again
			if err := tx.GetContext(ctx, &row, `SELECT id, submitted_at FROM enrolment_requests
				WHERE installation_id = $1 AND window_id = $2 AND fiscal_code = $3 AND adult_id = $4 AND status <> 'rejected'`,
				r.InstallationID, r.WindowID, r.FiscalCode, r.AdultID); err != nil {
				return fmt.Errorf("existing enrolment request: %w", err)
			}
			rc = EnrolmentReceipt{ID: row.ID, Protocol: Protocol(w.SchoolYear, row.ID), SubmittedAt: row.At, Again: true}
			return nil
		}
		if err != nil {
			return fmt.Errorf("add enrolment request: %w", err)
		}
		rc = EnrolmentReceipt{ID: row.ID, Protocol: Protocol(w.SchoolYear, row.ID), SubmittedAt: row.At, Late: late}
		if r.ISEE != nil {
			d := *r.ISEE
			d.InstallationID, d.AdultID, d.DeclaredBy = r.InstallationID, r.AdultID, r.EnteredBy
			if rc.ISEEDeclaration, err = s.DeclareISEETx(ctx, tx, d); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM enrolment_drafts WHERE installation_id = $1 AND window_id = $2 AND adult_id = $3`,
			r.InstallationID, r.WindowID, r.AdultID); err != nil {
			return fmt.Errorf("delete enrolment draft: %w", err)
		}
		if queue != nil {
			return queue(ctx, tx.Tx, row.ID)
		}
		return nil
	})
	return rc, err
}

// Protocol is a request's protocol number: "ISC-2027-000042".
func Protocol(schoolYear int, id int64) string { return fmt.Sprintf("ISC-%d-%06d", schoolYear, id) }

// EnrolmentRequest is a request as read by the family or the office.
type EnrolmentRequest struct {
	ID           int64            `db:"id"`
	WindowID     int64            `db:"window_id"`
	WindowTitle  string           `db:"window_title"`
	ServiceID    int64            `db:"service_id"`
	ServiceName  string           `db:"service_name"`
	SchoolYear   int              `db:"school_year"`
	StartsOn     time.Time        `db:"starts_on"` // the window's period
	EndsOn       time.Time        `db:"ends_on"`
	Documents    TextList         `db:"documents"`
	AdultID      int64            `db:"adult_id"`
	AdultName    string           `db:"adult_name"`
	AdultCF      string           `db:"adult_cf"`
	ChildID      sql.NullInt64    `db:"child_id"`
	FiscalCode   string           `db:"fiscal_code"`
	FirstName    string           `db:"first_name"`
	LastName     string           `db:"last_name"`
	BirthDate    time.Time        `db:"birth_date"`
	SchoolID     int64            `db:"school_id"`
	SchoolName   string           `db:"school_name"`
	ClassName    string           `db:"class_name"`
	Answers      EnrolmentAnswers `db:"answers"`
	DocumentsAck bool             `db:"documents_ack"`
	PlanAccepted bool             `db:"plan_accepted"`
	Late         bool             `db:"late"`
	ByOffice     bool             `db:"by_office"`
	EnteredBy    string           `db:"entered_by_name"`
	SubmittedAt  time.Time        `db:"submitted_at"`
	Status       string           `db:"status"`
	DecidedAt    sql.NullTime     `db:"decided_at"`
	DecidedBy    string           `db:"decided_by_name"`
	Reason       string           `db:"reason"`
	EnrollmentID sql.NullInt64    `db:"enrollment_id"`
	KnownChild   sql.NullInt64    `db:"known_child"` // a registry child with the request's CF (new-child requests)
}

// Protocol is the request's protocol number.
func (r EnrolmentRequest) Protocol() string { return Protocol(r.SchoolYear, r.ID) }

const qRequests = `
	SELECT r.id, r.window_id, w.title AS window_title, w.service_id, sv.name AS service_name, w.school_year, w.starts_on, w.ends_on, w.documents,
	       r.adult_id, a.first_name || ' ' || a.last_name AS adult_name, a.fiscal_code AS adult_cf,
	       r.child_id, r.fiscal_code, r.first_name, r.last_name, r.birth_date, r.school_id, sc.name AS school_name, r.class_name,
	       r.answers, r.documents_ack, r.plan_accepted, r.late, r.by_office, coalesce(nullif(eb.display_name, ''), eb.username, '') AS entered_by_name,
	       r.submitted_at, r.status, r.decided_at, coalesce(nullif(dc.display_name, ''), dc.username, '') AS decided_by_name, r.reason, r.enrollment_id,
	       (SELECT c.id FROM children c WHERE c.installation_id = r.installation_id AND c.fiscal_code = r.fiscal_code) AS known_child
	FROM enrolment_requests r
	JOIN enrolment_windows w ON w.installation_id = r.installation_id AND w.id = r.window_id
	JOIN services sv ON sv.installation_id = w.installation_id AND sv.id = w.service_id
	JOIN adults a ON a.installation_id = r.installation_id AND a.id = r.adult_id
	JOIN schools sc ON sc.installation_id = r.installation_id AND sc.id = r.school_id
	LEFT JOIN accounts eb ON eb.installation_id = r.installation_id AND eb.id = r.entered_by
	LEFT JOIN accounts dc ON dc.installation_id = r.installation_id AND dc.id = r.decided_by`

// visibleTo: the requests an adult sent, and those for their children.
const visibleTo = ` (r.adult_id = $2 OR r.child_id IN (SELECT g.child_id FROM guardianships g WHERE g.installation_id = r.installation_id AND g.adult_id = $2))`

// EnrolmentRequestsOfAdult lists the requests an adult may read, newest first.
func (s *Store) EnrolmentRequestsOfAdult(ctx context.Context, installationID, adultID int64) ([]EnrolmentRequest, error) {
	var list []EnrolmentRequest
	err := sqlx.SelectContext(ctx, s.pageDB(ctx), &list, qRequests+` WHERE r.installation_id = $1 AND`+visibleTo+` ORDER BY r.submitted_at DESC, r.id DESC`,
		installationID, adultID)
	return list, wrap("enrolment requests of adult", err)
}

// EnrolmentRequestOfAdult reads one request the adult may read, or ErrNotFound.
func (s *Store) EnrolmentRequestOfAdult(ctx context.Context, installationID, adultID, id int64) (*EnrolmentRequest, error) {
	var r EnrolmentRequest
	err := s.db.GetContext(ctx, &r, qRequests+` WHERE r.installation_id = $1 AND`+visibleTo+` AND r.id = $3`, installationID, adultID, id)
	if err != nil {
		return nil, fmt.Errorf("enrolment request %d: %w", id, notFound(err))
	}
	return &r, nil
}

// EnrolmentRequestByID reads one request for the office.
func (s *Store) EnrolmentRequestByID(ctx context.Context, installationID, id int64) (*EnrolmentRequest, error) {
	var r EnrolmentRequest
	if err := s.db.GetContext(ctx, &r, qRequests+` WHERE r.installation_id = $1 AND r.id = $2`, installationID, id); err != nil {
		return nil, fmt.Errorf("enrolment request %d: %w", id, notFound(err))
	}
	return &r, nil
}

// EnrolmentSibling is another open request for the same child (codice
// fiscale) in the same window, by another adult: the office decides them
// together.
type EnrolmentSibling struct {
	ID         int64  `db:"id"`
	SchoolYear int    `db:"school_year"`
	AdultName  string `db:"adult_name"`
	Status     string `db:"status"`
}

// Protocol is the request's protocol number.
func (r EnrolmentSibling) Protocol() string { return Protocol(r.SchoolYear, r.ID) }

// EnrolmentSiblings lists, for the office, the other requests not rejected
// for the request's child in its window, oldest first.
func (s *Store) EnrolmentSiblings(ctx context.Context, installationID int64, r *EnrolmentRequest) ([]EnrolmentSibling, error) {
	var list []EnrolmentSibling
	err := s.db.SelectContext(ctx, &list, `SELECT o.id, w.school_year, a.first_name || ' ' || a.last_name AS adult_name, o.status
		FROM enrolment_requests o
		JOIN enrolment_windows w ON w.installation_id = o.installation_id AND w.id = o.window_id
		JOIN adults a ON a.installation_id = o.installation_id AND a.id = o.adult_id
		WHERE o.installation_id = $1 AND o.window_id = $2 AND o.fiscal_code = $3 AND o.id <> $4 AND o.status <> 'rejected'
		ORDER BY o.submitted_at, o.id`, installationID, r.WindowID, r.FiscalCode, r.ID)
	return list, wrap("enrolment siblings", err)
}

// EnrolmentFilter narrows the office's queue; zero values do not filter.
type EnrolmentFilter struct {
	WindowID, SchoolID int64
	Status             string
	Query              string // part of a name or of a codice fiscale (child or adult)
	Limit              int
}

// EnrolmentQueue lists the requests for the office, open ones first.
func (s *Store) EnrolmentQueue(ctx context.Context, installationID int64, f EnrolmentFilter) ([]EnrolmentRequest, error) {
	if f.Limit <= 0 {
		f.Limit = 200
	}
	like := ""
	if q := strings.TrimSpace(f.Query); q != "" {
		like = "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(q) + "%"
	}
	var list []EnrolmentRequest
	err := s.db.SelectContext(ctx, &list, qRequests+`
		WHERE r.installation_id = $1 AND ($2::bigint = 0 OR r.window_id = $2) AND ($3::bigint = 0 OR r.school_id = $3) AND ($4 = '' OR r.status = $4)
		  AND ($5 = '' OR r.first_name || ' ' || r.last_name ILIKE $5 OR r.last_name || ' ' || r.first_name ILIKE $5 OR r.fiscal_code ILIKE $5
		       OR a.first_name || ' ' || a.last_name ILIKE $5 OR a.last_name || ' ' || a.first_name ILIKE $5 OR a.fiscal_code ILIKE $5)
		ORDER BY r.status <> 'submitted', r.submitted_at, r.id LIMIT $6`,
		installationID, f.WindowID, f.SchoolID, f.Status, like, f.Limit)
	return list, wrap("enrolment queue", err)
}

// EnrolmentDecision is the office's acceptance of a request: the period and
// the tariff of the enrollment it makes.
type EnrolmentDecision struct {
	InstallationID, RequestID int64
	StartsOn, EndsOn          time.Time
	TariffName                string
	TariffCents               int64
	Billing                   string
	By                        int64
	Audit                     *AuditEvent // written in the acceptance's transaction when set
}

// AcceptEnrolment accepts a request in one transaction, exactly once: a
// child not yet in the registry is added with the requesting adult as
// guardian (paying when the child has no payer), then the enrollment is
// made — a renewal continues the child's last enrollment of the service —
// with the first line of its history. ErrRequestDecided when another clerk
// decided it first; ErrChildOfAnotherFamily when a "new" child is a registry
// child the adult does not guard; ErrAlreadyEnrolled when the period overlaps an
// enrollment of the service.
func (s *Store) AcceptEnrolment(ctx context.Context, d EnrolmentDecision) (int64, error) {
	var enrollmentID int64
	err := s.WithTx(ctx, func(tx *sqlx.Tx) error {
		var r struct {
			ChildID    sql.NullInt64 `db:"child_id"`
			AdultID    int64         `db:"adult_id"`
			Status     string        `db:"status"`
			ServiceID  int64         `db:"service_id"`
			SchoolYear int           `db:"school_year"`
			FiscalCode string        `db:"fiscal_code"`
			First      string        `db:"first_name"`
			Last       string        `db:"last_name"`
			Birth      time.Time     `db:"birth_date"`
			SchoolID   int64         `db:"school_id"`
			ClassName  string        `db:"class_name"`
		}
		if err := tx.GetContext(ctx, &r, `SELECT r.child_id, r.adult_id, r.status, w.service_id, w.school_year, r.fiscal_code, r.first_name, r.last_name,
				r.birth_date, r.school_id, r.class_name
			FROM enrolment_requests r JOIN enrolment_windows w ON w.installation_id = r.installation_id AND w.id = r.window_id
			WHERE r.installation_id = $1 AND r.id = $2 FOR UPDATE OF r`, d.InstallationID, d.RequestID); err != nil {
			return fmt.Errorf("enrolment request %d: %w", d.RequestID, notFound(err))
		}
		if r.Status != "submitted" {
			return ErrRequestDecided
		}
		childID := r.ChildID.Int64
		newChild := false
		if !r.ChildID.Valid {
			err := tx.GetContext(ctx, &childID, `SELECT id FROM children WHERE installation_id = $1 AND fiscal_code = $2`, d.InstallationID, r.FiscalCode)
			if err == nil {
				var guards bool
				if err := tx.GetContext(ctx, &guards, `SELECT EXISTS (SELECT 1 FROM guardianships WHERE installation_id = $1 AND child_id = $2 AND adult_id = $3)`,
					d.InstallationID, childID, r.AdultID); err != nil {
					return fmt.Errorf("guardianship of the registry child: %w", err)
				}
				if !guards {
					return ErrChildOfAnotherFamily
				}
			}
			if errors.Is(err, sql.ErrNoRows) {
				newChild = true
				// two requests for the same new child, by two adults, accepted
				// at once: the second is refused as if accepted after the first
				// (the child is then another family's)
				err = tx.GetContext(ctx, &childID, `INSERT INTO children (installation_id, fiscal_code, first_name, last_name, birth_date, school_id, class_name)
					VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (installation_id, fiscal_code) DO NOTHING RETURNING id`,
					d.InstallationID, r.FiscalCode, r.First, r.Last, r.Birth, r.SchoolID, r.ClassName)
				if errors.Is(err, sql.ErrNoRows) {
					return ErrChildOfAnotherFamily // registered meanwhile for the other request's adult
				}
			}
			if err != nil {
				return fmt.Errorf("child of the request: %w", err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO guardianships (installation_id, child_id, adult_id, role)
				SELECT $1, $2, $3, CASE WHEN EXISTS (SELECT 1 FROM guardianships WHERE installation_id = $1 AND child_id = $2 AND role = 'payer')
				                        THEN 'guardian' ELSE 'payer' END
				ON CONFLICT DO NOTHING`, d.InstallationID, childID, r.AdultID); err != nil {
				return fmt.Errorf("guardianship of the request: %w", err)
			}
		}
		// the child's row lock orders two acceptances (or an acceptance and
		// the office adding an enrollment) for the same child: the second
		// sees the first's enrollment in its overlap check
		if _, err := tx.ExecContext(ctx, `SELECT 1 FROM children WHERE installation_id = $1 AND id = $2 FOR UPDATE`, d.InstallationID, childID); err != nil {
			return fmt.Errorf("lock the child: %w", err)
		}
		var overlap bool
		if err := tx.GetContext(ctx, &overlap, `SELECT EXISTS (SELECT 1 FROM enrollments WHERE installation_id = $1 AND child_id = $2 AND service_id = $3
			AND starts_on <= ends_on AND starts_on <= $5 AND ends_on >= $4)`, d.InstallationID, childID, r.ServiceID, d.StartsOn, d.EndsOn); err != nil {
			return fmt.Errorf("overlapping enrollment: %w", err)
		}
		if overlap {
			return ErrAlreadyEnrolled
		}
		var previous sql.NullInt64
		if err := tx.GetContext(ctx, &previous, `SELECT max(id) FROM enrollments WHERE installation_id = $1 AND child_id = $2 AND service_id = $3
			AND ends_on = (SELECT max(ends_on) FROM enrollments WHERE installation_id = $1 AND child_id = $2 AND service_id = $3 AND ends_on < $4)`,
			d.InstallationID, childID, r.ServiceID, d.StartsOn); err != nil {
			return fmt.Errorf("previous enrollment: %w", err)
		}
		// a special diet the office accepted and in force on the first day
		// goes on the canteen's or the crèche's enrollment (diets.go): the
		// kitchen count and the menu's variant read it there
		var diet sql.NullInt64
		if err := tx.GetContext(ctx, &diet, `SELECT (SELECT dr.diet_id FROM diet_requests dr
				WHERE dr.installation_id = $1 AND dr.child_id = $2 AND dr.status = 'accepted' AND $4::date BETWEEN dr.valid_from AND dr.valid_to
				ORDER BY dr.decided_at DESC, dr.id DESC LIMIT 1)
			FROM services sv WHERE sv.installation_id = $1 AND sv.id = $3 AND sv.kind IN ('mensa', 'nido')`,
			d.InstallationID, childID, r.ServiceID, d.StartsOn); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("diet in force: %w", err)
		}
		var dietID *int64
		if diet.Valid {
			dietID = &diet.Int64
		}
		id, err := addEnrollment(ctx, tx, NewEnrollment{InstallationID: d.InstallationID, ChildID: childID, ServiceID: r.ServiceID,
			StartsOn: d.StartsOn, EndsOn: d.EndsOn, TariffName: d.TariffName, TariffCents: d.TariffCents, Billing: d.Billing, DietID: dietID})
		if err != nil {
			return err
		}
		enrollmentID = id
		if _, err := tx.ExecContext(ctx, `UPDATE enrollments SET previous_id = $3, school_year = $4 WHERE installation_id = $1 AND id = $2`,
			d.InstallationID, id, previous, r.SchoolYear); err != nil {
			return fmt.Errorf("link enrollment: %w", err)
		}
		detail := map[string]any{"enrolment_request": d.RequestID, "protocol": Protocol(r.SchoolYear, d.RequestID), "new_child": newChild}
		if diet.Valid {
			detail["diet"] = diet.Int64
		}
		if previous.Valid {
			detail["renews"] = previous.Int64
		}
		if err := enrollmentEvent(ctx, tx, d.InstallationID, id, "created", d.StartsOn, "Iscrizione online "+Protocol(r.SchoolYear, d.RequestID), detail, d.By); err != nil {
			return err
		}
		if _, err = tx.ExecContext(ctx, `UPDATE enrolment_requests SET status = 'accepted', decided_by = $3, decided_at = now(), enrollment_id = $4, child_id = $5
			WHERE installation_id = $1 AND id = $2`, d.InstallationID, d.RequestID, d.By, id, childID); err != nil {
			return wrap("accept enrolment request", err)
		}
		return auditDecision(ctx, tx, d.Audit, map[string]any{"enrollment": id, "child": childID, "new_child": newChild, "diet": diet.Int64})
	})
	return enrollmentID, err
}

// RejectEnrolment rejects an open request with the reason the family reads.
// audit, when set, is written in the same transaction.
func (s *Store) RejectEnrolment(ctx context.Context, installationID, requestID int64, reason string, by int64, audit *AuditEvent) error {
	var n int64
	err := s.WithTx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE enrolment_requests SET status = 'rejected', reason = $3, decided_by = $4, decided_at = now()
			WHERE installation_id = $1 AND id = $2 AND status = 'submitted'`, installationID, requestID, reason, by)
		if err != nil {
			return fmt.Errorf("reject enrolment request %d: %w", requestID, err)
		}
		if n, _ = res.RowsAffected(); n == 0 {
			return nil
		}
		return auditDecision(ctx, tx, audit, nil)
	})
	if err != nil {
		return err
	}
	if n == 0 {
		if _, err := s.EnrolmentRequestByID(ctx, installationID, requestID); err != nil {
			return err
		}
		return ErrRequestDecided
	}
	return nil
}

// TariffHint is the tariff of the child's latest enrollment of the service,
// to pre-fill the clerk's acceptance; false when there is none.
func (s *Store) TariffHint(ctx context.Context, installationID, childID, serviceID int64) (name string, cents int64, billing string, ok bool, err error) {
	var row struct {
		Name    string `db:"tariff_name"`
		Cents   int64  `db:"tariff_cents"`
		Billing string `db:"billing"`
	}
	err = s.db.GetContext(ctx, &row, `SELECT tariff_name, tariff_cents, billing FROM enrollments
		WHERE installation_id = $1 AND child_id = $2 AND service_id = $3 ORDER BY starts_on DESC, id DESC LIMIT 1`, installationID, childID, serviceID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", 0, "", false, nil
	}
	if err != nil {
		return "", 0, "", false, fmt.Errorf("tariff hint: %w", err)
	}
	return row.Name, row.Cents, row.Billing, true, nil
}

// PreviousAnswers are the answers of the child's latest request for the
// same service in an earlier window, to pre-fill a renewal.
func (s *Store) PreviousAnswers(ctx context.Context, installationID, windowID, childID int64) (EnrolmentAnswers, error) {
	var a EnrolmentAnswers
	err := s.db.GetContext(ctx, &a, `SELECT r.answers FROM enrolment_requests r
		JOIN enrolment_windows w ON w.installation_id = r.installation_id AND w.id = r.window_id
		JOIN enrolment_windows this ON this.installation_id = w.installation_id AND this.id = $2 AND this.service_id = w.service_id
		WHERE r.installation_id = $1 AND r.window_id <> $2 AND r.child_id = $3
		ORDER BY w.school_year DESC, r.submitted_at DESC LIMIT 1`, installationID, windowID, childID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return a, wrap("previous answers", err)
}
