package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// Account linking (migration 00009): a self-registered account waits in a
// link request until the parent proves a registry contact of the adult with
// a one-time code, or the office confirms the link. Only then is
// accounts.adult_id set.

// Ways a link is proven (accounts.link_proof).
const (
	ProofContactCode = "contact_code"
	ProofOffice      = "office"
)

// Why a code cannot be checked (ReserveLinkAttempt).
var (
	ErrNoLinkCode      = errors.New("no code was sent for this request")
	ErrLinkCodeExpired = errors.New("the code has expired")
	ErrLinkCodeSpent   = errors.New("too many wrong codes")
)

// LinkClaim is what a parent gave at registration besides the codice
// fiscale: the evidence of a link request. AdultID is the registry adult the codice fiscale matched, 0 when
// none.
type LinkClaim struct {
	AdultID             int64
	FirstName, LastName string
	Email, Mobile       string
	IP, UserAgent       string
}

// LinkRequest is a request with the registry adult it names (if any) and
// the account that made it.
type LinkRequest struct {
	InstallationID int64          `db:"installation_id"`
	ID             int64          `db:"id"`
	AccountID      int64          `db:"account_id"`
	AdultID        sql.NullInt64  `db:"adult_id"`
	FiscalCode     string         `db:"fiscal_code"`
	FirstName      string         `db:"first_name"`
	LastName       string         `db:"last_name"`
	Email          string         `db:"email"`
	Mobile         string         `db:"mobile"`
	IP             string         `db:"ip"`
	UserAgent      string         `db:"user_agent"`
	Source         string         `db:"source"`
	Status         string         `db:"status"`
	CreatedAt      time.Time      `db:"created_at"`
	CodeHash       sql.NullString `db:"code_hash"`
	CodeExpiresAt  sql.NullTime   `db:"code_expires_at"`
	CodeAttempts   int            `db:"code_attempts"`
	CodeSentTo     string         `db:"code_sent_to"`
	// the account
	Username string `db:"username"`
	Lang     string `db:"lang"`
	// the registry adult named by the request, as the registry has it now
	AdultFiscalCode sql.NullString `db:"adult_fiscal_code"`
	AdultFirstName  sql.NullString `db:"adult_first_name"`
	AdultLastName   sql.NullString `db:"adult_last_name"`
	AdultEmail      sql.NullString `db:"adult_email"`
	AdultMobile     sql.NullString `db:"adult_mobile"`
}

const linkSelect = `
	SELECT r.installation_id, r.id, r.account_id, r.adult_id, r.fiscal_code, r.first_name, r.last_name, r.email, r.mobile,
	       r.ip, r.user_agent, r.source, r.status, r.created_at, r.code_hash, r.code_expires_at, r.code_attempts,
	       r.code_sent_to, acc.username, acc.lang,
	       ad.fiscal_code AS adult_fiscal_code, ad.first_name AS adult_first_name, ad.last_name AS adult_last_name,
	       ad.email AS adult_email, ad.mobile AS adult_mobile
	FROM link_requests r
	JOIN accounts acc ON acc.installation_id = r.installation_id AND acc.id = r.account_id
	LEFT JOIN adults ad ON ad.installation_id = r.installation_id AND ad.id = r.adult_id
	WHERE r.installation_id = $1 `

// PendingLink is the open link request of an account; ErrNotFound if none.
func (s *Store) PendingLink(ctx context.Context, installationID, accountID int64) (*LinkRequest, error) {
	var r LinkRequest
	err := s.db.GetContext(ctx, &r, linkSelect+`AND r.account_id = $2 AND r.status = 'pending'`, installationID, accountID)
	if err != nil {
		return nil, fmt.Errorf("pending link of account %d: %w", accountID, notFound(err))
	}
	return &r, nil
}

// PendingLinkByID is an open link request; ErrNotFound if it is not (any more).
func (s *Store) PendingLinkByID(ctx context.Context, installationID, id int64) (*LinkRequest, error) {
	var r LinkRequest
	err := s.db.GetContext(ctx, &r, linkSelect+`AND r.id = $2 AND r.status = 'pending'`, installationID, id)
	if err != nil {
		return nil, fmt.Errorf("link request %d: %w", id, notFound(err))
	}
	return &r, nil
}

