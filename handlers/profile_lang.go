package handlers

import (
	"net/http"

	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"

	"portalegenitori/internal/i18n"
)

// profileLang stores the language on the account (pages and e-mails follow
// it) and in the browser's cookie.
func (h *Handler) profileLang(c *gin.Context) {
	inst := installation(c)
	acc := currentAccount(c)
	lang := i18n.Normalize(c.PostForm("lang"))
	if lang == "" {
		v, err := h.profileView(c)
		if err != nil {
			h.renderError(c, http.StatusInternalServerError, err)
			return
		}
		v.Errors["lang"] = v.T("profile.lang.invalid")
		h.render(c, http.StatusUnprocessableEntity, "profile", v)
		return
	}
	if err := h.store.SetAccountLang(c.Request.Context(), inst.ID, acc.ID, lang); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	h.setLangCookie(c, lang)
	sess := sessions.Default(c)
	sess.AddFlash(i18n.T(lang, "profile.lang.saved"))
	_ = sess.Save()
	redirect(c, "/"+inst.Code+"/profilo")
}
