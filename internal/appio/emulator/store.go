package emulator

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

var sqlErrNoRows = sql.ErrNoRows

// Message is one message the emulator accepted.
type Message struct {
	ID         string    `db:"id"`
	FiscalCode string    `db:"fiscal_code"`
	Subject    string    `db:"subject"`
	Markdown   string    `db:"markdown"`
	KeyHint    string    `db:"key_hint"`
	Status     string    `db:"status"`
	CreatedAt  time.Time `db:"created_at"`
}

// Messages lists the newest messages, of one codice fiscale when cf is set.
func (e *Emulator) Messages(ctx context.Context, cf string, limit int) ([]Message, error) {
	var out []Message
	err := e.db.SelectContext(ctx, &out, `
		SELECT id, fiscal_code, subject, markdown, key_hint, status, created_at FROM appio_emulator_messages
		WHERE ($1 = '' OR fiscal_code = $1) ORDER BY created_at DESC, id DESC LIMIT $2`, cf, limit)
	if err != nil {
		return nil, fmt.Errorf("appio emulator messages: %w", err)
	}
	return out, nil
}

// Switch is the state a codice fiscale was set to.
type Switch struct {
	FiscalCode string `db:"fiscal_code"`
	State      string `db:"state"`
	FailNext   int    `db:"fail_next"`
}

// Switches lists the codici fiscali with a switch set.
func (e *Emulator) Switches(ctx context.Context) ([]Switch, error) {
	var out []Switch
	err := e.db.SelectContext(ctx, &out, `
		SELECT fiscal_code, state, fail_next FROM appio_emulator_profiles
		WHERE state <> 'allowed' OR fail_next > 0 ORDER BY fiscal_code LIMIT 200`)
	if err != nil {
		return nil, fmt.Errorf("appio emulator switches: %w", err)
	}
	return out, nil
}

// SetSwitch sets the profile state of cf and how many of its next calls
// fail with 500.
func (e *Emulator) SetSwitch(ctx context.Context, cf, state string, failNext int) error {
	if !ValidFiscalCode(cf) || (state != Allowed && state != Blocked && state != Absent) || failNext < 0 || failNext > 100 {
		return fmt.Errorf("appio emulator switch: invalid %q %q %d", cf, state, failNext)
	}
	_, err := e.db.ExecContext(ctx, `
		INSERT INTO appio_emulator_profiles (fiscal_code, state, fail_next) VALUES ($1, $2, $3)
		ON CONFLICT (fiscal_code) DO UPDATE SET state = EXCLUDED.state, fail_next = EXCLUDED.fail_next, updated_at = now()`,
		cf, state, failNext)
	if err != nil {
		return fmt.Errorf("appio emulator switch: %w", err)
	}
	return nil
}
