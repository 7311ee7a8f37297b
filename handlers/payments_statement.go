package handlers

import (
	"net/http"
	"slices"
	"time"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/internal/calendar"
)

// StatementView is the print-friendly statement of a period: opening
// balance, entries oldest first with the running balance, closing balance.
type StatementView struct {
	PaymentsView
	From, To    time.Time
	Opening     int64
	Closing     int64
	Running     bool // no child/service/kind filter: the running balance adds up
	Rows        []StatementRow
	GeneratedAt time.Time
	BackURL     string
}

// StatementRow is an entry with the balance after it.
type StatementRow struct {
	db.LedgerEntry
	After int64
}

func (h *Handler) paymentsStatement(c *gin.Context) {
	if h.notModified(c) { // page_etag.go
		return
	}
	now := today()
	q := h.paymentsRequest(c, paymentsRead{statement: true, defaultFrom: calendar.Day(calendar.SchoolYear(now), time.September, 1), to: now})
	if q == nil {
		return
	}
	if len(q.view.Errors) > 0 || q.view.Payer.AdultID == 0 {
		h.renderError(c, http.StatusBadRequest, nil)
		return
	}
	f := q.filter
	if f.From.IsZero() {
		f.From = calendar.Day(calendar.SchoolYear(now), time.September, 1)
	}
	if f.To.IsZero() {
		f.To = now
	}
	v := StatementView{PaymentsView: q.view, From: f.From, To: f.To, GeneratedAt: time.Now(),
		Running: f.ChildID == 0 && f.ServiceID == 0 && f.Kind == ""}
	v.BackURL = withQuery(familyPrefix(c)+"/pagamenti", q.query)
	entries := q.data.Entries
	v.Totals = q.data.Totals
	if v.Running {
		v.Opening = q.data.Opening
	}
	slices.Reverse(entries)
	bal := v.Opening
	for _, e := range entries {
		bal += e.AmountCents
		v.Rows = append(v.Rows, StatementRow{LedgerEntry: e, After: bal})
	}
	v.Closing = bal
	h.render(c, http.StatusOK, "statement", v)
}
