package handlers

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/delivery"
	"portalegenitori/internal/notify"
	"portalegenitori/internal/password"
	"portalegenitori/internal/recovery"
	"portalegenitori/internal/registration"
	"portalegenitori/internal/throttle"
)

// "Problemi con l'accesso" (/{inst}/recupero-accesso): the parent picks
// Codice fiscale, Username or Indirizzo e-mail and types the value; if the
// profile has a security question it must be answered; then the delivery
// job sends a new temporary password (SMS) or a one-time link (e-mail) to
// the registry's contact. Never a recovered password.
//
// No account enumeration: the first answer never depends on whether an
// account exists. A value that matches no profile gets a decoy question (one
// of the proposed ones, chosen by an HMAC of the value, so it is stable),
// answered wrongly whatever is typed, with the same attempt counter and
// cool-down as a real one. A profile without a question gets the neutral
// message, and the recovery is sent silently if it can be. The seed's errors
// (no e-mail/mobile in the registry, codice fiscale changed) are shown only
// after a correct answer. Residual signals, documented in docs/recovery.md: a
// custom question is never a decoy, and the neutral message marks a profile
// without a question.

// RecoveryView is the recovery page in each of its states.
type RecoveryView struct {
	Base
	Step      string // form, question, neutral, sent, error, off
	Key       string // db.RecoverBy*
	Value     string
	Keys      []Option
	Question  string
	Errors    map[string]string
	FormError string
	Messages  []string // the result, paragraph by paragraph
	Tone      string   // of the result: success, info, danger
	Office    string
}

func recoveryOffice(inst *db.Installation) string {
	o := officeOf(inst)
	if inst.ControllerEmail != "" {
		o += " (" + inst.ControllerEmail + ")"
	}
	return o
}

func (h *Handler) recoveryView(c *gin.Context) RecoveryView {
	inst := installation(c)
	v := RecoveryView{Base: h.base(c), Step: "form", Key: db.RecoverByFiscalCode, Errors: map[string]string{}, Office: recoveryOffice(inst)}
	v.HideFitForm = true
	return v
}

func (v *RecoveryView) fillKeys() {
	v.Keys = v.Keys[:0]
	for _, k := range []string{db.RecoverByFiscalCode, db.RecoverByUsername, db.RecoverByEmail} {
		v.Keys = append(v.Keys, Option{Value: k, Label: v.T("recovery.key." + k), Selected: v.Key == k})
	}
}

// recoveryOpen answers for Comuni where recovery is not offered: in CST mode
// the seed hides the link and sends parents to the Comune's office.
func (h *Handler) recoveryOpen(c *gin.Context) bool {
	inst := installation(c)
	if inst.LoginLocal && !inst.CSTMode {
		return true
	}
	v := h.recoveryView(c)
	v.Step = "off"
	v.Tone = "info"
	if inst.CSTMode {
		v.Messages = []string{v.T("recovery.off.cst", v.Office)}
	} else {
		v.Messages = []string{v.T("recovery.off.local", v.Office)}
	}
	h.render(c, http.StatusNotFound, "recovery", v)
	return false
}

func (h *Handler) recoveryShow(c *gin.Context) {
	if !h.recoveryOpen(c) {
		return
	}
	v := h.recoveryView(c)
	if k := c.Query("chiave"); recovery.ValidKey(k) {
		v.Key = k
	}
	v.fillKeys()
	h.render(c, http.StatusOK, "recovery", v)
}

