package handlers

import (
	"net/http"

	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"
)

// preferencesUpdate saves "Controllo dimensioni" for this browser and, when
// signed in, for the account.
func (h *Handler) preferencesUpdate(c *gin.Context) {
	inst := installation(c)
	on := c.PostForm("fit") == "1"
	h.setFitCookie(c, on)
	if acc := currentAccount(c); acc != nil {
		if err := h.store.SetFitTables(c.Request.Context(), inst.ID, acc.ID, on); err != nil {
			h.renderError(c, http.StatusInternalServerError, err)
			return
		}
		sess := sessions.Default(c)
		key := "fit.saved.off"
		if on {
			key = "fit.saved.on"
		}
		sess.AddFlash(tr(c, key))
		_ = sess.Save()
	}
	redirect(c, nextWithin(inst, c.PostForm("next"), "/"+inst.Code+"/accesso"))
}

func (h *Handler) setFitCookie(c *gin.Context, on bool) {
	v := "0"
	if on {
		v = "1"
	}
	http.SetCookie(c.Writer, &http.Cookie{
		Name: cookieFit, Value: v, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, Secure: h.cfg.CookieSecure, SameSite: http.SameSiteLaxMode,
	})
}
