package db

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// demoDietCertificate is the demo's "medical certificate": a one-page PDF
// saying it is an example.
const demoDietCertificate = "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n" +
	"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>endobj\n" +
	"4 0 obj<</Length 62>>stream\nBT /F1 18 Tf 72 760 Td (Certificato medico di esempio) Tj ET\nendstream endobj\n" +
	"5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

// seedDietsDemo leaves one special-diet request waiting in the office's
// queue (docs/special-diets.md): Giulia asks a gluten-free diet for Elena,
// with the certificate. It is stored unsealed ("v0:"), as a certificate
// sent without GENITORI_SECRET_KEY: the demo is not real data.
func seedDietsDemo(ctx context.Context, tx *sqlx.Tx, demo int64, children, accounts map[string]int64) error {
	var id int64
	if err := tx.GetContext(ctx, &id, `INSERT INTO diet_requests (installation_id, child_id, kind, restriction, requested_by)
		VALUES ($1, $2, 'coeliac', 'Senza glutine', $3) RETURNING id`, demo, children["elena"], accounts["giulia.bianchi"]); err != nil {
		return fmt.Errorf("seed diet request: %w", err)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO diet_certificates (installation_id, request_id, content_type, size_bytes, sealed)
		VALUES ($1, $2, 'application/pdf', $3, $4)`, demo, id, len(demoDietCertificate), []byte("v0:"+demoDietCertificate))
	return wrap("seed diet certificate", err)
}
