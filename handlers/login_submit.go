package handlers

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/internal/password"
)

// Sign-in throttling: per username (whether or not it exists, so the limit
// does not reveal accounts) and per client address.
const (
	loginUserLimit = 5
	loginIPLimit   = 30
	loginWindow    = 15 * time.Minute
	loginBlock     = 15 * time.Minute
)

func loginUserKey(instID int64, username string) string {
	return fmt.Sprintf("login:user:%d:%s", instID, strings.ToLower(username))
}

func loginIPKey(ip string) string { return "login:ip:" + ip }

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

	ip := c.ClientIP()
	userKey, ipKey := loginUserKey(inst.ID, truncate(username, 64)), loginIPKey(ip)
	for _, key := range []string{userKey, ipKey} {
		until, err := h.store.BlockedUntil(ctx, key)
		if err != nil {
			h.renderError(c, http.StatusInternalServerError, err)
			return
		}
		if !until.IsZero() {
			h.audit(c, db.AuditEvent{InstallationID: inst.ID, Actor: truncate(username, 64), Action: "login", Outcome: "throttled"})
			h.loginThrottled(c, v, until)
			return
		}
	}

	var acc *db.Account
	if utf8.RuneCountInString(username) <= 64 {
		var err error
		acc, err = h.store.AccountByUsername(ctx, inst.ID, username)
		if err != nil && !errors.Is(err, db.ErrNotFound) {
			h.renderError(c, http.StatusInternalServerError, err)
			return
		}
	}
	var err error
	ok := false
	if acc != nil && acc.PasswordHash.Valid && len(pw) <= 256 {
		ok, err = password.Verify(pw, acc.PasswordHash.String)
		if err != nil {
			h.log.Error("password hash unreadable", "account", acc.ID, "err", err)
			ok = false
		}
	} else {
		password.VerifyDummy(pw) // same time whether or not the account exists
	}
	// a temporary password (recovery, generated at registration) works once
	// within its 24 hours, besides the permanent one (recovery.go)
	usedTemp := false
	if !ok && acc != nil && acc.TempPasswordHash.Valid && acc.TempPasswordExpiresAt.Time.After(time.Now()) && len(pw) <= 256 {
		usedTemp, _ = password.Verify(pw, acc.TempPasswordHash.String)
		ok = usedTemp
	}
	if !ok {
		var accID int64
		if acc != nil {
			accID = acc.ID
		}
		h.audit(c, db.AuditEvent{InstallationID: inst.ID, AccountID: accID, Actor: truncate(username, 64), Action: "login", Outcome: "failure"})
		var blocked time.Time
		for _, k := range []struct {
			key   string
			limit int
		}{{userKey, loginUserLimit}, {ipKey, loginIPLimit}} {
			until, err := h.store.Hit(ctx, k.key, k.limit, loginWindow, loginBlock)
			if err != nil {
				h.renderError(c, http.StatusInternalServerError, err)
				return
			}
			if until.After(blocked) {
				blocked = until
			}
		}
		if !blocked.IsZero() {
			h.audit(c, db.AuditEvent{InstallationID: inst.ID, AccountID: accID, Actor: truncate(username, 64), Action: "login", Outcome: "lock",
				Detail: map[string]any{"until": blocked.UTC().Format(time.RFC3339)}})
			h.loginThrottled(c, v, blocked)
			return
		}
		v.FormError = v.T("login.error.generic")
		h.render(c, http.StatusUnprocessableEntity, "login", v)
		return
	}
	if acc.LockedAt.Valid {
		h.audit(c, db.AuditEvent{InstallationID: inst.ID, AccountID: acc.ID, Actor: acc.Username, Action: "login", Outcome: "locked"})
		v.FormError = v.T("login.error.locked")
		h.render(c, http.StatusForbidden, "login", v)
		return
	}

	if usedTemp { // spent now, once: a concurrent use loses
		if spent, err := h.store.ConsumeTempPassword(ctx, inst.ID, acc.ID, acc.TempPasswordHash.String); err != nil {
			h.renderError(c, http.StatusInternalServerError, err)
			return
		} else if !spent {
			h.audit(c, db.AuditEvent{InstallationID: inst.ID, AccountID: acc.ID, Actor: acc.Username, Action: "login", Outcome: "failure",
				Detail: map[string]any{"reason": "temporary password already used"}})
			v.FormError = v.T("login.error.generic")
			h.render(c, http.StatusUnprocessableEntity, "login", v)
			return
		}
		acc.MustChangePassword = true
	}
	if err := h.store.ResetThrottle(ctx, userKey); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	if err := h.startSession(c, inst, acc, nil); err != nil { // a new session ID at every sign-in
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
		Detail: map[string]any{"method": map[bool]string{false: "password", true: "temp_password"}[usedTemp]}})
	if acc.MustChangePassword {
		redirect(c, "/"+inst.Code+"/cambio-password")
		return
	}
	redirect(c, safeNext(inst, v.Next, homeOf(inst, acc)))
}

func (h *Handler) loginThrottled(c *gin.Context, v LoginView, until time.Time) {
	minutes := int(math.Ceil(time.Until(until).Minutes()))
	if minutes < 1 {
		minutes = 1
	}
	v.FormError = v.T("login.error.throttled", minutes)
	c.Header("Retry-After", fmt.Sprint(minutes*60))
	h.render(c, http.StatusTooManyRequests, "login", v)
}
