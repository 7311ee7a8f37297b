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

	"portalegenitori/internal/calendar"
)

// PagoPASettings is one Comune's connection to pagoPA (00019).
type PagoPASettings struct {
	InstallationID     int64         `db:"installation_id"`
	Enabled            bool          `db:"enabled"`
	CreditorFiscalCode string        `db:"creditor_fiscal_code"`
	SegregationCode    string        `db:"segregation_code"`
	AuxDigit           int           `db:"aux_digit"`
	IBAN               string        `db:"iban"`
	GPDBaseURL         string        `db:"gpd_base_url"`
	CheckoutBaseURL    string        `db:"checkout_base_url"`
	APIKeySealed       string        `db:"api_key_sealed"`
	MinCents           int64         `db:"min_cents"`
	MaxCents           int64         `db:"max_cents"`
	PresetsCents       pq.Int64Array `db:"presets_cents"`
	Billing            string        `db:"billing"` // before, after (the month)
	NoticeDays         int           `db:"notice_days"`
	UpdatedAt          time.Time     `db:"updated_at"`
	LastRunAt          sql.NullTime  `db:"last_run_at"`
	LastRunChecked     int           `db:"last_run_checked"`
	LastRunPaid        int           `db:"last_run_paid"`
	LastRunErrors      int           `db:"last_run_errors"`
	LastRunError       string        `db:"last_run_error"`
}

// DefaultPagoPASettings are the settings of a Comune that has none yet
// (pagoPA off).
func DefaultPagoPASettings(installationID int64) PagoPASettings {
	return PagoPASettings{InstallationID: installationID, AuxDigit: 3, MinCents: 500, MaxCents: 50000,
		PresetsCents: pq.Int64Array{2000, 5000, 10000}, Billing: "before", NoticeDays: 30}
}

const pagopaSettingsCols = `installation_id, enabled, creditor_fiscal_code, segregation_code, aux_digit, iban,
	gpd_base_url, checkout_base_url, api_key_sealed, min_cents, max_cents, presets_cents, billing, notice_days,
	updated_at, last_run_at, last_run_checked, last_run_paid, last_run_errors, last_run_error`

// PagoPASettingsOf returns the Comune's settings, the defaults when it has
// none.
func (s *Store) PagoPASettingsOf(ctx context.Context, installationID int64) (*PagoPASettings, error) {
	var p PagoPASettings
	err := s.db.GetContext(ctx, &p, `SELECT `+pagopaSettingsCols+` FROM pagopa_settings WHERE installation_id = $1`, installationID)
	if errors.Is(err, sql.ErrNoRows) {
		d := DefaultPagoPASettings(installationID)
		return &d, nil
	}
	if err != nil {
		return nil, fmt.Errorf("pagoPA settings of installation %d: %w", installationID, err)
	}
	return &p, nil
}

