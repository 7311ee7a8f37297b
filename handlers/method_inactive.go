package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
)

// loginMethod is a sign-in or account route whose feature is not built yet.
type loginMethod struct {
	slug, labelKey string
	enabled        func(*db.Installation) bool
}

// (none left: "recupero-accesso" is recovery.go)
var loginMethods = []loginMethod{}

// InactiveView says a method is not active (yet, or for this Comune).
type InactiveView struct {
	Base
	Title, Body string
}

// methodInactive answers the routes of methods whose issues have not landed:
// no dead links, a clear page instead.
func (h *Handler) methodInactive(m loginMethod) gin.HandlerFunc {
	return func(c *gin.Context) {
		inst := installation(c)
		v := InactiveView{Base: h.base(c)}
		label := v.T(m.labelKey)
		status := http.StatusOK
		if m.enabled(inst) {
			v.Title, v.Body = v.T("inactive.title", label), v.T("inactive.body")
		} else {
			status = http.StatusNotFound
			v.Title, v.Body = label, v.T("inactive.disabled", label)
		}
		h.render(c, status, "inactive", v)
	}
}
