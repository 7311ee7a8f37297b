package handlers

import (
	"net/http"

	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"

	"portalegenitori/internal/i18n"
)

// languageSet stores the chosen language in a technical cookie and, when
// signed in, on the account (its pages and messages follow it); then goes back.
func (h *Handler) languageSet(c *gin.Context) {
	lang := i18n.Normalize(c.Param("lang"))
	if lang == "" {
		h.renderError(c, http.StatusNotFound, nil)
		return
	}
	h.setLangCookie(c, lang)
	sess := sessions.Default(c)
	if accID, _ := sess.Get(keyAccount).(int64); accID != 0 {
		if instID, _ := sess.Get(keyInstallation).(int64); instID != 0 {
			if err := h.store.SetAccountLang(c.Request.Context(), instID, accID, lang); err != nil {
				h.log.Error("save language", "err", err)
			}
		}
	}
	c.Redirect(http.StatusSeeOther, safeNext(c.Query("next"), "/"))
}

func (h *Handler) setLangCookie(c *gin.Context, lang string) {
	http.SetCookie(c.Writer, &http.Cookie{
		Name: cookieLang, Value: lang, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, Secure: h.cfg.CookieSecure, SameSite: http.SameSiteLaxMode,
	})
}
