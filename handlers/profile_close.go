package handlers

import (
	"errors"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"

	"portalegenitori/db"
)

// profileClose records a request to close the account; the office
// confirms it in the staff area (staff_closures.go).
func (h *Handler) profileClose(c *gin.Context) {
	inst := installation(c)
	acc := currentAccount(c)
	v, err := h.profileView(c)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	if !v.Parent {
		h.renderError(c, http.StatusNotFound, nil)
		return
	}
	reason := strings.TrimSpace(c.PostForm("reason"))
	v.Values["reason"] = reason
	if c.PostForm("confirm") != "1" {
		v.Errors["confirm"] = v.T("profile.close.confirm_missing")
	}
	if utf8.RuneCountInString(reason) > 1000 || !utf8.ValidString(reason) || strings.ContainsRune(reason, 0) {
		v.Errors["reason"] = v.T("profile.close.reason_long")
	}
	if len(v.Errors) > 0 {
		h.render(c, http.StatusUnprocessableEntity, "profile", v)
		return
	}
	err = h.store.RequestClosure(c.Request.Context(), inst.ID, acc.ID, reason)
	if err != nil && !errors.Is(err, db.ErrConflict) { // a second request while one is open changes nothing
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	h.audit(c, db.AuditEvent{InstallationID: inst.ID, AccountID: acc.ID, Actor: acc.Username, Action: "account_closure", Outcome: "requested"})
	sess := sessions.Default(c)
	sess.AddFlash(v.T("profile.close.sent"))
	_ = sess.Save()
	redirect(c, "/"+inst.Code+"/profilo")
}
