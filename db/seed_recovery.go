package db

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"

	"portalegenitori/internal/password"
)

// DemoSecurityAnswer is the answer of the demo parents' security question
// ("Come si chiamava il tuo primo animale domestico?"), to try "Problemi con
// l'accesso" (README): mario.rossi (both contacts: link by e-mail and
// temporary password by SMS), giulia.bianchi (the registry has no mobile:
// the missing-contact error) and paolo.neri (registry CF changed: the
// profile must be regenerated). laura.rossi has no question (neutral
// message, the recovery goes out silently).
const DemoSecurityAnswer = "Fido"

func seedRecoveryDemo(ctx context.Context, tx *sqlx.Tx, demo int64) error {
	// stored as the registration stores it: argon2id of the normalised answer
	hash, err := password.Hash("fido")
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `
		UPDATE accounts SET security_question = 'sq.pet', security_answer_hash = $2
		WHERE installation_id = $1 AND username IN ('mario.rossi', 'giulia.bianchi', 'paolo.neri')`, demo, hash); err != nil {
		return fmt.Errorf("seed security questions: %w", err)
	}
	return nil
}
