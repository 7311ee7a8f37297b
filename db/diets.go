package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Special diets (00028, docs/special-diets.md).

// Errors of the diet requests.
var (
	// ErrDietRequestOpen: the child already has a request waiting.
	ErrDietRequestOpen = fmt.Errorf("a diet request is already open for the child: %w", ErrConflict)
	// ErrDietRequestDecided: the request was decided meanwhile.
	ErrDietRequestDecided = fmt.Errorf("diet request already decided: %w", ErrConflict)
)

// DefaultDietRetentionDays is how long a certificate is kept after the
// diet's validity ends when the Comune has not chosen.
const DefaultDietRetentionDays = 30

// DietKinds are the kinds of request, health ones first.
var DietKinds = []string{"allergy", "intolerance", "coeliac", "health_other", "ethical", "religious"}

// HealthDiet tells whether a kind needs a medical certificate (the others
// need the self-declaration).
func HealthDiet(kind string) bool { return kind != "ethical" && kind != "religious" }

// DietRequest is one request with the names the pages show. Certificate
// fields are empty when the request has none.
type DietRequest struct {
	ID            int64          `db:"id"`
	ChildID       int64          `db:"child_id"`
	ChildName     string         `db:"child_name"`
	ClassName     string         `db:"class_name"`
	Kind          string         `db:"kind"`
	Restriction   string         `db:"restriction"`
	SelfDeclared  bool           `db:"self_declared"`
	Status        string         `db:"status"`
	RequestedBy   int64          `db:"requested_by"`
	RequesterName string         `db:"requester_name"`
	RequestedAt   time.Time      `db:"requested_at"`
	DecidedAt     sql.NullTime   `db:"decided_at"`
	DecidedBy     sql.NullString `db:"decided_by_name"`
	Note          string         `db:"note"`
	Diet          string         `db:"diet"`
	ValidFrom     sql.NullTime   `db:"valid_from"`
	ValidTo       sql.NullTime   `db:"valid_to"`
	CertType      string         `db:"cert_type"`
	CertSize      int            `db:"cert_size"`
	CertDeletedAt sql.NullTime   `db:"cert_deleted_at"`
}

// HasCertificate: a certificate was uploaded (it may have been deleted since).
func (r DietRequest) HasCertificate() bool { return r.CertType != "" }

const qDietRequests = `
	SELECT r.id, r.child_id, c.first_name || ' ' || c.last_name AS child_name, c.class_name, r.kind, r.restriction,
	       r.self_declared, r.status, r.requested_by, coalesce(nullif(ra.display_name, ''), ra.username) AS requester_name,
	       r.requested_at, r.decided_at, da.username AS decided_by_name, r.note, coalesce(d.name, '') AS diet,
	       r.valid_from, r.valid_to, coalesce(cf.content_type, '') AS cert_type, coalesce(cf.size_bytes, 0) AS cert_size,
	       cf.deleted_at AS cert_deleted_at
	FROM diet_requests r
	JOIN children c ON c.installation_id = r.installation_id AND c.id = r.child_id
	JOIN accounts ra ON ra.installation_id = r.installation_id AND ra.id = r.requested_by
	LEFT JOIN accounts da ON da.installation_id = r.installation_id AND da.id = r.decided_by
	LEFT JOIN diets d ON d.installation_id = r.installation_id AND d.id = r.diet_id
	LEFT JOIN diet_certificates cf ON cf.installation_id = r.installation_id AND cf.request_id = r.id`

// NewDietRequest is what a guardian asks.
type NewDietRequest struct {
	InstallationID, ChildID int64
	Kind, Restriction       string
	SelfDeclared            bool
	By                      int64 // the guardian's account
	// the certificate (health kinds): its type by its bytes, and Seal,
	// which seals it for the request's id
	CertType string
	CertSize int
	Seal     func(requestID int64) (string, error)
}

