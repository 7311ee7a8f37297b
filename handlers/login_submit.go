package handlers

import (
	"context"
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/internal/signin"
	"portalegenitori/internal/throttle"
)

// loginSubmit signs in with username and password; the rules are in
// internal/signin.
func (h *Handler) loginSubmit(c *gin.Context) {
	inst := installation(c)
	in := signin.Input{InstallationID: inst.ID, PasswordBoxes: inst.ShowsPasswordBoxes(), Address: c.ClientIP()}
	if in.PasswordBoxes { // where the boxes are not offered, the form is not read
		in.Malformed = c.Request.ParseForm() != nil
		// Invalid UTF-8 or a NUL would make PostgreSQL refuse the query: such a
		// name cannot exist, so it is simply a wrong username.
		in.Username, in.Password = formText(c, "username"), c.PostForm("password")
	}
	store := &signinStore{h: h, c: c}
	svc := signin.Service{Store: store, Limits: h.limits, Log: h.log}
	res := svc.Attempt(c.Request.Context(), in)
	switch res.Outcome {
	case signin.MethodDisabled:
		h.renderError(c, http.StatusNotFound, nil)
		return
	case signin.Malformed:
		h.renderError(c, http.StatusBadRequest, nil)
		return
	}

	v := h.loginView(c)
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
	if len(in.Username) <= 64 {
		v.Username = in.Username
	}
	switch res.Outcome {
	case signin.Missing:
		for field, key := range res.Fields {
			v.Errors[field] = v.T(key)
		}
		h.render(c, http.StatusUnprocessableEntity, "login", v)
		return
	case signin.Unavailable:
		h.renderError(c, http.StatusServiceUnavailable, res.Err)
		return
	case signin.Failed:
		h.renderError(c, http.StatusInternalServerError, res.Err)
		return
	case signin.Throttled:
		h.loginThrottled(c, v, res.Throttle)
		return
	case signin.WrongCredentials:
		v.FormError = v.T("login.error.generic")
		h.render(c, http.StatusUnprocessableEntity, "login", v)
		return
	case signin.Locked:
		v.FormError = v.T("login.error.locked")
		h.render(c, http.StatusForbidden, "login", v)
		return
	}

	acc := store.acc // signin.OK or signin.ChangePassword
	acc.MustChangePassword = res.Outcome == signin.ChangePassword
	if err := h.startSession(c, inst, acc, map[string]any{keySignIn: res.Method}); err != nil { // a new session ID at every sign-in
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	if fitChanged && acc.FitTables != v.FitTables {
		if err := h.store.SetFitTables(c.Request.Context(), inst.ID, acc.ID, v.FitTables); err != nil {
			h.log.Error("save fit preference", "err", err)
		}
	} else if !fitChanged {
		h.setFitCookie(c, acc.FitTables) // the device follows the account's setting
	}
	h.audit(c, db.AuditEvent{InstallationID: inst.ID, AccountID: acc.ID, Actor: acc.Username, Action: "login", Outcome: "success",
		Detail: map[string]any{"method": res.Method}})
	if res.Outcome == signin.ChangePassword {
		redirect(c, "/"+inst.Code+"/cambio-password")
		return
	}
	redirect(c, nextWithin(inst, v.Next, homeOf(inst, acc)))
}

func (h *Handler) loginThrottled(c *gin.Context, v LoginView, d *throttle.Decision) {
	v.FormError = v.T("login.error.throttled", retryAfter(c, d))
	h.render(c, http.StatusTooManyRequests, "login", v)
}

// signinStore gives internal/signin the accounts of the database; it keeps
// the account it found, which the handler signs in.
type signinStore struct {
	h   *Handler
	c   *gin.Context
	acc *db.Account
}

func (s *signinStore) Account(ctx context.Context, installationID int64, username string) (*signin.Account, error) {
	a, err := s.h.store.AccountByUsername(ctx, installationID, username)
	if errors.Is(err, db.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	s.acc = a
	acc := &signin.Account{ID: a.ID, Username: a.Username, PasswordHash: a.PasswordHash.String,
		TempPasswordHash: a.TempPasswordHash.String, Locked: a.LockedAt.Valid, MustChangePassword: a.MustChangePassword}
	if a.TempPasswordExpiresAt.Valid {
		acc.TempPasswordExpiry = a.TempPasswordExpiresAt.Time
	}
	return acc, nil
}

func (s *signinStore) UseTempPassword(ctx context.Context, installationID, accountID int64, hash string) (bool, error) {
	return s.h.store.UseTempPassword(ctx, installationID, accountID, hash)
}

func (s *signinStore) Audit(_ context.Context, e signin.Event) {
	s.h.audit(s.c, db.AuditEvent{InstallationID: e.InstallationID, AccountID: e.AccountID, Actor: e.Actor,
		Action: "login", Outcome: e.Outcome, Detail: e.Detail})
}
