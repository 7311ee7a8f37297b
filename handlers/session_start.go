package handlers

import (
	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"

	"portalegenitori/db"
)

// startSession signs acc in: a new session ID (the old row is dropped), the
// account and installation in it, extra values (e.g. SAML NameID for single
// logout, the staff second factor), and the sign-in time on the account.
func (h *Handler) startSession(c *gin.Context, inst *db.Installation, acc *db.Account, extra map[string]any) error {
	sess := sessions.Default(c)
	sess.Clear()
	sess.Set(keyRenew, true)
	sess.Set(keyAccount, acc.ID)
	sess.Set(keyInstallation, inst.ID)
	for k, v := range extra {
		sess.Set(k, v)
	}
	if err := sess.Save(); err != nil {
		return err
	}
	if err := h.store.RecordLogin(c.Request.Context(), inst.ID, acc.ID); err != nil {
		h.log.Error("record login", "err", err)
	}
	return nil
}
