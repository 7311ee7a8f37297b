package handlers

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
)

// alertsSave stores the adult's alerts, then applies them at once: a
// balance already below a new threshold is told now, not at the next
// charge.
func (h *Handler) alertsSave(c *gin.Context) {
	inst := installation(c)
	acc := currentAccount(c)
	ctx := c.Request.Context()
	v, err := h.alertsView(c)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	if !v.Linked || !v.Payer {
		h.render(c, http.StatusUnprocessableEntity, "alerts", v)
		return
	}
	v.Form.read(c)
	if len(v.Form.Errors) > 0 {
		h.render(c, http.StatusUnprocessableEntity, "alerts", v)
		return
	}
	adultID := acc.AdultID.Int64
	if err := h.store.SaveAlertPrefs(ctx, inst.ID, adultID, v.Form.S); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	h.audit(c, db.AuditEvent{InstallationID: inst.ID, AccountID: acc.ID, Actor: acc.Username, Action: "alerts_update", Outcome: "success",
		Detail: map[string]any{"low": v.Form.S.LowEnabled, "mode": v.Form.S.LowMode, "debt": v.Form.S.DebtEnabled,
			"email": v.Form.S.ViaEmail, "sms": v.Form.S.ViaSMS, "appio": v.Form.S.ViaAppIO, "reminder": v.Form.S.ReminderEnabled}})
	// saved is saved: a failure here is only late, the daily scan applies it
	if _, err := h.enqueue.EvaluateAlerts(ctx, h.store, inst.ID, []int64{adultID}, time.Now()); err != nil {
		h.log.Warn("alerts saved but not evaluated now; the daily scan will", "adult", adultID, "err", err)
	}
	h.flashRedirect(c, v.T("alerts.saved"), "/"+inst.Code+"/avvisi")
}

// alertsPreview answers the live preview of a threshold in meals (htmx);
// without JavaScript the page shows the same sentence after saving.
func (h *Handler) alertsPreview(c *gin.Context) {
	v, err := h.alertsView(c)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	v.Form.Meals = truncate(c.PostForm("low_meals"), 10)
	h.renderPart(c, http.StatusOK, "alerts", "meals-preview", v.Form)
}