// recoverySubmit handles both steps: the value ("step" empty) and the
// security answer ("step" = "risposta").
func (h *Handler) recoverySubmit(c *gin.Context) {
	if !h.recoveryOpen(c) {
		return
	}
	inst := installation(c)
	ctx := c.Request.Context()
	v := h.recoveryView(c)
	if err := c.Request.ParseForm(); err != nil {
		h.renderError(c, http.StatusBadRequest, nil)
		return
	}
	v.Key = c.PostForm("key")
	if !recovery.ValidKey(v.Key) {
		v.Key = db.RecoverByFiscalCode
	}
	v.Value = truncate(formText(c, "value"), 254)
	v.fillKeys()
	answerStep := c.PostForm("step") == "risposta"

	if d := h.limits.Reserve(ctx, throttle.RecoveryAddress.For(c.ClientIP())); !d.Allowed {
		if d.Err != nil {
			h.renderError(c, http.StatusServiceUnavailable, d.Err)
			return
		}
		h.audit(c, db.AuditEvent{InstallationID: inst.ID, Actor: recovery.AuditActor(v.Key, v.Value), Action: "recovery_request", Outcome: "throttled",
			Detail: map[string]any{"key": v.Key, "limit": "ip"}})
		h.recoveryThrottled(c, v, "recovery.error.throttled", d)
		return
	}

	value, problem := recovery.NormalizeValue(v.Key, v.Value)
	if problem != "" {
		v.Errors["value"] = v.T(problem)
		h.audit(c, db.AuditEvent{InstallationID: inst.ID, Actor: recovery.AuditActor(v.Key, v.Value), Action: "recovery_request", Outcome: "invalid",
			Detail: map[string]any{"key": v.Key}})
		h.render(c, http.StatusUnprocessableEntity, "recovery", v)
		return
	}
	acc, err := h.store.AccountForRecovery(ctx, inst.ID, v.Key, value)
	ambiguous := errors.Is(err, db.ErrAmbiguous)
	if err != nil && !errors.Is(err, db.ErrNotFound) && !ambiguous {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	actor := recovery.AuditActor(v.Key, value)
	var accID int64
	if acc != nil {
		accID = acc.ID
		actor = acc.Username
	}
	if answerStep {
		h.recoveryAnswer(c, v, value, acc, actor)
		return
	}

	if d := h.limits.Reserve(ctx, throttle.RecoveryValue.For(inst.ID, v.Key, value)); !d.Allowed {
		if d.Err != nil {
			h.renderError(c, http.StatusServiceUnavailable, d.Err)
			return
		}
		h.audit(c, db.AuditEvent{InstallationID: inst.ID, AccountID: accID, Actor: actor, Action: "recovery_request", Outcome: "throttled",
			Detail: map[string]any{"key": v.Key, "limit": "value"}})
		h.recoveryThrottled(c, v, "recovery.error.throttled", d)
		return
	}

	if acc == nil || acc.SecurityAnswerHash.Valid && acc.SecurityQuestion != "" {
		// the question step: the real question, or a decoy
		q := ""
		outcome := "question"
		if acc != nil {
			q = acc.SecurityQuestion
		} else {
			q = recovery.DecoyQuestion(h.captchaKey, inst.ID, v.Key, value)
			outcome = "no_account"
			if ambiguous {
				outcome = "ambiguous"
			}
		}
		h.audit(c, db.AuditEvent{InstallationID: inst.ID, AccountID: accID, Actor: actor, Action: "recovery_request", Outcome: outcome,
			Detail: map[string]any{"key": v.Key}})
		h.renderQuestion(c, http.StatusOK, v, q)
		return
	}

	// a profile without a security question: the neutral message, and the
	// recovery goes out silently when it can
	if _, _, ok := h.startRecoveryAudited(c, acc, actor, v.Key, false); !ok {
		return
	}
	h.renderNeutral(c, v)
}

func (h *Handler) renderQuestion(c *gin.Context, status int, v RecoveryView, q string) {
	v.Step = "question"
	if strings.HasPrefix(q, "sq.") {
		q = v.T(q)
	}
	v.Question = q
	h.render(c, status, "recovery", v)
}

func (h *Handler) renderNeutral(c *gin.Context, v RecoveryView) {
	v.Step = "neutral"
	v.Tone = "info"
	v.Messages = []string{
		v.T("recovery.neutral", v.T("recovery.channel."+v.Inst.DeliveryChannel)),
		v.T("recovery.neutral.validity"),
		v.T("recovery.neutral.next", v.Office),
	}
	h.render(c, http.StatusOK, "recovery", v)
}

func (h *Handler) recoveryThrottled(c *gin.Context, v RecoveryView, key string, d *throttle.Decision) {
	minutes := retryAfter(c, d)
	v.Step = "error"
	v.Tone = "danger"
	v.Messages = []string{v.T(key, minutes, v.Office)}
	h.render(c, http.StatusTooManyRequests, "recovery", v)
}

// recoveryAnswer is the second step: exactly one argon2 verification on
// every path (the real answer hash, or a dummy for a value without profile).
func (h *Handler) recoveryAnswer(c *gin.Context, v RecoveryView, value string, acc *db.RecoveryAccount, actor string) {
	inst := installation(c)
	ctx := c.Request.Context()
	answer := c.PostForm("answer")
	hasQuestion := acc != nil && acc.SecurityAnswerHash.Valid && acc.SecurityQuestion != ""
	question := ""
	var accID int64
	if acc != nil {
		accID = acc.ID
	}
	if hasQuestion {
		question = acc.SecurityQuestion
	} else {
		question = recovery.DecoyQuestion(h.captchaKey, inst.ID, v.Key, value)
	}
	if strings.TrimSpace(answer) == "" {
		v.Errors["answer"] = v.T("recovery.error.answer_required")
		h.renderQuestion(c, http.StatusUnprocessableEntity, v, question)
		return
	}
	// the answer is counted before it is checked, per value as typed (like
	// the username at sign-in): a lock on one value says nothing about
	// which other values belong to the same profile
	attempt := h.limits.Reserve(ctx, throttle.RecoveryAnswer.For(inst.ID, v.Key, value))
	if !attempt.Allowed {
		if attempt.Err != nil {
			h.renderError(c, http.StatusServiceUnavailable, attempt.Err)
			return
		}
		h.audit(c, db.AuditEvent{InstallationID: inst.ID, AccountID: accID, Actor: actor, Action: "recovery_answer", Outcome: "throttled",
			Detail: map[string]any{"key": v.Key}})
		h.recoveryThrottled(c, v, "recovery.error.answer_throttled", attempt)
		return
	}
	ok := false
	if hasQuestion && len(answer) <= 256 {
		var err error
		if ok, err = password.Verify(registration.NormalizeAnswer(answer), acc.SecurityAnswerHash.String); err != nil {
			h.log.Error("security answer hash unreadable", "account", acc.ID, "err", err)
			ok = false
		}
	} else {
		password.VerifyDummy(registration.NormalizeAnswer(truncate(answer, 256)))
	}
	if !ok {
		h.audit(c, db.AuditEvent{InstallationID: inst.ID, AccountID: accID, Actor: actor, Action: "recovery_answer", Outcome: "failure",
			Detail: map[string]any{"key": v.Key, "account_found": hasQuestion}})
		if attempt.Last {
			h.recoveryThrottled(c, v, "recovery.error.answer_throttled", attempt)
			return
		}
		v.Errors["answer"] = v.T("recovery.error.answer_wrong", throttle.RecoveryAnswer.Limit)
		h.renderQuestion(c, http.StatusUnprocessableEntity, v, question)
		return
	}
	h.releaseAttempt(ctx, attempt)
	h.audit(c, db.AuditEvent{InstallationID: inst.ID, AccountID: acc.ID, Actor: actor, Action: "recovery_answer", Outcome: "success",
		Detail: map[string]any{"key": v.Key}})

	// the answer is right: now the seed's specific errors may be told
	outcome, detail, ok := h.startRecoveryAudited(c, acc, actor, v.Key, true)
	if !ok {
		return
	}
	v.Step = "error"
	v.Tone = "danger"
	status := http.StatusUnprocessableEntity
	switch outcome {
	case "sent":
		v.Step, v.Tone, status = "sent", "success", http.StatusOK
		for _, ch := range delivery.RecoveryChannels(inst.DeliveryChannel) {
			v.Messages = append(v.Messages, v.T("recovery.sent."+ch, notify.Mask(acc.Contact(ch))))
		}
		v.Messages = append(v.Messages, v.T("recovery.neutral.validity"), v.T("recovery.sent.not_received", v.Office))
	case "stale_link":
		v.Messages = []string{v.T("recovery.error.stale", v.Office)}
	case "missing_contact":
		v.Messages = []string{v.T("recovery.error.missing", v.T("recovery.missing."+detail["missing"].(string)), v.Office)}
	case "locked":
		v.Messages = []string{v.T("recovery.error.locked", v.Office)}
	case "throttled":
		v.Messages = []string{v.T("recovery.error.send_throttled", v.Office)}
		status = http.StatusTooManyRequests
	}
	h.render(c, status, "recovery", v)
}

// startRecoveryAudited is startRecovery with its audit record: key is how
// the profile was found, question whether its security answer was asked.
// false: it failed, and the error page is written.
func (h *Handler) startRecoveryAudited(c *gin.Context, acc *db.RecoveryAccount, actor, key string, question bool) (string, map[string]any, bool) {
	inst := installation(c)
	outcome, detail, err := h.startRecovery(c.Request.Context(), inst, acc)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return "", nil, false
	}
	detail["key"] = key
	detail["question"] = question
	h.audit(c, db.AuditEvent{InstallationID: inst.ID, AccountID: acc.ID, Actor: actor, Action: "recovery", Outcome: outcome, Detail: detail})
	return outcome, detail, true
}