// AddDietRequest records a request and its sealed certificate in one
// transaction; ErrDietRequestOpen when the child has one waiting.
func (s *Store) AddDietRequest(ctx context.Context, r NewDietRequest) (int64, error) {
	var id int64
	err := s.WithTx(ctx, func(tx *sqlx.Tx) error {
		err := tx.GetContext(ctx, &id, `INSERT INTO diet_requests (installation_id, child_id, kind, restriction, self_declared, requested_by)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, r.InstallationID, r.ChildID, r.Kind, r.Restriction, r.SelfDeclared, r.By)
		if uniqueViolation(err) {
			return ErrDietRequestOpen
		}
		if err != nil {
			return fmt.Errorf("diet request: %w", err)
		}
		if r.Seal == nil {
			return nil
		}
		sealed, err := r.Seal(id)
		if err != nil {
			return fmt.Errorf("seal certificate: %w", err)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO diet_certificates (installation_id, request_id, content_type, size_bytes, sealed)
			VALUES ($1, $2, $3, $4, $5)`, r.InstallationID, id, r.CertType, r.CertSize, []byte(sealed))
		return wrap("diet certificate", err)
	})
	return id, err
}

// DietRequestsOfChildren lists the requests of the children, newest first.
func (s *Store) DietRequestsOfChildren(ctx context.Context, installationID int64, childIDs []int64) ([]DietRequest, error) {
	var list []DietRequest
	err := s.db.SelectContext(ctx, &list, qDietRequests+` WHERE r.installation_id = $1 AND r.child_id = ANY($2)
		ORDER BY r.requested_at DESC, r.id DESC`, installationID, pq.Array(childIDs))
	return list, wrap("diet requests of children", err)
}

// DietRequestQueue lists the waiting requests (oldest first), then the
// last decided ones.
func (s *Store) DietRequestQueue(ctx context.Context, installationID int64, decided int) ([]DietRequest, error) {
	var list []DietRequest
	err := s.db.SelectContext(ctx, &list, `(`+qDietRequests+` WHERE r.installation_id = $1 AND r.status = 'pending' ORDER BY r.requested_at, r.id)
		UNION ALL (`+qDietRequests+` WHERE r.installation_id = $1 AND r.status <> 'pending' ORDER BY r.decided_at DESC, r.id DESC LIMIT $2)`,
		installationID, decided)
	return list, wrap("diet request queue", err)
}

// DietRequestByID loads one request.
func (s *Store) DietRequestByID(ctx context.Context, installationID, id int64) (*DietRequest, error) {
	var r DietRequest
	if err := s.db.GetContext(ctx, &r, qDietRequests+` WHERE r.installation_id = $1 AND r.id = $2`, installationID, id); err != nil {
		return nil, fmt.Errorf("diet request %d: %w", id, notFound(err))
	}
	return &r, nil
}

// DietCertificate is a stored certificate: Sealed is empty once deleted.
type DietCertificate struct {
	RequestID   int64          `db:"request_id"`
	ChildID     int64          `db:"child_id"`
	RequestedBy int64          `db:"requested_by"`
	ContentType string         `db:"content_type"`
	Sealed      sql.NullString `db:"sealed"`
	DeletedAt   sql.NullTime   `db:"deleted_at"`
	DeletedBy   sql.NullString `db:"deleted_by"`
}

// DietCertificateOf loads the certificate of a request; ErrNotFound when
// the request has none.
func (s *Store) DietCertificateOf(ctx context.Context, installationID, requestID int64) (*DietCertificate, error) {
	var c DietCertificate
	err := s.db.GetContext(ctx, &c, `SELECT cf.request_id, r.child_id, r.requested_by, cf.content_type, cf.sealed, cf.deleted_at, cf.deleted_by
		FROM diet_certificates cf JOIN diet_requests r ON r.installation_id = cf.installation_id AND r.id = cf.request_id
		WHERE cf.installation_id = $1 AND cf.request_id = $2`, installationID, requestID)
	if err != nil {
		return nil, fmt.Errorf("diet certificate %d: %w", requestID, notFound(err))
	}
	return &c, nil
}

// DietDecision is the office's answer to a request.
type DietDecision struct {
	InstallationID, RequestID int64
	Accept                    bool
	// accepting: an existing diet, or a new one by name (a diet of that
	// name is reused), and the validity
	DietID   int64
	DietName string
	From, To time.Time
	// rejecting: the reason the family reads
	Note  string
	By    int64
	Today time.Time // the date of the ledger entries of the enrollment changes
	// Audit, when set, is written in the decision's transaction, with what
	// the decision did added to its detail
	Audit *AuditEvent
}

