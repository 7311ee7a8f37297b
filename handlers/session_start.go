package handlers

import (
	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"

	"portalegenitori/db"
)

// keySignIn is how the session was signed in: "password", "temp_password",
// "recovery_link", or the identity that proved the codice fiscale ("spid",
// "cie", "cns").
const keySignIn = "sign_in"

// provenIdentity tells whether the session was signed in by an identity
// provider or a card: the person is proven, and a pending change of the
// local password (after a recovery) is not asked of them.
func provenIdentity(c *gin.Context) bool {
	switch sessions.Default(c).Get(keySignIn) {
	case "spid", "cie", "cns":
		return true
	}
	return false
}

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
