package handlers

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
)

// PagoPAStatusView is the page of one position: where Checkout sends the
// payer back, and where a notice is downloaded. While GPD has not said the
// position is paid it shows "in attesa" and asks again every few seconds
// (htmx; a plain reload link without JavaScript).
type PagoPAStatusView struct {
	Base
	Pos         *db.Position
	Outcome     string // what Checkout's return URL says (ok, annullato, errore): shown, never trusted
	Waiting     bool
	Balance     int64
	Own         bool // the viewer is the paying adult
	URL         string
	PDFURL      string
	PayURL      string
	PaymentsURL string
}

// recheckAfter: the page's polls ask GPD at most this often per position.
const recheckAfter = 2 * time.Second

func (h *Handler) pagopaStatus(c *gin.Context) {
	adult, pos, ok := h.familyPosition(c)
	if !ok {
		return
	}
	inst := installation(c)
	ctx := c.Request.Context()
	if pos.Status == db.PositionPending || pos.Status == db.PositionDraft {
		// a page load (back from Checkout, a reload) always asks; the
		// htmx polls at most every recheckAfter per position
		if !wantsFragment(c.Request) || !pos.LastCheckedAt.Valid || time.Since(pos.LastCheckedAt.Time) >= recheckAfter {
			// read the outcome from GPD now; what fails is retried by the
			// reconciliation job, the page keeps waiting
			cctx, cancel := context.WithTimeout(ctx, 4*time.Second)
			if _, err := h.billing.CheckNow(cctx, inst.ID, pos.ID); err != nil {
				h.log.Info("pagoPA check from the status page", "iuv", pos.IUV, "err", err)
			}
			cancel()
			var err error
			if pos, err = h.store.PositionByID(ctx, inst.ID, pos.ID); err != nil {
				h.renderError(c, http.StatusInternalServerError, err)
				return
			}
		}
	}
	base := "/" + inst.Code + "/pagamenti/pagopa/" + strconv.FormatInt(pos.ID, 10)
	v := PagoPAStatusView{Base: h.base(c), Pos: pos, Own: pos.AdultID == adult.ID, URL: base,
		PDFURL: base + "/avviso.pdf", PayURL: base + "/paga", PaymentsURL: "/" + inst.Code + "/pagamenti"}
	v.Nav = "payments"
	switch c.Query("esito") {
	case "ok", "annullato", "errore":
		v.Outcome = c.Query("esito")
	}
	v.Waiting = pos.Status == db.PositionPending && (v.Outcome == "ok" || (v.Outcome == "" && pos.Kind == db.PositionTopUp))
	if !v.Own {
		v.PaymentsURL += "?pagante=" + strconv.FormatInt(pos.AdultID, 10)
	}
	if v.Outcome != "" {
		v.URL += "?esito=" + v.Outcome
	}
	bal, err := h.store.Balances(ctx, inst.ID, []int64{pos.AdultID})
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	v.Balance = bal[pos.AdultID]
	h.renderFragment(c, http.StatusOK, "pagopa_status", "pagopa-state", v)
}

// PositionStatus names a status for people.
func (b Base) PositionStatus(status string) string { return b.T("pagopa.status." + status) }

// PositionKind names a kind of position.
func (b Base) PositionKind(kind string) string { return b.T("pagopa.kind." + kind) }

// NoticeNumberText groups a notice number by four digits, as printed.
func (b Base) NoticeNumberText(nav string) string {
	out := make([]byte, 0, len(nav)+5)
	for i := 0; i < len(nav); i++ {
		if i > 0 && i%4 == 0 {
			out = append(out, ' ')
		}
		out = append(out, nav[i])
	}
	return string(out)
}
