package handlers

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"time"

	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/internal/password"
	"portalegenitori/internal/secondfactor"
	"portalegenitori/internal/throttle"
)

// Staff sign-in, second step: after the password, a staff session is only
// "pending" (middleware.go) until the account gives a time-based one-time
// code. At the first sign-in the account enrols: the page shows the secret
// once, as text and as a QR code, and the first good code confirms it.
// StaffCodeView is the second-step page.
type StaffCodeView struct {
	Base
	Enrol      bool
	Secret     string // grouped base32, only while enrolling
	URI        string
	QR         template.URL // data:image/png;base64 (generated here, never user input)
	Next       string
	Error      string
	Unreadable bool // sealed with a key that is not configured
	// the recovery-code form, for a lost phone (00022)
	RecoveryError string
}

func pendingStaff(c *gin.Context) *db.Account {
	if v, ok := c.Get(ctxPendingStaff); ok {
		return v.(*db.Account)
	}
	return nil
}

func totpBound(acc *db.Account) string { return fmt.Sprintf("%d:%d", acc.InstallationID, acc.ID) }

func (h *Handler) totpKey() secondfactor.Key {
	k, err := secondfactor.NewKey(h.cfg.TOTPKey) // validated by config
	if err != nil {
		h.log.Error("second-factor key", "err", err)
	}
	return k
}

// staffCodeView loads or starts the enrolment for the page.
func (h *Handler) staffCodeView(c *gin.Context, acc *db.Account) (StaffCodeView, error) {
	inst := installation(c)
	ctx := c.Request.Context()
	v := StaffCodeView{Base: h.base(c), Next: c.Query("next")}
	v.HideFitForm = true
	key := h.totpKey()
	t, err := h.store.StaffTOTPOf(ctx, inst.ID, acc.ID)
	if errors.Is(err, db.ErrNotFound) {
		e, err := secondfactor.Generate(inst.Name, acc.Username)
		if err != nil {
			return v, err
		}
		sealed, err := key.Seal(e.Secret, totpBound(acc))
		if err != nil {
			return v, err
		}
		if err := h.store.StartTOTPEnrolment(ctx, inst.ID, acc.ID, sealed); err != nil {
			return v, err
		}
		h.audit(c, db.AuditEvent{InstallationID: inst.ID, AccountID: acc.ID, Actor: acc.Username, Action: "second_factor_enrolment", Outcome: "started"})
		v.Enrol, v.Secret, v.URI, v.QR = true, secondfactor.GroupedSecret(e.Secret), e.URI, template.URL(e.PNGData)
		return v, nil
	}
	if err != nil {
		return v, err
	}
	if t.EnrolledAt.Valid {
		return v, nil
	}
	// enrolment started but not confirmed (the page was reloaded): the
	// same secret, so a code scanned a moment ago still works
	secret, _, err := key.Open(t.Secret, totpBound(acc))
	if err != nil {
		v.Unreadable = true
		return v, nil
	}
	e, err := secondfactor.Describe(secret, inst.Name, acc.Username)
	if err != nil {
		return v, err
	}
	v.Enrol, v.Secret, v.URI, v.QR = true, secondfactor.GroupedSecret(e.Secret), e.URI, template.URL(e.PNGData)
	return v, nil
}

func (h *Handler) staffCodeShow(c *gin.Context) {
	inst := installation(c)
	acc := pendingStaff(c)
	if acc == nil {
		if cur := currentAccount(c); cur != nil {
			redirect(c, homeOf(inst, cur))
			return
		}
		redirect(c, "/"+inst.Code+"/accesso")
		return
	}
	v, err := h.staffCodeView(c, acc)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	h.render(c, http.StatusOK, "staff_code", v)
}

