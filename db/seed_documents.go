package db

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// seedDocumentsDemo gives the demo Comune the data its 730 certificates
// carry and one message to all families, read in the portal only (no
// e-mail or SMS went out), so that "Messaggi" has something to show.
func seedDocumentsDemo(ctx context.Context, tx *sqlx.Tx, demo, operator int64, today time.Time) error {
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO certificate_settings (installation_id, comune_fiscal_code, signatory)
		VALUES ($1, '00000000000', 'La responsabile del Servizio Istruzione, dott.ssa Maria Verdi')
		ON CONFLICT (installation_id) DO NOTHING`, demo); err != nil {
		return fmt.Errorf("seed certificate settings: %w", err)
	}
	var id int64
	if err := tx.GetContext(ctx, &id, `
		INSERT INTO broadcasts (installation_id, title, body, link, audience, status, created_by, created_at, finished_at)
		VALUES ($1, 'Sciopero del personale della mensa', $2, 'https://www.comune.esempio.it/avvisi', 'all', 'done', $3, $4, $4)
		RETURNING id`, demo,
		"Per lo sciopero del personale delle cucine, il giorno indicato nell'avviso il pasto non sarà servito: "+
			"sarà distribuito un pranzo al sacco e la giornata non sarà addebitata.\nPer informazioni rivolgetevi all'Ufficio Servizi Scolastici.",
		operator, today.AddDate(0, 0, -2)); err != nil {
		return fmt.Errorf("seed message: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `
		WITH r AS (INSERT INTO broadcast_recipients (installation_id, broadcast_id, adult_id)
			SELECT DISTINCT installation_id, $2::bigint, adult_id FROM guardianships WHERE installation_id = $1 RETURNING 1)
		UPDATE broadcasts SET recipients = (SELECT count(*) FROM r) WHERE installation_id = $1 AND id = $2`, demo, id); err != nil {
		return fmt.Errorf("seed message recipients: %w", err)
	}
	return nil
}
