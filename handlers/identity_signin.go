package handlers

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
)

// IdentityErrorView explains why a SPID, CIE or CNS/CRS sign-in failed, and
// what to do next.
type IdentityErrorView struct {
	Base
	Title, Body string
}

// identitySignIn finishes a sign-in whose fiscal code an identity provider
// has proven (method: "spid", "cie", "cns"). The adult must be a paying adult
// or guardian of the installation; an adult without an account gets one
// without password, linked, and is asked to confirm e-mail and mobile.
// extra values (e.g. the SAML NameID for single logout) go into the session.
func (h *Handler) identitySignIn(c *gin.Context, method, fiscalCode string, extra map[string]any) {
	h.identitySignInThen(c, method, fiscalCode, extra, nil)
}

// identitySignInThen is identitySignIn that runs before, when not nil, just
// before the parent's session starts (the CNS confirmation remembers the card).
func (h *Handler) identitySignInThen(c *gin.Context, method, fiscalCode string, extra map[string]any, before func(acc *db.Account) error) {
	inst := installation(c)
	if inst.StaffSPID && (method == "spid" || method == "cie") {
		staff, err := h.store.StaffAccountByFiscalCode(c.Request.Context(), inst.ID, fiscalCode)
		switch {
		case err == nil:
			h.staffIdentitySignIn(c, method, staff, extra)
			return
		case !errors.Is(err, db.ErrNotFound):
			h.renderError(c, http.StatusInternalServerError, err)
			return
		}
	}
	acc, adult, created, err := h.store.IdentityAccount(c.Request.Context(), inst.ID, fiscalCode, method)
	if errors.Is(err, db.ErrNoGuardian) {
		h.audit(c, db.AuditEvent{InstallationID: inst.ID, Action: "login", Outcome: "unknown_person",
			Detail: map[string]any{"method": method}})
		h.identityError(c, http.StatusForbidden, "identity.unknown.title", "identity.unknown.body")
		return
	}
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	if acc.LockedAt.Valid {
		h.audit(c, db.AuditEvent{InstallationID: inst.ID, AccountID: acc.ID, Actor: acc.Username, Action: "login", Outcome: "locked",
			Detail: map[string]any{"method": method}})
		h.identityError(c, http.StatusForbidden, "identity.locked.title", "login.error.locked")
		return
	}
	if before != nil {
		if err := before(acc); err != nil {
			h.renderError(c, http.StatusInternalServerError, err)
			return
		}
	}
	values := map[string]any{keySignIn: method}
	for k, v := range extra {
		values[k] = v
	}
	if err := h.startSession(c, inst, acc, values); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	h.audit(c, db.AuditEvent{InstallationID: inst.ID, AccountID: acc.ID, Actor: acc.Username, Action: "login", Outcome: "success",
		Detail: map[string]any{"method": method, "new_account": created, "adult": adult.ID}})
	if created {
		redirect(c, "/"+inst.Code+"/primo-accesso")
		return
	}
	redirect(c, homeOf(inst, acc))
}

// staffIdentitySignIn signs in a member of staff proven by SPID or CIE. The
// identity provider's authentication (SpidL2 and up, CIE) is already two
// factors, so the TOTP step is marked done.
func (h *Handler) staffIdentitySignIn(c *gin.Context, method string, acc *db.Account, extra map[string]any) {
	inst := installation(c)
	if acc.LockedAt.Valid {
		h.audit(c, db.AuditEvent{InstallationID: inst.ID, AccountID: acc.ID, Actor: acc.Username, Action: "login", Outcome: "locked",
			Detail: map[string]any{"method": method, "staff": true}})
		h.identityError(c, http.StatusForbidden, "identity.locked.title", "login.error.locked")
		return
	}
	values := map[string]any{keySecondFactor: true, keySignIn: method}
	for k, v := range extra {
		values[k] = v
	}
	if err := h.startSession(c, inst, acc, values); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	h.audit(c, db.AuditEvent{InstallationID: inst.ID, AccountID: acc.ID, Actor: acc.Username, Action: "login", Outcome: "success",
		Detail: map[string]any{"method": method, "staff": true}})
	redirect(c, homeOf(inst, acc))
}

func (h *Handler) identityError(c *gin.Context, status int, titleKey, bodyKey string) {
	v := IdentityErrorView{Base: h.base(c)}
	v.Title, v.Body = v.T(titleKey), v.T(bodyKey)
	h.render(c, status, "identity_error", v)
}
