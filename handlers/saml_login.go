package handlers

import (
	"crypto/rand"
	"errors"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/internal/identity/saml"
)

// samlRequestTTL is how long the portal waits for the IdP's answer.
const samlRequestTTL = 15 * time.Minute

// Session keys of a SAML sign-in, for single logout.
const (
	keySAMLMethod  = "saml_method"
	keySAMLIdP     = "saml_idp"
	keySAMLNameID  = "saml_name_id"
	keySAMLNameQ   = "saml_name_qualifier"
	keySAMLNameFmt = "saml_name_format"
	keySAMLSession = "saml_session_index"
)

// IdPChoice is a button of the IdP list.
type IdPChoice struct{ Key, Name string }

// SAMLIdPsView lists the identity providers ("Entra con SPID").
type SAMLIdPsView struct {
	Base
	Method            string // spid, cie
	Title, Lead       string
	Action, ListLabel string
	IdPs              []IdPChoice
}

// SAMLPostView is the HTTP-POST binding: a form to the IdP, submitted by a
// small script, or by the button without JavaScript.
type SAMLPostView struct {
	Base
	Title, Action, Field, Message, RelayState string
}

func methodEnabled(inst *db.Installation, fed saml.Federation) bool {
	switch fed {
	case saml.SPID:
		return inst.LoginSPID
	case saml.CIE:
		return inst.LoginCIE
	default:
		return inst.CSTMode
	}
}

func methodLabelKey(fed saml.Federation) string {
	switch fed {
	case saml.SPID:
		return "login.spid"
	case saml.CIE:
		return "login.cie"
	default:
		return "login.cst.button"
	}
}

// samlDisabled is the 404 of a Comune that does not offer the method.
func (h *Handler) samlDisabled(c *gin.Context, fed saml.Federation) {
	v := InactiveView{Base: h.base(c)}
	label := v.T(methodLabelKey(fed))
	v.Title, v.Body = label, v.T("inactive.disabled", label)
	h.render(c, http.StatusNotFound, "inactive", v)
}

// samlList answers GET /{inst}/spid and /{inst}/cie: every IdP of the list,
// in random order as the official SPID button does, as plain buttons of a
// form (no JavaScript, one Tab stop each, names read by screen readers).
func (h *Handler) samlList(fed saml.Federation) gin.HandlerFunc {
	return func(c *gin.Context) {
		inst := installation(c)
		if !methodEnabled(inst, fed) || fed == saml.CST {
			h.samlDisabled(c, fed)
			return
		}
		svc := h.samlSvc()
		v := SAMLIdPsView{Base: h.base(c), Method: string(fed)}
		v.HideFitForm = true
		v.Title = v.T(methodLabelKey(fed))
		v.Lead = v.T("saml." + string(fed) + ".lead")
		v.ListLabel = v.T("saml." + string(fed) + ".list")
		v.Action = "/" + inst.Code + "/" + string(fed) + "/entra"
		st, err := h.store.SAMLSettingsOf(c.Request.Context(), inst.ID)
		if err != nil {
			h.renderError(c, http.StatusInternalServerError, err)
			return
		}
		list, err := svc.idps(inst, st, fed)
		if err != nil {
			h.log.Error("identity provider list", "method", fed, "err", err)
		}
		for _, i := range list {
			v.IdPs = append(v.IdPs, IdPChoice{Key: i.Key(), Name: i.Name})
		}
		mrand.Shuffle(len(v.IdPs), func(a, b int) { v.IdPs[a], v.IdPs[b] = v.IdPs[b], v.IdPs[a] })
		h.render(c, http.StatusOK, "saml_idps", v)
	}
}

