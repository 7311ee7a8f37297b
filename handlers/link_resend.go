package handlers

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/delivery"
)

// linkResend sends a new code ("Invia un nuovo codice"), within the daily
// limits per profile and per adult; it replaces the earlier code.
func (h *Handler) linkResend(c *gin.Context) {
	r, ok := h.pendingLinkOf(c)
	if !ok {
		return
	}
	inst := installation(c)
	acc := currentAccount(c)
	ctx := c.Request.Context()
	v := h.linkView(c, r)
	if r == nil || !v.CanResend {
		h.render(c, http.StatusConflict, "link", v)
		return
	}
	blocked := func(until time.Time) {
		hours := max(1, int(math.Ceil(time.Until(until).Hours())))
		c.Header("Retry-After", fmt.Sprint(int(math.Ceil(time.Until(until).Seconds()))))
		v.Errors["resend"] = v.T("link.error.resend_throttled", hours, officeOf(inst))
		h.audit(c, db.AuditEvent{InstallationID: inst.ID, AccountID: acc.ID, Actor: acc.Username, Action: "link_resend", Outcome: "throttled",
			Detail: map[string]any{"request": r.ID}})
		h.renderLink(c, http.StatusTooManyRequests, v)
	}
	until, err := h.store.Hit(ctx, linkAccountKey(inst.ID, acc.ID), linkSendsPerAccount, linkSendWindow, linkSendWindow)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	if !until.IsZero() {
		blocked(until)
		return
	}
	if until, err = h.store.Hit(ctx, linkAdultKey(inst.ID, r.AdultID.Int64), linkSendsPerAdult, linkSendWindow, linkSendWindow); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	if !until.IsZero() {
		blocked(until)
		return
	}
	err = h.store.InTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
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
