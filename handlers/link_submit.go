package handlers

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/internal/password"
)

// linkSubmit checks the code the parent typed. The guess is counted before
// the check, in the statement that decides whether one is still allowed;
// the right code links the profile and is spent in one transaction.
func (h *Handler) linkSubmit(c *gin.Context) {
	r, v, ok := h.linkAction(c)
	if !ok {
		return
	}
	inst := installation(c)
	acc := currentAccount(c)
	ctx := c.Request.Context()
	code := strings.Join(strings.Fields(formText(c, "codice")), "")
	v.Code = truncate(code, 12)
	if len(code) != 6 || strings.Trim(code, "0123456789") != "" {
		v.Errors["codice"] = v.T("link.error.format")
		h.renderLink(c, http.StatusUnprocessableEntity, v)
		return
	}
	att, err := h.store.ReserveLinkAttempt(ctx, inst.ID, acc.ID, linkCodeAttempts)
	switch {
	case errors.Is(err, db.ErrNoLinkCode):
		v.Errors["codice"] = v.T("link.error.none")
	case errors.Is(err, db.ErrLinkCodeExpired):
		v.Errors["codice"] = v.T("link.error.expired")
	case errors.Is(err, db.ErrLinkCodeSpent):
		v.Errors["codice"] = v.T("link.error.spent")
	case errors.Is(err, db.ErrNotFound):
		redirect(c, homeOf(inst, acc)) // linked or refused meanwhile
		return
	case err != nil:
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	if err != nil {
		h.audit(c, db.AuditEvent{InstallationID: inst.ID, AccountID: acc.ID, Actor: acc.Username, Action: "link_code", Outcome: "refused",
			Detail: map[string]any{"request": r.ID, "reason": err.Error()}})
		status := http.StatusUnprocessableEntity
		if errors.Is(err, db.ErrLinkCodeSpent) {
			status = http.StatusTooManyRequests
		}
		h.renderLink(c, status, v)
		return
	}
	right, err := password.Verify(code, att.CodeHash)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	if !right {
		left := linkCodeAttempts - att.Attempts
		h.audit(c, db.AuditEvent{InstallationID: inst.ID, AccountID: acc.ID, Actor: acc.Username, Action: "link_code", Outcome: "failure",
			Detail: map[string]any{"request": r.ID, "attempt": att.Attempts}})
		if left > 0 {
			v.Errors["codice"] = v.T("link.error.wrong", left)
		} else {
			v.Errors["codice"] = v.T("link.error.spent")
		}
		h.renderLink(c, http.StatusUnprocessableEntity, v)
		return
	}
	adultID, err := h.store.LinkByCode(ctx, inst.ID, att.RequestID, att.CodeHash)
	switch {
	case errors.Is(err, db.ErrAccountExists):
		v.Errors["codice"] = v.T("link.error.taken", officeOf(inst))
		h.audit(c, db.AuditEvent{InstallationID: inst.ID, AccountID: acc.ID, Actor: acc.Username, Action: "link_code", Outcome: "conflict",
			Detail: map[string]any{"request": r.ID}})
		h.renderLink(c, http.StatusConflict, v)
		return
	case errors.Is(err, db.ErrNotFound):
		v.Errors["codice"] = v.T("link.error.expired")
		h.renderLink(c, http.StatusUnprocessableEntity, v)
		return
	case err != nil:
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	h.audit(c, db.AuditEvent{InstallationID: inst.ID, AccountID: acc.ID, Actor: acc.Username, Action: "link_code", Outcome: "success",
		Detail: map[string]any{"request": r.ID, "adult": adultID, "proof": db.ProofContactCode}})
	h.flashRedirect(c, v.T("link.done"), "/"+inst.Code+"/famiglia")
}

func (h *Handler) renderLink(c *gin.Context, status int, v LinkView) {
	status = swappable(c, status)
	h.render(c, status, "link", v)
}
