package handlers

import (
	"errors"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/internal/password"
	"portalegenitori/internal/throttle"
)

func (h *Handler) loginSubmit(c *gin.Context) {
	inst := installation(c)
	ctx := c.Request.Context()
	if !inst.ShowsPasswordBoxes() {
		h.renderError(c, http.StatusNotFound, nil)
		return
	}
	if err := c.Request.ParseForm(); err != nil {
		h.renderError(c, http.StatusBadRequest, nil)
		return
	}
	v := h.loginView(c)
	// Invalid UTF-8 or a NUL would make PostgreSQL refuse the query: such a
	// name cannot exist, so it is simply a wrong username.
	username := formText(c, "username")
	pw := c.PostForm("password")
	v.Next = c.PostForm("next")
	// «Controllo dimensioni»: a change of the box is a choice for this
	// device and, once signed in, for the account; an untouched box says
	// nothing (a setting made on the phone survives a sign-in elsewhere).
	// Without fit_shown the box counts as shown unticked.
	v.FitTables = c.PostForm("fit") == "1"
	v.FitShown = c.PostForm("fit_shown") == "1"
	fitChanged := v.FitTables != v.FitShown
	if fitChanged {
		h.setFitCookie(c, v.FitTables)
	}
	if len(username) <= 64 {
		v.Username = username
	}
	if username == "" {
		v.Errors["username"] = v.T("login.error.username")
	}
	if pw == "" {
		v.Errors["password"] = v.T("login.error.password")
	}
	if len(v.Errors) > 0 {
		h.render(c, http.StatusUnprocessableEntity, "login", v)
		return
	}

	// the attempt is counted before the password is checked: per typed
	// username (existing or not, so the limit reveals nothing) and per address
	attempt := h.limits.Reserve(ctx, throttle.LoginUsername.For(inst.ID, truncate(username, 64)), throttle.LoginAddress.For(c.ClientIP()))
	if !attempt.Allowed {
		if attempt.Err != nil {
			h.renderError(c, http.StatusServiceUnavailable, attempt.Err)
			return
		}
		h.audit(c, db.AuditEvent{InstallationID: inst.ID, Actor: truncate(username, 64), Action: "login", Outcome: "throttled"})
		h.loginThrottled(c, v, attempt)
		return
	}

	var acc *db.Account
	if utf8.RuneCountInString(username) <= 64 {
		var err error
		acc, err = h.store.AccountByUsername(ctx, inst.ID, username)
		if err != nil && !errors.Is(err, db.ErrNotFound) {
			h.releaseAttempt(ctx, attempt)
			h.renderError(c, http.StatusInternalServerError, err)
			return
		}
	}
	// exactly two argon2id verifications on every path (permanent and
	// temporary password, or the dummy in their place): the time tells
	// neither whether the account exists nor whether a temporary password
	// (recovery, generated at registration) is pending
	var permanent, temporary string
	if acc != nil && len(pw) <= 256 {
		permanent = acc.PasswordHash.String
		if acc.TempPasswordExpiresAt.Valid && acc.TempPasswordExpiresAt.Time.After(time.Now()) {
			temporary = acc.TempPasswordHash.String
		}
	}
	okPermanent, usedTemp := password.VerifySignIn(truncate(pw, 256), permanent, temporary)
	usedTemp = usedTemp && !okPermanent
	ok := okPermanent || usedTemp
	if ok && usedTemp {
		// the temporary password stays valid until it expires or a new
		// password is chosen; signing in with it leads to the forced change
		var err error
		if ok, err = h.store.UseTempPassword(ctx, inst.ID, acc.ID, acc.TempPasswordHash.String); err != nil {
			h.releaseAttempt(ctx, attempt)
			h.renderError(c, http.StatusInternalServerError, err)
			return
		}
		acc.MustChangePassword = true
	}
	if !ok {
		var accID int64
		if acc != nil {
			accID = acc.ID
		}
		h.audit(c, db.AuditEvent{InstallationID: inst.ID, AccountID: accID, Actor: truncate(username, 64), Action: "login", Outcome: "failure"})
		if attempt.Last {
			h.audit(c, db.AuditEvent{InstallationID: inst.ID, AccountID: accID, Actor: truncate(username, 64), Action: "login", Outcome: "lock",
				Detail: map[string]any{"until": time.Now().Add(attempt.RetryAfter).UTC().Format(time.RFC3339), "limit": attempt.Refusing.Name}})
			h.loginThrottled(c, v, attempt)
			return
		}
		v.FormError = v.T("login.error.generic")
		h.render(c, http.StatusUnprocessableEntity, "login", v)
		return
	}
	h.releaseAttempt(ctx, attempt) // a success costs no attempt
	if acc.LockedAt.Valid {
		h.audit(c, db.AuditEvent{InstallationID: inst.ID, AccountID: acc.ID, Actor: acc.Username, Action: "login", Outcome: "locked"})
		v.FormError = v.T("login.error.locked")
		h.render(c, http.StatusForbidden, "login", v)
		return
	}

	method := map[bool]string{false: "password", true: "temp_password"}[usedTemp]
	if err := h.startSession(c, inst, acc, map[string]any{keySignIn: method}); err != nil { // a new session ID at every sign-in
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	if fitChanged && acc.FitTables != v.FitTables {
		if err := h.store.SetFitTables(ctx, inst.ID, acc.ID, v.FitTables); err != nil {
			h.log.Error("save fit preference", "err", err)
		}
	} else if !fitChanged {
		h.setFitCookie(c, acc.FitTables) // the device follows the account's setting
	}
	h.audit(c, db.AuditEvent{InstallationID: inst.ID, AccountID: acc.ID, Actor: acc.Username, Action: "login", Outcome: "success",
		Detail: map[string]any{"method": method}})
	if acc.MustChangePassword {
		redirect(c, "/"+inst.Code+"/cambio-password")
		return
	}
	redirect(c, nextWithin(inst, v.Next, homeOf(inst, acc)))
}

func (h *Handler) loginThrottled(c *gin.Context, v LoginView, d *throttle.Decision) {
	v.FormError = v.T("login.error.throttled", retryAfter(c, d))
	h.render(c, http.StatusTooManyRequests, "login", v)
}
