package db

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// seedEnrolDemo opens the demo Comune's enrolment window for the canteen of
// the next school year ("Mensa 2027/28" in 2026/27), from yesterday for
// ninety days, for every school and class, so mario.rossi sees it on the
// family home.
func seedEnrolDemo(ctx context.Context, tx *sqlx.Tx, inst int64, today time.Time, services, accounts map[string]int64) error {
	year := SchoolYearOf(today) + 1
	questions := EnrolmentQuestions{
		{Kind: "yesno", Text: "Il bambino frequenterà il tempo pieno?"},
		{Kind: "text", Text: "Note per l'ufficio"},
	}
	documents := TextList{"Copia del documento d'identità del genitore"}
	var id int64
	if err := tx.GetContext(ctx, &id, `INSERT INTO enrolment_windows (installation_id, service_id, school_year, title, opens_at, closes_at,
			starts_on, ends_on, debts, questions, documents, created_by)
		VALUES ($1, $2, $3, $4, now() - interval '1 day', now() + interval '90 days', $5, $6, 'ignore', $7, $8, $9) RETURNING id`,
		inst, services["mensa"], year, fmt.Sprintf("Mensa %d/%02d", year, (year+1)%100),
		time.Date(year, time.September, 7, 0, 0, 0, 0, time.UTC), time.Date(year+1, time.June, 30, 0, 0, 0, 0, time.UTC),
		questions, documents, accounts["operatore"]); err != nil {
		return fmt.Errorf("seed enrolment window: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO enrolment_window_schools (installation_id, window_id, school_id)
		SELECT $1, $2, id FROM schools WHERE installation_id = $1 AND retired_at IS NULL`, inst, id); err != nil {
		return fmt.Errorf("seed enrolment window schools: %w", err)
	}
	return nil
}
