package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/trustelem/zxcvbn"

	"portalegenitori/db"
	"portalegenitori/internal/codicefiscale"
	"portalegenitori/internal/password"
	"portalegenitori/internal/throttle"
)

// Live checks of the registration form (docs/architecture.md#rendering): each answers 200 with
// the content of one persistent live region, never the focused input.
// Availability and CF checks are rate-limited per client address
// (throttle.RegisterCheck).
const strengthMaxLen = 128

// throttleCheck counts one live check; it returns the minutes to wait when
// the address is blocked (and sets Retry-After).
func (h *Handler) throttleCheck(c *gin.Context) (int, error) {
	d := h.limits.Reserve(c.Request.Context(), throttle.RegisterCheck.For(c.ClientIP()))
	if d.Err != nil || d.Allowed {
		return 0, d.Err
	}
	return retryAfter(c, d), nil
}

// oneValue reads a single form value for a live check: "" and false when it
// is repeated, oversized or not UTF-8.
func oneValue(c *gin.Context, name string, maxRunes int) (string, bool) {
	vals := c.Request.PostForm[name]
	if len(vals) > 1 {
		return "", false
	}
	if len(vals) == 0 {
		return "", true
	}
	v := vals[0]
	if !utf8.ValidString(v) || utf8.RuneCountInString(v) > maxRunes {
		return "", false
	}
	return v, true
}

// usernameNotice says whether a username is free.
func (h *Handler) usernameNotice(c *gin.Context, b Base, username string) (*Notice, error) {
	username = strings.TrimSpace(username)
	switch {
	case username == "":
		return &Notice{Tone: "error", Text: b.T("register.error.username_required")}, nil
	case !usernameRE.MatchString(username):
		return &Notice{Tone: "error", Text: b.T("register.error.username_format")}, nil
	}
	taken, err := h.store.UsernameTaken(c.Request.Context(), b.Inst.ID, username)
	if err != nil {
		return nil, err
	}
	if taken {
		return &Notice{Tone: "error", Text: b.T("register.username.taken")}, nil
	}
	return &Notice{Tone: "ok", Text: b.T("register.username.free")}, nil
}

// registerUsername answers "Verifica disponibilità": with htmx the content
// of the status under the field; without JS the button posts the whole form
// here into a new tab, which gets a small page of its own (the form, in its
// tab, keeps what was typed). Only the username is read.
func (h *Handler) registerUsername(c *gin.Context) {
	if !h.registrationOpen(c) {
		return
	}
	v := h.registerView(c)
	answer := func() {
		if wantsFragment(c.Request) {
			h.renderBlock(c, http.StatusOK, "register", "username_status", v)
			return
		}
		h.renderBlock(c, http.StatusOK, "register_check", "layout", v)
	}
	if err := c.Request.ParseForm(); err != nil {
		v.Username = &Notice{Tone: "error", Text: v.T("register.error.too_big")}
		answer()
		return
	}
	if wait, err := h.throttleCheck(c); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	} else if wait > 0 {
		v.Username = &Notice{Tone: "error", Text: v.T("register.error.check_throttled", wait)}
		answer()
		return
	}
	name, ok := oneValue(c, "username", 64)
	if !ok {
		v.Username = &Notice{Tone: "error", Text: v.T("register.error.username_format")}
	} else {
		n, err := h.usernameNotice(c, v.Base, name)
		if err != nil {
			h.renderError(c, http.StatusInternalServerError, err)
			return
		}
		v.Username = n
	}
	answer()
}

// cfPrefixError checks a codice fiscale being typed: a character in the
// wrong place is reported as soon as it is typed, the length and the check
// letter once all 16 characters are there.
func cfPrefixError(s string) (complete bool, err error) {
	norm := strings.ToUpper(strings.Join(strings.Fields(s), ""))
	if utf8.RuneCountInString(norm) >= codicefiscale.Length {
		_, err := codicefiscale.Validate(s)
		return true, err
	}
	// complete the prefix with a valid code: only errors inside the typed
	// part count, and the check letter cannot be judged yet
	const filler = "CCCFBA85D03L219P"
	n := utf8.RuneCountInString(norm)
	_, err = codicefiscale.Validate(norm + filler[n:])
	var e *codicefiscale.Error
	if errors.As(err, &e) && e.Kind != codicefiscale.ErrCheck && e.Position <= n &&
		!(e.Kind == codicefiscale.ErrDay && n < 11) {
		return false, err
	}
	return false, nil
}

