package handlers

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/internal/password"
	"portalegenitori/internal/secondfactor"
	"portalegenitori/internal/throttle"
)

// StaffSecurityView is a staff member's own "Il mio accesso" page: the
// second factor and its one-time recovery codes.
type StaffSecurityView struct {
	StaffBase
	Enrolled bool     // the account signs in with an authenticator app
	Left     int      // recovery codes not used yet
	Codes    []string // a new set, only in the answer that made it
	Error    string   // next to the password field
}

func (h *Handler) staffSecurityView(c *gin.Context) (StaffSecurityView, error) {
	inst, acc := installation(c), currentAccount(c)
	ctx := c.Request.Context()
	v := StaffSecurityView{StaffBase: h.staffBase(c, "security")}
	t, err := h.store.StaffTOTPOf(ctx, inst.ID, acc.ID)
	if err != nil && !errors.Is(err, db.ErrNotFound) {
		return v, err
	}
	v.Enrolled = err == nil && t.EnrolledAt.Valid
	if v.Left, err = h.store.RecoveryCodesLeft(ctx, inst.ID, acc.ID); err != nil {
		return v, err
	}
	return v, nil
}

func (h *Handler) staffSecurityShow(c *gin.Context) {
	v, err := h.staffSecurityView(c)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	h.render(c, http.StatusOK, "staff_security", v)
}

// staffRecoveryCodesCreate makes a new set of ten codes after the account's
// password is confirmed (a session left open must not be enough to get a
// lasting way past the second factor). The codes are in this answer only
// (no-store, like every page); the database keeps their hashes.
func (h *Handler) staffRecoveryCodesCreate(c *gin.Context) {
	inst, acc := installation(c), currentAccount(c)
	ctx := c.Request.Context()
	v, err := h.staffSecurityView(c)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	if !v.Enrolled {
		h.renderError(c, http.StatusConflict, nil)
		return
	}
	fail := func(status int, key string, args ...any) {
		v.Error = v.T(key, args...)
		v.Errors["password"] = v.Error
		h.render(c, status, "staff_security", v)
	}
	attempt := h.limits.Reserve(ctx, throttle.StaffCode.For(inst.ID, acc.ID))
	if !attempt.Allowed {
		if attempt.Err != nil {
			h.renderError(c, http.StatusServiceUnavailable, attempt.Err)
			return
		}
		fail(http.StatusTooManyRequests, "staff.code.throttled", retryAfter(c, attempt))
		return
	}
	ok := false
	if acc.PasswordHash.Valid {
		ok, _ = password.Verify(c.PostForm("password"), acc.PasswordHash.String)
	} else {
		password.VerifyDummy(c.PostForm("password"))
	}
	if !ok {
		h.staffAudit(c, "recovery_codes_created", "failure", nil)
		key := "staff.security.password_wrong"
		if c.PostForm("password") == "" {
			key = "staff.security.password_missing"
		}
		fail(http.StatusUnprocessableEntity, key)
		return
	}
	h.releaseAttempt(ctx, attempt)
	codes := secondfactor.NewRecoveryCodes()
	stored := make([]db.RecoveryCode, len(codes))
	for i, code := range codes {
		norm, _ := secondfactor.NormalizeRecoveryCode(code)
		stored[i].Selector = secondfactor.RecoverySelector(norm)
		if stored[i].Hash, err = password.Hash(norm); err != nil {
			h.renderError(c, http.StatusInternalServerError, err)
			return
		}
	}
	if err := h.store.ReplaceRecoveryCodes(ctx, inst.ID, acc.ID, stored); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	h.staffAudit(c, "recovery_codes_created", "success", map[string]any{"codes": len(codes)})
	v.Codes, v.Left = codes, len(codes)
	h.render(c, http.StatusOK, "staff_security", v)
}
