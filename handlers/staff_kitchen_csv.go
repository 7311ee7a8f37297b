package handlers

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
)

// staffKitchenCSV downloads the count of the day as shown: one row per
// school, class and kind of meal, with the frozen figure, the corrections
// and what to cook. Separators as paymentsCSV: ";" in Italian, "," in English.
func (h *Handler) staffKitchenCSV(c *gin.Context) {
	v, status, err := h.kitchenView(c)
	if status != http.StatusOK {
		h.renderError(c, status, err)
		return
	}
	h.auditKitchenRead(c, v, "csv")
	var buf bytes.Buffer
	buf.WriteString("\uFEFF")
	w := csv.NewWriter(&buf)
	if v.Lang != "en" {
		w.Comma = ';'
	}
	w.Write([]string{v.T("kitchen.csv.day"), v.T("kitchen.service"), v.T("kitchen.school"), v.T("kitchen.class"), v.T("kitchen.csv.diet"),
		v.T("kitchen.csv.plain"), v.T("kitchen.meals_cutoff"), v.T("kitchen.correction"), v.T("kitchen.to_cook"), v.T("kitchen.csv.state")})
	state := v.T("kitchen.state.live")
	if v.Count != nil && v.Count.Frozen {
		state = v.T("kitchen.state.frozen")
	}
	yes, no := v.T("kitchen.csv.yes"), v.T("kitchen.csv.no")
	for _, g := range v.Groups {
		for _, l := range g.Lines {
			plain := no
			if l.Plain {
				plain = yes
			}
			w.Write([]string{v.DayText, cell(v.ServiceName), cell(g.Name), cell(l.ClassName), cell(l.Diet), plain,
				strconv.Itoa(l.Meals), strconv.Itoa(l.Correction), strconv.Itoa(l.ToCook()), state})
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	name := "conteggio-pasti-" + v.DayText
	if v.SchoolID != 0 {
		name += "-scuola-" + strconv.FormatInt(v.SchoolID, 10)
	}
	hd := c.Writer.Header()
	hd.Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
	hd.Set("Cache-Control", "no-store")
	c.Data(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}