// cfNotice describes the CF typed and, for a complete valid code, what the
// registry says; it also computes the contacts block.
func (h *Handler) cfNotice(c *gin.Context, b Base, typed string) (*Notice, ContactsState, error) {
	inst := b.Inst
	if strings.TrimSpace(typed) == "" {
		return &Notice{Tone: "info", Text: b.T("register.cf.hint")}, ContactsState{}, nil
	}
	complete, err := cfPrefixError(typed)
	if err != nil {
		msg := ""
		var e *codicefiscale.Error
		if errors.As(err, &e) {
			msg = e.MessageIT()
			if b.Lang == "en" {
				msg = e.MessageEN()
			}
		}
		return &Notice{Tone: "error", Text: msg}, ContactsState{}, nil
	}
	if !complete {
		n := utf8.RuneCountInString(strings.Join(strings.Fields(typed), ""))
		return &Notice{Tone: "info", Text: b.T("register.cf.partial", n)}, ContactsState{}, nil
	}
	cf, _ := codicefiscale.Validate(typed)
	adult, payer, err := h.store.AdultByFiscalCode(c.Request.Context(), inst.ID, cf)
	if errors.Is(err, db.ErrNotFound) {
		if inst.AllowUnlinkedAccounts {
			return &Notice{Tone: "warn", Text: b.T("register.cf.unknown_allowed")}, ContactsState{}, nil
		}
		return &Notice{Tone: "error", Text: b.T("register.cf.unknown_refused", officeOf(inst))}, ContactsState{}, nil
	}
	if err != nil {
		return nil, ContactsState{}, err
	}
	st := lockedContacts(inst, adult, payer)
	if st.Locked {
		if st.MissingEmail || st.MissingPhone {
			return &Notice{Tone: "error", Text: b.T("register.cf.locked_missing", officeOf(inst))}, st, nil
		}
		if st.ForPassword {
			return &Notice{Tone: "ok", Text: b.T("register.cf.found_locked_password")}, st, nil
		}
		return &Notice{Tone: "ok", Text: b.T("register.cf.found_locked")}, st, nil
	}
	return &Notice{Tone: "ok", Text: b.T("register.cf.found")}, st, nil
}

func officeOf(inst *db.Installation) string {
	if inst.OfficeName != "" {
		return inst.OfficeName
	}
	return inst.Name
}

// registerFiscalCode is the live CF check; the contacts block is swapped
// out of band only when its locked state changes, so an input the user is
// in is not replaced needlessly.
func (h *Handler) registerFiscalCode(c *gin.Context) {
	if !h.registrationOpen(c) {
		return
	}
	v := h.registerView(c)
	if err := c.Request.ParseForm(); err != nil {
		v.CF = &Notice{Tone: "error", Text: v.T("register.error.too_big")}
		h.renderBlock(c, http.StatusOK, "register", "cf_status", v)
		return
	}
	if wait, err := h.throttleCheck(c); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	} else if wait > 0 {
		v.CF = &Notice{Tone: "error", Text: v.T("register.error.check_throttled", wait)}
		h.renderBlock(c, http.StatusOK, "register", "cf_status", v)
		return
	}
	typed, ok := oneValue(c, "fiscal_code", 40)
	if !ok {
		v.CF = &Notice{Tone: "error", Text: v.T("register.error.cf_malformed")}
		h.renderBlock(c, http.StatusOK, "register", "cf_status", v)
		return
	}
	n, st, err := h.cfNotice(c, v.Base, typed)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	v.CF, v.Contacts = n, st
	wasLocked := c.Request.PostForm.Get("contacts_locked") == "1"
	v.Contacts.OOB = wasLocked != st.Locked
	h.renderBlock(c, http.StatusOK, "register", "cf_status", v)
}

// StrengthView is the strength meter: zxcvbn's score 0–4 as a level in
// words and a <meter>, plus the policy problem if any.
type StrengthView struct {
	Score   int
	Level   string
	Problem string
}

func strengthOf(b Base, pw, username string, names ...string) *StrengthView {
	if pw == "" {
		return nil
	}
	sv := &StrengthView{}
	policy := password.Policy{Min: b.Inst.PasswordMin, Max: b.Inst.PasswordMax}
	if problems := policy.Check(pw, pw, username); len(problems) > 0 {
		if p := problems[0]; p.Arg != 0 {
			sv.Problem = b.T(p.Key, p.Arg)
		} else {
			sv.Problem = b.T(p.Key)
		}
	}
	est := pw
	if utf8.RuneCountInString(est) > strengthMaxLen {
		est = string([]rune(est)[:strengthMaxLen])
	}
	inputs := append([]string{username, b.Inst.Name, b.Inst.Code, "genitori", "scuola", "mensa", "comune"}, names...)
	sv.Score = zxcvbn.PasswordStrength(est, inputs).Score
	if sv.Problem != "" && sv.Score > 1 {
		sv.Score = 1
	}
	sv.Level = b.T(fmt.Sprintf("register.strength.%d", sv.Score))
	return sv
}

// registerStrength answers the strength meter while the password is typed.
func (h *Handler) registerStrength(c *gin.Context) {
	if !h.registrationOpen(c) {
		return
	}
	v := h.registerView(c)
	if err := c.Request.ParseForm(); err != nil {
		h.renderBlock(c, http.StatusOK, "register", "strength", v)
		return
	}
	pw, ok := oneValue(c, "password", 256)
	if !ok {
		v.Strength = &StrengthView{Level: v.T("register.strength.0"), Problem: v.T("password.invalid_chars")}
		h.renderBlock(c, http.StatusOK, "register", "strength", v)
		return
	}
	user, _ := oneValue(c, "username", 64)
	first, _ := oneValue(c, "first_name", 60)
	last, _ := oneValue(c, "last_name", 60)
	v.Strength = strengthOf(v.Base, pw, user, first, last)
	h.renderBlock(c, http.StatusOK, "register", "strength", v)
}
