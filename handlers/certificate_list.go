package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// CertificateListView lists the years the signed-in adult can get a 730
// certificate for: those in which they paid by a traceable means.
type CertificateListView struct {
	Base
	Years   []int
	Current int // the year running: its document is provisional
}

func (h *Handler) certificateList(c *gin.Context) {
	adult := h.familyAdult(c)
	if adult == nil {
		return
	}
	years, err := h.store.CertificateYears(c.Request.Context(), installation(c).ID, adult.ID)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	v := CertificateListView{Base: h.base(c), Years: years, Current: today().Year()}
	v.Nav = "family"
	h.render(c, http.StatusOK, "certificates", v)
}
