package handlers

import (
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/internal/certificate"
	"portalegenitori/internal/throttle"
)

// verifyAddress bounds the codes one address can look up: 60 an hour is
// plenty for an office checking certificates and useless for guessing 50
// random bits. (Local to this page rather than in throttle.Policies, whose
// table docs/throttling.md lists; the lead may move it there.)
var verifyAddress = throttle.Policy{Name: "verify:ip", Key: throttle.Address, Limit: 60, Window: time.Hour, Lockout: time.Hour}

// allowVerify counts one lookup of the client's address.
func (h *Handler) allowVerify(c *gin.Context) bool {
	return h.limits.Reserve(c.Request.Context(), verifyAddress.For(installation(c).ID, c.ClientIP())).Allowed
}

// CertificateVerifyView is the public check of a verification code: it
// shows what the certificate states, with the payer's name only by
// initials, and whether a newer version replaced it.
type CertificateVerifyView struct {
	Base
	Code     string
	Searched bool
	Found    bool
	Latest   bool
	Doc      certificate.Document
	Initials string
	Error    string
}

func (h *Handler) certificateVerify(c *gin.Context) {
	inst := installation(c)
	v := CertificateVerifyView{Base: h.base(c)}
	typed := c.Param("code")
	if typed == "" {
		typed = queryText(c, "codice")
	}
	if typed != "" {
		v.Searched, v.Code = true, typed
		code := certificate.NormalizeCode(typed)
		if code == "" {
			v.Error = v.T("certificate.verify.format")
			h.render(c, http.StatusOK, "certificate_verify", v)
			return
		}
		if !h.allowVerify(c) {
			v.Error = v.T("certificate.verify.throttled")
			h.render(c, http.StatusTooManyRequests, "certificate_verify", v)
			return
		}
		cert, err := h.store.CertificateByCode(c.Request.Context(), inst.ID, code)
		switch {
		case errors.Is(err, db.ErrNotFound):
		case err != nil:
			h.renderError(c, http.StatusInternalServerError, err)
			return
		default:
			if v.Doc, err = cert.Document(); err != nil {
				h.renderError(c, http.StatusInternalServerError, err)
				return
			}
			v.Found, v.Latest, v.Initials = true, cert.Latest, initials(v.Doc.Payer.Name)
		}
	}
	status := http.StatusOK
	if v.Searched && !v.Found && v.Error == "" {
		status = http.StatusNotFound
	}
	h.render(c, status, "certificate_verify", v)
}

// initials: "Mario Rossi" → "M. R.".
func initials(name string) string {
	out := ""
	start := true
	for _, r := range name {
		if r == ' ' {
			start = true
			continue
		}
		if start {
			if out != "" {
				out += " "
			}
			out += string(r) + "."
			start = false
		}
	}
	return out
}
