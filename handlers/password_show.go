package handlers

import (
	"net/http"
	"time"

	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"
)

// PasswordView is the change-password page, forced or chosen.
type PasswordView struct {
	Base
	Forced      bool
	NeedCurrent bool
	// while forced: until when the temporary password still works (a
	// parent who leaves can come back with it), or that the recovery link
	// just used works no more
	TempValidUntil string
	LinkUsed       bool
	Min, Max       int
	Errors         map[string]string
}

func (h *Handler) passwordView(c *gin.Context) PasswordView {
	inst := installation(c)
	acc := currentAccount(c)
	v := PasswordView{Base: h.base(c), Forced: acc.MustChangePassword && !provenIdentity(c), Min: inst.PasswordMin, Max: inst.PasswordMax,
		Errors: map[string]string{}}
	v.NeedCurrent = !acc.MustChangePassword && acc.PasswordHash.Valid
	if v.Forced {
		if acc.TempPasswordHash.Valid && acc.TempPasswordExpiresAt.Valid && acc.TempPasswordExpiresAt.Time.After(time.Now()) {
			v.TempValidUntil = v.FormatTime(acc.TempPasswordExpiresAt.Time)
		} else {
			v.LinkUsed = sessions.Default(c).Get(keySignIn) == "recovery_link"
		}
	}
	v.Nav = "password"
	return v
}

func (h *Handler) passwordShow(c *gin.Context) {
	h.render(c, http.StatusOK, "password", h.passwordView(c))
}
