package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"portalegenitori/internal/i18n"
)

// languageSet stores the chosen language in a technical cookie and goes back.
func (h *Handler) languageSet(c *gin.Context) {
	lang := i18n.Normalize(c.Param("lang"))
	if lang == "" {
		h.renderError(c, http.StatusNotFound, nil)
		return
	}
	http.SetCookie(c.Writer, &http.Cookie{
		Name: cookieLang, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, Secure: h.cfg.CookieSecure, SameSite: http.SameSiteLaxMode,
	})
	c.Redirect(http.StatusSeeOther, safeNext(c.Query("next"), "/"))
}
