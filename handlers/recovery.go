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
	"portalegenitori/internal/recovery"
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

// recoverySubmit handles both steps, the value ("step" empty) and the
// security answer ("step" = "risposta"); the rules are in internal/recovery.
func (h *Handler) recoverySubmit(c *gin.Context) {
	if !h.recoveryOpen(c) {
		return
	}
	inst := installation(c)
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
	in := recovery.Input{InstallationID: inst.ID, Key: v.Key, Value: v.Value, Address: c.ClientIP(),
		Channel: inst.DeliveryChannel, Channels: delivery.RecoveryChannels(inst.DeliveryChannel)}
	svc := recovery.Service{Store: &recoveryStore{h: h, c: c}, Limits: h.limits, Log: h.log, ServerKey: h.captchaKey}
	var res recovery.Result
	if c.PostForm("step") == "risposta" {
		in.Answer = c.PostForm("answer")
		res = svc.Answer(c.Request.Context(), in)
	} else {
		res = svc.Find(c.Request.Context(), in)
	}
	h.renderRecovery(c, v, res)
}

// renderRecovery renders the decision of either step.
func (h *Handler) renderRecovery(c *gin.Context, v RecoveryView, res recovery.Result) {
	status := http.StatusUnprocessableEntity
	switch res.Outcome {
	case recovery.Unavailable:
		h.renderError(c, http.StatusServiceUnavailable, res.Err)
		return
	case recovery.Failed:
		h.renderError(c, http.StatusInternalServerError, res.Err)
		return
	case recovery.Throttled:
		h.recoveryThrottled(c, v, "recovery.error.throttled", res.Throttle)
		return
	case recovery.AnswerThrottled:
		h.recoveryThrottled(c, v, "recovery.error.answer_throttled", res.Throttle)
		return
	case recovery.Invalid:
		v.Errors["value"] = v.T(res.Problem)
		h.render(c, status, "recovery", v)
		return
	case recovery.Question:
		h.renderQuestion(c, http.StatusOK, v, res.Question)
		return
	case recovery.AnswerMissing:
		v.Errors["answer"] = v.T("recovery.error.answer_required")
		h.renderQuestion(c, status, v, res.Question)
		return
	case recovery.AnswerWrong:
		v.Errors["answer"] = v.T("recovery.error.answer_wrong", throttle.RecoveryAnswer.Limit)
		h.renderQuestion(c, status, v, res.Question)
		return
	case recovery.Neutral:
		h.renderNeutral(c, v)
		return
	}

	// the answer is right: now the seed's specific errors may be told
	v.Step, v.Tone = "error", "danger"
	switch res.Outcome {
	case recovery.Sent:
		v.Step, v.Tone, status = "sent", "success", http.StatusOK
		for _, ch := range delivery.RecoveryChannels(v.Inst.DeliveryChannel) {
			v.Messages = append(v.Messages, v.T("recovery.sent."+ch, notify.Mask(res.Account.Contact(ch))))
		}
		v.Messages = append(v.Messages, v.T("recovery.neutral.validity"), v.T("recovery.sent.not_received", v.Office))
	case recovery.StaleLink:
		v.Messages = []string{v.T("recovery.error.stale", v.Office)}
	case recovery.MissingContact:
		v.Messages = []string{v.T("recovery.error.missing", v.T("recovery.missing."+res.Missing), v.Office)}
	case recovery.AccountLocked:
		v.Messages = []string{v.T("recovery.error.locked", v.Office)}
	case recovery.SendThrottled:
		v.Messages = []string{v.T("recovery.error.send_throttled", v.Office)}
		status = http.StatusTooManyRequests
	}
	h.render(c, status, "recovery", v)
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

// recoveryStore gives internal/recovery the profiles of the database.
type recoveryStore struct {
	h *Handler
	c *gin.Context
}

func (s *recoveryStore) Account(ctx context.Context, installationID int64, key, value string) (*recovery.Account, bool, error) {
	a, err := s.h.store.AccountForRecovery(ctx, installationID, key, value)
	switch {
	case errors.Is(err, db.ErrNotFound):
		return nil, false, nil
	case errors.Is(err, db.ErrAmbiguous):
		return nil, true, nil
	case err != nil:
		return nil, false, err
	}
	return recoveryAccount(a), false, nil
}

// recoveryAccount is what internal/recovery needs to know of a.
func recoveryAccount(a *db.RecoveryAccount) *recovery.Account {
	acc := &recovery.Account{ID: a.ID, Username: a.Username, Locked: a.LockedAt.Valid, StaleLink: a.StaleLink(),
		Email: a.Contact("email"), Mobile: a.Contact("sms")}
	if a.SecurityAnswerHash.Valid {
		acc.Question, acc.AnswerHash = a.SecurityQuestion, a.SecurityAnswerHash.String
	}
	return acc
}

func (s *recoveryStore) Queue(ctx context.Context, installationID, accountID int64, channels []string) error {
	return s.h.queueRecovery(ctx, installationID, accountID, channels)
}

func (s *recoveryStore) Audit(_ context.Context, e recovery.Event) {
	s.h.audit(s.c, db.AuditEvent{InstallationID: e.InstallationID, AccountID: e.AccountID, Actor: e.Actor,
		Action: e.Action, Outcome: e.Outcome, Detail: e.Detail})
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