func (h *Handler) staffCodeSubmit(c *gin.Context) {
	inst := installation(c)
	ctx := c.Request.Context()
	acc := pendingStaff(c)
	if acc == nil {
		if cur := currentAccount(c); cur != nil {
			redirect(c, homeOf(inst, cur))
			return
		}
		redirect(c, "/"+inst.Code+"/accesso")
		return
	}
	code := formText(c, "code")
	recovery, byRecovery := c.GetPostForm("recovery_code")
	next := c.PostForm("next")
	fail := func(status int, msgKey string, args ...any) {
		v, err := h.staffCodeView(c, acc)
		if err != nil {
			h.renderError(c, http.StatusInternalServerError, err)
			return
		}
		v.Next = next
		if byRecovery {
			v.RecoveryError = v.T(msgKey, args...)
		} else {
			v.Error = v.T(msgKey, args...)
		}
		h.render(c, status, "staff_code", v)
	}
	// the code is counted before it is checked, per account
	attempt := h.limits.Reserve(ctx, throttle.StaffCode.For(inst.ID, acc.ID))
	if !attempt.Allowed {
		if attempt.Err != nil {
			h.renderError(c, http.StatusServiceUnavailable, attempt.Err)
			return
		}
		h.audit(c, db.AuditEvent{InstallationID: inst.ID, AccountID: acc.ID, Actor: acc.Username, Action: "login_second_factor", Outcome: "throttled"})
		fail(http.StatusTooManyRequests, "staff.code.throttled", retryAfter(c, attempt))
		return
	}
	t, err := h.store.StaffTOTPOf(ctx, inst.ID, acc.ID)
	if err != nil {
		h.releaseAttempt(ctx, attempt)
		if errors.Is(err, db.ErrNotFound) {
			redirect(c, "/"+inst.Code+"/operatori/codice")
			return
		}
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	if byRecovery {
		h.staffRecoveryCodeSubmit(c, acc, t, recovery, next, attempt, fail)
		return
	}
	key := h.totpKey()
	secret, reseal, err := key.Open(t.Secret, totpBound(acc))
	if err != nil {
		h.log.Error("second-factor secret unreadable", "account", acc.ID, "err", err)
		h.releaseAttempt(ctx, attempt)
		fail(http.StatusInternalServerError, "staff.code.unreadable")
		return
	}
	step, ok := secondfactor.Check(secret, code, time.Now(), t.LastStep)
	if ok {
		var resealed string
		if reseal {
			if resealed, err = key.Seal(secret, totpBound(acc)); err != nil {
				resealed = ""
			}
		}
		ok, err = h.store.AcceptTOTPStep(ctx, inst.ID, acc.ID, step, resealed)
		if err != nil {
			h.releaseAttempt(ctx, attempt)
			h.renderError(c, http.StatusInternalServerError, err)
			return
		}
	}
	if !ok {
		h.audit(c, db.AuditEvent{InstallationID: inst.ID, AccountID: acc.ID, Actor: acc.Username, Action: "login_second_factor", Outcome: "failure"})
		if attempt.Last {
			fail(http.StatusTooManyRequests, "staff.code.throttled", retryAfter(c, attempt))
			return
		}
		key := "staff.code.wrong"
		if code == "" {
			key = "staff.code.missing"
		}
		fail(http.StatusUnprocessableEntity, key)
		return
	}
	h.releaseAttempt(ctx, attempt)
	h.audit(c, db.AuditEvent{InstallationID: inst.ID, AccountID: acc.ID, Actor: acc.Username, Action: "login_second_factor", Outcome: "success",
		Detail: map[string]any{"enrolled_now": !t.EnrolledAt.Valid}})
	target := next
	if !t.EnrolledAt.Valid {
		// just enrolled: the next page offers the recovery codes
		target = "/" + inst.Code + "/operatori/sicurezza"
	}
	h.completeStaffSignIn(c, acc, target)
}

// completeStaffSignIn marks the session's second factor as given and goes
// on to next (within the installation), or to the password change first.
func (h *Handler) completeStaffSignIn(c *gin.Context, acc *db.Account, next string) {
	inst := installation(c)
	sess := sessions.Default(c)
	sess.Set(keySecondFactor, true)
	sess.Set(keyRenew, true) // a new session ID now that the sign-in is complete
	if err := sess.Save(); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	if acc.MustChangePassword {
		redirect(c, "/"+inst.Code+"/cambio-password")
		return
	}
	redirect(c, nextWithin(inst, next, homeOf(inst, acc)))
}

// staffRecoveryCodeSubmit signs in with a one-time recovery code instead of
// the app's code. The attempt is already counted (the same limit as the
// app's codes); the code's selector finds the one hash to check with
// argon2id, and the code is spent in an UPDATE that only one request can win.
func (h *Handler) staffRecoveryCodeSubmit(c *gin.Context, acc *db.Account, t *db.StaffTOTP, typed, next string,
	attempt *throttle.Decision, fail func(int, string, ...any)) {
	inst := installation(c)
	ctx := c.Request.Context()
	refuse := func() {
		h.audit(c, db.AuditEvent{InstallationID: inst.ID, AccountID: acc.ID, Actor: acc.Username, Action: "login_recovery_code", Outcome: "failure"})
		if attempt.Last {
			fail(http.StatusTooManyRequests, "staff.code.throttled", retryAfter(c, attempt))
			return
		}
		fail(http.StatusUnprocessableEntity, "staff.code.recovery_wrong")
	}
	norm, shaped := secondfactor.NormalizeRecoveryCode(typed)
	if !shaped || !t.EnrolledAt.Valid {
		password.VerifyDummy(typed)
		refuse()
		return
	}
	rc, err := h.store.UnusedRecoveryCode(ctx, inst.ID, acc.ID, secondfactor.RecoverySelector(norm))
	if errors.Is(err, db.ErrNotFound) {
		password.VerifyDummy(norm) // the same time whether or not the selector matched
		refuse()
		return
	}
	if err != nil {
		h.releaseAttempt(ctx, attempt)
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	if ok, _ := password.Verify(norm, rc.Hash); !ok {
		refuse()
		return
	}
	slot := rc.Slot
	spent, left, err := h.store.UseRecoveryCode(ctx, inst.ID, acc.ID, slot)
	if err != nil {
		h.releaseAttempt(ctx, attempt)
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	if !spent { // the same code, used by a request that came first
		refuse()
		return
	}
	h.releaseAttempt(ctx, attempt)
	h.audit(c, db.AuditEvent{InstallationID: inst.ID, AccountID: acc.ID, Actor: acc.Username, Action: "login_recovery_code", Outcome: "success",
		Detail: map[string]any{"slot": slot, "left": left}})
	base := h.base(c)
	msg := base.T("staff.code.recovery_used", left)
	if left <= 2 {
		msg = base.T("staff.code.recovery_low", left)
	}
	sessions.Default(c).AddFlash(msg)
	h.completeStaffSignIn(c, acc, next)
}
