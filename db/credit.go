package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"portalegenitori/internal/iban"
)

// Errors of the credit requests.
var (
	// ErrRequestOpen: the adult already has an open request.
	ErrRequestOpen = fmt.Errorf("a credit request is already open: %w", ErrConflict)
	// ErrRequestDecided: the request was decided or withdrawn meanwhile.
	ErrRequestDecided = fmt.Errorf("credit request already decided: %w", ErrConflict)
	// ErrNotEnoughCredit: the balance is below the amount asked.
	ErrNotEnoughCredit = errors.New("the credit is below the amount")
)

// CreditRequest is a paying adult's request to get the credit back or move
// it to another paying adult.
type CreditRequest struct {
	ID          int64          `db:"id"`
	AdultID     int64          `db:"adult_id"`
	AdultName   string         `db:"adult_name"`
	Kind        string         `db:"kind"`
	AmountCents int64          `db:"amount_cents"`
	IBAN        string         `db:"iban"`
	Holder      string         `db:"holder"`
	ToAdultID   sql.NullInt64  `db:"to_adult_id"`
	ToName      string         `db:"to_name"`
	Status      string         `db:"status"`
	RequestedAt time.Time      `db:"requested_at"`
	RequestedBy string         `db:"requested_by_name"`
	DecidedAt   sql.NullTime   `db:"decided_at"`
	DecidedBy   sql.NullString `db:"decided_by_name"`
	Note        string         `db:"note"`
	Balance     int64          `db:"balance"` // the adult's balance now
}

const qCreditRequests = `
	SELECT r.id, r.adult_id, a.first_name || ' ' || a.last_name AS adult_name, r.kind, r.amount_cents, r.iban, r.holder,
	       r.to_adult_id, coalesce(t.first_name || ' ' || t.last_name, '') AS to_name, r.status, r.requested_at,
	       coalesce(rb.username, '') AS requested_by_name, r.decided_at, db.username AS decided_by_name, r.note,
	       (SELECT coalesce(sum(l.amount_cents), 0) FROM ledger_entries l WHERE l.installation_id = r.installation_id AND l.adult_id = r.adult_id) AS balance
	FROM credit_requests r
	JOIN adults a ON a.installation_id = r.installation_id AND a.id = r.adult_id
	LEFT JOIN adults t ON t.installation_id = r.installation_id AND t.id = r.to_adult_id
	LEFT JOIN accounts rb ON rb.installation_id = r.installation_id AND rb.id = r.requested_by
	LEFT JOIN accounts db ON db.installation_id = r.installation_id AND db.id = r.decided_by`

// NewCreditRequest is what the payer asks.
type NewCreditRequest struct {
	InstallationID, AdultID int64
	Kind                    string
	AmountCents             int64
	IBAN, Holder            string
	ToAdultID               int64
	By                      int64 // the account asking
}

