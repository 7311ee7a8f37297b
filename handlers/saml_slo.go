package handlers

import (
	"crypto/rand"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/internal/identity/saml"
)

// samlLogout is SP-initiated single logout, called by "Esci": when the
// session came from an IdP that has a SingleLogoutService, the portal
// session ends here and now, and the browser carries a signed
// LogoutRequest to the IdP, which answers at /{inst}/{method}/slo. It
// reports false when the session is not a SAML one (plain logout).
func (h *Handler) samlLogout(c *gin.Context) bool {
	inst := installation(c)
	acc := currentAccount(c)
	sess := sessions.Default(c)
	method, _ := sess.Get(keySAMLMethod).(string)
	idpID, _ := sess.Get(keySAMLIdP).(string)
	nameID, _ := sess.Get(keySAMLNameID).(string)
	if acc == nil || method == "" || idpID == "" || nameID == "" {
		return false
	}
	fed := saml.Federation(method)
	ctx := c.Request.Context()
	sp, list, err := h.samlSvc().spAndIdPs(ctx, inst, fed)
	if err != nil {
		return false
	}
	idp, ok := idpByEntityID(list, idpID)
	if !ok || idp.SLO == "" {
		return false
	}
	nq, _ := sess.Get(keySAMLNameQ).(string)
	nf, _ := sess.Get(keySAMLNameFmt).(string)
	si, _ := sess.Get(keySAMLSession).(string)
	now := time.Now().UTC().Truncate(time.Second)
	id := saml.NewID()
	xml, err := sp.LogoutRequest(id, now, idp.SLO, nameID, nq, nf, si)
	if err != nil {
		h.log.Error("saml logout request", "err", err)
		return false
	}
	relay := rand.Text()
	if err := h.store.SaveSAMLRequest(ctx, &db.SAMLRequest{InstallationID: inst.ID, ID: id, Kind: "logout", Method: method,
		IdPEntityID: idp.EntityID, ACSURL: sp.SLOURL, IssuedAt: now, ExpiresAt: now.Add(samlRequestTTL)}, relay); err != nil {
		h.log.Error("saml logout request", "err", err)
		return false
	}
	if sess.ID() != "" {
		_ = h.store.EndSAMLLoginOfSession(ctx, inst.ID, tokenHash(sess.ID()))
	}
	h.audit(c, db.AuditEvent{InstallationID: inst.ID, AccountID: acc.ID, Actor: acc.Username, Action: "logout", Outcome: "success",
		Detail: map[string]any{"method": method, "idp": idp.EntityID, "slo": "sp_initiated", "request": id}})
	sess.Clear()
	sess.Options(sessions.Options{Path: "/", MaxAge: -1, Secure: h.cfg.CookieSecure, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	if err := sess.Save(); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return true
	}
	// The page below is shown signed out.
	delete(c.Keys, ctxAccount)
	h.samlPost(c, "saml.post.logout", idp.SLO, "SAMLRequest", saml.Encode(xml), relay)
	return true
}

// samlSLO answers POST /{inst}/{spid,cie,cst}/slo: the IdP's LogoutResponse
// to our request, or an IdP-initiated LogoutRequest, answered even when
// the browser has no portal session (its cross-site POST carries none):
// the sessions the IdP session opened are found in saml_logins.
func (h *Handler) samlSLO(fed saml.Federation) gin.HandlerFunc {
	return func(c *gin.Context) {
		inst := installation(c)
		ctx := c.Request.Context()
		field, b64 := "SAMLResponse", c.PostForm("SAMLResponse")
		if b64 == "" {
			field, b64 = "SAMLRequest", c.PostForm("SAMLRequest")
		}
		raw, err := saml.Decode(b64)
		if err != nil {
			h.audit(c, db.AuditEvent{InstallationID: inst.ID, Action: "logout", Outcome: "saml_refused", Detail: map[string]any{"method": string(fed), "reason": "malformed"}})
			h.renderError(c, http.StatusBadRequest, nil)
			return
		}
		sp, list, err := h.samlSvc().spAndIdPs(ctx, inst, fed)
		if err != nil {
			h.samlUnavailable(c, fed, err)
			return
		}
		refuse := func(reason string, err error) {
			h.log.Warn("saml logout refused", "method", fed, "reason", reason, "err", err)
			h.audit(c, db.AuditEvent{InstallationID: inst.ID, Action: "logout", Outcome: "saml_refused", Detail: map[string]any{"method": string(fed), "reason": reason}})
			h.samlError(c, http.StatusForbidden, fed, "saml.logout.invalid.title", "saml.logout.invalid.body", false)
		}

		if field == "SAMLResponse" {
			_, inResponseTo, err := saml.Peek(raw)
			if err != nil {
				refuse("malformed", err)
				return
			}
			req, err := h.store.SAMLRequestFor(ctx, inst.ID, "logout", c.PostForm("RelayState"), inResponseTo)
			if err != nil {
				refuse("unsolicited", err)
				return
			}
			idp, ok := idpByEntityID(list, req.IdPEntityID)
			if !ok {
				refuse("idp_gone", nil)
				return
			}
			m, err := saml.ParseLogout(raw, idp, sp.SLOURL, time.Now())
			if err != nil || m.IsRequest || m.InResponseTo != req.ID {
				refuse("invalid", err)
				return
			}
			if err := h.store.UseSAMLRequest(ctx, inst.ID, req.ID); err != nil {
				refuse("replayed", err)
				return
			}
			h.audit(c, db.AuditEvent{InstallationID: inst.ID, Action: "logout", Outcome: "saml_logout_response",
				Detail: map[string]any{"method": string(fed), "idp": idp.EntityID, "status": m.Status}})
			redirect(c, "/"+inst.Code+"/accesso?uscito=1")
			return
		}

		// IdP-initiated: the issuer must be an IdP of the list, and the
		// request signed by it.
		root, err := saml.ParseXML(raw)
		if err != nil {
			refuse("malformed", err)
			return
		}
		var issuer string
		for _, ch := range root.ChildElements() {
			if ch.Tag == "Issuer" && ch.NamespaceURI() == saml.NSAssertion {
				issuer = strings.TrimSpace(ch.Text())
			}
		}
		idp, ok := idpByEntityID(list, issuer)
		if !ok {
			refuse("unknown_idp", nil)
			return
		}
		m, err := saml.ParseLogout(raw, idp, sp.SLOURL, time.Now())
		if err != nil || !m.IsRequest {
			refuse("invalid", err)
			return
		}
		accounts, err := h.store.EndSAMLLogins(ctx, inst.ID, idp.EntityID, m.NameID, m.SessionIndex)
		if err != nil {
			h.renderError(c, http.StatusInternalServerError, err)
			return
		}
		for _, acc := range accounts {
			h.audit(c, db.AuditEvent{InstallationID: inst.ID, AccountID: acc, Action: "logout", Outcome: "success",
				Detail: map[string]any{"method": string(fed), "idp": idp.EntityID, "slo": "idp_initiated"}})
		}
		if len(accounts) == 0 {
			h.audit(c, db.AuditEvent{InstallationID: inst.ID, Action: "logout", Outcome: "saml_no_session",
				Detail: map[string]any{"method": string(fed), "idp": idp.EntityID, "slo": "idp_initiated"}})
		}
		dest := idp.SLOResp
		if dest == "" {
			refuse("idp_without_slo", errors.New("IdP has no SingleLogoutService"))
			return
		}
		xml, err := sp.LogoutResponse(saml.NewID(), time.Now(), dest, m.ID, saml.StatusSuccess)
		if err != nil {
			h.renderError(c, http.StatusInternalServerError, err)
			return
		}
		h.samlPost(c, "saml.post.logout", dest, "SAMLResponse", saml.Encode(xml), c.PostForm("RelayState"))
	}
}
