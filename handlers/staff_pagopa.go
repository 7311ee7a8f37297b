package handlers

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/gin-gonic/gin"

	"portalegenitori/billing"
	"portalegenitori/db"
	"portalegenitori/internal/calendar"
	"portalegenitori/internal/money"
	"portalegenitori/internal/pagopa"
)

// StaffPagoPAView is the office's page of pagoPA positions: filters, the
// list, CSV, cancelling a pending position, the monthly bills and the
// reconciliation's last run.
type StaffPagoPAView struct {
	StaffBase
	Settings  *db.PagoPASettings
	Statuses  []string
	Kinds     []string
	Status    string
	Kind      string
	Search    string
	From, To  string
	Positions []db.Position
	More      bool // the list was cut at the page size
	CSVURL    string
	Month     string // the month for the monthly bills (YYYY-MM)
}

const staffPositionsLimit = 200

// staffPagoPAFilter reads the filters; errors go next to their fields.
func (h *Handler) staffPagoPAFilter(c *gin.Context, v *StaffPagoPAView) db.PositionFilter {
	q := c.Request.URL.Query()
	v.Statuses = db.PositionStatuses
	v.Kinds = []string{db.PositionTopUp, db.PositionNotice, db.PositionMonthly}
	v.Status, v.Kind = q.Get("stato"), q.Get("tipo")
	v.Search = truncate(cleanText(q.Get("cerca")), 64)
	v.From, v.To = cleanText(q.Get("dal")), cleanText(q.Get("al"))
	f := db.PositionFilter{Search: v.Search}
	if v.Status != "" {
		if !slices.Contains(v.Statuses, v.Status) {
			v.Errors["stato"] = v.T("pagopa.staff.error.status")
		} else {
			f.Status = v.Status
		}
	}
	if v.Kind != "" {
		if !slices.Contains(v.Kinds, v.Kind) {
			v.Errors["tipo"] = v.T("pagopa.staff.error.kind")
		} else {
			f.Kind = v.Kind
		}
	}
	if d, ok := parseDay(v.From); ok {
		f.From = d
	} else if v.From != "" {
		v.Errors["dal"] = v.T("staff.error.date")
	}
	if d, ok := parseDay(v.To); ok {
		f.To = d
	} else if v.To != "" {
		v.Errors["al"] = v.T("staff.error.date")
	}
	qs := url.Values{}
	for k, val := range map[string]string{"stato": f.Status, "tipo": f.Kind, "cerca": v.Search} {
		if val != "" {
			qs.Set(k, val)
		}
	}
	if !f.From.IsZero() {
		qs.Set("dal", v.From)
	}
	if !f.To.IsZero() {
		qs.Set("al", v.To)
	}
	v.CSVURL = withQuery("/"+installation(c).Code+"/operatori/pagopa/posizioni.csv", qs)
	return f
}

func (h *Handler) staffPagoPAList(c *gin.Context) {
	inst := installation(c)
	ctx := c.Request.Context()
	v := StaffPagoPAView{StaffBase: h.staffBase(c, "pagopa")}
	f := h.staffPagoPAFilter(c, &v)
	var err error
	if v.Settings, err = h.store.PagoPASettingsOf(ctx, inst.ID); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	if v.Positions, err = h.store.Positions(ctx, inst.ID, f, staffPositionsLimit+1); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	if len(v.Positions) > staffPositionsLimit {
		v.Positions, v.More = v.Positions[:staffPositionsLimit], true
	}
	v.Month = calendar.DateOf(time.Now().In(calendar.Rome)).AddDate(0, -1, 0).Format("2006-01")
	status := http.StatusOK
	if len(v.Errors) > 0 {
		status = http.StatusUnprocessableEntity
	}
	h.renderFragment(c, status, "staff_pagopa", "positions", v)
}

