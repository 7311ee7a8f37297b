package handlers

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/delivery"
)

// The one-time link of a recovery e-mail, /{inst}/recupero-accesso/link/{token}.
// GET only shows a page with a button: mail scanners and link previews fetch
// links, and must not spend it. The button's POST spends it once, within
// 24 hours, signs the parent in with a new session and leads to the forced
// password change.

// RecoveryLinkView is the page of a one-time link.
type RecoveryLinkView struct {
	Base
	Valid  bool
	Token  string
	Office string
}

// validToken tells whether s can be a token made by the delivery job
// (crypto/rand.Text: 26 characters of base32).
func validToken(s string) bool {
	if len(s) < 20 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r >= '2' && r <= '7') {
			return false
		}
	}
	return true
}

func (h *Handler) recoveryLinkShow(c *gin.Context) {
	if !h.recoveryOpen(c) {
		return
	}
	inst := installation(c)
	token := c.Param("token")
	v := RecoveryLinkView{Base: h.base(c), Office: recoveryOffice(inst)}
	v.HideFitForm = true
	c.Header("Referrer-Policy", "no-referrer")
	if validToken(token) {
		_, err := h.store.RecoveryTokenAccount(c.Request.Context(), inst.ID, delivery.TokenHash(token))
		switch {
		case err == nil:
			v.Valid, v.Token = true, token
		case !errors.Is(err, db.ErrNotFound):
			h.renderError(c, http.StatusInternalServerError, err)
			return
		}
	}
	status := http.StatusOK
	if !v.Valid {
		status = http.StatusGone
	}
	h.render(c, status, "recovery_link", v)
}

func (h *Handler) recoveryLinkSubmit(c *gin.Context) {
	if !h.recoveryOpen(c) {
		return
	}
	inst := installation(c)
	ctx := c.Request.Context()
	token := c.Param("token")
	v := RecoveryLinkView{Base: h.base(c), Office: recoveryOffice(inst)}
	v.HideFitForm = true
	c.Header("Referrer-Policy", "no-referrer")
	if !validToken(token) {
		h.render(c, http.StatusGone, "recovery_link", v)
		return
	}
	// a locked profile is refused before the link is spent
	if id, err := h.store.RecoveryTokenAccount(ctx, inst.ID, delivery.TokenHash(token)); err == nil {
		if acc, err := h.store.AccountByID(ctx, inst.ID, id); err == nil && acc.LockedAt.Valid {
			h.audit(c, db.AuditEvent{InstallationID: inst.ID, AccountID: acc.ID, Actor: acc.Username, Action: "recovery_link", Outcome: "locked"})
			h.renderError(c, http.StatusForbidden, nil)
			return
		}
	}
	id, err := h.store.ConsumeRecoveryToken(ctx, inst.ID, delivery.TokenHash(token))
	if errors.Is(err, db.ErrNotFound) {
		h.audit(c, db.AuditEvent{InstallationID: inst.ID, Action: "recovery_link", Outcome: "invalid"})
		h.render(c, http.StatusGone, "recovery_link", v)
		return
	}
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	acc, err := h.store.AccountByID(ctx, inst.ID, id)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	if err := h.startSession(c, inst, acc, map[string]any{keySignIn: "recovery_link"}); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	h.audit(c, db.AuditEvent{InstallationID: inst.ID, AccountID: acc.ID, Actor: acc.Username, Action: "login", Outcome: "success",
		Detail: map[string]any{"method": "recovery_link"}})
	redirect(c, "/"+inst.Code+"/cambio-password")
}
