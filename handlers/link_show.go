package handlers

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/delivery"
	"portalegenitori/internal/throttle"
)

// Account linking: a self-registered profile sees no family data until the
// parent enters the code sent to the registry's contacts of the adult
// ("Collega il profilo"), or the office confirms the link (staff_links.go).
// Codes sent are limited by throttle.LinkSendAccount and LinkSendAdult.
const linkCodeAttempts = 5 // wrong codes per code

// LinkView is "Collega il profilo".
type LinkView struct {
	Base
	Request     *db.LinkRequest
	SentTo      string // masked contacts of the last code
	CanResend   bool   // the registry has a contact for the adult
	CodeMinutes int
	Errors      map[string]string
	Code        string // what was typed, on an error
}

// linkCodeTargets are the registry contacts a new code for the adult goes
// to, counted against the adult's daily limit; none when the registry has no
// contact or the limit is reached (then only the office can link).
func (h *Handler) linkCodeTargets(c *gin.Context, inst *db.Installation, adult *db.Adult) ([]delivery.Target, error) {
	ts := delivery.LinkTargets(inst, adult.Email, adult.Mobile)
	if len(ts) == 0 {
		return nil, nil
	}
	if d := h.limits.Reserve(c.Request.Context(), throttle.LinkSendAdult.For(inst.ID, adult.ID)); !d.Allowed {
		return nil, d.Err
	}
	return ts, nil
}

// pendingLinkOf answers the request itself and returns nil when the
// signed-in account has nothing to link: staff and linked profiles go home.
func (h *Handler) pendingLinkOf(c *gin.Context) (*db.LinkRequest, bool) {
	inst := installation(c)
	acc := currentAccount(c)
	if acc.IsStaff() || acc.AdultID.Valid {
		redirect(c, homeOf(inst, acc))
		return nil, false
	}
	r, err := h.store.PendingLink(c.Request.Context(), inst.ID, acc.ID)
	if errors.Is(err, db.ErrNotFound) {
		return nil, true
	}
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return nil, false
	}
	return r, true
}

// linkAction starts the two actions of the page (enter a code, ask for a
// new one): both need an open request whose adult the registry can reach,
// otherwise the page answers 409 itself.
func (h *Handler) linkAction(c *gin.Context) (*db.LinkRequest, LinkView, bool) {
	r, ok := h.pendingLinkOf(c)
	if !ok {
		return nil, LinkView{}, false
	}
	v := h.linkView(c, r)
	if r == nil || !v.CanResend {
		h.render(c, http.StatusConflict, "link", v)
		return nil, v, false
	}
	return r, v, true
}

func (h *Handler) linkView(c *gin.Context, r *db.LinkRequest) LinkView {
	v := LinkView{Base: h.base(c), Request: r, CodeMinutes: int(delivery.LinkCodeTTL.Minutes()), Errors: map[string]string{}}
	v.Nav = "family"
	if r != nil && r.AdultID.Valid {
		v.SentTo = r.CodeSentTo
		v.CanResend = len(delivery.LinkTargets(v.Inst, r.AdultEmail.String, r.AdultMobile.String)) > 0
	}
	return v
}

func (h *Handler) linkShow(c *gin.Context) {
	r, ok := h.pendingLinkOf(c)
	if !ok {
		return
	}
	h.render(c, http.StatusOK, "link", h.linkView(c, r))
}
