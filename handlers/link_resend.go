package handlers

import (
	"context"
	"database/sql"
	"net/http"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/delivery"
	"portalegenitori/internal/throttle"
)

// linkResend sends a new code ("Invia un nuovo codice"), within the daily
// limits per profile and per adult; it replaces the earlier code.
func (h *Handler) linkResend(c *gin.Context) {
	r, v, ok := h.linkAction(c)
	if !ok {
		return
	}
	inst := installation(c)
	acc := currentAccount(c)
	ctx := c.Request.Context()
	d := h.limits.Reserve(ctx, throttle.LinkSendAccount.For(inst.ID, acc.ID), throttle.LinkSendAdult.For(inst.ID, r.AdultID.Int64))
	if d.Err != nil {
		h.renderError(c, http.StatusServiceUnavailable, d.Err)
		return
	}
	if !d.Allowed {
		hours := max(1, (retryAfter(c, d)+59)/60)
		v.Errors["resend"] = v.T("link.error.resend_throttled", hours, officeOf(inst))
		h.audit(c, db.AuditEvent{InstallationID: inst.ID, AccountID: acc.ID, Actor: acc.Username, Action: "link_resend", Outcome: "throttled",
			Detail: map[string]any{"request": r.ID}})
		h.renderLink(c, http.StatusTooManyRequests, v)
		return
	}
	err := h.store.InTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		return h.enqueue.LinkCode(ctx, tx, delivery.LinkCodeArgs{InstallationID: inst.ID, AccountID: acc.ID})
	})
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	h.audit(c, db.AuditEvent{InstallationID: inst.ID, AccountID: acc.ID, Actor: acc.Username, Action: "link_resend", Outcome: "success",
		Detail: map[string]any{"request": r.ID}})
	to := delivery.MaskTargets(delivery.LinkTargets(inst, r.AdultEmail.String, r.AdultMobile.String))
	h.flashRedirect(c, v.T("link.resent", to), "/"+inst.Code+"/collegamento")
}
