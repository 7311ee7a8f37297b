package db

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// ValleParent is the adult of the CST Comune (valle) whose identity the demo
// test IdP offers, so that a CST sign-in ends in a family with a child.
var ValleParent = person{"Anna", "Colombo", "1985-02-18", true, "E507"}

// seedValleFamily gives valle a small registry: Anna Colombo, paying adult
// of Tommaso, enrolled in the school canteen. It returns the adult's ID.
func seedValleFamily(ctx context.Context, tx *sqlx.Tx, valle int64) (int64, error) {
	child := person{"Tommaso", "Colombo", "2018-05-20", false, "E507"}
	var adult, kid, school, service int64
	if err := tx.GetContext(ctx, &adult, `INSERT INTO adults (installation_id, fiscal_code, first_name, last_name, email, mobile)
		VALUES ($1, $2, $3, $4, 'anna.colombo@example.it', '+393471234567') RETURNING id`,
		valle, ValleParent.cf(), ValleParent.first, ValleParent.last); err != nil {
		return 0, fmt.Errorf("seed valle adult: %w", err)
	}
	if err := tx.GetContext(ctx, &school, `INSERT INTO schools (installation_id, name) VALUES ($1, 'Scuola primaria di Valle Serena') RETURNING id`, valle); err != nil {
		return 0, fmt.Errorf("seed valle school: %w", err)
	}
	if err := tx.GetContext(ctx, &kid, `INSERT INTO children (installation_id, fiscal_code, first_name, last_name, birth_date, school_id, class_name)
		VALUES ($1, $2, $3, $4, $5, $6, '2ª A') RETURNING id`, valle, child.cf(), child.first, child.last, child.birth, school); err != nil {
		return 0, fmt.Errorf("seed valle child: %w", err)
	}
	if err := tx.GetContext(ctx, &service, `INSERT INTO services (installation_id, kind, name) VALUES ($1, 'mensa', 'Mensa scolastica') RETURNING id`, valle); err != nil {
		return 0, fmt.Errorf("seed valle service: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO guardianships (installation_id, child_id, adult_id, role) VALUES ($1, $2, $3, 'payer')`,
		valle, kid, adult); err != nil {
		return 0, fmt.Errorf("seed valle guardianship: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO enrollments (installation_id, child_id, service_id, school_year, starts_on, ends_on, tariff_name, tariff_cents, billing)
		VALUES ($1, $2, $3, 2026, '2026-09-07', '2027-06-30', 'Tariffa intera', 450, 'daily')`, valle, kid, service); err != nil {
		return 0, fmt.Errorf("seed valle enrollment: %w", err)
	}
	return adult, nil
}

// ValleParentFiscalCode is the codice fiscale of ValleParent (for the demo IdP).
func ValleParentFiscalCode() string { return ValleParent.cf() }
