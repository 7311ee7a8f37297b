package db

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"

	"portalegenitori/internal/password"
)

// Demo second factors (README): the demo staff accounts are enrolled with
// these published TOTP secrets, so the demo and the tests can compute codes
// (any authenticator app accepts them typed in). Stored as "v0:" (not
// sealed): the first sign-in with GENITORI_TOTP_KEY set seals them.
const (
	DemoStaffTOTPSecret = "PORTALEGENITORIDEMOOPERATOREUFFI"
	DemoAdminTOTPSecret = "PORTALEGENITORIDEMOAMMINISTRAZIO"
	demoAdminUser       = "amministratore"
	demoAdminPassword   = "Impostazioni-Comune-2026"
)

func init() {
	DemoAccounts = append(DemoAccounts, DemoAccount{"demo", demoAdminUser, demoAdminPassword, "amministratore dell'installazione (impostazioni)"})
}

// seedStaffDemo enrols the demo clerk and adds the installation's
// administrator.
func seedStaffDemo(ctx context.Context, tx *sqlx.Tx, demo, operatore int64) error {
	if err := setStaffTOTP(ctx, tx, demo, operatore, "v0:"+DemoStaffTOTPSecret); err != nil {
		return err
	}
	if err := setStaffPermissions(ctx, tx, demo, operatore, DefaultStaffPermissions); err != nil {
		return err
	}
	hash, err := password.Hash(demoAdminPassword)
	if err != nil {
		return err
	}
	var admin int64
	if err := tx.GetContext(ctx, &admin, `
		INSERT INTO accounts (installation_id, username, password_hash, role, display_name, password_changed_at)
		VALUES ($1, $2, $3, 'admin', 'Amministrazione del portale', now()) RETURNING id`, demo, demoAdminUser, hash); err != nil {
		return fmt.Errorf("seed admin: %w", err)
	}
	return setStaffTOTP(ctx, tx, demo, admin, "v0:"+DemoAdminTOTPSecret)
}
