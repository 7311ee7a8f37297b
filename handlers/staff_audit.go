package handlers

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/internal/calendar"
)

// StaffAuditView is the audit log viewer with its filters.
type StaffAuditView struct {
	StaffBase
	Actions          []string
	Action, Outcome  string
	Actor, From, To  string
	Rows             []db.AuditRow
	Page             int
	PrevURL, NextURL string
}

const auditPageSize = 50

// staffAuditList shows the installation's audit log, newest first,
// filtered by action, outcome, user and period (dates in Italian time).
func (h *Handler) staffAuditList(c *gin.Context) {
	inst := installation(c)
	ctx := c.Request.Context()
	q := c.Request.URL.Query()
	v := StaffAuditView{StaffBase: h.staffBase(c, "audit"), Action: truncate(cleanText(q.Get("azione")), 64),
		Outcome: truncate(cleanText(q.Get("esito")), 64), Actor: truncate(cleanText(q.Get("utente")), 64),
		From: cleanText(q.Get("dal")), To: cleanText(q.Get("al"))}
	f := db.AuditFilter{Action: v.Action, Outcome: v.Outcome, Actor: v.Actor}
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
	v.Page, _ = strconv.Atoi(q.Get("pagina"))
	if v.Page < 1 || v.Page > 10000 {
		v.Page = 1
	}
	var err error
	if v.Actions, err = h.store.AuditActions(ctx, inst.ID); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	rows, err := h.store.AuditPage(ctx, inst.ID, f, auditPageSize+1, (v.Page-1)*auditPageSize)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	page := func(n int) string {
		qq := url.Values{}
		for k, val := range map[string]string{"azione": v.Action, "esito": v.Outcome, "utente": v.Actor, "dal": v.From, "al": v.To} {
			if val != "" {
				qq.Set(k, val)
			}
		}
		qq.Set("pagina", strconv.Itoa(n))
		return "/" + inst.Code + "/operatori/registro?" + qq.Encode()
	}
	if len(rows) > auditPageSize {
		rows = rows[:auditPageSize]
		v.NextURL = page(v.Page + 1)
	}
	if v.Page > 1 {
		v.PrevURL = page(v.Page - 1)
	}
	v.Rows = rows
	h.render(c, http.StatusOK, "staff_audit", v)
}

// DateTimeSec formats an audit time to the second, Italian time.
func (b Base) DateTimeSec(t time.Time) string {
	return t.In(calendar.Rome).Format("02/01/2006 15:04:05")
}
