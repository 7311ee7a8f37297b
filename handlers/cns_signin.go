package handlers

import (
	"crypto/x509"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/internal/identity/cns"
	"portalegenitori/internal/throttle"
)

// cnsSignIn answers GET and POST /{inst}/cns/entra, the certificate
// endpoint (the POST is the "Sì" or "No" of cns_confirm.go). The GET is a
// GET because the button is a link to another origin (the card listener's
// port): nothing changes on the server but the session, as at any sign-in,
// and the session ID is renewed. The certificate comes from the TLS
// handshake of the card listener, or from the header of a trusted reverse
// proxy; anything else is sent to the card listener or refused.
func (h *Handler) cnsSignIn(c *gin.Context) {
	inst := installation(c)
	if !inst.LoginCNS {
		h.cnsDisabled(c)
		return
	}
	if c.Request.Method == http.MethodPost && c.PostForm("conferma") != "si" {
		// "No" on the confirmation page: nothing to check, nobody signs in
		h.audit(c, db.AuditEvent{InstallationID: inst.ID, Action: "cns_confirm", Outcome: "declined"})
		redirect(c, "/"+inst.Code+"/accesso")
		return
	}
	// refused cards count against the address, like failed passwords: the
	// attempt is counted before the card is checked, and given back if the
	// card is accepted
	ctx := c.Request.Context()
	attempt := h.limits.Reserve(ctx, throttle.CNSRefusal.For(c.ClientIP()))
	if !attempt.Allowed {
		if attempt.Err != nil {
			h.renderError(c, http.StatusServiceUnavailable, attempt.Err)
			return
		}
		h.audit(c, db.AuditEvent{InstallationID: inst.ID, Action: "cns_attempt", Outcome: "throttled"})
		retryAfter(c, attempt)
		h.identityError(c, http.StatusTooManyRequests, "cns.error.throttled.title", "cns.error.throttled.body")
		return
	}
	chain, mode, err := h.cnsPresented(c.Request)
	if mode == "" {
		if h.cfg.CNS.Listener() {
			h.releaseAttempt(ctx, attempt) // nothing was checked
			// reached on the main listener: go where the browser is asked for the card
			h.audit(c, db.AuditEvent{InstallationID: inst.ID, Action: "cns_attempt", Outcome: "redirected",
				Detail: map[string]any{"mode": "none"}})
			redirect(c, h.cfg.CNS.PublicURL+"/"+inst.Code+"/cns/entra")
			return
		}
		err = &cns.Error{Kind: cns.Missing}
		mode = "none"
	}
	var leaf *x509.Certificate
	if len(chain) > 0 {
		leaf = chain[0]
	}
	detail := map[string]any{"mode": mode}
	for k, v := range cns.Describe(leaf) {
		detail[k] = v
	}
	outcome := "presented"
	if err != nil {
		outcome = cns.KindOf(err).String()
	}
	h.audit(c, db.AuditEvent{InstallationID: inst.ID, Action: "cns_attempt", Outcome: outcome, Detail: detail})

	var cf string
	if err == nil {
		cf, err = cns.Authenticate(chain, h.cfg.CNS.Roots, time.Now(), cns.DefaultPolicies)
	}
	if err != nil {
		kind := cns.KindOf(err)
		h.log.Info("cns sign-in refused", "reason", kind.String(), "mode", mode, "err", err)
		h.audit(c, db.AuditEvent{InstallationID: inst.ID, Action: "login", Outcome: "rejected",
			Detail: map[string]any{"method": "cns", "reason": kind.String(), "mode": mode}})
		status := http.StatusForbidden
		if kind == cns.Missing || kind == cns.Unreadable || kind == 0 {
			status = http.StatusBadRequest
		}
		name := kind.String()
		if kind == 0 {
			name = "unreadable"
		}
		h.identityError(c, status, "cns.error."+name+".title", "cns.error."+name+".body")
		return
	}
	h.releaseAttempt(ctx, attempt)
	h.cnsConfirm(c, cf, leaf)
}

// cnsPresented returns the certificate chain the browser presented, and
// how: "listener" (TLS handshake of the card listener), "proxy" (header of a
// trusted proxy), or "" when the request came neither way.
func (h *Handler) cnsPresented(r *http.Request) ([]*x509.Certificate, string, error) {
	if onCNSListener(r) {
		if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
			return nil, "listener", &cns.Error{Kind: cns.Missing}
		}
		return r.TLS.PeerCertificates, "listener", nil
	}
	if h.cfg.CNS.Proxy() && h.cfg.CNS.FromTrustedProxy(r.RemoteAddr) {
		chain, err := cns.ParseHeader(r.Header.Get(h.cfg.CNS.ProxyHeader))
		return chain, "proxy", err
	}
	return nil, "", nil
}
