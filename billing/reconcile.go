package billing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"portalegenitori/db"
	"portalegenitori/internal/pagopa"
)

// backoff is the wait before the next poll of a position: a tenth of its
// age, at least the run interval, at most an hour. A position just made is
// being paid now, and is polled at every run; one a week old, printed to
// pay at a tabaccheria some day, once an hour. Errors do not stretch it
// further: the age alone does. (A parent back from Checkout is checked at
// once by the status page.)
func (s *Service) backoff(p *db.Position) time.Duration {
	return min(max(time.Since(p.CreatedAt)/10, s.Every), time.Hour)
}

// Outcome is what a check of one position found.
type Outcome string

// Outcomes of a check.
const (
	Unchanged Outcome = "unchanged"
	Booked    Outcome = "booked" // paid, booked in the ledger now
	Published Outcome = "published"
	Expired   Outcome = "expired"
	Cancelled Outcome = "cancelled"
)

// Check asks GPD about one open position and records what it says: a
// payment is booked in the ledger exactly once (db.BookPayment, keyed by
// IUV), an expired position is closed and says so.
func (s *Service) Check(ctx context.Context, inst *db.Installation, st *db.PagoPASettings, pos *db.Position) (Outcome, error) {
	if pos.Status != db.PositionDraft && pos.Status != db.PositionPending {
		return Unchanged, nil
	}
	cl, err := s.Client(ctx, inst, st)
	if err != nil {
		_ = s.store.PositionError(ctx, inst.ID, pos.ID, err.Error(), s.backoff(pos))
		return Unchanged, err
	}
	gp, err := cl.GetPosition(ctx, pos.IUPD)
	switch {
	case errors.Is(err, pagopa.ErrNotFound):
		if pos.Status == db.PositionDraft && time.Since(pos.CreatedAt) < s.DraftGrace {
			// the request that creates it may still be on its way
			return Unchanged, s.store.PositionChecked(ctx, inst.ID, pos.ID, s.DraftGrace)
		}
		if pos.Status == db.PositionDraft {
			// the creation never reached GPD: nobody can pay it
			_, err := s.store.ClosePosition(ctx, inst.ID, pos.ID, db.PositionCancelled, "non creata in pagoPA (la piattaforma non ha risposto)")
			return Cancelled, err
		}
		_, err := s.store.ClosePosition(ctx, inst.ID, pos.ID, db.PositionCancelled, "non più presente in pagoPA")
		return Cancelled, err
	case err != nil:
		_ = s.store.PositionError(ctx, inst.ID, pos.ID, err.Error(), s.backoff(pos))
		return Unchanged, err
	}
	if gp.Paid() {
		data, _ := json.Marshal(map[string]any{
			"receiptId": gp.ReceiptID, "paymentDate": gp.PaymentDate, "pspCompany": gp.PSPCompany,
			"paymentMethod": gp.PaymentMethod, "feeCents": gp.FeeCents, "status": gp.Status,
			"installmentStatus": gp.InstallmentStatus, "amountCents": gp.AmountCents,
		})
		ref := gp.ReceiptID
		if ref == "" {
			ref = pos.IUV
		}
		booked, err := s.store.BookPayment(ctx, inst.ID, pos.ID, db.Receipt{ReceiptRef: ref, PaidAt: gp.PaymentDate, Data: data})
		if err != nil {
			return Unchanged, err
		}
		if booked {
			s.log.Info("pagoPA payment booked", "installation", inst.Code, "iuv", pos.IUV, "amount_cents", pos.AmountCents)
			return Booked, nil
		}
		return Unchanged, nil
	}
	if gp.Unpayable() {
		note := "scaduto il " + pos.DueDate.Format("02/01/2006")
		if !gp.Expired() {
			note = "annullato in pagoPA"
		}
		status := db.PositionExpired
		if !gp.Expired() {
			status = db.PositionCancelled
		}
		_, err := s.store.ClosePosition(ctx, inst.ID, pos.ID, status, note)
		return Expired, err
	}
	out := Unchanged
	if pos.Status == db.PositionDraft {
		if err := s.store.MarkPublished(ctx, inst.ID, pos.ID); err != nil {
			return Unchanged, err
		}
		out = Published
	}
	return out, s.store.PositionChecked(ctx, inst.ID, pos.ID, s.backoff(pos))
}

// RunResult sums up one reconciliation run.
type RunResult struct {
	Checked, Booked, Closed, Errors int
}

// ReconcileDue checks every open position whose next check is due (drafts
// only after DraftGrace), up to limit, and records the run of each Comune.
func (s *Service) ReconcileDue(ctx context.Context, limit int) (RunResult, error) {
	list, err := s.store.DuePositions(ctx, s.DraftGrace, limit)
	if err != nil {
		return RunResult{}, err
	}
	type runOf struct {
		inst    *db.Installation
		st      *db.PagoPASettings
		res     RunResult
		lastErr string
	}
	runs := map[int64]*runOf{}
	var total RunResult
	for i := range list {
		if ctx.Err() != nil {
			break // the job's time is up: the next run goes on
		}
		pos := &list[i]
		r := runs[pos.InstallationID]
		if r == nil {
			inst, err := s.store.InstallationByID(ctx, pos.InstallationID)
			if err != nil {
				return total, err
			}
			st, err := s.store.PagoPASettingsOf(ctx, pos.InstallationID)
			if err != nil {
				return total, err
			}
			r = &runOf{inst: inst, st: st}
			runs[pos.InstallationID] = r
		}
		out, err := s.Check(ctx, r.inst, r.st, pos)
		r.res.Checked++
		switch {
		case err != nil:
			r.res.Errors++
			r.lastErr = fmt.Sprintf("%s: %v", pos.IUV, err)
		case out == Booked:
			r.res.Booked++
		case out == Expired || out == Cancelled:
			r.res.Closed++
		}
	}
	touched := make([]int64, 0, len(runs))
	for id, r := range runs {
		touched = append(touched, id)
		total.Checked += r.res.Checked
		total.Booked += r.res.Booked
		total.Closed += r.res.Closed
		total.Errors += r.res.Errors
		if err := s.store.RecordReconcileRun(context.WithoutCancel(ctx), id, r.res.Checked, r.res.Booked, r.res.Errors, r.lastErr); err != nil {
			return total, err
		}
	}
	if err := s.store.RecordIdleRuns(context.WithoutCancel(ctx), touched); err != nil {
		return total, err
	}
	return total, nil
}

// CheckNow checks one position at once (the payer is back from Checkout, or
// waiting on the page), whatever its backoff.
func (s *Service) CheckNow(ctx context.Context, installationID, positionID int64) (Outcome, error) {
	pos, err := s.store.PositionByID(ctx, installationID, positionID)
	if err != nil {
		return Unchanged, err
	}
	inst, err := s.store.InstallationByID(ctx, installationID)
	if err != nil {
		return Unchanged, err
	}
	st, err := s.store.PagoPASettingsOf(ctx, installationID)
	if err != nil {
		return Unchanged, err
	}
	return s.Check(ctx, inst, st, pos)
}
