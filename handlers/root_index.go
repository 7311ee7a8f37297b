package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
)

// RootView lists the installations.
type RootView struct {
	Base
	Installations []db.InstallationSummary
}

func (h *Handler) rootIndex(c *gin.Context) {
	list, err := h.store.ListInstallations(c.Request.Context())
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	if len(list) == 1 {
		redirect(c, "/"+list[0].Code+"/accesso")
		return
	}
	v := RootView{Base: h.base(c), Installations: list}
	v.HideFitForm = true
	h.render(c, http.StatusOK, "root", v)
}

// installationIndex sends "/demo" to the right first page.
func (h *Handler) installationIndex(c *gin.Context) {
	inst := installation(c)
	if acc := currentAccount(c); acc != nil {
		redirect(c, homeOf(inst, acc))
		return
	}
	redirect(c, "/"+inst.Code+"/accesso")
}
