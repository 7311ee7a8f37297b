package db

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// seedPagoPADemo turns pagoPA on for the demo Comuni (idempotent). Their
// base URLs are empty: with GENITORI_DEMO_PAGOPA=true the portal talks to
// its own emulator (docs/pagopa.md); the fiscal codes, segregation code and
// IBAN are examples, not real accounts. Valle Serena bills after the month.
func seedPagoPADemo(ctx context.Context, tx *sqlx.Tx) error {
	_, err := tx.ExecContext(ctx, `
		INSERT INTO pagopa_settings (installation_id, enabled, creditor_fiscal_code, segregation_code, iban,
			min_cents, max_cents, billing)
		SELECT i.id, true, v.cf, v.seg, v.iban, 500, 50000, v.billing
		FROM (VALUES ('demo', '00000000001', '01', 'IT60X0542811101000000123456', 'before'),
		             ('valle', '00000000002', '02', 'IT02A0301503200000003517230', 'after')) AS v (code, cf, seg, iban, billing)
		JOIN installations i ON i.code = v.code
		ON CONFLICT (installation_id) DO NOTHING`)
	if err != nil {
		return fmt.Errorf("seed pagoPA settings: %w", err)
	}
	return nil
}