// SavePagoPASettings stores the settings; an empty APIKeySealed keeps the
// key already stored.
func (s *Store) SavePagoPASettings(ctx context.Context, p *PagoPASettings, by int64) error {
	_, err := s.db.ExecContext(ctx, `
		INSERT INTO pagopa_settings (installation_id, enabled, creditor_fiscal_code, segregation_code, aux_digit, iban,
			gpd_base_url, checkout_base_url, api_key_sealed, min_cents, max_cents, presets_cents, billing, notice_days,
			updated_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
		ON CONFLICT (installation_id) DO UPDATE SET enabled = $2, creditor_fiscal_code = $3, segregation_code = $4,
			aux_digit = $5, iban = $6, gpd_base_url = $7, checkout_base_url = $8,
			api_key_sealed = CASE WHEN $9 = '' THEN pagopa_settings.api_key_sealed ELSE $9 END,
			min_cents = $10, max_cents = $11, presets_cents = $12, billing = $13, notice_days = $14,
			updated_by = $15, updated_at = now()`,
		p.InstallationID, p.Enabled, p.CreditorFiscalCode, p.SegregationCode, p.AuxDigit, p.IBAN,
		p.GPDBaseURL, p.CheckoutBaseURL, p.APIKeySealed, p.MinCents, p.MaxCents, p.PresetsCents, p.Billing, p.NoticeDays,
		nullID(by))
	if err != nil {
		return fmt.Errorf("save pagoPA settings: %w", err)
	}
	return nil
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// RecordReconcileRun stores the outcome of the last reconciliation run of a
// Comune.
func (s *Store) RecordReconcileRun(ctx context.Context, installationID int64, checked, paid, errs int, lastErr string) error {
	_, err := s.db.ExecContext(ctx, `
		UPDATE pagopa_settings SET last_run_at = now(), last_run_checked = $2, last_run_paid = $3,
			last_run_errors = $4, last_run_error = $5
		WHERE installation_id = $1`, installationID, checked, paid, errs, lastErr)
	if err != nil {
		return fmt.Errorf("record reconciliation run: %w", err)
	}
	return nil
}

// RecordIdleRuns records a run that found nothing to check for every Comune
// with pagoPA on but those in busy.
func (s *Store) RecordIdleRuns(ctx context.Context, busy []int64) error {
	_, err := s.db.ExecContext(ctx, `
		UPDATE pagopa_settings SET last_run_at = now(), last_run_checked = 0, last_run_paid = 0,
			last_run_errors = 0, last_run_error = ''
		WHERE enabled AND NOT (installation_id = ANY(coalesce($1::bigint[], '{}')))`, pq.Array(busy))
	if err != nil {
		return fmt.Errorf("record idle reconciliation runs: %w", err)
	}
	return nil
}

// Position kinds and statuses.
const (
	PositionTopUp   = "topup"
	PositionNotice  = "notice"
	PositionMonthly = "monthly"

	PositionDraft     = "draft"
	PositionPending   = "pending"
	PositionPaid      = "paid"
	PositionExpired   = "expired"
	PositionCancelled = "cancelled"
)

// PositionStatuses lists the statuses in the order filters show them.
var PositionStatuses = []string{PositionPending, PositionPaid, PositionExpired, PositionCancelled, PositionDraft}

// Position is a pagoPA debt position the portal made.
type Position struct {
	InstallationID int64          `db:"installation_id"`
	ID             int64          `db:"id"`
	AdultID        int64          `db:"adult_id"`
	AdultName      string         `db:"adult_name"`
	AdultFiscal    string         `db:"adult_fiscal_code"`
	Kind           string         `db:"kind"`
	Status         string         `db:"status"`
	IUPD           string         `db:"iupd"`
	IUV            string         `db:"iuv"`
	NoticeNumber   string         `db:"notice_number"`
	AmountCents    int64          `db:"amount_cents"`
	Description    string         `db:"description"`
	DueDate        time.Time      `db:"due_date"`
	Month          sql.NullTime   `db:"month"`
	AttemptKey     string         `db:"attempt_key"`
	CreatedBy      sql.NullInt64  `db:"created_by"`
	CreatedAt      time.Time      `db:"created_at"`
	PublishedAt    sql.NullTime   `db:"published_at"`
	PaidAt         sql.NullTime   `db:"paid_at"`
	ReceiptRef     string         `db:"receipt_ref"`
	LedgerEntryID  sql.NullInt64  `db:"ledger_entry_id"`
	ClosedAt       sql.NullTime   `db:"closed_at"`
	Checks         int            `db:"checks"`
	NextCheckAt    time.Time      `db:"next_check_at"`
	LastCheckedAt  sql.NullTime   `db:"last_checked_at"`
	LastError      string         `db:"last_error"`
	ReceiptData    sql.NullString `db:"receipt_data"`
}

const positionCols = `p.installation_id, p.id, p.adult_id, a.first_name || ' ' || a.last_name AS adult_name,
	a.fiscal_code AS adult_fiscal_code, p.kind, p.status, p.iupd, p.iuv, p.notice_number, p.amount_cents,
	p.description, p.due_date, p.month, p.attempt_key, p.created_by, p.created_at, p.published_at, p.paid_at,
	p.receipt_ref, p.ledger_entry_id, p.closed_at, p.checks, p.next_check_at, p.last_checked_at, p.last_error,
	p.receipt_data::text AS receipt_data`

const positionFrom = ` FROM pagopa_positions p JOIN adults a ON a.installation_id = p.installation_id AND a.id = p.adult_id`

// NextIUVBase draws a new 13-digit IUV base.
func (s *Store) NextIUVBase(ctx context.Context) (string, error) {
	var n int64
	if err := s.db.GetContext(ctx, &n, `SELECT nextval('pagopa_iuv_seq')`); err != nil {
		return "", fmt.Errorf("next IUV: %w", err)
	}
	return fmt.Sprintf("%013d", n), nil
}

// NewPosition is a position to record before GPD is asked to create it.
type NewPosition struct {
	InstallationID int64
	AdultID        int64
	Kind           string
	IUPD, IUV      string
	NoticeNumber   string
	AmountCents    int64
	Description    string
	DueDate        time.Time
	Month          *time.Time
	AttemptKey     string
	CreatedBy      int64
}

// RecordPosition records a draft position once per attempt key (and, for a
// monthly bill, once per adult and month): a replay returns the position
// already recorded and created=false.
func (s *Store) RecordPosition(ctx context.Context, n NewPosition) (*Position, bool, error) {
	var id int64
	err := s.db.GetContext(ctx, &id, `
		INSERT INTO pagopa_positions (installation_id, adult_id, kind, iupd, iuv, notice_number, amount_cents,
			description, due_date, month, attempt_key, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
		ON CONFLICT DO NOTHING
		RETURNING id`,
		n.InstallationID, n.AdultID, n.Kind, n.IUPD, n.IUV, n.NoticeNumber, n.AmountCents,
		n.Description, n.DueDate, n.Month, n.AttemptKey, nullID(n.CreatedBy))
	created := true
	if errors.Is(err, sql.ErrNoRows) {
		created = false
		err = s.db.GetContext(ctx, &id, `
			SELECT id FROM pagopa_positions
			WHERE installation_id = $1 AND (attempt_key = $2
			   OR (kind = 'monthly' AND adult_id = $3 AND month = $4 AND status <> 'cancelled'))
			ORDER BY id LIMIT 1`, n.InstallationID, n.AttemptKey, n.AdultID, n.Month)
	}
	if err != nil {
		return nil, false, fmt.Errorf("record position %s: %w", n.AttemptKey, notFound(err))
	}
	p, err := s.PositionByID(ctx, n.InstallationID, id)
	return p, created, err
}

// AttemptRecorded tells whether an attempt already made its position.
func (s *Store) AttemptRecorded(ctx context.Context, installationID int64, attemptKey string) (bool, error) {
	var ok bool
	err := s.db.GetContext(ctx, &ok, `SELECT EXISTS (SELECT 1 FROM pagopa_positions WHERE installation_id = $1 AND attempt_key = $2)`,
		installationID, attemptKey)
	if err != nil {
		return false, fmt.Errorf("attempt %s: %w", attemptKey, err)
	}
	return ok, nil
}

// PositionByID returns a position of the installation.
func (s *Store) PositionByID(ctx context.Context, installationID, id int64) (*Position, error) {
	var p Position
	if err := s.db.GetContext(ctx, &p, `SELECT `+positionCols+positionFrom+`
		WHERE p.installation_id = $1 AND p.id = $2`, installationID, id); err != nil {
		return nil, fmt.Errorf("position %d: %w", id, notFound(err))
	}
	return &p, nil
}

// PositionByIUV returns a position by its IUV.
func (s *Store) PositionByIUV(ctx context.Context, installationID int64, iuv string) (*Position, error) {
	var p Position
	if err := s.db.GetContext(ctx, &p, `SELECT `+positionCols+positionFrom+`
		WHERE p.installation_id = $1 AND p.iuv = $2`, installationID, iuv); err != nil {
		return nil, fmt.Errorf("position %s: %w", iuv, notFound(err))
	}
	return &p, nil
}

// MarkPublished turns a draft into a pending position (GPD has it,
// published); a position already further along is left as it is.
func (s *Store) MarkPublished(ctx context.Context, installationID, id int64) error {
	_, err := s.db.ExecContext(ctx, `
		UPDATE pagopa_positions SET status = 'pending', published_at = coalesce(published_at, now()), last_error = '',
			next_check_at = now()
		WHERE installation_id = $1 AND id = $2 AND status = 'draft'`, installationID, id)
	if err != nil {
		return fmt.Errorf("position %d published: %w", id, err)
	}
	return nil
}

// PositionError records why the last call about a position failed, and
// when to look at it again.
func (s *Store) PositionError(ctx context.Context, installationID, id int64, msg string, next time.Duration) error {
	_, err := s.db.ExecContext(ctx, `
		UPDATE pagopa_positions SET last_error = $3, last_checked_at = now(), checks = checks + 1,
			next_check_at = now() + $4 * interval '1 millisecond'
		WHERE installation_id = $1 AND id = $2`, installationID, id, msg, next.Milliseconds())
	if err != nil {
		return fmt.Errorf("position %d error: %w", id, err)
	}
	return nil
}

// PositionChecked records a poll that found nothing new.
func (s *Store) PositionChecked(ctx context.Context, installationID, id int64, next time.Duration) error {
	_, err := s.db.ExecContext(ctx, `
		UPDATE pagopa_positions SET last_error = '', last_checked_at = now(), checks = checks + 1,
			next_check_at = now() + $3 * interval '1 millisecond'
		WHERE installation_id = $1 AND id = $2`, installationID, id, next.Milliseconds())
	if err != nil {
		return fmt.Errorf("position %d checked: %w", id, err)
	}
	return nil
}

// CheckSoon makes a position due for the next reconciliation.
func (s *Store) CheckSoon(ctx context.Context, installationID, id int64) error {
	_, err := s.db.ExecContext(ctx, `
		UPDATE pagopa_positions SET next_check_at = now()
		WHERE installation_id = $1 AND id = $2 AND status IN ('draft', 'pending')`, installationID, id)
	if err != nil {
		return fmt.Errorf("position %d check soon: %w", id, err)
	}
	return nil
}

// ClosePosition marks an open position expired or cancelled, with a note.
// false: it was no longer open (paid meanwhile, or closed already).
func (s *Store) ClosePosition(ctx context.Context, installationID, id int64, status, note string) (bool, error) {
	res, err := s.db.ExecContext(ctx, `
		UPDATE pagopa_positions SET status = $3, closed_at = now(), last_error = $4, last_checked_at = now()
		WHERE installation_id = $1 AND id = $2 AND status IN ('draft', 'pending')`, installationID, id, status, note)
	if err != nil {
		return false, fmt.Errorf("close position %d: %w", id, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// PaymentKey is the ledger idempotency key of the payment of an IUV.
func PaymentKey(iuv string) string { return "pagopa:" + iuv }

// Receipt is what GPD says about a paid position.
type Receipt struct {
	ReceiptRef string          // the PSP receipt id
	PaidAt     time.Time       // when it was paid
	Data       json.RawMessage // GPD's payment data, kept as received
}

// BookPayment books a paid position in the ledger as a pagoPA top-up of the
// paying adult, exactly once (keyed by IUV), and marks it paid, in one
// transaction. A position closed meanwhile (expired, cancelled) is booked
// too: the money has arrived. booked=false: it was booked already.
func (s *Store) BookPayment(ctx context.Context, installationID, id int64, r Receipt) (booked bool, err error) {
	err = s.WithTx(ctx, func(tx *sqlx.Tx) error {
		var p struct {
			AdultID     int64         `db:"adult_id"`
			IUV         string        `db:"iuv"`
			Amount      int64         `db:"amount_cents"`
			Status      string        `db:"status"`
			Description string        `db:"description"`
			CreatedBy   sql.NullInt64 `db:"created_by"`
		}
		if err := tx.GetContext(ctx, &p, `
			SELECT adult_id, iuv, amount_cents, status, description, created_by FROM pagopa_positions
			WHERE installation_id = $1 AND id = $2 FOR UPDATE`, installationID, id); err != nil {
			return fmt.Errorf("position %d: %w", id, notFound(err))
		}
		if p.Status == PositionPaid {
			return nil
		}
		paid := r.PaidAt
		if paid.IsZero() {
			paid = time.Now()
		}
		entryID, created, err := addEntry(ctx, tx, NewEntry{
			InstallationID: installationID, AdultID: p.AdultID, Kind: KindTopUp, AmountCents: p.Amount,
			EntryDate: calendar.DateOf(paid.In(calendar.Rome)), Channel: "pagoPA", ReceiptRef: r.ReceiptRef, Reason: p.Description,
			IdempotencyKey: PaymentKey(p.IUV),
		})
		if err != nil {
			return err
		}
		var data any
		if len(r.Data) > 0 {
			data = string(r.Data)
		}
		if _, err := tx.ExecContext(ctx, `
			UPDATE pagopa_positions SET status = 'paid', paid_at = $3, receipt_ref = $4, receipt_data = $5::jsonb,
				ledger_entry_id = $6, last_error = '', last_checked_at = now(), closed_at = coalesce(closed_at, now())
			WHERE installation_id = $1 AND id = $2`, installationID, id, paid, r.ReceiptRef, data, entryID); err != nil {
			return fmt.Errorf("position %d paid: %w", id, err)
		}
		booked = created
		return nil
	})
	return booked, err
}

// DuePositions lists the open positions whose next check is due, oldest
// check first, across every installation with pagoPA on.
func (s *Store) DuePositions(ctx context.Context, draftGrace time.Duration, limit int) ([]Position, error) {
	var list []Position
	if err := s.db.SelectContext(ctx, &list, `SELECT `+positionCols+positionFrom+`
		JOIN pagopa_settings st ON st.installation_id = p.installation_id AND st.enabled
		WHERE p.next_check_at <= now()
		  AND (p.status = 'pending' OR (p.status = 'draft' AND p.created_at <= now() - $2 * interval '1 millisecond'))
		ORDER BY p.next_check_at, p.id LIMIT $1`, limit, draftGrace.Milliseconds()); err != nil {
		return nil, fmt.Errorf("due positions: %w", err)
	}
	return list, nil
}

// HasDuePositions tells whether DuePositions would find any.
func (s *Store) HasDuePositions(ctx context.Context, draftGrace time.Duration) (bool, error) {
	var ok bool
	err := s.db.GetContext(ctx, &ok, `SELECT EXISTS (SELECT 1 FROM pagopa_positions p
		JOIN pagopa_settings st ON st.installation_id = p.installation_id AND st.enabled
		WHERE p.next_check_at <= now()
		  AND (p.status = 'pending' OR (p.status = 'draft' AND p.created_at <= now() - $1 * interval '1 millisecond')))`,
		draftGrace.Milliseconds())
	if err != nil {
		return false, fmt.Errorf("due positions: %w", err)
	}
	return ok, nil
}

// PositionFilter selects positions for the staff page.
type PositionFilter struct {
	Status  string // "": any
	Kind    string // "": any
	Search  string // notice number, IUV, or the adult's name or fiscal code
	From    time.Time
	To      time.Time
	AdultID int64 // 0: any
}

// Positions lists the installation's positions, newest first; limit <= 0:
// all.
func (s *Store) Positions(ctx context.Context, installationID int64, f PositionFilter, limit int) ([]Position, error) {
	opt := func(ok bool, v any) any {
		if ok {
			return v
		}
		return nil
	}
	var lim any
	if limit > 0 {
		lim = limit
	}
	var list []Position
	err := s.db.SelectContext(ctx, &list, `SELECT `+positionCols+positionFrom+`
		WHERE p.installation_id = $1
		  AND ($2::text IS NULL OR p.status = $2::text)
		  AND ($3::text IS NULL OR p.kind = $3::text)
		  AND ($4::text IS NULL OR p.notice_number = $4::text OR p.iuv = $4::text
		       OR a.fiscal_code = upper($4::text)
		       OR (a.first_name || ' ' || a.last_name) ILIKE '%' || $4::text || '%')
		  AND ($5::date IS NULL OR p.created_at >= $5::date)
		  AND ($6::date IS NULL OR p.created_at < $6::date + 1)
		  AND ($7::bigint IS NULL OR p.adult_id = $7::bigint)
		ORDER BY p.created_at DESC, p.id DESC
		LIMIT $8`, installationID, opt(f.Status != "", f.Status), opt(f.Kind != "", f.Kind),
		opt(f.Search != "", f.Search), opt(!f.From.IsZero(), f.From), opt(!f.To.IsZero(), f.To),
		opt(f.AdultID != 0, f.AdultID), lim)
	if err != nil {
		return nil, fmt.Errorf("positions: %w", err)
	}
	return list, nil
}

// MonthDebts lists, for each paying adult, the net of the month's entries
// that are not pagoPA payments (charges, refunds, adjustments dated in the
// month), when it is a debt: what a monthly bill asks for.
func (s *Store) MonthDebts(ctx context.Context, installationID int64, first time.Time) (map[int64]int64, error) {
	rows, err := s.db.QueryContext(ctx, `
		SELECT adult_id, -sum(amount_cents) FROM ledger_entries
		WHERE installation_id = $1 AND kind <> 'topup'
		  AND entry_date >= $2::date AND entry_date < ($2::date + interval '1 month')
		GROUP BY adult_id HAVING sum(amount_cents) < 0`, installationID, first)
	if err != nil {
		return nil, fmt.Errorf("month debts: %w", err)
	}
	defer rows.Close()
	out := map[int64]int64{}
	for rows.Next() {
		var id, amount int64
		if err := rows.Scan(&id, &amount); err != nil {
			return nil, fmt.Errorf("month debts: %w", err)
		}
		out[id] = amount
	}
	return out, rows.Err()
}
