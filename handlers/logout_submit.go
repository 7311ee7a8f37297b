package handlers

import (
	"net/http"

	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"

	"portalegenitori/db"
)

func (h *Handler) logoutSubmit(c *gin.Context) {
	inst := installation(c)
	// the pages kept for revalidation (page_etag.go) leave the browser's cache
	c.Header("Clear-Site-Data", `"cache"`)
	if h.samlLogout(c) { // SPID/CIE/CST session: single logout at the IdP too (saml_slo.go)
		return
	}
	if acc := currentAccount(c); acc != nil {
		h.audit(c, db.AuditEvent{InstallationID: inst.ID, AccountID: acc.ID, Actor: acc.Username, Action: "logout", Outcome: "success"})
	}
	sess := sessions.Default(c)
	sess.Clear()
	sess.Options(sessions.Options{Path: "/", MaxAge: -1, Secure: h.cfg.CookieSecure, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	if err := sess.Save(); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	redirect(c, "/"+inst.Code+"/accesso?uscito=1")
}
