package handlers

import (
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
)

// Shared pieces of the parents' pagoPA pages (docs/pagopa.md).

// PagoPABlock is the pagoPA part of the payments page and of the top-up
// page: the top-up and notice forms (for the paying adult only) and the
// positions still to pay.
type PagoPABlock struct {
	Enabled   bool
	CanCreate bool // the viewer is the paying adult: only they make debt in their name
	Presets   []int64
	Min, Max  int64
	Token     string // the attempt's idempotency token
	Amount    string // the free amount as typed
	Notice    string // the notice's amount as typed
	Errors    map[string]string
	Open      []db.Position
}

// familyPayer resolves the signed-in parent as a paying adult: nil, after
// answering, when pagoPA is off (404) or the parent pays for no child (403:
// a guardian who does not pay cannot make debt in the payer's name).
func (h *Handler) familyPayer(c *gin.Context) (*db.Adult, *db.PagoPASettings) {
	adult := h.familyAdult(c)
	if adult == nil {
		return nil, nil
	}
	inst := installation(c)
	ctx := c.Request.Context()
	st, err := h.store.PagoPASettingsOf(ctx, inst.ID)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return nil, nil
	}
	if !st.Enabled || viewAsAdult(c) != nil {
		h.renderError(c, http.StatusNotFound, nil)
		return nil, nil
	}
	payers, err := h.store.PayersFor(ctx, inst.ID, adult.ID)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return nil, nil
	}
	if !slices.ContainsFunc(payers, func(p db.Payer) bool { return p.AdultID == adult.ID }) {
		h.renderError(c, http.StatusForbidden, nil)
		return nil, nil
	}
	return adult, st
}

// familyPosition loads the position of the path for a parent who may see
// it: the paying adult, or a guardian of a child that adult pays for.
// Anything else (another family, another Comune, a guessed ID) is 404.
func (h *Handler) familyPosition(c *gin.Context) (*db.Adult, *db.Position, bool) {
	adult := h.familyAdult(c)
	if adult == nil {
		return nil, nil, false
	}
	id, ok := h.pathID(c, "id")
	if !ok {
		return nil, nil, false
	}
	inst := installation(c)
	ctx := c.Request.Context()
	pos, err := h.store.PositionByID(ctx, inst.ID, id)
	if err != nil {
		h.notFoundOr(c, err)
		return nil, nil, false
	}
	payers, err := h.store.PayersFor(ctx, inst.ID, adult.ID)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return nil, nil, false
	}
	if !slices.ContainsFunc(payers, func(p db.Payer) bool { return p.AdultID == pos.AdultID }) {
		h.renderError(c, http.StatusNotFound, nil)
		return nil, nil, false
	}
	return adult, pos, true
}

// PagoPAProblemView is the page shown when pagoPA cannot be reached or
// refuses: nothing was paid, try again later.
type PagoPAProblemView struct {
	Base
	Title, Body string
}

// pagopaProblem answers 503 "pagoPA non risponde" (the platform did not
// answer) or 502 (it refused: a configuration to fix at the office).
func (h *Handler) pagopaProblem(c *gin.Context, err error) {
	v := PagoPAProblemView{Base: h.base(c)}
	v.Nav = "payments"
	status := http.StatusServiceUnavailable
	v.Title, v.Body = v.T("pagopa.down.title"), v.T("pagopa.down.body")
	if !isUnavailable(err) {
		status = http.StatusBadGateway
		v.Title, v.Body = v.T("pagopa.refused.title"), v.T("pagopa.refused.body", officeOf(v.Inst))
		h.log.Error("pagoPA refused a request", "path", logPath(c), "err", err)
	} else {
		h.log.Warn("pagoPA did not answer", "path", logPath(c), "err", err)
		c.Header("Retry-After", "120")
	}
	h.render(c, status, "pagopa_problem", v)
}
