package handlers

import (
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/internal/calendar"
)

// AlertsView is the "Avvisi" page of an adult.
type AlertsView struct {
	Base
	Linked  bool
	Payer   bool
	Own     bool // the adult saved their own choices (else: the Comune's defaults)
	Balance int64
	Fired   []db.AlertState // alerts sent, waiting for the balance to recover
	Form    AlertsForm
}

// FiredText says when an alert went and what re-arms it.
func (v AlertsView) FiredText(a db.AlertState) string {
	if a.Kind == db.AlertDebt {
		return v.T("alerts.fired.debt", v.FormatTime(a.ChangedAt), v.Money(a.BalanceCents))
	}
	return v.T("alerts.fired.low", v.FormatTime(a.ChangedAt), v.Money(a.BalanceCents), v.Money(a.ThresholdCents))
}

// alertsView builds the page of the signed-in adult; the form holds the
// stored settings.
func (h *Handler) alertsView(c *gin.Context) (AlertsView, error) {
	inst := installation(c)
	acc := currentAccount(c)
	ctx := c.Request.Context()
	v := AlertsView{Base: h.base(c)}
	v.Nav = "alerts"
	v.Form = newAlertsForm(v.Base, "/"+inst.Code+"/avvisi", db.AlertSettings{})
	if !acc.AdultID.Valid {
		return v, nil
	}
	adult, payer, err := h.store.AdultWithPayer(ctx, inst.ID, acc.AdultID.Int64)
	if err != nil {
		return v, err
	}
	v.Linked, v.Payer = true, payer
	s, own, err := h.store.AlertPrefs(ctx, inst.ID, adult.ID)
	if err != nil {
		return v, err
	}
	v.Own = own
	v.Form = newAlertsForm(v.Base, "/"+inst.Code+"/avvisi", s)
	v.Form.Email, v.Form.Mobile, v.Form.FiscalCode = adult.Email, adult.Mobile, adult.FiscalCode
	if _, err := h.store.AppIOServiceOf(ctx, inst.ID); err == nil {
		v.Form.ComuneIO = true
	} else if !errors.Is(err, db.ErrNotFound) {
		return v, err
	}
	today := calendar.DateOf(time.Now().In(calendar.Rome))
	if v.Form.DayCents, err = h.store.DailyTariffCents(ctx, inst.ID, adult.ID, today); err != nil {
		return v, err
	}
	if v.Form.ReminderOffered, err = h.store.GuardsExplicitBooking(ctx, inst.ID, adult.ID, today); err != nil {
		return v, err
	}
	bal, err := h.store.Balances(ctx, inst.ID, []int64{adult.ID})
	if err != nil {
		return v, err
	}
	v.Balance = bal[adult.ID]
	v.Fired, err = h.store.FiredAlerts(ctx, inst.ID, adult.ID)
	return v, err
}

func (h *Handler) alertsShow(c *gin.Context) {
	v, err := h.alertsView(c)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	h.render(c, http.StatusOK, "alerts", v)
}
