package db

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// seedISEEDemo gives the demo Comune's school canteen its tariffs by ISEE
// (docs/tariffs.md): three bands, the maximum of the full tariff, the
// non-resident rate and a sibling reduction. No declaration is seeded, so
// the demo enrollments keep the tariffs typed in by the office.
func seedISEEDemo(ctx context.Context, tx *sqlx.Tx, inst, mensa int64) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO tariff_rules (installation_id, service_id, max_cents, nonresident_cents, sibling_percent)
		VALUES ($1, $2, 480, 550, 20)`, inst, mensa); err != nil {
		return fmt.Errorf("seed tariff rules: %w", err)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO tariff_bands (installation_id, service_id, band, isee_from_cents, isee_to_cents, amount_cents)
		VALUES ($1, $2, 1, 0, 600000, 150), ($1, $2, 2, 600001, 1200000, 320), ($1, $2, 3, 1200001, 2000000, 400)`, inst, mensa)
	return wrap("seed tariff bands", err)
}
