package handlers

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"

	"portalegenitori/db"
)

func (h *Handler) sessionRevoke(c *gin.Context) {
	inst := installation(c)
	acc := currentAccount(c)
	sess := sessions.Default(c)
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		h.renderError(c, http.StatusNotFound, nil)
		return
	}
	err = h.store.RevokeSession(c.Request.Context(), inst.ID, acc.ID, id)
	msg := "sessions.ended"
	switch {
	case errors.Is(err, db.ErrNotFound):
		msg = "sessions.not_found"
	case err != nil:
		h.renderError(c, http.StatusInternalServerError, err)
		return
	default:
		h.audit(c, db.AuditEvent{InstallationID: inst.ID, AccountID: acc.ID, Actor: acc.Username, Action: "session_revoke", Outcome: "success",
			Detail: map[string]any{"session": id}})
	}
	sess.AddFlash(tr(c, msg))
	_ = sess.Save()
	redirect(c, "/"+inst.Code+"/sessioni")
}

func (h *Handler) sessionsRevokeOthers(c *gin.Context) {
	inst := installation(c)
	acc := currentAccount(c)
	sess := sessions.Default(c)
	n, err := h.store.RevokeOtherSessions(c.Request.Context(), inst.ID, acc.ID, tokenHash(sess.ID()))
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	h.audit(c, db.AuditEvent{InstallationID: inst.ID, AccountID: acc.ID, Actor: acc.Username, Action: "session_revoke_others", Outcome: "success",
		Detail: map[string]any{"count": n}})
	sess.AddFlash(tr(c, "sessions.ended_n", n))
	_ = sess.Save()
	redirect(c, "/"+inst.Code+"/sessioni")
}