// startRecovery decides whether a recovery can go out for acc and, if so,
// enqueues one job per channel in one transaction. The outcome is one of
// sent, locked, stale_link, missing_contact, throttled; detail is for the
// audit log (no secret, no contact).
func (h *Handler) startRecovery(ctx context.Context, inst *db.Installation, acc *db.RecoveryAccount) (string, map[string]any, error) {
	detail := map[string]any{"channel": inst.DeliveryChannel}
	channels := delivery.RecoveryChannels(inst.DeliveryChannel)
	switch {
	case acc.LockedAt.Valid:
		return "locked", detail, nil
	case acc.StaleLink():
		return "stale_link", detail, nil
	}
	var missing []string
	for _, ch := range channels {
		if acc.Contact(ch) == "" {
			missing = append(missing, ch)
		}
	}
	if len(missing) > 0 {
		detail["missing"] = strings.Join(missing, "+")
		return "missing_contact", detail, nil
	}
	if d := h.limits.Reserve(ctx, throttle.RecoverySend.For(inst.ID, acc.ID)); d.Err != nil {
		return "", nil, d.Err
	} else if !d.Allowed {
		return "throttled", detail, nil
	}
	if err := h.queueRecovery(ctx, inst.ID, acc.ID, channels); err != nil {
		return "", nil, err
	}
	return "sent", detail, nil
}

// queueRecovery enqueues one recovery job per channel, in one transaction.
func (h *Handler) queueRecovery(ctx context.Context, instID, accID int64, channels []string) error {
	return h.store.InTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		for _, ch := range channels {
			if err := h.enqueue.Recovery(ctx, tx, delivery.RecoveryArgs{InstallationID: instID, AccountID: accID, Channel: ch}); err != nil {
				return err
			}
		}
		return nil
	})
}
