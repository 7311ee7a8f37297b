package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
)

// StaffView is the staff home: search box, latest sign-in events.
type StaffView struct {
	StaffBase
	Name  string
	Q     string
	Audit []db.AuditRow
	Links int // profiles waiting to be linked (staff_links.go)
	Menus int // menu allergen conflicts of the next days (staff_menus.go)
}

func (h *Handler) staffShow(c *gin.Context) {
	inst := installation(c)
	acc := currentAccount(c)
	rows, err := h.store.RecentAudit(c.Request.Context(), inst.ID, 30)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	links, err := h.store.PendingLinks(c.Request.Context(), inst.ID)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	v := StaffView{StaffBase: h.staffBase(c, "home"), Name: acc.DisplayName, Audit: rows, Links: len(links)}
	if v.Menus, err = h.menuConflictCount(c); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	if v.Name == "" {
		v.Name = acc.Username
	}
	h.render(c, http.StatusOK, "staff", v)
}
