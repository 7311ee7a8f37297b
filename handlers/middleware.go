package handlers

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/internal/i18n"
)

// Context keys set by the middleware.
const (
	ctxInstallation = "installation"
	ctxAccount      = "account"
	ctxLang         = "lang"
	cookieLang      = "lang"
	cookieFit       = "fit"
	maxFormBytes    = 64 << 10
)

// securityHeaders sets a strict CSP (no inline script or style) and friends.
func (h *Handler) securityHeaders(c *gin.Context) {
	hd := c.Writer.Header()
	hd.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
		"form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "same-origin")
	hd.Set("Cross-Origin-Opener-Policy", "same-origin")
	hd.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
	if h.cfg.CookieSecure {
		hd.Set("Strict-Transport-Security", "max-age=31536000")
	}
	c.Next()
}

// requestContext bounds every request in time, limits form sizes and records
// the client address (gin's ClientIP honours only the trusted proxies).
func (h *Handler) requestContext(c *gin.Context) {
	timeout := h.cfg.RequestTimeout
	if longRequest(c.Request) {
		timeout = longRequestTime // the connection's own deadlines: longDeadlines
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), timeout)
	defer cancel()
	ctx = context.WithValue(ctx, ctxClientIP{}, c.ClientIP())
	c.Request = c.Request.WithContext(ctx)
	if c.Request.Body != nil {
		limit := int64(maxFormBytes)
		if strings.HasSuffix(c.Request.URL.Path, "/operatori/importa") {
			limit = maxImportBytes // a CSV of the registry (staff_import.go)
		} else if dietUploadPath(c.Request) {
			limit = maxDietBody // a medical certificate (diet_upload.go)
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
	}
	c.Set(ctxLang, pickLang(c))
	c.Next()
}

// longRequestTime bounds the requests that may take minutes: a 5 MB
// certificate sent from a phone on a slow line (at 256 kbit/s, almost three
// minutes), a registry CSV, the ZIP of a run's thousands of PDFs.
const longRequestTime = 10 * time.Minute

// longDeadlines lets the connection of a long request (longRequest) run
// past the server's read and write timeouts (cmd/genitori), which stay
// short for everything else; the connection closes at the deadline all the
// same. The handlers call it once the request may go on (signed in, with
// the permission, the run found), so nobody holds a connection for minutes
// by sending a slow body to a page that refuses it.
func (h *Handler) longDeadlines(c *gin.Context) {
	deadline := time.Now().Add(longRequestTime)
	rc := http.NewResponseController(c.Writer)
	if err := errors.Join(rc.SetReadDeadline(deadline), rc.SetWriteDeadline(deadline)); err != nil {
		h.log.Warn("long request: deadlines not extended", "err", err)
	}
}

