package billing

import (
	"context"
	"errors"
	"fmt"
	"time"

	"portalegenitori/db"
	"portalegenitori/internal/calendar"
	"portalegenitori/internal/pagopa"
)

// Request asks for a new position.
type Request struct {
	Inst        *db.Installation
	Settings    *db.PagoPASettings
	Payer       *db.Adult
	PayerEmail  string
	Kind        string // db.PositionTopUp, ...
	AmountCents int64
	Description string
	// AttemptKey names one attempt (the form's token, the job's month): a
	// replay returns the position the first one made.
	AttemptKey string
	CreatedBy  int64      // the account; 0 for a job
	Month      *time.Time // monthly bills
	DueDate    time.Time  // zero: today plus the Comune's notice days
}

// Open records the position, then has GPD create and publish it. A replay
// of the same attempt returns the position already made (and asks GPD
// again if it never confirmed it). pagopa.ErrUnavailable: GPD did not
// answer; the position stays a draft that nobody sees as payable, and the
// reconciliation finds out later whether GPD made it.
func (s *Service) Open(ctx context.Context, r Request) (*db.Position, error) {
	cl, err := s.Client(ctx, r.Inst, r.Settings)
	if err != nil {
		return nil, err
	}
	base, err := s.store.NextIUVBase(ctx)
	if err != nil {
		return nil, err
	}
	nav, iuv, err := pagopa.NoticeNumber("3", r.Settings.SegregationCode, base)
	if err != nil {
		return nil, fmt.Errorf("notice number: %w", err)
	}
	due := r.DueDate
	if due.IsZero() {
		due = calendar.DateOf(time.Now().In(calendar.Rome)).AddDate(0, 0, r.Settings.NoticeDays)
	}
	pos, _, err := s.store.RecordPosition(ctx, db.NewPosition{
		InstallationID: r.Inst.ID, AdultID: r.Payer.ID, Kind: r.Kind, IUPD: "PG-" + iuv, IUV: iuv, NoticeNumber: nav,
		AmountCents: r.AmountCents, Description: r.Description, DueDate: due, Month: r.Month,
		AttemptKey: r.AttemptKey, CreatedBy: r.CreatedBy,
	})
	if err != nil {
		return nil, err
	}
	if pos.Status != db.PositionDraft {
		return pos, nil // a replay of an attempt that went through
	}
	_, err = cl.CreatePosition(ctx, pagopa.NewPosition{
		IUPD: pos.IUPD, IUV: pos.IUV, NoticeNumber: pos.NoticeNumber,
		Payer:       pagopa.Debtor{FiscalCode: r.Payer.FiscalCode, FullName: r.Payer.FirstName + " " + r.Payer.LastName, Email: r.PayerEmail},
		AmountCents: pos.AmountCents, Description: pos.Description, DueDate: endOfDay(pos.DueDate),
		SwitchToExpired: true,
	})
	switch {
	case err == nil:
		if err := s.store.MarkPublished(context.WithoutCancel(ctx), r.Inst.ID, pos.ID); err != nil {
			return nil, err
		}
		return s.store.PositionByID(ctx, r.Inst.ID, pos.ID)
	case errors.Is(err, pagopa.ErrUnavailable):
		s.log.Warn("pagoPA did not answer the creation of a position", "installation", r.Inst.Code, "iuv", pos.IUV, "err", err)
		_ = s.store.PositionError(context.WithoutCancel(ctx), r.Inst.ID, pos.ID, err.Error(), s.DraftGrace)
		return pos, err
	default:
		s.log.Error("pagoPA refused a position", "installation", r.Inst.Code, "iuv", pos.IUV, "err", err)
		_, _ = s.store.ClosePosition(context.WithoutCancel(ctx), r.Inst.ID, pos.ID, db.PositionCancelled, err.Error())
		return pos, err
	}
}

// endOfDay: GPD's due date is a timestamp; a notice is payable through its
// due day, Italian time.
func endOfDay(d time.Time) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day(), 23, 59, 59, 0, calendar.Rome)
}

// ReturnURLs are where Checkout sends the payer back.
type ReturnURLs struct{ OK, Cancel, Error string }

// Checkout starts the payment of a pending position and returns the URL to
// send the payer to.
func (s *Service) Checkout(ctx context.Context, inst *db.Installation, st *db.PagoPASettings, pos *db.Position, email string, back ReturnURLs) (string, error) {
	cl, err := s.Client(ctx, inst, st)
	if err != nil {
		return "", err
	}
	return cl.StartCheckout(ctx, pagopa.Cart{
		Notices: []pagopa.CartNotice{{NoticeNumber: pos.NoticeNumber, FiscalCode: st.CreditorFiscalCode,
			AmountCents: pos.AmountCents, CompanyName: inst.Name, Description: pos.Description}},
		ReturnOK: back.OK, ReturnCancel: back.Cancel, ReturnError: back.Error, EmailNotice: email,
		IDCart: pos.IUPD,
	})
}

// Cancel deletes a pending position in GPD and closes it. pagopa.ErrConflict:
// it was paid meanwhile (the reconciliation books it).
func (s *Service) Cancel(ctx context.Context, inst *db.Installation, st *db.PagoPASettings, pos *db.Position, note string) error {
	if pos.Status != db.PositionPending && pos.Status != db.PositionDraft {
		return fmt.Errorf("position %d is %s: %w", pos.ID, pos.Status, db.ErrConflict)
	}
	cl, err := s.Client(ctx, inst, st)
	if err != nil {
		return err
	}
	if err := cl.DeletePosition(ctx, pos.IUPD); err != nil && !errors.Is(err, pagopa.ErrNotFound) {
		if errors.Is(err, pagopa.ErrConflict) {
			_ = s.store.CheckSoon(context.WithoutCancel(ctx), inst.ID, pos.ID)
		}
		return err
	}
	if _, err := s.store.ClosePosition(context.WithoutCancel(ctx), inst.ID, pos.ID, db.PositionCancelled, note); err != nil {
		return err
	}
	return nil
}