// AddCreditRequest records a request: ErrRequestOpen when one is open,
// ErrNotEnoughCredit when the balance is below the amount.
func (s *Store) AddCreditRequest(ctx context.Context, r NewCreditRequest) (int64, error) {
	var id int64
	err := s.WithTx(ctx, func(tx *sqlx.Tx) error {
		balance, err := lockedBalance(ctx, tx, r.InstallationID, r.AdultID)
		if err != nil {
			return fmt.Errorf("credit request: %w", err)
		}
		if balance < r.AmountCents {
			return ErrNotEnoughCredit
		}
		var to any
		if r.Kind == "transfer" {
			to = r.ToAdultID
		}
		err = tx.GetContext(ctx, &id, `INSERT INTO credit_requests (installation_id, adult_id, kind, amount_cents, iban, holder, to_adult_id, requested_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, r.InstallationID, r.AdultID, r.Kind, r.AmountCents, r.IBAN, r.Holder, to, r.By)
		if uniqueViolation(err) {
			return ErrRequestOpen
		}
		return wrap("credit request", err)
	})
	return id, err
}

// lockedBalance locks the paying adult's row, which serialises the credit
// operations of one adult (two requests, two clerks) without blocking
// charges (their foreign key takes only a key-share lock), and returns the
// balance.
func lockedBalance(ctx context.Context, tx *sqlx.Tx, installationID, adultID int64) (int64, error) {
	if _, err := tx.ExecContext(ctx, `SELECT 1 FROM adults WHERE installation_id = $1 AND id = $2 FOR NO KEY UPDATE`, installationID, adultID); err != nil {
		return 0, err
	}
	var balance int64
	err := tx.GetContext(ctx, &balance, `SELECT coalesce(sum(amount_cents), 0) FROM ledger_entries WHERE installation_id = $1 AND adult_id = $2`,
		installationID, adultID)
	return balance, err
}

// CreditRequestsOf lists an adult's requests, newest first.
func (s *Store) CreditRequestsOf(ctx context.Context, installationID, adultID int64) ([]CreditRequest, error) {
	var list []CreditRequest
	err := s.db.SelectContext(ctx, &list, qCreditRequests+` WHERE r.installation_id = $1 AND r.adult_id = $2 ORDER BY r.requested_at DESC, r.id DESC`,
		installationID, adultID)
	return list, wrap("credit requests of adult", err)
}

// CreditRequestQueue lists the open requests (oldest first), then the last
// decided ones.
func (s *Store) CreditRequestQueue(ctx context.Context, installationID int64, decided int) ([]CreditRequest, error) {
	var list []CreditRequest
	err := s.db.SelectContext(ctx, &list, `(`+qCreditRequests+` WHERE r.installation_id = $1 AND r.status = 'pending' ORDER BY r.requested_at, r.id)
		UNION ALL (`+qCreditRequests+` WHERE r.installation_id = $1 AND r.status <> 'pending' ORDER BY r.decided_at DESC NULLS LAST, r.id DESC LIMIT $2)`,
		installationID, decided)
	return list, wrap("credit request queue", err)
}

// WithdrawCreditRequest lets the payer take back an open request.
func (s *Store) WithdrawCreditRequest(ctx context.Context, installationID, adultID, id int64) error {
	res, err := s.db.ExecContext(ctx, `UPDATE credit_requests SET status = 'withdrawn', decided_at = now()
		WHERE installation_id = $1 AND adult_id = $2 AND id = $3 AND status = 'pending'`, installationID, adultID, id)
	if err != nil {
		return fmt.Errorf("withdraw credit request: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrRequestDecided
	}
	return nil
}

// DecideCreditRequest approves or rejects an open request in one
// transaction. Approval checks the credit again and books both sides: a
// refund by bank transfer leaves the payer's ledger; a transfer leaves one
// payer's ledger and enters the other's, so the two net to zero.
func (s *Store) DecideCreditRequest(ctx context.Context, installationID, id int64, approve bool, note string, by int64, today time.Time) error {
	return s.WithTx(ctx, func(tx *sqlx.Tx) error {
		var r CreditRequest
		if err := tx.GetContext(ctx, &r, `SELECT r.id, r.adult_id, '' AS adult_name, r.kind, r.amount_cents, r.iban, r.holder, r.to_adult_id,
				'' AS to_name, r.status, r.requested_at, '' AS requested_by_name, r.decided_at, NULL AS decided_by_name, r.note, 0 AS balance
			FROM credit_requests r WHERE r.installation_id = $1 AND r.id = $2 FOR UPDATE`, installationID, id); err != nil {
			return fmt.Errorf("credit request %d: %w", id, notFound(err))
		}
		if r.Status != "pending" {
			return ErrRequestDecided
		}
		status := "rejected"
		if approve {
			status = "approved"
			balance, err := lockedBalance(ctx, tx, installationID, r.AdultID)
			if err != nil {
				return fmt.Errorf("credit decision: %w", err)
			}
			if balance < r.AmountCents {
				return ErrNotEnoughCredit
			}
			ref := fmt.Sprintf("credito:%d", r.ID)
			out := NewEntry{InstallationID: installationID, AdultID: r.AdultID, Kind: KindAdjustment, AmountCents: -r.AmountCents,
				EntryDate: today, ReceiptRef: ref, CreatedBy: &by, IdempotencyKey: ref + ":out"}
			if r.Kind == "refund" {
				out.Channel = "bonifico"
				out.Reason = fmt.Sprintf("Rimborso del credito con bonifico sul conto %s (richiesta n. %d)", iban.Masked(r.IBAN), r.ID)
				if _, _, err := addEntry(ctx, tx, out); err != nil {
					return err
				}
			} else {
				var from, to string
				if err := tx.GetContext(ctx, &from, `SELECT first_name || ' ' || last_name FROM adults WHERE installation_id = $1 AND id = $2`, installationID, r.AdultID); err != nil {
					return fmt.Errorf("credit transfer: %w", err)
				}
				if err := tx.GetContext(ctx, &to, `SELECT first_name || ' ' || last_name FROM adults WHERE installation_id = $1 AND id = $2`, installationID, r.ToAdultID.Int64); err != nil {
					return fmt.Errorf("credit transfer: %w", err)
				}
				out.Channel = "" // no money leaves the Comune
				out.Reason = fmt.Sprintf("Credito trasferito a %s (richiesta n. %d)", to, r.ID)
				if _, _, err := addEntry(ctx, tx, out); err != nil {
					return err
				}
				in := out
				in.AdultID, in.AmountCents, in.IdempotencyKey = r.ToAdultID.Int64, r.AmountCents, ref+":in"
				in.Reason = fmt.Sprintf("Credito ricevuto da %s (richiesta n. %d)", from, r.ID)
				if _, _, err := addEntry(ctx, tx, in); err != nil {
					return err
				}
			}
		}
		_, err := tx.ExecContext(ctx, `UPDATE credit_requests SET status = $3, decided_by = $4, decided_at = now(), note = $5
			WHERE installation_id = $1 AND id = $2`, installationID, id, status, by, note)
		return wrap("credit decision", err)
	})
}