// DietAcceptResult is what an acceptance did.
type DietAcceptResult struct {
	DietID      int64   `json:"diet"`
	ChildID     int64   `json:"child"`
	Enrollments []int64 `json:"enrollments"` // the enrollments changed
	Changes     int     `json:"changes"`     // the ChangeEnrollment steps made
}

// DecideDietRequest accepts or rejects a waiting request in one
// transaction. Accepting sets the diet on the child's canteen (and nursery)
// enrollments from the first day of validity, and back to the diet they had
// the day after its end, through the terms-change of the enrollments
// (changeEnrollment), so their history says so.
// ErrDietRequestDecided when it was decided meanwhile; ErrNotFound for an
// unknown request or diet.
func (s *Store) DecideDietRequest(ctx context.Context, d DietDecision) (DietAcceptResult, error) {
	var res DietAcceptResult
	err := s.WithTx(ctx, func(tx *sqlx.Tx) error {
		var req struct {
			ChildID int64  `db:"child_id"`
			Status  string `db:"status"`
		}
		if err := tx.GetContext(ctx, &req, `SELECT child_id, status FROM diet_requests WHERE installation_id = $1 AND id = $2 FOR UPDATE`,
			d.InstallationID, d.RequestID); err != nil {
			return fmt.Errorf("diet request %d: %w", d.RequestID, notFound(err))
		}
		if req.Status != "pending" {
			return ErrDietRequestDecided
		}
		res.ChildID = req.ChildID
		if !d.Accept {
			_, err := tx.ExecContext(ctx, `UPDATE diet_requests SET status = 'rejected', note = $3, decided_by = $4, decided_at = now()
				WHERE installation_id = $1 AND id = $2`, d.InstallationID, d.RequestID, d.Note, d.By)
			if err != nil {
				return wrap("reject diet request", err)
			}
			return auditDecision(ctx, tx, d.Audit, map[string]any{"request": d.RequestID, "child": res.ChildID})
		}
		dietID, err := dietFor(ctx, tx, d)
		if err != nil {
			return err
		}
		res.DietID = dietID
		if _, err := tx.ExecContext(ctx, `UPDATE diet_requests SET status = 'accepted', diet_id = $3, valid_from = $4, valid_to = $5,
			decided_by = $6, decided_at = now() WHERE installation_id = $1 AND id = $2`,
			d.InstallationID, d.RequestID, dietID, d.From, d.To, d.By); err != nil {
			return fmt.Errorf("accept diet request: %w", err)
		}
		if err := setDietOnEnrollments(ctx, tx, d, &res); err != nil {
			return err
		}
		return auditDecision(ctx, tx, d.Audit, map[string]any{"request": d.RequestID, "child": res.ChildID, "diet": res.DietID,
			"enrollments": res.Enrollments, "changes": res.Changes})
	})
	return res, err
}

// auditDecision writes e, when set, in the decision's transaction, with
// what the decision did added to the caller's detail.
func auditDecision(ctx context.Context, tx *sqlx.Tx, e *AuditEvent, did map[string]any) error {
	if e == nil {
		return nil
	}
	ev := *e
	ev.Detail = map[string]any{}
	for k, v := range e.Detail {
		ev.Detail[k] = v
	}
	for k, v := range did {
		ev.Detail[k] = v
	}
	return auditTx(ctx, tx, ev)
}

// dietFor is the diet chosen, or the one named (created when new).
func dietFor(ctx context.Context, tx *sqlx.Tx, d DietDecision) (int64, error) {
	var id int64
	if d.DietID != 0 {
		err := tx.GetContext(ctx, &id, `SELECT id FROM diets WHERE installation_id = $1 AND id = $2 AND retired_at IS NULL`, d.InstallationID, d.DietID)
		return id, wrap("diet", notFound(err))
	}
	name := strings.TrimSpace(d.DietName)
	err := tx.GetContext(ctx, &id, `SELECT id FROM diets WHERE installation_id = $1 AND lower(name) = lower($2) AND retired_at IS NULL
		ORDER BY id LIMIT 1`, d.InstallationID, name)
	if errors.Is(err, sql.ErrNoRows) {
		err = tx.GetContext(ctx, &id, `INSERT INTO diets (installation_id, name) VALUES ($1, $2) RETURNING id`, d.InstallationID, name)
	}
	return id, wrap("diet", err)
}

