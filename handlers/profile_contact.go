package handlers

import (
	"context"
	"database/sql"
	"net/http"
	"strings"
	"time"

	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/delivery"
	"portalegenitori/internal/contact"
	"portalegenitori/internal/password"
	"portalegenitori/internal/throttle"
)

// How long the proof of a new contact lasts, and how many wrong SMS codes
// close a change (the per-account throttle bounds them across changes too).
const (
	emailProofTTL  = 30 * time.Minute
	smsProofTTL    = 10 * time.Minute
	maxWrongCodes  = 5
	contactChannel = "channel"
)

// profileEmail and profileMobile start a change of contact: the new value
// is checked, the send is counted (throttle.ContactSend), the change is
// recorded and its proof enqueued in one transaction.
func (h *Handler) profileEmail(c *gin.Context)  { h.profileContact(c, "email") }
func (h *Handler) profileMobile(c *gin.Context) { h.profileContact(c, "sms") }

func (h *Handler) profileContact(c *gin.Context, channel string) {
	inst := installation(c)
	acc := currentAccount(c)
	ctx := c.Request.Context()
	v, err := h.profileView(c)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	if !v.Parent || v.Locked {
		h.renderError(c, http.StatusForbidden, nil)
		return
	}
	field, value, current := "email", strings.TrimSpace(c.PostForm("email")), v.Email
	if channel == "sms" {
		field, value, current = "mobile", contact.NormalizeMobile(c.PostForm("mobile")), v.Mobile
	}
	v.Values[field] = value
	switch {
	case channel == "email" && !contact.ValidEmail(value):
		v.Errors[field] = v.T("profile.email.invalid")
	case channel == "sms" && !contact.ValidMobile(value):
		v.Errors[field] = v.T("profile.mobile.invalid")
	case strings.EqualFold(value, current):
		v.Errors[field] = v.T("profile." + field + ".same")
	}
	if len(v.Errors) > 0 {
		h.render(c, http.StatusUnprocessableEntity, "profile", v)
		return
	}
	attempt := h.limits.Reserve(ctx, throttle.ContactSend.For(inst.ID, acc.ID))
	if !attempt.Allowed {
		if attempt.Err != nil {
			h.renderError(c, http.StatusServiceUnavailable, attempt.Err)
			return
		}
		h.audit(c, db.AuditEvent{InstallationID: inst.ID, AccountID: acc.ID, Actor: acc.Username, Action: "contact_change", Outcome: "throttled"})
		v.Errors[field] = v.T("profile.send.throttled", retryAfter(c, attempt))
		h.render(c, http.StatusTooManyRequests, "profile", v)
		return
	}
	ttl := emailProofTTL
	if channel == "sms" {
		ttl = smsProofTTL
	}
	id, err := h.store.StartContactChange(ctx, inst.ID, acc.ID, channel, value, ttl, func(ctx context.Context, tx *sql.Tx, id int64) error {
		return h.enqueue.ContactProof(ctx, tx, delivery.ContactProofArgs{InstallationID: inst.ID, AccountID: acc.ID, ChangeID: id})
	})
	if err != nil {
		h.releaseAttempt(ctx, attempt)
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	h.audit(c, db.AuditEvent{InstallationID: inst.ID, AccountID: acc.ID, Actor: acc.Username, Action: "contact_change", Outcome: "proof_sent",
		Detail: map[string]any{contactChannel: channel, "change": id}})
	sess := sessions.Default(c)
	sess.AddFlash(v.T("profile."+field+".sent", value))
	_ = sess.Save()
	target := "/" + inst.Code + "/profilo"
	if channel == "sms" {
		target += "#code"
	}
	redirect(c, target)
}

// profileCode confirms a new mobile with the code sent to it.
func (h *Handler) profileCode(c *gin.Context) {
	inst := installation(c)
	acc := currentAccount(c)
	ctx := c.Request.Context()
	v, err := h.profileView(c)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	if !v.Parent || v.Locked {
		h.renderError(c, http.StatusForbidden, nil)
		return
	}
	if v.PendingSMS == nil {
		v.Errors["mobile"] = v.T("profile.code.expired")
		h.render(c, http.StatusUnprocessableEntity, "profile", v)
		return
	}
	code := strings.TrimSpace(c.PostForm("code"))
	attempt := h.limits.Reserve(ctx, throttle.ContactCode.For(inst.ID, acc.ID))
	if !attempt.Allowed {
		if attempt.Err != nil {
			h.renderError(c, http.StatusServiceUnavailable, attempt.Err)
			return
		}
		h.audit(c, db.AuditEvent{InstallationID: inst.ID, AccountID: acc.ID, Actor: acc.Username, Action: "contact_change", Outcome: "throttled"})
		v.Errors["code"] = v.T("profile.code.throttled", retryAfter(c, attempt))
		h.render(c, http.StatusTooManyRequests, "profile", v)
		return
	}
	ch := v.PendingSMS
	ok := len(code) == 6 && ch.CodeHash.Valid
	if ok {
		ok, _ = password.Verify(code, ch.CodeHash.String)
	}
	if !ok {
		if err := h.store.WrongContactCode(ctx, inst.ID, ch.ID, maxWrongCodes); err != nil {
			h.renderError(c, http.StatusInternalServerError, err)
			return
		}
		h.audit(c, db.AuditEvent{InstallationID: inst.ID, AccountID: acc.ID, Actor: acc.Username, Action: "contact_change", Outcome: "wrong_code",
			Detail: map[string]any{contactChannel: "sms", "change": ch.ID}})
		v.Errors["code"] = v.T("profile.code.wrong")
		h.render(c, http.StatusUnprocessableEntity, "profile", v)
		return
	}
	h.releaseAttempt(ctx, attempt)
	h.applyContactChange(c, ch.ID, "profile.mobile.saved")
}

// applyContactChange uses the change once and enqueues the notice to the
// contact it replaces, in one transaction.
func (h *Handler) applyContactChange(c *gin.Context, changeID int64, savedKey string) {
	inst := installation(c)
	acc := currentAccount(c)
	ctx := c.Request.Context()
	now := time.Now()
	err := h.store.ApplyContactChange(ctx, inst.ID, acc.ID, changeID, func(ctx context.Context, tx *sql.Tx, channel, old, new string) error {
		return h.enqueue.ContactNotice(ctx, tx, delivery.ContactNoticeArgs{InstallationID: inst.ID, AccountID: acc.ID,
			Channel: channel, OldValue: old, NewValue: new, ChangedAt: now})
	})
	if err != nil {
		h.notFoundOr(c, err)
		return
	}
	h.audit(c, db.AuditEvent{InstallationID: inst.ID, AccountID: acc.ID, Actor: acc.Username, Action: "contact_change", Outcome: "success",
		Detail: map[string]any{"change": changeID}})
	sess := sessions.Default(c)
	sess.AddFlash(tr(c, savedKey))
	_ = sess.Save()
	redirect(c, "/"+inst.Code+"/profilo")
}
