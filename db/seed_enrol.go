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
// family home; the office has entered one request, Marco Verdi's, from the
// paper form Anna Verdi handed in, so the queue is not empty.
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
	answers := EnrolmentAnswers{{Question: questions[0].Text, Kind: "yesno", Answer: "si"}, {Question: questions[1].Text, Kind: "text"}}
	if _, err := tx.ExecContext(ctx, `INSERT INTO enrolment_requests (installation_id, window_id, adult_id, child_id, fiscal_code, first_name, last_name,
			birth_date, school_id, class_name, answers, documents_ack, entered_by, by_office)
		SELECT $1, $2, g.adult_id, c.id, c.fiscal_code, c.first_name, c.last_name, c.birth_date, c.school_id, c.class_name, $3, true, $4, true
		FROM children c JOIN guardianships g ON g.installation_id = c.installation_id AND g.child_id = c.id AND g.role = 'payer'
		WHERE c.installation_id = $1 AND c.first_name = 'Marco' AND c.last_name = 'Verdi'`, inst, id, answers, accounts["operatore"]); err != nil {
		return fmt.Errorf("seed enrolment request: %w", err)
	}
	return nil
}