// setDietOnEnrollments changes the child's canteen and nursery enrollments
// that overlap the validity.
func setDietOnEnrollments(ctx context.Context, tx *sqlx.Tx, d DietDecision, res *DietAcceptResult) error {
	var list []struct {
		ID          int64         `db:"id"`
		ServiceID   int64         `db:"service_id"`
		StartsOn    time.Time     `db:"starts_on"`
		EndsOn      time.Time     `db:"ends_on"`
		DietID      sql.NullInt64 `db:"diet_id"`
		TariffName  string        `db:"tariff_name"`
		TariffCents int64         `db:"tariff_cents"`
		Billing     string        `db:"billing"`
		Version     int           `db:"version"`
	}
	if err := tx.SelectContext(ctx, &list, `SELECT e.id, e.service_id, e.starts_on, e.ends_on, e.diet_id, e.tariff_name, e.tariff_cents, e.billing, e.version
		FROM enrollments e JOIN services sv ON sv.installation_id = e.installation_id AND sv.id = e.service_id
		WHERE e.installation_id = $1 AND e.child_id = $2 AND sv.kind IN ('mensa', 'nido') AND e.ends_on >= e.starts_on
		  AND e.ends_on >= $3 AND e.starts_on <= $4
		ORDER BY e.starts_on, e.id FOR UPDATE OF e`, d.InstallationID, res.ChildID, d.From, d.To); err != nil {
		return fmt.Errorf("enrollments for the diet: %w", err)
	}
	reason := fmt.Sprintf("Dieta speciale (richiesta n. %d)", d.RequestID)
	for _, e := range list {
		ch := EnrollmentChange{InstallationID: d.InstallationID, EnrollmentID: e.ID, Version: e.Version, ServiceID: e.ServiceID,
			TariffName: e.TariffName, TariffCents: e.TariffCents, Billing: e.Billing, Reason: reason, By: d.By, Today: d.Today}
		if e.DietID.Valid && e.DietID.Int64 == res.DietID {
			continue // it has the diet already
		}
		ch.From = e.StartsOn
		if d.From.After(e.StartsOn) {
			ch.From = d.From
		}
		ch.DietID = &res.DietID
		r, err := changeEnrollment(ctx, tx, ch)
		if err != nil {
			return fmt.Errorf("diet on enrollment %d: %w", e.ID, err)
		}
		res.Changes++
		if d.To.Before(e.EndsOn) { // back to the diet it had after the validity
			current := r.NewEnrollmentID
			if err := tx.GetContext(ctx, &ch.Version, `SELECT version FROM enrollments WHERE installation_id = $1 AND id = $2`,
				d.InstallationID, current); err != nil {
				return fmt.Errorf("enrollment %d: %w", current, err)
			}
			ch.EnrollmentID, ch.From, ch.DietID = current, d.To.AddDate(0, 0, 1), nil
			if e.DietID.Valid {
				ch.DietID = &e.DietID.Int64
			}
			ch.Reason = fmt.Sprintf("Fine della dieta speciale (richiesta n. %d)", d.RequestID)
			if _, err := changeEnrollment(ctx, tx, ch); err != nil {
				return fmt.Errorf("diet end on enrollment %d: %w", current, err)
			}
			res.Changes++
		}
		res.Enrollments = append(res.Enrollments, e.ID)
	}
	return nil
}

// WithdrawDietRequest takes back a waiting request, for the guardian who
// sent it (ErrNotFound for anyone else), and deletes its certificate's
// bytes at once (the tombstone names the guardian), in one transaction.
// ErrDietRequestDecided when the office decided it meanwhile.
func (s *Store) WithdrawDietRequest(ctx context.Context, installationID, requestID, accountID int64, username string) error {
	return s.WithTx(ctx, func(tx *sqlx.Tx) error {
		var status string
		if err := tx.GetContext(ctx, &status, `SELECT status FROM diet_requests WHERE installation_id = $1 AND id = $2 AND requested_by = $3 FOR UPDATE`,
			installationID, requestID, accountID); err != nil {
			return fmt.Errorf("diet request %d: %w", requestID, notFound(err))
		}
		if status != "pending" {
			return ErrDietRequestDecided
		}
		if _, err := tx.ExecContext(ctx, `UPDATE diet_requests SET status = 'withdrawn', decided_by = $3, decided_at = now()
			WHERE installation_id = $1 AND id = $2`, installationID, requestID, accountID); err != nil {
			return fmt.Errorf("withdraw diet request: %w", err)
		}
		_, err := tx.ExecContext(ctx, `UPDATE diet_certificates SET sealed = NULL, deleted_at = now(), deleted_by = $3
			WHERE installation_id = $1 AND request_id = $2 AND sealed IS NOT NULL`, installationID, requestID, username)
		return wrap("delete withdrawn certificate", err)
	})
}

