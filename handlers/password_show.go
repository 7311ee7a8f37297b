package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// PasswordView is the change-password page, forced or chosen.
type PasswordView struct {
	Base
	Forced      bool
	NeedCurrent bool
	Min, Max    int
	Errors      map[string]string
}

func (h *Handler) passwordView(c *gin.Context) PasswordView {
	inst := installation(c)
	acc := currentAccount(c)
	v := PasswordView{Base: h.base(c), Forced: acc.MustChangePassword, Min: inst.PasswordMin, Max: inst.PasswordMax,
		Errors: map[string]string{}}
	v.NeedCurrent = !acc.MustChangePassword && acc.PasswordHash.Valid
	v.Nav = "password"
	return v
}

func (h *Handler) passwordShow(c *gin.Context) {
	h.render(c, http.StatusOK, "password", h.passwordView(c))
}
