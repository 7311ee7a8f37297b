package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/internal/identity/saml"
	"portalegenitori/internal/identity/spidtest"
)

var samlFederations = []saml.Federation{saml.SPID, saml.CIE, saml.CST}

// samlRoutes adds, under /{inst}, for spid, cie and cst: the IdP list
// (spid, cie), the start of a sign-in (entra), the assertion consumer
// (acs), single logout (slo) and the metadata.
func (h *Handler) samlRoutes(inst *gin.RouterGroup) {
	for _, fed := range samlFederations {
		p := "/" + string(fed)
		if fed != saml.CST {
			inst.GET(p, h.samlList(fed))
			inst.POST(p+"/entra", h.samlStart(fed))
		} else {
			inst.GET(p+"/entra", h.samlStart(fed))
		}
		inst.POST(p+"/acs", h.samlACS(fed))
		inst.POST(p+"/slo", h.samlSLO(fed))
		inst.GET(p+"/metadata", h.samlMetadata(fed))
	}
}

// samlBypassCrossOrigin exempts exactly the endpoints that receive the
// IdPs' cross-site POSTs; the SAML checks protect them instead.
func samlBypassCrossOrigin(cop *http.CrossOriginProtection) {
	for _, fed := range samlFederations {
		cop.AddInsecureBypassPattern("POST /{inst}/" + string(fed) + "/acs")
		cop.AddInsecureBypassPattern("POST /{inst}/" + string(fed) + "/slo")
	}
}

// mountTestIdP serves the built-in test identity provider at
// /_test-idp/{spid,cie,cst}/... — only with GENITORI_DEMO_IDP=true.
func (h *Handler) mountTestIdP(r *gin.Engine) {
	if !h.cfg.SAML.DemoIdP {
		return
	}
	h.log.Warn("GENITORI_DEMO_IDP=true: the test identity provider is enabled (demo only, never in production)")
	r.POST("/_test-idp/:fed/*action", func(c *gin.Context) {
		fed := saml.Federation(c.Param("fed"))
		if fed != saml.SPID && fed != saml.CIE && fed != saml.CST {
			h.renderError(c, http.StatusNotFound, nil)
			return
		}
		d, err := h.samlSvc().demoIdP(fed)
		if err != nil {
			h.renderError(c, http.StatusInternalServerError, err)
			return
		}
		ctx := c.Request.Context()
		srv := &spidtest.Server{IdP: d, Users: demoUsers(), StyleURL: h.assets.URL("css/app.css"), ScriptURL: h.assets.URL("js/saml-post.js"),
			Resolve: func(entityID string) (spidtest.SPInfo, bool) {
				codes, err := h.store.SAMLInstallationCodes(ctx)
				if err != nil {
					return spidtest.SPInfo{}, false
				}
				for _, code := range codes {
					inst, err := h.store.InstallationByCode(ctx, code)
					if err != nil {
						continue
					}
					sp, _, err := h.samlSvc().spOf(ctx, inst, fed)
					if err == nil && sp.EntityID == entityID {
						return spidtest.SPInfo{ACSURL: sp.ACSURL, SLOURL: sp.SLOURL, Attributes: sp.Attributes}, true
					}
				}
				return spidtest.SPInfo{}, false
			}}
		srv.ServeHTTP(c.Writer, c.Request)
		c.Abort()
	})
}

// cstSAMLURL is where the CST button of the login page leads when the
// Comune's CST is a SAML identity provider (cst_idp_metadata, or the demo
// IdP); "" keeps the external cst_login_url.
func (h *Handler) cstSAMLURL(c *gin.Context, inst *db.Installation) string {
	if !inst.CSTMode {
		return ""
	}
	st, err := h.store.SAMLSettingsOf(c.Request.Context(), inst.ID)
	if err != nil || (st.CSTIdPMetadata == "" && !(st.CSTDemoIdP && h.cfg.SAML.DemoIdP)) {
		return ""
	}
	return "/" + inst.Code + "/cst/entra"
}
