package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
)

// LoginMethod is a link to another way to sign in or to register.
type LoginMethod struct {
	Href, Label, Class string
	External           bool
}

// LoginView is the login page.
type LoginView struct {
	Base
	Username  string
	Next      string
	FormError string
	Errors    map[string]string
	Methods   []LoginMethod
	// FitShown is how «Controllo dimensioni» was when the form was first
	// shown: signing in changes the account's setting only when the
	// person changed the box.
	FitShown bool
}

func (h *Handler) loginShow(c *gin.Context) {
	inst := installation(c)
	if acc := currentAccount(c); acc != nil {
		redirect(c, homeOf(inst, acc))
		return
	}
	v := h.loginView(c)
	switch {
	case c.Query("uscito") == "1":
		v.Flash = v.T("login.logged_out")
	}
	h.render(c, http.StatusOK, "login", v)
}

func (h *Handler) loginView(c *gin.Context) LoginView {
	inst := installation(c)
	v := LoginView{Base: h.base(c), Next: c.Query("next"), Errors: map[string]string{}}
	v.FitShown = v.FitTables
	v.HideFitForm = true
	v.Methods = methodsFor(inst, v.Base)
	if u := h.cstSAMLURL(c, inst); u != "" { // CST over SAML (saml_routes.go)
		cp := *inst
		cp.CSTLoginURL = u
		v.Inst = &cp
	}
	return v
}

// methodsFor lists the links of the login page that the installation enables,
// in the seed's order.
func methodsFor(inst *db.Installation, b Base) []LoginMethod {
	p := "/" + inst.Code + "/"
	var out []LoginMethod
	if inst.CSTMode {
		if inst.CSTRegistrationURL != "" {
			out = append(out, LoginMethod{Href: inst.CSTRegistrationURL, Label: b.T("login.cst.register"), Class: "btn-secondary", External: true})
		}
	} else {
		if inst.SelfRegistration {
			out = append(out, LoginMethod{Href: p + "registrazione", Label: b.T("login.register"), Class: "btn-secondary"})
		}
		if inst.LoginLocal {
			out = append(out, LoginMethod{Href: p + "recupero-accesso", Label: b.T("login.problems"), Class: "btn-secondary"})
		}
	}
	if inst.LoginSPID {
		out = append(out, LoginMethod{Href: p + "spid", Label: b.T("login.spid"), Class: "btn-spid"})
	}
	if inst.LoginCIE {
		out = append(out, LoginMethod{Href: p + "cie", Label: b.T("login.cie"), Class: "btn-spid"})
	}
	if inst.LoginCNS {
		out = append(out, LoginMethod{Href: p + "cns", Label: b.T("login.cns"), Class: "btn-spid"})
	}
	return out
}
