package db

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// seedSAMLDemo gives the demo installations their SPID/CIE metadata data
// (the demo Comune is fictional: Belfiore and province of Milan) and lets
// valle's CST button use the built-in test IdP when GENITORI_DEMO_IDP=true
// (otherwise valle keeps its external CST link). Idempotent, so a demo
// database made before this feature gets it on the next `genitori seed`.
func seedSAMLDemo(ctx context.Context, tx *sqlx.Tx) error {
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO installation_saml (installation_id, contact_email, contact_phone, locality, belfiore_code, province)
		SELECT id, 'scuola@comune.esempio.it', '+39020000000', 'Esempio', 'F205', 'MI' FROM installations WHERE code = 'demo'
		ON CONFLICT (installation_id) DO NOTHING`); err != nil {
		return fmt.Errorf("seed saml settings: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO installation_saml (installation_id, contact_email, locality, cst_demo_idp)
		SELECT id, 'scuola@comune.valleserena.example', 'Valle Serena', true FROM installations WHERE code = 'valle'
		ON CONFLICT (installation_id) DO NOTHING`); err != nil {
		return fmt.Errorf("seed saml settings: %w", err)
	}
	return nil
}
