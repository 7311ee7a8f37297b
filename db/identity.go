package db

import (
	"context"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// ErrNoGuardian means the fiscal code belongs to no paying adult or guardian
// of the installation (the manual's "i dati ... non corrispondono a nessun
// adulto pagante registrato nel sistema").
var ErrNoGuardian = errors.New("no paying adult or guardian with that fiscal code")

// IdentityAccount finds or creates the account of the adult whose fiscal
// code an identity provider (method: "spid", "cie", "cns") has proven. A new
// account has no password and is linked, proven by method; the link
// requests other accounts made on the adult are closed (one account per
// adult). created reports whether it was made now. One transaction: two
// first sign-ins at once create one account.
func (s *Store) IdentityAccount(ctx context.Context, installationID int64, fiscalCode, method string) (acc *Account, adult *Adult, created bool, err error) {
	err = s.WithTx(ctx, func(tx *sqlx.Tx) error {
		var a Adult
		err := tx.GetContext(ctx, &a, `
			SELECT a.installation_id, a.id, a.fiscal_code, a.first_name, a.last_name, a.email, a.mobile
			FROM adults a
			WHERE a.installation_id = $1 AND a.fiscal_code = $2
			  AND EXISTS (SELECT 1 FROM guardianships g WHERE g.installation_id = a.installation_id AND g.adult_id = a.id)
			FOR UPDATE`, installationID, fiscalCode)
		if err != nil {
			if notFound(err) == ErrNotFound {
				return ErrNoGuardian
			}
			return fmt.Errorf("adult by fiscal code: %w", err)
		}
		adult = &a
		var existing Account
		err = tx.GetContext(ctx, &existing, `SELECT * FROM accounts WHERE installation_id = $1 AND adult_id = $2`, installationID, a.ID)
		if err == nil {
			acc = &existing
			return nil
		}
		if notFound(err) != ErrNotFound {
			return fmt.Errorf("account of adult: %w", err)
		}
		var fresh Account
		err = tx.GetContext(ctx, &fresh, `
			INSERT INTO accounts (installation_id, username, role, adult_id, linked_fiscal_code, email, mobile, link_proof)
			VALUES ($1, $2, 'parent', $3, $4, $5, $6, $7)
			RETURNING *`, installationID, fiscalCode, a.ID, a.FiscalCode, a.Email, a.Mobile, method)
		if err != nil {
			return fmt.Errorf("create identity account: %w", err)
		}
		if err := closeLinkRequests(ctx, tx, installationID, a.ID); err != nil {
			return err
		}
		acc, created = &fresh, true
		return nil
	})
	return acc, adult, created, err
}

// SetAccountContacts stores the e-mail and mobile an account confirmed.
func (s *Store) SetAccountContacts(ctx context.Context, installationID, id int64, email, mobile string) error {
	_, err := s.db.ExecContext(ctx,
		`UPDATE accounts SET email = $3, mobile = $4 WHERE installation_id = $1 AND id = $2`,
		installationID, id, email, mobile)
	if err != nil {
		return fmt.Errorf("set account contacts: %w", err)
	}
	return nil
}

// StaffAccountByFiscalCode finds the staff account whose own fiscal code an
// identity provider has proven, for installations that allow SPID/CIE for
// staff.
func (s *Store) StaffAccountByFiscalCode(ctx context.Context, installationID int64, fiscalCode string) (*Account, error) {
	var a Account
	err := s.db.GetContext(ctx, &a, `
		SELECT * FROM accounts
		WHERE installation_id = $1 AND staff_fiscal_code = $2 AND role IN ('staff', 'admin')`,
		installationID, fiscalCode)
	if err != nil {
		return nil, fmt.Errorf("staff account by fiscal code: %w", notFound(err))
	}
	return &a, nil
}

// StaffMembers lists the staff and admin accounts of an installation.
func (s *Store) StaffMembers(ctx context.Context, installationID int64) ([]Account, error) {
	var list []Account
	err := s.db.SelectContext(ctx, &list, `
		SELECT * FROM accounts WHERE installation_id = $1 AND role IN ('staff', 'admin')
		ORDER BY role, lower(username)`, installationID)
	if err != nil {
		return nil, fmt.Errorf("staff members: %w", err)
	}
	return list, nil
}

// SetStaffFiscalCode stores (or, with "", clears) the fiscal code a staff
// account signs in with by SPID/CIE. ErrConflict: another staff account of
// the installation has it.
func (s *Store) SetStaffFiscalCode(ctx context.Context, installationID, accountID int64, fiscalCode string) error {
	var cf any
	if fiscalCode != "" {
		cf = fiscalCode
	}
	res, err := s.db.ExecContext(ctx, `
		UPDATE accounts SET staff_fiscal_code = $3
		WHERE installation_id = $1 AND id = $2 AND role IN ('staff', 'admin')`, installationID, accountID, cf)
	if err != nil {
		if uniqueViolation(err) {
			return ErrConflict
		}
		return fmt.Errorf("set staff fiscal code: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}