// DietInForce is the diet of the child's latest request accepted whose
// validity covers day (invalid when none): for an enrollment made after the
// acceptance, and for the menu of the day.
func (s *Store) DietInForce(ctx context.Context, installationID, childID int64, day time.Time) (sql.NullInt64, error) {
	var id sql.NullInt64
	err := s.db.GetContext(ctx, &id, `SELECT diet_id FROM diet_requests WHERE installation_id = $1 AND child_id = $2
		AND status = 'accepted' AND $3::date BETWEEN valid_from AND valid_to ORDER BY decided_at DESC, id DESC LIMIT 1`, installationID, childID, day)
	if errors.Is(err, sql.ErrNoRows) {
		return id, nil
	}
	return id, wrap("diet in force", err)
}

// DietRetentionDays is the Comune's retention of the certificates.
func (s *Store) DietRetentionDays(ctx context.Context, installationID int64) (int, error) {
	days := DefaultDietRetentionDays
	err := s.db.GetContext(ctx, &days, `SELECT retention_days FROM diet_settings WHERE installation_id = $1`, installationID)
	if errors.Is(err, sql.ErrNoRows) {
		return DefaultDietRetentionDays, nil
	}
	return days, wrap("diet settings", err)
}

// SetDietRetentionDays stores the Comune's retention of the certificates.
func (s *Store) SetDietRetentionDays(ctx context.Context, installationID int64, days int) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO diet_settings (installation_id, retention_days) VALUES ($1, $2)
		ON CONFLICT (installation_id) DO UPDATE SET retention_days = EXCLUDED.retention_days`, installationID, days)
	return wrap("diet settings", err)
}

// PurgeDietCertificates deletes the bytes of every certificate whose
// retention ended before today (an accepted diet: its validity's end plus
// the Comune's days; a rejected request: its decision plus the days),
// keeping the tombstone, with one audit event each, in one statement. It
// returns how many it deleted.
func (s *Store) PurgeDietCertificates(ctx context.Context, today time.Time) (int, error) {
	var n int
	err := s.db.GetContext(ctx, &n, `
		WITH due AS (
			SELECT cf.installation_id, cf.request_id, r.child_id
			FROM diet_certificates cf
			JOIN diet_requests r ON r.installation_id = cf.installation_id AND r.id = cf.request_id
			LEFT JOIN diet_settings st ON st.installation_id = cf.installation_id
			WHERE cf.sealed IS NOT NULL
			  AND ((r.status = 'accepted' AND r.valid_to + coalesce(st.retention_days, $2) < $1::date)
			    OR (r.status = 'rejected' AND (r.decided_at AT TIME ZONE 'Europe/Rome')::date + coalesce(st.retention_days, $2) < $1::date))
			FOR UPDATE OF cf SKIP LOCKED
		), del AS (
			UPDATE diet_certificates cf SET sealed = NULL, deleted_at = now(), deleted_by = 'retention'
			FROM due WHERE cf.installation_id = due.installation_id AND cf.request_id = due.request_id
			RETURNING cf.installation_id, cf.request_id
		), audit AS (
			INSERT INTO audit_log (installation_id, actor, action, outcome, detail)
			SELECT del.installation_id, 'retention', 'diet_certificate_delete', 'success',
			       jsonb_build_object('request', del.request_id, 'child', due.child_id)
			FROM del JOIN due ON due.installation_id = del.installation_id AND due.request_id = del.request_id
			RETURNING 1
		)
		SELECT count(*) FROM audit`, today, DefaultDietRetentionDays)
	return n, wrap("purge diet certificates", err)
}
