package handlers

import (
	"net/http"
	"regexp"
	"strings"

	"portalegenitori/internal/contact"

	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"
)

// FirstVisitView asks an account created by SPID, CIE or CNS/CRS to confirm
// the e-mail and mobile the Comune will use.
type FirstVisitView struct {
	Base
	Email, Mobile string
	Errors        map[string]string
}

var mobilePattern = regexp.MustCompile(`^\+?[0-9]{6,15}$`)

func (h *Handler) firstVisitShow(c *gin.Context) {
	acc := currentAccount(c)
	v := FirstVisitView{Base: h.base(c), Email: acc.Email, Mobile: acc.Mobile, Errors: map[string]string{}}
	h.render(c, http.StatusOK, "first_visit", v)
}

func (h *Handler) firstVisitSubmit(c *gin.Context) {
	inst := installation(c)
	acc := currentAccount(c)
	if err := c.Request.ParseForm(); err != nil {
		h.renderError(c, http.StatusBadRequest, nil)
		return
	}
	v := FirstVisitView{Base: h.base(c), Errors: map[string]string{}}
	v.Email = formText(c, "email")
	v.Mobile = strings.NewReplacer(" ", "", ".", "", "-", "", "/", "").Replace(formText(c, "mobile"))
	if v.Email != "" {
		if !contact.ValidEmail(v.Email) {
			v.Errors["email"] = v.T("contacts.email.invalid")
		}
	}
	if v.Mobile != "" && !mobilePattern.MatchString(v.Mobile) {
		v.Errors["mobile"] = v.T("contacts.mobile.invalid")
	}
	if len(v.Email) > 254 {
		v.Email = ""
	}
	if len(v.Mobile) > 20 {
		v.Mobile = ""
	}
	if len(v.Errors) > 0 {
		h.render(c, http.StatusUnprocessableEntity, "first_visit", v)
		return
	}
	if err := h.store.SetAccountContacts(c.Request.Context(), inst.ID, acc.ID, v.Email, v.Mobile); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	sess := sessions.Default(c)
	sess.AddFlash(v.T("contacts.saved"))
	_ = sess.Save()
	redirect(c, homeOf(inst, acc))
}
