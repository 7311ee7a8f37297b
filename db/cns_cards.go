package db

import (
	"context"
	"fmt"
)

// CNSCardKnown tells whether the card (SHA-256 of its certificate) was
// confirmed for the account of the adult with this fiscal code.
func (s *Store) CNSCardKnown(ctx context.Context, installationID int64, fiscalCode string, cardHash []byte) (bool, error) {
	var known bool
	err := s.db.GetContext(ctx, &known, `
		SELECT EXISTS (
			SELECT 1 FROM cns_cards k
			JOIN accounts acc ON acc.installation_id = k.installation_id AND acc.id = k.account_id
			JOIN adults a ON a.installation_id = acc.installation_id AND a.id = acc.adult_id
			WHERE k.installation_id = $1 AND k.card_hash = $3 AND a.fiscal_code = $2)`,
		installationID, fiscalCode, cardHash)
	if err != nil {
		return false, fmt.Errorf("cns card known: %w", err)
	}
	return known, nil
}

// RememberCNSCard records that the parent confirmed the card for the account.
func (s *Store) RememberCNSCard(ctx context.Context, installationID, accountID int64, cardHash []byte) error {
	if _, err := s.db.ExecContext(ctx, `
		INSERT INTO cns_cards (installation_id, account_id, card_hash) VALUES ($1, $2, $3)
		ON CONFLICT DO NOTHING`, installationID, accountID, cardHash); err != nil {
		return fmt.Errorf("remember cns card: %w", err)
	}
	return nil
}
