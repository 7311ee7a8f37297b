package handlers

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
)

// ProfileView is "Il mio profilo": who the account is, how it signs in,
// the contacts the portal uses, language and display preferences.
type ProfileView struct {
	Base
	Methods     []db.MethodUse
	ProvenCF    string // the codice fiscale SPID/CIE/CNS sign-ins prove
	Parent      bool
	Linked      bool // contacts are the registry adult's
	Email       string
	Mobile      string
	Locked      bool // the Comune locks the paying adult's contacts to the registry
	PendingSMS  *db.ContactChange
	Closure     *db.ClosureRequest
	Errors      map[string]string
	Values      map[string]string
	LangChoices []string
}

func (h *Handler) profileView(c *gin.Context) (ProfileView, error) {
	inst := installation(c)
	acc := currentAccount(c)
	ctx := c.Request.Context()
	v := ProfileView{Base: h.base(c), Parent: !acc.IsStaff(), Errors: map[string]string{}, Values: map[string]string{},
		LangChoices: []string{"it", "en"}}
	v.Nav = "profile"
	v.HideFitForm = true // the page has its own
	if acc.LinkedFiscalCode.Valid {
		v.ProvenCF = acc.LinkedFiscalCode.String
	} else if acc.StaffFiscalCode.Valid {
		v.ProvenCF = acc.StaffFiscalCode.String
	}
	var err error
	if v.Methods, err = h.store.SignInMethods(ctx, inst.ID, acc.ID); err != nil {
		return v, err
	}
	if !v.Parent {
		return v, nil
	}
	v.Email, v.Mobile = acc.Email, acc.Mobile
	if acc.AdultID.Valid {
		adult, payer, err := h.store.AdultWithPayer(ctx, inst.ID, acc.AdultID.Int64)
		if err != nil {
			return v, err
		}
		v.Linked = true
		v.Email, v.Mobile = adult.Email, adult.Mobile
		v.Locked = payer && inst.LockRegistryContacts
	}
	if v.PendingSMS, err = h.store.OpenSMSChange(ctx, inst.ID, acc.ID); errors.Is(err, db.ErrNotFound) {
		v.PendingSMS, err = nil, nil
	}
	if err != nil {
		return v, err
	}
	if v.Closure, err = h.store.OpenClosure(ctx, inst.ID, acc.ID); errors.Is(err, db.ErrNotFound) {
		v.Closure, err = nil, nil
	}
	return v, err
}

func (h *Handler) profileShow(c *gin.Context) {
	v, err := h.profileView(c)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	h.render(c, http.StatusOK, "profile", v)
}

// MethodName names a sign-in method of the audit log.
func (v ProfileView) MethodName(m string) string {
	switch m {
	case "password", "spid", "cie", "cns", "cst", "recovery_link":
		return v.T("profile.method." + m)
	}
	return m
}
