package db

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// StaffPermissions are what a member of staff may change (00025); reading
// the staff area needs none. Administrators have all of them. "salute"
// (00028) opens health data, the diets' medical certificates.
var StaffPermissions = []string{"anagrafica", "presenze", "cassa", "comunicazioni", "salute"}

// DefaultStaffPermissions are ticked for a new member of staff: all but
// the health data, which the administrator gives deliberately.
var DefaultStaffPermissions = []string{"anagrafica", "presenze", "cassa", "comunicazioni"}

// HasPermission tells whether a staff account may act with permission.
func (s *Store) HasPermission(ctx context.Context, installationID, accountID int64, permission string) (bool, error) {
	var ok bool
	err := s.db.GetContext(ctx, &ok, `SELECT EXISTS (SELECT 1 FROM staff_permissions
		WHERE installation_id = $1 AND account_id = $2 AND permission = $3)`, installationID, accountID, permission)
	return ok, wrap("staff permission", err)
}

// PermissionsOfStaff maps each staff account of an installation to its
// permissions.
func (s *Store) PermissionsOfStaff(ctx context.Context, installationID int64) (map[int64][]string, error) {
	var rows []struct {
		AccountID  int64  `db:"account_id"`
		Permission string `db:"permission"`
	}
	if err := s.db.SelectContext(ctx, &rows, `SELECT account_id, permission FROM staff_permissions WHERE installation_id = $1
		ORDER BY account_id, permission`, installationID); err != nil {
		return nil, fmt.Errorf("staff permissions: %w", err)
	}
	m := map[int64][]string{}
	for _, r := range rows {
		m[r.AccountID] = append(m[r.AccountID], r.Permission)
	}
	return m, nil
}

// SetStaffPermissions replaces a staff account's permissions in one
// transaction; ErrNotFound for an account that is not staff.
func (s *Store) SetStaffPermissions(ctx context.Context, installationID, accountID int64, permissions []string) error {
	return s.WithTx(ctx, func(tx *sqlx.Tx) error {
		return setStaffPermissions(ctx, tx, installationID, accountID, permissions)
	})
}

func setStaffPermissions(ctx context.Context, tx *sqlx.Tx, installationID, accountID int64, permissions []string) error {
	var role string
	if err := tx.GetContext(ctx, &role, `SELECT role FROM accounts WHERE installation_id = $1 AND id = $2 FOR UPDATE`, installationID, accountID); err != nil {
		return fmt.Errorf("staff permissions of %d: %w", accountID, notFound(err))
	}
	if role != "staff" && role != "admin" {
		return fmt.Errorf("staff permissions of %d: %w", accountID, ErrNotFound)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM staff_permissions WHERE installation_id = $1 AND account_id = $2`, installationID, accountID); err != nil {
		return fmt.Errorf("staff permissions: %w", err)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO staff_permissions (installation_id, account_id, permission)
		SELECT $1, $2, p FROM unnest($3::text[]) AS p`, installationID, accountID, pq.Array(permissions))
	return wrap("staff permissions", err)
}
