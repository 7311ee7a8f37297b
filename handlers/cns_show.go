package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// CNSView is the page that explains the CNS/CRS sign-in and leads to the
// certificate endpoint.
type CNSView struct {
	Base
	SignInURL   string // the certificate endpoint; empty when this server reads no cards
	SoftwareURL string // where to download the card software; empty: a sentence instead
}

// cnsShow answers GET /{inst}/cns: what the parent needs (card, reader, PIN,
// card software) and the "Entra con CNS" button.
func (h *Handler) cnsShow(c *gin.Context) {
	inst := installation(c)
	if !inst.LoginCNS {
		h.cnsDisabled(c)
		return
	}
	v := CNSView{Base: h.base(c), SoftwareURL: inst.CNSSoftwareURL}
	v.HideFitForm = true
	if v.SoftwareURL == "" {
		v.SoftwareURL = h.cfg.CNS.SoftwareURL
	}
	if h.cfg.CNS.Enabled() {
		v.SignInURL = h.cfg.CNS.PublicURL + "/" + inst.Code + "/cns/entra"
	}
	h.render(c, http.StatusOK, "cns", v)
}

// cnsDisabled is the 404 of a Comune that does not offer CNS/CRS.
func (h *Handler) cnsDisabled(c *gin.Context) {
	v := InactiveView{Base: h.base(c)}
	label := v.T("login.cns")
	v.Title, v.Body = label, v.T("inactive.disabled", label)
	h.render(c, http.StatusNotFound, "inactive", v)
}
