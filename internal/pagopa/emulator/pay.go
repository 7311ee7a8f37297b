package emulator

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// ErrNotPayable: the notice does not exist, is not published, expired,
// was deleted or is already paid.
var ErrNotPayable = errors.New("emulator: notice not payable")

// DemoPSP is the payment service provider named in the emulator's receipts.
const DemoPSP = "Banca Demo pagoPA"

// Receipt is what GPD records when a notice is paid.
type Receipt struct {
	IUPD          string
	ReceiptID     string
	PSPCompany    string
	PaymentMethod string
	PaymentDate   time.Time
}

// Pay pays one notice as a PSP would (a tabaccheria, a bank app), outside
// any cart. With the PayTwice switch the PSP submits it a second time; the
// duplicate is counted and refused.
func (e *Emulator) Pay(ctx context.Context, org, nav string) (Receipt, error) {
	var r Receipt
	err := e.inTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		r, err = e.payNotice(ctx, tx, org, nav, 0)
		return err
	})
	if err != nil {
		return Receipt{}, err
	}
	e.maybePayAgain(ctx, org, nav)
	return r, nil
}

// maybePayAgain is the PayTwice switch: a second payment attempt for the
// same notice, which must be refused and leave the first receipt alone.
func (e *Emulator) maybePayAgain(ctx context.Context, org, nav string) {
	sw, err := e.GetSwitches(ctx)
	if err != nil || !sw.PayTwice {
		return
	}
	err = e.inTx(ctx, func(tx *sqlx.Tx) error {
		_, err := e.payNotice(ctx, tx, org, nav, 0)
		return err
	})
	if !errors.Is(err, ErrNotPayable) {
		e.log.Error("pagopa emulator: the duplicate payment was not refused", "nav", nav, "err", err)
	}
}

// payNotice marks the notice paid inside tx, or counts a refused attempt
// (the caller commits either way). amount, if not 0, must match.
func (e *Emulator) payNotice(ctx context.Context, tx *sqlx.Tx, org, nav string, amount int64) (Receipt, error) {
	p, refusal, err := e.lockNotice(ctx, tx, org, nav, amount)
	if err != nil {
		return Receipt{}, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE pagopa_emulator_positions SET payment_attempts = payment_attempts + 1
		WHERE organization_fiscal_code = $1 AND iupd = $2`, org, p.IUPD); err != nil {
		return Receipt{}, fmt.Errorf("emulator: count attempt: %w", err)
	}
	if refusal != nil {
		return Receipt{}, refusal
	}
	now := e.now().UTC().Truncate(time.Millisecond)
	r := Receipt{IUPD: p.IUPD, ReceiptID: randomHex(16), PSPCompany: DemoPSP, PaymentMethod: "CP", PaymentDate: now}
	if _, err := tx.ExecContext(ctx, `UPDATE pagopa_emulator_positions
		SET status = 'PAID', installment_status = 'PAID', payment_date = $3, receipt_id = $4, psp_company = $5,
		    payment_method = $6, fee_cents = 0, updated_at = $3
		WHERE organization_fiscal_code = $1 AND iupd = $2`,
		org, p.IUPD, now, r.ReceiptID, r.PSPCompany, r.PaymentMethod); err != nil {
		return Receipt{}, fmt.Errorf("emulator: record payment: %w", err)
	}
	return r, nil
}

// lockNotice locks the notice's position and says why it cannot be paid
// (refusal wraps ErrNotPayable), or err for a database failure or a
// notice that does not exist (also ErrNotPayable).
func (e *Emulator) lockNotice(ctx context.Context, tx *sqlx.Tx, org, nav string, amount int64) (p position, refusal, err error) {
	now := e.now().UTC()
	err = tx.GetContext(ctx, &p, `SELECT `+positionColumns+` FROM pagopa_emulator_positions
		WHERE organization_fiscal_code = $1 AND nav = $2 FOR UPDATE`, org, nav)
	if errors.Is(err, sql.ErrNoRows) {
		return p, nil, fmt.Errorf("%w: no notice %s for %s", ErrNotPayable, nav, org)
	}
	if err != nil {
		return p, nil, fmt.Errorf("emulator: load notice: %w", err)
	}
	expired := p.Status == "VALID" && p.SwitchToExpired && p.DueDate.Before(now)
	switch {
	case p.Status == "PAID" || p.Status == "REPORTED":
		refusal = fmt.Errorf("%w: notice %s already paid (duplicate payment)", ErrNotPayable, nav)
	case p.Status == "EXPIRED" || expired:
		refusal = fmt.Errorf("%w: notice %s expired", ErrNotPayable, nav)
	case p.Status != "VALID":
		refusal = fmt.Errorf("%w: notice %s is %s", ErrNotPayable, nav, p.Status)
	case amount != 0 && amount != p.AmountCents:
		refusal = fmt.Errorf("%w: notice %s is %d cents, not %d", ErrNotPayable, nav, p.AmountCents, amount)
	}
	return p, refusal, nil
}

// Expire makes a published, unpaid position expire now, whatever its due
// date (GPD then shows it UNPAYABLE with the installment EXPIRED).
func (e *Emulator) Expire(ctx context.Context, org, iupd string) error {
	res, err := e.db.ExecContext(ctx, `UPDATE pagopa_emulator_positions
		SET status = 'EXPIRED', installment_status = 'EXPIRED', updated_at = $3
		WHERE organization_fiscal_code = $1 AND iupd = $2 AND status IN ('VALID', 'PUBLISHED', 'DRAFT')`,
		org, iupd, e.now().UTC())
	if err != nil {
		return fmt.Errorf("emulator: expire: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("%w: %s is not an unpaid position of %s", ErrNotPayable, iupd, org)
	}
	return nil
}

// PaymentAttempts is how many times PSPs tried to pay the position
// (more than 1 with PayTwice, or after a payer paid twice).
func (e *Emulator) PaymentAttempts(ctx context.Context, org, iupd string) (int, error) {
	var n int
	err := e.db.GetContext(ctx, &n, `SELECT payment_attempts FROM pagopa_emulator_positions
		WHERE organization_fiscal_code = $1 AND iupd = $2`, org, iupd)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, errNoPosition
	}
	return n, err
}

func (e *Emulator) inTx(ctx context.Context, f func(*sqlx.Tx) error) error {
	tx, err := e.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("emulator: begin: %w", err)
	}
	ferr := f(tx)
	// A refused payment (ErrNotPayable) still commits: the attempt counts.
	if ferr != nil && !errors.Is(ferr, ErrNotPayable) {
		tx.Rollback()
		return ferr
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("emulator: commit: %w", err)
	}
	return ferr
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
