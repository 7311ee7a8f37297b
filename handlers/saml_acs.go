package handlers

import (
	"errors"
	"net/http"
	"time"

	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/internal/codicefiscale"
	"portalegenitori/internal/identity/saml"
)

// samlACS answers POST /{inst}/{spid,cie,cst}/acs, the IdP's cross-site
// POST (exempt from the cross-origin check, protected by the SAML checks).
// The request it answers is found in PostgreSQL by RelayState (or by the
// InResponseTo the response claims), the response is checked as
// docs/identity/spid-cie.md lists (internal/identity/saml), the request is spent, and
// only then the fiscal code is matched to an adult of the installation.
// Every outcome is audited.
func (h *Handler) samlACS(fed saml.Federation) gin.HandlerFunc {
	return func(c *gin.Context) {
		inst := installation(c)
		ctx := c.Request.Context()
		auditFail := func(outcome string, detail map[string]any) {
			if detail == nil {
				detail = map[string]any{}
			}
			detail["method"] = string(fed)
			h.audit(c, db.AuditEvent{InstallationID: inst.ID, Action: "login", Outcome: outcome, Detail: detail})
		}
		if !methodEnabled(inst, fed) {
			auditFail("saml_refused", map[string]any{"reason": "method_disabled"})
			h.samlDisabled(c, fed)
			return
		}
		raw, err := saml.Decode(c.PostForm("SAMLResponse"))
		if err != nil {
			auditFail("saml_refused", map[string]any{"reason": "malformed"})
			h.samlError(c, http.StatusBadRequest, fed, "saml.invalid.title", "saml.invalid.body", true)
			return
		}
		_, inResponseTo, err := saml.Peek(raw)
		if err != nil {
			auditFail("saml_refused", map[string]any{"reason": "malformed"})
			h.samlError(c, http.StatusBadRequest, fed, "saml.invalid.title", "saml.invalid.body", true)
			return
		}
		relay := c.PostForm("RelayState")
		req, err := h.store.SAMLRequestFor(ctx, inst.ID, "authn", relay, inResponseTo)
		if errors.Is(err, db.ErrNotFound) {
			auditFail("saml_refused", map[string]any{"reason": "unsolicited"})
			h.samlError(c, http.StatusForbidden, fed, "saml.unsolicited.title", "saml.unsolicited.body", true)
			return
		}
		if err != nil {
			h.renderError(c, http.StatusInternalServerError, err)
			return
		}
		detail := map[string]any{"request": req.ID, "idp": req.IdPEntityID}
		switch {
		case req.Method != string(fed):
			detail["reason"] = "wrong_method"
			auditFail("saml_refused", detail)
			h.samlError(c, http.StatusForbidden, fed, "saml.unsolicited.title", "saml.unsolicited.body", true)
			return
		case req.UsedAt.Valid:
			detail["reason"] = "replayed"
			auditFail("saml_refused", detail)
			h.samlError(c, http.StatusForbidden, fed, "saml.replayed.title", "saml.replayed.body", true)
			return
		case time.Now().After(req.ExpiresAt):
			detail["reason"] = "request_expired"
			auditFail("saml_refused", detail)
			h.samlError(c, http.StatusForbidden, fed, "saml.expired.title", "saml.expired.body", true)
			return
		case !h.samlBoundHere(c, req.ID):
			// not the browser that asked (saml_binding.go): the request
			// stays open for the one that did
			detail["reason"] = "other_browser"
			auditFail("saml_refused", detail)
			h.samlError(c, http.StatusForbidden, fed, "saml.browser.title", "saml.browser.body", true)
			return
		}
		h.setSAMLBinding(c, req.ID, -1) // whatever comes next, this request is done with the browser
		sp, list, err := h.samlSvc().spAndIdPs(ctx, inst, fed)
		if err != nil {
			h.samlUnavailable(c, fed, err)
			return
		}
		idp, ok := idpByEntityID(list, req.IdPEntityID)
		if !ok {
			detail["reason"] = "idp_gone"
			auditFail("saml_refused", detail)
			h.samlError(c, http.StatusForbidden, fed, "saml.invalid.title", "saml.invalid.body", true)
			return
		}
		exp := saml.Expect{Federation: fed, EntityID: sp.EntityID, ACSURL: req.ACSURL, RequestID: req.ID,
			RequestIssued: req.IssuedAt, IdP: idp, Level: req.Level, Comparison: req.Comparison,
			Attributes: sp.Attributes, Now: time.Now()}
		a, verr := exp.Validate(raw)
		var se *saml.StatusError
		if errors.As(verr, &se) {
			// A genuine answer of the IdP: the request is spent.
			_ = h.store.UseSAMLRequest(ctx, inst.ID, req.ID)
			detail["status"], detail["sub_status"], detail["spid_code"] = se.Code, se.SubCode, se.SPIDCode
			auditFail("idp_error", detail)
			title, body := spidErrorKeys(se.SPIDCode)
			h.samlError(c, http.StatusForbidden, fed, title, body, true)
			return
		}
		if verr != nil {
			var e *saml.Error
			detail["reason"] = "invalid"
			if errors.As(verr, &e) {
				detail["reason"] = e.Reason
			}
			h.log.Warn("saml response refused", "method", fed, "err", verr)
			auditFail("saml_refused", detail)
			h.samlError(c, http.StatusForbidden, fed, "saml.invalid.title", "saml.invalid.body", true)
			return
		}
		if err := h.store.UseSAMLRequest(ctx, inst.ID, req.ID); err != nil {
			detail["reason"] = "replayed"
			auditFail("saml_refused", detail)
			h.samlError(c, http.StatusForbidden, fed, "saml.replayed.title", "saml.replayed.body", true)
			return
		}
		cf, ok := saml.FiscalCode(a.Attributes["fiscalNumber"])
		if ok {
			cf, err = codicefiscale.Validate(cf)
			ok = err == nil
		}
		if !ok {
			detail["reason"] = "fiscal_number"
			auditFail("saml_refused", detail)
			h.samlError(c, http.StatusForbidden, fed, "saml.fiscal.title", "saml.fiscal.body", false)
			return
		}
		h.audit(c, db.AuditEvent{InstallationID: inst.ID, Action: "login", Outcome: "saml_assertion",
			Detail: map[string]any{"method": string(fed), "idp": idp.EntityID, "request": req.ID, "level": a.Level, "assertion": a.AssertionID}})
		h.identitySignIn(c, string(fed), cf, map[string]any{
			keySAMLMethod: string(fed), keySAMLIdP: idp.EntityID, keySAMLNameID: a.NameID,
			keySAMLNameQ: a.NameQualifier, keySAMLNameFmt: a.NameIDFormat, keySAMLSession: a.SessionIndex,
		})
		// Remember which portal session the IdP session opened, for
		// IdP-initiated single logout (the IdP's POST carries no cookie).
		sess := sessions.Default(c)
		if accID, ok := sess.Get(keyAccount).(int64); ok && sess.ID() != "" && sess.Get(keySAMLNameID) == a.NameID {
			if err := h.store.RecordSAMLLogin(ctx, &db.SAMLLogin{InstallationID: inst.ID, AccountID: accID, Method: string(fed),
				IdPEntityID: idp.EntityID, NameID: a.NameID, SessionIndex: a.SessionIndex, SessionTokenHash: tokenHash(sess.ID())}); err != nil {
				h.log.Error("record saml login", "err", err)
			}
		}
	}
}

// spidErrorKeys maps the SPID anomaly codes (Tabella messaggi di anomalia)
// to a message for the user.
func spidErrorKeys(code int) (title, body string) {
	switch code {
	case 19, 20, 21, 22, 23, 25:
		n := string(rune('0'+code/10)) + string(rune('0'+code%10))
		return "saml.nr" + n + ".title", "saml.nr" + n + ".body"
	}
	return "saml.failed.title", "saml.failed.body"
}