// PendingLinks is the office's queue, oldest first.
func (s *Store) PendingLinks(ctx context.Context, installationID int64) ([]LinkRequest, error) {
	var list []LinkRequest
	if err := s.db.SelectContext(ctx, &list, linkSelect+`AND r.status = 'pending' ORDER BY r.created_at, r.id`, installationID); err != nil {
		return nil, fmt.Errorf("pending links: %w", err)
	}
	return list, nil
}

// createLinkRequest records the claim of a new account, in its transaction.
func createLinkRequest(ctx context.Context, tx *sqlx.Tx, installationID, accountID int64, fiscalCode string, c LinkClaim) error {
	var adult any
	if c.AdultID != 0 {
		adult = c.AdultID
	}
	_, err := tx.ExecContext(ctx, `
		INSERT INTO link_requests (installation_id, account_id, adult_id, fiscal_code, first_name, last_name, email, mobile,
			ip, user_agent, source)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'registration')`,
		installationID, accountID, adult, fiscalCode, c.FirstName, c.LastName, c.Email, c.Mobile,
		truncateText(c.IP, 64), truncateText(c.UserAgent, 256))
	if err != nil {
		return fmt.Errorf("create link request: %w", err)
	}
	return nil
}

func truncateText(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}

// SetLinkCode stores the hash of a new code for the open request of the
// account, replacing the earlier one (whose guesses no longer count), and
// the masked contacts it goes to. false: no open request (linked or refused
// meanwhile): send nothing.
func (s *Store) SetLinkCode(ctx context.Context, installationID, accountID int64, hash string, expires time.Time, sentTo string) (bool, error) {
	res, err := s.db.ExecContext(ctx, `
		UPDATE link_requests SET code_hash = $3, code_expires_at = $4, code_attempts = 0, code_sent_to = $5
		WHERE installation_id = $1 AND account_id = $2 AND status = 'pending'`,
		installationID, accountID, hash, expires, sentTo)
	if err != nil {
		return false, fmt.Errorf("set link code: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// LinkAttempt is a reserved guess at the code of a request.
type LinkAttempt struct {
	RequestID int64  `db:"id"`
	CodeHash  string `db:"code_hash"`
	Attempts  int    `db:"code_attempts"`
}

// ReserveLinkAttempt counts one guess at the account's current code before
// it is checked, in the same statement that decides whether a guess is still
// allowed, so parallel guesses cannot exceed max. ErrNotFound: no open
// request; ErrNoLinkCode, ErrLinkCodeExpired, ErrLinkCodeSpent: why no guess
// is allowed.
func (s *Store) ReserveLinkAttempt(ctx context.Context, installationID, accountID int64, max int) (*LinkAttempt, error) {
	var a LinkAttempt
	err := s.db.GetContext(ctx, &a, `
		UPDATE link_requests SET code_attempts = code_attempts + 1
		WHERE installation_id = $1 AND account_id = $2 AND status = 'pending'
		  AND code_hash IS NOT NULL AND code_expires_at > now() AND code_attempts < $3
		RETURNING id, code_hash, code_attempts`, installationID, accountID, max)
	if err == nil {
		return &a, nil
	}
	if notFound(err) != ErrNotFound {
		return nil, fmt.Errorf("reserve link attempt: %w", err)
	}
	r, err := s.PendingLink(ctx, installationID, accountID)
	if err != nil {
		return nil, err
	}
	switch {
	case !r.CodeHash.Valid:
		return nil, ErrNoLinkCode
	case r.CodeAttempts >= max:
		return nil, ErrLinkCodeSpent
	default:
		return nil, ErrLinkCodeExpired
	}
}

// LinkByCode links the account of the request to its adult after the parent
// gave the right code: the code is spent (only the one that was checked,
// so a code replaced meanwhile does not count). ErrNotFound: the request or
// code is no longer open; ErrAccountExists: the adult already has a linked
// account.
func (s *Store) LinkByCode(ctx context.Context, installationID, requestID int64, codeHash string) (adultID int64, err error) {
	err = s.WithTx(ctx, func(tx *sqlx.Tx) error {
		var r struct {
			AccountID int64         `db:"account_id"`
			AdultID   sql.NullInt64 `db:"adult_id"`
		}
		err := tx.GetContext(ctx, &r, `
			UPDATE link_requests SET status = 'linked', decided_at = now(), code_hash = NULL, code_expires_at = NULL
			WHERE installation_id = $1 AND id = $2 AND status = 'pending' AND code_hash = $3 AND code_expires_at > now()
			RETURNING account_id, adult_id`, installationID, requestID, codeHash)
		if err != nil {
			return fmt.Errorf("spend link code: %w", notFound(err))
		}
		if !r.AdultID.Valid {
			return fmt.Errorf("link request %d names no adult: %w", requestID, ErrNotFound)
		}
		adultID = r.AdultID.Int64
		return linkAccount(ctx, tx, installationID, r.AccountID, adultID, ProofContactCode)
	})
	return adultID, err
}

// ApproveLink is the office confirming a request: the account is linked to
// adultID (the adult the request named, or the one the office found).
func (s *Store) ApproveLink(ctx context.Context, installationID, requestID, adultID, staffID int64) (accountID int64, err error) {
	err = s.WithTx(ctx, func(tx *sqlx.Tx) error {
		err := tx.GetContext(ctx, &accountID, `
			UPDATE link_requests SET status = 'linked', decided_at = now(), decided_by = $3, adult_id = $4,
			       code_hash = NULL, code_expires_at = NULL
			WHERE installation_id = $1 AND id = $2 AND status = 'pending'
			RETURNING account_id`, installationID, requestID, staffID, adultID)
		if err != nil {
			return fmt.Errorf("approve link: %w", notFound(err))
		}
		return linkAccount(ctx, tx, installationID, accountID, adultID, ProofOffice)
	})
	return accountID, err
}

// RefuseLink is the office refusing a request: the account stays without a
// family; its code, if any, stops working.
func (s *Store) RefuseLink(ctx context.Context, installationID, requestID, staffID int64) (accountID int64, err error) {
	err = s.db.GetContext(ctx, &accountID, `
		UPDATE link_requests SET status = 'refused', decided_at = now(), decided_by = $3, code_hash = NULL, code_expires_at = NULL
		WHERE installation_id = $1 AND id = $2 AND status = 'pending'
		RETURNING account_id`, installationID, requestID, staffID)
	if err != nil {
		return 0, fmt.Errorf("refuse link: %w", notFound(err))
	}
	return accountID, nil
}

// linkAccount sets the proven link and closes the other open requests on the
// same adult (they can no longer succeed: one account per adult).
func linkAccount(ctx context.Context, tx *sqlx.Tx, installationID, accountID, adultID int64, proof string) error {
	res, err := tx.ExecContext(ctx, `
		UPDATE accounts SET adult_id = $3, link_proof = $4,
		       linked_fiscal_code = (SELECT fiscal_code FROM adults WHERE installation_id = $1 AND id = $3)
		WHERE installation_id = $1 AND id = $2 AND adult_id IS NULL AND role = 'parent'`,
		installationID, accountID, adultID, proof)
	if err != nil {
		if uniqueViolation(err) {
			return ErrAccountExists
		}
		return fmt.Errorf("link account: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("link account %d: %w", accountID, ErrConflict)
	}
	return closeLinkRequests(ctx, tx, installationID, adultID)
}

func closeLinkRequests(ctx context.Context, tx *sqlx.Tx, installationID, adultID int64) error {
	if _, err := tx.ExecContext(ctx, `
		UPDATE link_requests SET status = 'closed', decided_at = now(), code_hash = NULL, code_expires_at = NULL
		WHERE installation_id = $1 AND adult_id = $2 AND status = 'pending'`, installationID, adultID); err != nil {
		return fmt.Errorf("close link requests: %w", err)
	}
	return nil
}
