package handlers

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/gin-gonic/gin"

	"portalegenitori/billing"
	"portalegenitori/db"
	"portalegenitori/internal/money"
	"portalegenitori/internal/pagopa"
	"portalegenitori/internal/throttle"
)

// PagoPATopUpView is the top-up page: the same forms as the payments
// page's pagoPA block, alone, shown again with the errors of a submission.
type PagoPATopUpView struct {
	Base
	PagoPA *PagoPABlock
}

// newAttemptToken is the hidden token of one top-up or notice form: the
// position's idempotency key, so a double click or a replayed POST makes
// one position.
func newAttemptToken() string { return rand.Text() }

func validAttemptToken(t string) bool {
	if len(t) < 16 || len(t) > 64 {
		return false
	}
	for _, r := range t {
		if (r < 'A' || r > 'Z') && (r < '2' || r > '7') {
			return false
		}
	}
	return true
}

// topUpDays: a top-up left unpaid on Checkout stays payable through the
// next day, then expires (a notice lasts the Comune's notice days).
const topUpDays = 1

func isUnavailable(err error) bool {
	return errors.Is(err, pagopa.ErrUnavailable) || errors.Is(err, context.DeadlineExceeded)
}

func (h *Handler) pagopaTopUpShow(c *gin.Context) {
	adult, st := h.familyPayer(c)
	if adult == nil {
		return
	}
	v := PagoPATopUpView{Base: h.base(c), PagoPA: topUpForm(st)}
	v.Nav = "payments"
	h.render(c, http.StatusOK, "pagopa_topup", v)
}

func topUpForm(st *db.PagoPASettings) *PagoPABlock {
	return &PagoPABlock{Enabled: true, CanCreate: true, Presets: st.PresetsCents, Min: st.MinCents, Max: st.MaxCents,
		Token: newAttemptToken(), Errors: map[string]string{}}
}

// amountOf reads a preset (one of the Comune's) or a typed amount within
// the Comune's bounds; field names the input an error belongs to.
func amountOf(b Base, st *db.PagoPASettings, preset, typed string) (int64, string) {
	if preset != "" {
		n, err := strconv.ParseInt(preset, 10, 64)
		if err != nil || !slices.Contains(st.PresetsCents, n) {
			return 0, b.T("pagopa.error.preset")
		}
		return n, ""
	}
	if typed == "" {
		return 0, b.T("pagopa.error.amount_missing", money.Format(st.MinCents, b.Lang), money.Format(st.MaxCents, b.Lang))
	}
	n, ok := money.Parse(typed)
	if !ok || n <= 0 {
		return 0, b.T("pagopa.error.amount_format")
	}
	if n < st.MinCents || n > st.MaxCents {
		return 0, b.T("pagopa.error.amount_bounds", money.Format(st.MinCents, b.Lang), money.Format(st.MaxCents, b.Lang))
	}
	return n, ""
}