// samlStart answers POST /{inst}/{spid,cie}/entra (the IdP chosen) and GET
// /{inst}/cst/entra (the Comune's one IdP): it records the request and
// sends the signed AuthnRequest with the HTTP-POST binding.
func (h *Handler) samlStart(fed saml.Federation) gin.HandlerFunc {
	return func(c *gin.Context) {
		inst := installation(c)
		if !methodEnabled(inst, fed) {
			h.samlDisabled(c, fed)
			return
		}
		ctx := c.Request.Context()
		svc := h.samlSvc()
		sp, st, err := svc.spOf(ctx, inst, fed)
		if err != nil {
			h.samlUnavailable(c, fed, err)
			return
		}
		list, err := svc.idps(inst, st, fed)
		if err != nil && len(list) == 0 {
			h.samlUnavailable(c, fed, err)
			return
		}
		var idp saml.IdP
		found := false
		want := c.PostForm("idp")
		for _, i := range list {
			if fed == saml.CST || i.Key() == want {
				idp, found = i, true
				break
			}
		}
		if !found {
			h.renderError(c, http.StatusBadRequest, nil)
			return
		}
		level, comparison := st.SPIDLevel, st.SPIDComparison
		switch fed {
		case saml.CIE:
			level, comparison = st.CIELevel, "minimum"
		case saml.CST:
			level, comparison = "", ""
		}
		now := time.Now().UTC().Truncate(time.Second)
		req := saml.AuthnRequest{ID: saml.NewID(), IssueInstant: now, Destination: idp.SSO, Level: level, Comparison: comparison}
		xml, err := sp.AuthnRequest(req)
		if err != nil {
			h.renderError(c, http.StatusInternalServerError, err)
			return
		}
		relay := rand.Text()
		if err := h.store.SaveSAMLRequest(ctx, &db.SAMLRequest{InstallationID: inst.ID, ID: req.ID, Kind: "authn", Method: string(fed),
			IdPEntityID: idp.EntityID, ACSURL: sp.ACSURL, Level: level, Comparison: comparison,
			IssuedAt: now, ExpiresAt: now.Add(samlRequestTTL)}, relay); err != nil {
			h.renderError(c, http.StatusInternalServerError, err)
			return
		}
		h.setSAMLBinding(c, req.ID, int(samlRequestTTL.Seconds()))
		h.audit(c, db.AuditEvent{InstallationID: inst.ID, Action: "login", Outcome: "saml_request",
			Detail: map[string]any{"method": string(fed), "idp": idp.EntityID, "request": req.ID, "level": level}})
		h.samlPost(c, "saml.post.to_idp", idp.SSO, "SAMLRequest", saml.Encode(xml), relay)
	}
}

// samlPost renders the auto-submitted form of the HTTP-POST binding. The
// page's CSP lets that one form go to the IdP's origin.
func (h *Handler) samlPost(c *gin.Context, titleKey, action, field, message, relay string) {
	v := SAMLPostView{Base: h.base(c), Action: action, Field: field, Message: message, RelayState: relay}
	v.HideFitForm = true
	v.Title = v.T(titleKey)
	if u, err := url.Parse(action); err == nil && u.Scheme != "" && u.Host != "" {
		origin := u.Scheme + "://" + u.Host
		csp := c.Writer.Header().Get("Content-Security-Policy")
		c.Header("Content-Security-Policy", strings.Replace(csp, "form-action 'self'", "form-action 'self' "+origin, 1))
	}
	h.render(c, http.StatusOK, "saml_post", v)
}

// samlUnavailable explains that the method cannot be used right now
// (no key, no IdP list): a configuration problem of the Comune.
func (h *Handler) samlUnavailable(c *gin.Context, fed saml.Federation, err error) {
	status := http.StatusServiceUnavailable
	if !errors.Is(err, errNoKey) {
		h.log.Error("saml unavailable", "method", fed, "err", err)
	} else {
		h.log.Warn("saml unavailable", "method", fed, "err", err)
	}
	h.samlError(c, status, fed, "saml.unavailable.title", "saml.unavailable.body", false)
}

// SAMLErrorView explains a failed SPID/CIE/CST sign-in with a way back.
type SAMLErrorView struct {
	Base
	Title, Body string
	RetryURL    string
	RetryLabel  string
}

func (h *Handler) samlError(c *gin.Context, status int, fed saml.Federation, titleKey, bodyKey string, retry bool) {
	inst := installation(c)
	v := SAMLErrorView{Base: h.base(c)}
	v.HideFitForm = true
	v.Title, v.Body = v.T(titleKey), v.T(bodyKey)
	if retry && methodEnabled(inst, fed) {
		v.RetryURL = "/" + inst.Code + "/" + string(fed)
		if fed == saml.CST {
			v.RetryURL += "/entra"
		}
		v.RetryLabel = v.T("saml.retry", v.T(methodLabelKey(fed)))
	}
	h.render(c, status, "saml_error", v)
}