// longRequest tells the requests longRequestTime is for: their context
// lasts that long (the middleware) and their handlers call longDeadlines.
func longRequest(r *http.Request) bool {
	if r.Method == http.MethodGet {
		return strings.HasSuffix(r.URL.Path, "/attestazioni.zip") && strings.Contains(r.URL.Path, "/operatori/attestazioni/elaborazioni/")
	}
	return dietUploadPath(r) || (r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/operatori/importa"))
}

func pickLang(c *gin.Context) string {
	if ck, err := c.Cookie(cookieLang); err == nil {
		if l := i18n.Normalize(ck); l != "" {
			return l
		}
	}
	return i18n.FromAcceptLanguage(c.GetHeader("Accept-Language"))
}

// logRequests writes one structured line per request: secrets of the path
// and of the query string redacted (request_log.go), no form values, no
// cookies.
func (h *Handler) logRequests(c *gin.Context) {
	start := time.Now()
	c.Next()
	attrs := []any{"method", c.Request.Method, "path", logPath(c)}
	if q := logQuery(c.Request.URL.RawQuery); q != "" {
		attrs = append(attrs, "query", q)
	}
	h.log.Info("request", append(attrs, "status", c.Writer.Status(), "ms", time.Since(start).Milliseconds(), "ip", c.ClientIP())...)
}

// recoverPanics turns a panic into the 500 page; the stack goes to the log only.
func (h *Handler) recoverPanics(c *gin.Context, rec any) {
	h.log.Error("panic", "path", logPath(c), "panic", rec)
	h.renderError(c, http.StatusInternalServerError, nil)
}

// loadInstallation resolves :inst, then the signed-in account of that
// installation, if any. A session of another installation is ignored here:
// tenant isolation means it is simply not signed in.
func (h *Handler) loadInstallation(c *gin.Context) {
	code := c.Param("inst")
	if !validInstallationCode(code) {
		h.renderError(c, http.StatusNotFound, nil)
		return
	}
	inst, err := h.installationByCode(c.Request.Context(), code)
	if errors.Is(err, db.ErrNotFound) {
		h.renderError(c, http.StatusNotFound, nil)
		return
	}
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	c.Set(ctxInstallation, inst)

	// a session that could not be read (database down) is an error, not a
	// signed-out visitor: never bounce a signed-in user to the login page
	// the account read with the session (session_account.go), and the
	// page's data versions when it has an ETag (page_etag.go)
	slot := withSessionAccount(c.Request, h.versionsWithSession(c))
	if _, err := h.sessions.Get(c.Request, CookieName(h.cfg.CookieSecure)); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	sess := sessions.Default(c)
	accID, _ := sess.Get(keyAccount).(int64)
	instID, _ := sess.Get(keyInstallation).(int64)
	if accID != 0 && instID == inst.ID {
		acc, err := slot.account(inst.ID, accID), error(nil)
		if acc == nil {
			acc, err = h.store.AccountByID(c.Request.Context(), inst.ID, accID)
		}
		switch {
		case err == nil && !acc.LockedAt.Valid && acc.IsStaff() && sess.Get(keySecondFactor) != true:
			c.Set(ctxPendingStaff, acc) // password given, code not yet: not signed in (staff_code.go)
		case err == nil && !acc.LockedAt.Valid:
			c.Set(ctxAccount, acc)
			if l := i18n.Normalize(acc.Lang); l != "" && acc.LangChosen {
				c.Set(ctxLang, l) // the language the holder chose wins over the browser's
			}
		case err == nil || errors.Is(err, db.ErrNotFound):
			// locked or deleted meanwhile: not signed in any more
		default:
			h.renderError(c, http.StatusInternalServerError, err)
			return
		}
	}
	c.Next()
}

// validInstallationCode is the database's CHECK on installations.code: any
// other path segment is a 404 before it reaches a query (a byte that is not
// UTF-8 would be a database error).
func validInstallationCode(s string) bool {
	if len(s) < 2 || len(s) > 40 || s[0] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if b := s[i]; !(b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '-') {
			return false
		}
	}
	return true
}

// requireAccount sends anonymous visitors to the login page, and accounts
// that must change their password to the change page, whatever they asked.
func (h *Handler) requireAccount(c *gin.Context) {
	inst := installation(c)
	acc := currentAccount(c)
	if acc == nil {
		target := "/" + inst.Code + "/accesso"
		if _, pending := c.Get(ctxPendingStaff); pending {
			target = "/" + inst.Code + "/operatori/codice"
		}
		if c.Request.Method == http.MethodGet {
			target += "?next=" + c.Request.URL.Path
		}
		redirect(c, target)
		return
	}
	if acc.MustChangePassword && !provenIdentity(c) && !strings.HasSuffix(c.Request.URL.Path, "/cambio-password") {
		redirect(c, "/"+inst.Code+"/cambio-password")
		return
	}
	c.Next()
}

// requireStaff refuses parents.
func (h *Handler) requireStaff(c *gin.Context) {
	if acc := currentAccount(c); acc == nil || !acc.IsStaff() {
		h.renderError(c, http.StatusForbidden, nil)
		return
	}
	c.Next()
}

// audit records an event; a failure to write it is logged, never shown.
func (h *Handler) audit(c *gin.Context, e db.AuditEvent) {
	if e.IP == "" {
		e.IP = c.ClientIP()
	}
	if err := h.store.Audit(context.WithoutCancel(c.Request.Context()), e); err != nil {
		h.log.Error("audit", "action", e.Action, "err", err)
	}
}
