package handlers

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/internal/codicefiscale"
	"portalegenitori/internal/notify"
)

// Option is one entry of a select.
type Option struct {
	Value, Label string
	Selected     bool
}

// Notice is the text of a live region, with its tone: ok, info, warn, error.
type Notice struct {
	Tone, Text string
}

// ContactsState is the e-mail/mobile block: editable, or locked to the
// registry's contacts (shown masked) when the CF is a paying adult's.
type ContactsState struct {
	Locked                     bool
	ForPassword                bool // locked because the generated password goes to the registry only
	MaskedEmail, MaskedMobile  string
	MissingEmail, MissingPhone bool // required but absent in the registry
	OOB                        bool // render as an htmx out-of-band swap
}

// RegisterView is the registration form ("Registrazione di una nuova utenza").
type RegisterView struct {
	Base
	F         RegisterForm
	Errors    map[string]string
	FormError string
	Questions []Option
	Username  *Notice // "Username disponibile" / "Username NON disponibile!"
	CF        *Notice
	Contacts  ContactsState
	Strength  *StrengthView
	Captcha   *CaptchaView
	Min, Max  int
}

// RegisterOffView says self-registration is off, or happens elsewhere (CST).
type RegisterOffView struct {
	Base
	ExternalURL string
}

// RegisterDoneView confirms the registration and says where the details went.
type RegisterDoneView struct {
	Base
	Username  string
	Email     string // masked
	Mobile    string // masked
	Generated bool
	// the link to the family: the masked registry contacts the code went
	// to, or "" when the office confirms it
	CodeTo      string
	CodeMinutes int
}

// registrationOpen answers the page for installations where registration is
// off or external, and reports whether the form may be used.
func (h *Handler) registrationOpen(c *gin.Context) bool {
	inst := installation(c)
	if inst.SelfRegistration && !inst.CSTMode && inst.LoginLocal {
		return true
	}
	v := RegisterOffView{Base: h.base(c)}
	status := http.StatusNotFound
	if inst.CSTMode && inst.CSTRegistrationURL != "" {
		v.ExternalURL = inst.CSTRegistrationURL
		status = http.StatusOK
	}
	if wantsFragment(c.Request) && c.Request.Method == http.MethodPost {
		status = http.StatusOK // htmx swaps only 2xx
	}
	h.render(c, status, "register_off", v)
	return false
}

func (h *Handler) registerView(c *gin.Context) RegisterView {
	inst := installation(c)
	v := RegisterView{Base: h.base(c), Errors: map[string]string{}, Min: inst.PasswordMin, Max: inst.PasswordMax}
	v.HideFitForm = true
	return v
}

// finish fills the parts every rendering of the form needs.
func (h *Handler) finishRegisterView(v *RegisterView) error {
	v.Questions = v.Questions[:0]
	for _, k := range securityQuestions {
		v.Questions = append(v.Questions, Option{Value: k, Label: v.T(k), Selected: v.F.Question == k})
	}
	v.Questions = append(v.Questions, Option{Value: customQuestion, Label: v.T("register.question.custom"), Selected: v.F.Question == customQuestion})
	if v.Inst.Captcha {
		cv, err := h.newCaptcha(v.Base)
		if err != nil {
			return err
		}
		v.Captcha = cv
	}
	return nil
}

// translateErrors turns field errors into messages in the page language.
func translateErrors(b Base, errs map[string]fieldError) map[string]string {
	out := make(map[string]string, len(errs))
	for field, fe := range errs {
		if fe.Key == "register.error.cf" && len(fe.Args) == 1 {
			var cfErr *codicefiscale.Error
			if errors.As(fe.Args[0].(error), &cfErr) {
				if b.Lang == "en" {
					out[field] = cfErr.MessageEN()
				} else {
					out[field] = cfErr.MessageIT()
				}
				continue
			}
		}
		out[field] = b.T(fe.Key, fe.Args...)
	}
	return out
}

func (h *Handler) registerShow(c *gin.Context) {
	if !h.registrationOpen(c) {
		return
	}
	v := h.registerView(c)
	if err := h.finishRegisterView(&v); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	h.render(c, http.StatusOK, "register", v)
}

// lockedContacts computes the contacts block for a registry adult. A
// generated password goes only to contacts the registry has for the adult,
// so it locks them too.
func lockedContacts(inst *db.Installation, adult *db.Adult, payer bool) ContactsState {
	if adult == nil || !(payer && inst.LockRegistryContacts || !inst.PasswordRequired) {
		return ContactsState{}
	}
	st := ContactsState{Locked: true, MaskedEmail: notify.Mask(adult.Email), MaskedMobile: notify.Mask(adult.Mobile),
		ForPassword: !(payer && inst.LockRegistryContacts)}
	st.MissingEmail = adult.Email == "" && (inst.EmailRequired || inst.DeliveryChannel == "email")
	st.MissingPhone = adult.Mobile == "" && (inst.MobileRequired || inst.DeliveryChannel == "sms")
	if adult.Email == "" && adult.Mobile == "" {
		st.MissingEmail, st.MissingPhone = inst.DeliveryChannel != "sms", inst.DeliveryChannel != "email"
	}
	return st
}
