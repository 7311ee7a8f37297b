package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"portalegenitori/internal/identity/saml"
)

// samlMetadata answers GET /{inst}/{spid,cie,cst}/metadata: the signed
// metadata of the installation's service provider, for AgID (SPID), the
// Ministry (CIE) or the CST. ?download=1 makes the browser save it.
func (h *Handler) samlMetadata(fed saml.Federation) gin.HandlerFunc {
	return func(c *gin.Context) {
		inst := installation(c)
		if !methodEnabled(inst, fed) {
			h.samlDisabled(c, fed)
			return
		}
		sp, _, err := h.samlSvc().spOf(c.Request.Context(), inst, fed)
		if err != nil {
			h.samlUnavailable(c, fed, err)
			return
		}
		xml, err := sp.Metadata()
		if err != nil {
			h.log.Error("saml metadata", "inst", inst.Code, "method", fed, "err", err)
			h.samlError(c, http.StatusServiceUnavailable, fed, "saml.unavailable.title", "saml.unavailable.body", false)
			return
		}
		c.Header("Cache-Control", "no-cache")
		if c.Query("download") != "" {
			c.Header("Content-Disposition", `attachment; filename="metadata-`+string(fed)+`-`+inst.Code+`.xml"`)
		}
		c.Data(http.StatusOK, "application/samlmetadata+xml", xml)
	}
}
