package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
)

// StaffView is the staff home.
type StaffView struct {
	Base
	Name  string
	Audit []db.AuditRow
}

func (h *Handler) staffShow(c *gin.Context) {
	inst := installation(c)
	acc := currentAccount(c)
	rows, err := h.store.RecentAudit(c.Request.Context(), inst.ID, 30)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	v := StaffView{Base: h.base(c), Name: acc.DisplayName, Audit: rows}
	if v.Name == "" {
		v.Name = acc.Username
	}
	v.Nav = "staff"
	h.render(c, http.StatusOK, "staff", v)
}
