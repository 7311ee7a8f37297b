package handlers

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"portalegenitori/internal/money"
)

// paymentsCSV downloads the filtered entries, newest first. Italian files
// use ";" and a decimal comma, as Italian spreadsheets expect; English
// files "," and a dot. A UTF-8 BOM lets spreadsheets read the accents.
func (h *Handler) paymentsCSV(c *gin.Context) {
	q := h.paymentsRequest(c, paymentsRead{})
	if q == nil {
		return
	}
	v := q.view
	if len(v.Errors) > 0 || v.Payer.AdultID == 0 {
		h.renderError(c, http.StatusBadRequest, nil)
		return
	}
	entries := q.data.Entries
	var buf bytes.Buffer
	buf.WriteString("\uFEFF")
	w := csv.NewWriter(&buf)
	comma := v.Lang != "en"
	if comma {
		w.Comma = ';'
	}
	w.Write([]string{v.T("ledger.date"), v.T("ledger.kind"), v.T("payments.child"), v.T("payments.service"),
		v.T("csv.service_day"), v.T("csv.channel"), v.T("csv.receipt"), v.T("csv.reason"), v.T("csv.amount")})
	for _, e := range entries {
		day := ""
		if e.AttendanceDay.Valid {
			day = e.AttendanceDay.Time.Format(time.DateOnly)
		}
		channel := ""
		if e.Channel != "" {
			channel = v.Channel(e.Channel)
		}
		w.Write([]string{e.EntryDate.Format(time.DateOnly), v.Kind(e.Kind), cell(e.ChildName), cell(e.ServiceName),
			day, cell(channel), cell(e.ReceiptRef), cell(e.Reason), money.Decimal(e.AmountCents, comma)})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	name := fmt.Sprintf("movimenti-%s", today().Format(time.DateOnly))
	if f := q.filter; !f.From.IsZero() || !f.To.IsZero() {
		name = "movimenti"
		if !f.From.IsZero() {
			name += "-dal-" + f.From.Format(time.DateOnly)
		}
		if !f.To.IsZero() {
			name += "-al-" + f.To.Format(time.DateOnly)
		}
	}
	hd := c.Writer.Header()
	hd.Set("Content-Type", "text/csv; charset=utf-8")
	hd.Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
	hd.Set("Cache-Control", "no-store")
	c.Data(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}

// cell keeps spreadsheets from running a text field as a formula.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
