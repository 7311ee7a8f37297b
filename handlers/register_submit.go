package handlers

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/delivery"
	"portalegenitori/internal/notify"
	"portalegenitori/internal/password"
	"portalegenitori/internal/throttle"
)

// registerSubmit is "Conferma" (and, without JavaScript, "Verifica
// disponibilità"): it re-validates everything, then creates the account and
// enqueues its credentials message in one transaction.
func (h *Handler) registerSubmit(c *gin.Context) {
	if !h.registrationOpen(c) {
		return
	}
	inst := installation(c)
	ctx := c.Request.Context()
	v := h.registerView(c)
	if err := c.Request.ParseForm(); err != nil {
		status := http.StatusBadRequest
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			status = http.StatusRequestEntityTooLarge
		}
		v.FormError = v.T("register.error.too_big")
		h.renderRegisterForm(c, status, &v)
		return
	}
	f, ferrs, formErr := decodeRegisterForm(c.Request.PostForm, inst)
	v.F = f
	ip := c.ClientIP()

	// Without JavaScript, "Verifica disponibilità" posts the whole form:
	// answer the availability, keep the input, create nothing.
	if f.Check {
		if wait, err := h.throttleCheck(c); err != nil {
			h.renderError(c, http.StatusInternalServerError, err)
			return
		} else if wait > 0 {
			v.Username = &Notice{Tone: "error", Text: v.T("register.error.check_throttled", wait)}
		} else if fe, bad := ferrs["username"]; bad {
			v.Username = &Notice{Tone: "error", Text: v.T(fe.Key, fe.Args...)}
		} else {
			n, err := h.usernameNotice(c, v.Base, f.Username)
			if err != nil {
				h.renderError(c, http.StatusInternalServerError, err)
				return
			}
			v.Username = n
		}
		h.restoreContacts(c, &v)
		h.renderRegisterForm(c, http.StatusOK, &v)
		return
	}

	// submissions per address
	d := h.limits.Reserve(ctx, throttle.RegisterSubmit.For(ip))
	if d.Err != nil {
		h.renderError(c, http.StatusServiceUnavailable, d.Err)
		return
	}
	if !d.Allowed {
		v.FormError = v.T("register.error.throttled", retryAfter(c, d))
		h.audit(c, db.AuditEvent{InstallationID: inst.ID, Action: "register", Outcome: "throttled"})
		h.renderRegisterForm(c, http.StatusTooManyRequests, &v)
		return
	}

	v.Errors = translateErrors(v.Base, ferrs)
	if formErr != "" {
		v.FormError = v.T(formErr)
	}

	// the registry: link, lock, refuse
	var adult *db.Adult
	if f.CF != "" {
		a, payer, err := h.store.AdultByFiscalCode(ctx, inst.ID, f.CF)
		switch {
		case errors.Is(err, db.ErrNotFound):
			if !inst.AllowUnlinkedAccounts {
				v.Errors["fiscal_code"] = v.T("register.cf.unknown_refused", officeOf(inst))
			}
		case err != nil:
			h.renderError(c, http.StatusInternalServerError, err)
			return
		default:
			adult = a
			v.Contacts = lockedContacts(inst, a, payer)
		}
		var adultID int64
		if adult != nil {
			adultID = adult.ID
		}
		exists, err := h.store.AccountExistsFor(ctx, inst.ID, f.CF, adultID)
		if err != nil {
			h.renderError(c, http.StatusInternalServerError, err)
			return
		}
		if exists {
			v.Errors["fiscal_code"] = v.T("register.cf.has_account")
		}
	}
	if v.Contacts.Locked {
		// whatever the browser sent, the registry's contacts are used
		delete(v.Errors, "email")
		delete(v.Errors, "mobile")
		if v.Contacts.MissingEmail || v.Contacts.MissingPhone {
			v.Errors["fiscal_code"] = v.T("register.cf.locked_missing", officeOf(inst))
		} else if !f.ContactsLocked && ((f.Email != "" && !strings.EqualFold(f.Email, adult.Email)) || (f.Mobile != "" && f.Mobile != adult.Mobile)) {
			// without JS the user could not see the lock: tell before using other contacts
			v.FormError = v.T("register.contacts.locked_changed")
		}
		v.F.Email, v.F.Mobile = adult.Email, adult.Mobile
	}
	if _, bad := v.Errors["username"]; !bad && f.Username != "" {
		taken, err := h.store.UsernameTaken(ctx, inst.ID, f.Username)
		if err != nil {
			h.renderError(c, http.StatusInternalServerError, err)
			return
		}
		if taken {
			v.Errors["username"] = v.T("register.username.taken")
		}
	}
	var capKey string
	var capExp time.Time
	if inst.Captcha {
		var ok bool
		if capKey, capExp, ok = h.verifyCaptcha(f); !ok {
			v.Errors["captcha"] = v.T("register.error.captcha")
		}
	}
	if len(v.Errors) > 0 || v.FormError != "" {
		h.audit(c, db.AuditEvent{InstallationID: inst.ID, Actor: truncate(f.Username, 64), Action: "register", Outcome: "invalid",
			Detail: map[string]any{"fields": errorFields(v.Errors)}})
		h.renderRegisterForm(c, http.StatusUnprocessableEntity, &v)
		return
	}
	if inst.Captcha {
		fresh, err := h.spendCaptcha(ctx, capKey, capExp)
		if err != nil {
			h.renderError(c, http.StatusInternalServerError, err)
			return
		}
		if !fresh {
			v.Errors["captcha"] = v.T("register.error.captcha")
			h.renderRegisterForm(c, http.StatusUnprocessableEntity, &v)
			return
		}
	}

	na := db.NewAccount{
		InstallationID: inst.ID, Username: f.Username, FiscalCode: f.CF,
		DisplayName: strings.TrimSpace(f.FirstName + " " + f.LastName),
		Email:       v.F.Email, Mobile: v.F.Mobile, Lang: v.Lang,
	}
	// A codice fiscale proves nothing: the account is created without a
	// family and asks for the link, which a code sent to the registry's own
	// contacts of the adult proves, or the office confirms (link_*.go).
	var codeTo []delivery.Target
	var err error
	if f.CF != "" {
		na.Claim = &db.LinkClaim{FirstName: truncate(strings.TrimSpace(f.FirstName), 60),
			LastName: truncate(strings.TrimSpace(f.LastName), 60), Email: truncate(f.Email, 254), Mobile: truncate(f.Mobile, 32),
			IP: ip, UserAgent: truncate(cleanText(c.Request.UserAgent()), 256)}
		if adult != nil {
			na.Claim.AdultID = adult.ID
			if codeTo, err = h.linkCodeTargets(c, inst, adult); err != nil {
				h.renderError(c, http.StatusInternalServerError, err)
				return
			}
		}
	}
	na.SecurityQuestion = f.Question
	if f.Question == customQuestion {
		na.SecurityQuestion = f.CustomQuestion
	}
	if na.SecurityAnswerHash, err = password.Hash(normalizeAnswer(f.Answer)); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	if inst.PasswordRequired {
		if na.PasswordHash, err = password.Hash(f.Password); err != nil {
			h.renderError(c, http.StatusInternalServerError, err)
			return
		}
	}
	id, err := h.store.CreateAccount(ctx, na, func(ctx context.Context, tx *sql.Tx, accountID int64) error {
		if err := h.enqueue.Credentials(ctx, tx, delivery.CredentialsArgs{
			InstallationID: inst.ID, AccountID: accountID, Purpose: delivery.KindRegistration,
			GeneratePassword: !inst.PasswordRequired,
		}); err != nil {
			return err
		}
		if len(codeTo) == 0 {
			return nil
		}
		return h.enqueue.LinkCode(ctx, tx, delivery.LinkCodeArgs{InstallationID: inst.ID, AccountID: accountID})
	})
	switch {
	case errors.Is(err, db.ErrUsernameTaken):
		v.Errors["username"] = v.T("register.username.taken")
		v.Username = &Notice{Tone: "error", Text: v.T("register.username.taken")}
	case errors.Is(err, db.ErrAccountExists):
		v.Errors["fiscal_code"] = v.T("register.cf.has_account")
	case err != nil:
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	if err != nil {
		h.audit(c, db.AuditEvent{InstallationID: inst.ID, Actor: truncate(f.Username, 64), Action: "register", Outcome: "conflict"})
		h.renderRegisterForm(c, http.StatusConflict, &v)
		return
	}
	h.audit(c, db.AuditEvent{InstallationID: inst.ID, AccountID: id, Actor: f.Username, Action: "register", Outcome: "success",
		Detail: map[string]any{"registry_adult": adult != nil, "link_code": len(codeTo) > 0, "generated_password": !inst.PasswordRequired}})

	done := RegisterDoneView{Base: h.base(c), Username: f.Username, Generated: !inst.PasswordRequired,
		CodeTo: delivery.MaskTargets(codeTo), CodeMinutes: int(delivery.LinkCodeTTL.Minutes())}
	done.HideFitForm = true
	if inst.DeliveryChannel != "sms" {
		done.Email = notify.Mask(na.Email)
	}
	if inst.DeliveryChannel != "email" {
		done.Mobile = notify.Mask(na.Mobile)
	}
	h.render(c, http.StatusOK, "register_done", done)
}

// restoreContacts recomputes the lock for the "Verifica disponibilità"
// re-rendering, so a locked block stays locked.
func (h *Handler) restoreContacts(c *gin.Context, v *RegisterView) {
	if v.F.CF == "" {
		return
	}
	a, payer, err := h.store.AdultByFiscalCode(c.Request.Context(), v.Inst.ID, v.F.CF)
	if err == nil {
		v.Contacts = lockedContacts(v.Inst, a, payer)
	}
}

// renderRegisterForm re-renders the form with the input kept (never the
// passwords, nor the captcha: a new challenge is made).
func (h *Handler) renderRegisterForm(c *gin.Context, status int, v *RegisterView) {
	v.F.Password, v.F.Confirm = "", ""
	v.F.Altcha, v.F.CaptchaAnswer, v.F.CaptchaToken = "", "", ""
	if err := h.finishRegisterView(v); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	if wantsFragment(c.Request) && status >= 400 {
		status = http.StatusOK // htmx 2 swaps only 2xx
	}
	h.render(c, status, "register", v)
}

func errorFields(errs map[string]string) []string {
	out := make([]string, 0, len(errs))
	for k := range errs {
		out = append(out, k)
	}
	return out
}
