package db

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// seedLago adds the third demo installation, which exercises the other
// self-registration settings: no password chosen (a random one is generated
// and sent), delivery by SMS only, mobile required and e-mail optional,
// registry contacts not locked, no captcha, no privacy checkbox, accounts
// allowed for a CF that is not in the registry, and the seed's 8–12
// password bounds.
func seedLago(ctx context.Context, tx *sqlx.Tx) error {
	lago, err := insertInstallation(ctx, tx, `
		INSERT INTO installations (code, name, region_label, login_local, self_registration, password_min, password_max,
			password_required, captcha, privacy_checkbox, delivery_channel, email_required, mobile_required,
			lock_registry_contacts, allow_unlinked_accounts, controller_name, controller_email, office_name, office_hours)
		VALUES ('lago', 'Comune di Lago Azzurro', 'Regione Lombardia', true, true, 8, 12,
			false, false, false, 'sms', false, true,
			false, true, 'Comune di Lago Azzurro', 'scuola@comune.lagoazzurro.example', 'Ufficio Scuola, tel. 031 000000', 'lun-gio 9-12')
		RETURNING id`)
	if err != nil {
		return err
	}
	carla := person{"Carla", "Galli", "1985-03-21", true, "C933"}
	var adult int64
	if err := tx.GetContext(ctx, &adult, `
		INSERT INTO adults (installation_id, fiscal_code, first_name, last_name, email, mobile)
		VALUES ($1, $2, 'Carla', 'Galli', 'carla.galli@example.it', '+393471234567') RETURNING id`,
		lago, carla.cf()); err != nil {
		return fmt.Errorf("seed lago adult: %w", err)
	}
	tommaso := person{"Tommaso", "Galli", "2019-11-02", false, "C933"}
	var child int64
	if err := tx.GetContext(ctx, &child, `
		INSERT INTO children (installation_id, fiscal_code, first_name, last_name, birth_date, class_name)
		VALUES ($1, $2, 'Tommaso', 'Galli', $3, 'Sezione Blu') RETURNING id`,
		lago, tommaso.cf(), tommaso.birth); err != nil {
		return fmt.Errorf("seed lago child: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO guardianships (installation_id, child_id, adult_id, role) VALUES ($1, $2, $3, 'payer')`,
		lago, child, adult); err != nil {
		return fmt.Errorf("seed lago guardianship: %w", err)
	}
	return nil
}

// DemoRegistrationCF are the demo adults with no account yet, to try the
// self-registration: Anna Verdi in demo, Carla Galli in lago.
var DemoRegistrationCF = map[string]string{
	"demo": person{"Anna", "Verdi", "1987-06-03", true, "L219"}.cf(),
	"lago": person{"Carla", "Galli", "1985-03-21", true, "C933"}.cf(),
}