// pagopaTopUpSubmit: the amount → one position per attempt (the form's
// token) → GPD creates and publishes it → Checkout. The outcome is read
// from GPD afterwards (pagopaStatus), never from where Checkout returns.
func (h *Handler) pagopaTopUpSubmit(c *gin.Context) {
	adult, st := h.familyPayer(c)
	if adult == nil {
		return
	}
	inst := installation(c)
	v := PagoPATopUpView{Base: h.base(c), PagoPA: topUpForm(st)}
	v.Nav = "payments"
	token := c.PostForm("tentativo")
	if !validAttemptToken(token) {
		h.renderError(c, http.StatusBadRequest, nil)
		return
	}
	v.PagoPA.Token = token // the same attempt, when the form comes back with an error
	v.PagoPA.Amount = truncate(formText(c, "importo"), 20)
	amount, msg := amountOf(v.Base, st, c.PostForm("taglio"), v.PagoPA.Amount)
	if msg != "" {
		v.PagoPA.Errors["importo"] = msg
		h.render(c, swappable(c, http.StatusUnprocessableEntity), "pagopa_topup", v)
		return
	}
	if !h.pagopaAllowed(c, &v, "importo", fmt.Sprintf("topup:%d:%s", currentAccount(c).ID, token)) {
		return
	}
	pos, err := h.billing.Open(c.Request.Context(), billing.Request{Inst: inst, Settings: st, Payer: adult,
		PayerEmail: currentAccount(c).Email, Kind: db.PositionTopUp, AmountCents: amount,
		Description: "Ricarica Portale Genitori - " + adult.FirstName + " " + adult.LastName,
		AttemptKey:  fmt.Sprintf("topup:%d:%s", currentAccount(c).ID, token), CreatedBy: currentAccount(c).ID,
		DueDate: today().AddDate(0, 0, topUpDays)})
	h.audit(c, db.AuditEvent{InstallationID: inst.ID, AccountID: currentAccount(c).ID, Actor: currentAccount(c).Username,
		Action: "pagopa_topup", Outcome: outcomeOf(err), Detail: map[string]any{"amount_cents": amount, "iuv": iuvOf(pos)}})
	if err != nil {
		h.pagopaProblem(c, err)
		return
	}
	h.checkoutOrStatus(c, st, pos)
}

func outcomeOf(err error) string {
	if err != nil {
		return "failure"
	}
	return "success"
}

func iuvOf(p *db.Position) string {
	if p == nil {
		return ""
	}
	return p.IUV
}

// checkoutOrStatus sends the payer to Checkout for a pending position, to
// its status page otherwise (a replay of an attempt already paid or
// closed).
func (h *Handler) checkoutOrStatus(c *gin.Context, st *db.PagoPASettings, pos *db.Position) {
	inst := installation(c)
	statusURL := "/" + inst.Code + "/pagamenti/pagopa/" + strconv.FormatInt(pos.ID, 10)
	if pos.Status != db.PositionPending {
		redirect(c, statusURL)
		return
	}
	back := h.cfg.BaseURL + statusURL
	to, err := h.billing.Checkout(c.Request.Context(), inst, st, pos, currentAccount(c).Email,
		billing.ReturnURLs{OK: back + "?esito=ok", Cancel: back + "?esito=annullato", Error: back + "?esito=errore"})
	if err != nil {
		h.pagopaProblem(c, err)
		return
	}
	redirect(c, to)
}

// pagopaPay starts Checkout again for a position still to pay (a notice,
// a top-up whose payment page was closed).
func (h *Handler) pagopaPay(c *gin.Context) {
	_, pos, ok := h.familyPosition(c)
	if !ok {
		return
	}
	st, err := h.store.PagoPASettingsOf(c.Request.Context(), installation(c).ID)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	if !st.Enabled {
		h.renderError(c, http.StatusNotFound, nil)
		return
	}
	h.checkoutOrStatus(c, st, pos)
}

// pagopaAllowed counts a new attempt to create a debt position
// (throttle.PagoPAOpen, per account; the replay of an attempt already
// recorded is free); refused, it answers 429 with the reason next to field.
func (h *Handler) pagopaAllowed(c *gin.Context, v *PagoPATopUpView, field, attempt string) bool {
	inst, acc := installation(c), currentAccount(c)
	seen, err := h.store.AttemptRecorded(c.Request.Context(), inst.ID, attempt)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return false
	}
	if seen {
		return true
	}
	d := h.limits.Reserve(c.Request.Context(), throttle.PagoPAOpen.For(inst.ID, acc.ID))
	if d.Allowed {
		return true
	}
	if d.Err != nil {
		h.renderError(c, http.StatusServiceUnavailable, d.Err)
		return false
	}
	h.audit(c, db.AuditEvent{InstallationID: inst.ID, AccountID: acc.ID, Actor: acc.Username, Action: "pagopa_open", Outcome: "throttled"})
	v.PagoPA.Errors[field] = v.T("pagopa.error.throttled", retryAfter(c, d))
	h.render(c, swappable(c, http.StatusTooManyRequests), "pagopa_topup", v)
	return false
}