// staffPagoPACSV downloads the filtered positions (";" and decimal comma in
// Italian, as in the parents' CSV).
func (h *Handler) staffPagoPACSV(c *gin.Context) {
	inst := installation(c)
	v := StaffPagoPAView{StaffBase: h.staffBase(c, "pagopa")}
	f := h.staffPagoPAFilter(c, &v)
	if len(v.Errors) > 0 {
		h.renderError(c, http.StatusBadRequest, nil)
		return
	}
	list, err := h.store.Positions(c.Request.Context(), inst.ID, f, 0)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	var buf bytes.Buffer
	buf.WriteString("\uFEFF")
	w := csv.NewWriter(&buf)
	comma := v.Lang != "en"
	if comma {
		w.Comma = ';'
	}
	w.Write([]string{v.T("pagopa.col.created"), v.T("pagopa.col.kind"), v.T("pagopa.col.status"), v.T("pagopa.col.payer"),
		v.T("pagopa.col.fiscal_code"), v.T("pagopa.col.notice_number"), "IUV", v.T("pagopa.col.amount"),
		v.T("pagopa.col.due"), v.T("pagopa.col.paid"), v.T("pagopa.col.receipt"), v.T("pagopa.col.note")})
	for _, p := range list {
		paid := ""
		if p.PaidAt.Valid {
			paid = p.PaidAt.Time.In(calendar.Rome).Format("2006-01-02 15:04")
		}
		w.Write([]string{p.CreatedAt.In(calendar.Rome).Format("2006-01-02 15:04"), v.PositionKind(p.Kind),
			v.PositionStatus(p.Status), cell(p.AdultName), p.AdultFiscal, p.NoticeNumber, p.IUV,
			money.Decimal(p.AmountCents, comma), p.DueDate.Format(time.DateOnly), paid, cell(p.ReceiptRef), cell(p.LastError)})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="posizioni-pagopa-%s.csv"`, today().Format(time.DateOnly)))
	c.Data(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}

// staffPagoPACancel cancels a pending position: deleted in GPD (nobody can
// pay it any more), then closed here. One paid meanwhile is not cancelled:
// the reconciliation books it.
func (h *Handler) staffPagoPACancel(c *gin.Context) {
	inst := installation(c)
	ctx := c.Request.Context()
	id, ok := h.pathID(c, "id")
	if !ok {
		return
	}
	pos, err := h.store.PositionByID(ctx, inst.ID, id)
	if err != nil {
		h.notFoundOr(c, err)
		return
	}
	st, err := h.store.PagoPASettingsOf(ctx, inst.ID)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	back := "/" + inst.Code + "/operatori/pagopa"
	note := "annullato dall'ufficio (" + staffName(currentAccount(c)) + ")"
	err = h.billing.Cancel(ctx, inst, st, pos, note)
	detail := map[string]any{"iuv": pos.IUV, "amount_cents": pos.AmountCents, "adult": pos.AdultID}
	switch {
	case err == nil:
		h.staffAudit(c, "pagopa_cancel", "success", detail)
		h.flashRedirect(c, tr(c, "pagopa.staff.cancelled", pos.NoticeNumber), back)
	case errors.Is(err, db.ErrConflict):
		h.flashRedirect(c, tr(c, "pagopa.staff.not_open"), back)
	case errors.Is(err, pagopa.ErrConflict):
		h.staffAudit(c, "pagopa_cancel", "paid", detail)
		h.flashRedirect(c, tr(c, "pagopa.staff.already_paid"), back)
	default:
		h.staffAudit(c, "pagopa_cancel", "failure", detail)
		h.pagopaProblem(c, err)
	}
}

// staffPagoPAMonthly enqueues the monthly bills of a month (Comuni that
// bill after the month): a job, idempotent per (adult, month).
func (h *Handler) staffPagoPAMonthly(c *gin.Context) {
	inst := installation(c)
	month := c.PostForm("mese")
	back := "/" + inst.Code + "/operatori/pagopa"
	m, err := time.Parse("2006-01", month)
	if err != nil || m.Year() < 2000 || m.After(time.Now()) {
		h.flashRedirect(c, tr(c, "pagopa.staff.error.month"), back)
		return
	}
	st, err := h.store.PagoPASettingsOf(c.Request.Context(), inst.ID)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	if !st.Enabled || st.Billing != "after" {
		h.flashRedirect(c, tr(c, "pagopa.staff.error.not_after"), back)
		return
	}
	if err := h.billingJobs.Monthly(c.Request.Context(), billing.MonthlyArgs{InstallationID: inst.ID, Month: month, By: currentAccount(c).ID}); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	h.staffAudit(c, "pagopa_monthly", "queued", map[string]any{"month": month})
	h.flashRedirect(c, tr(c, "pagopa.staff.monthly_queued", month), back)
}
