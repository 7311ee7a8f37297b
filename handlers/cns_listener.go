package handlers

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

type cnsListenerKey struct{}

// onCNSListener tells whether r arrived on the dedicated card listener.
func onCNSListener(r *http.Request) bool {
	v, _ := r.Context().Value(cnsListenerKey{}).(bool)
	return v
}

// CNSServer builds the dedicated TLS listener of the CNS/CRS sign-in
// (GENITORI_CNS_ADDR): the same routes as the main listener, over TLS, with
// a handshake that asks the browser for a client certificate and names the
// configured CAs, so the browser offers only the card's certificate.
//
// ClientAuth is tls.RequestClientCert, not VerifyClientCertIfGiven: the
// handshake still proves that the browser holds the card's private key
// (CertificateVerify), but an expired or untrusted certificate reaches the
// portal, which checks it (package cns) and shows a precise page instead of
// the browser's bare "bad certificate" error. The chain is never used
// unchecked: cnsSignIn verifies it against the same CA folder.
//
// Pass the handler returned by Routes; serve with srv.ServeTLS(ln, "", "")
// or Serve(tls.NewListener(ln, srv.TLSConfig)).
func (h *Handler) CNSServer(routes http.Handler) (*http.Server, error) {
	n := h.cfg.CNS
	if !n.Listener() {
		return nil, errors.New("GENITORI_CNS_ADDR is not set")
	}
	cert, err := tls.LoadX509KeyPair(n.TLSCert, n.TLSKey)
	if err != nil {
		return nil, fmt.Errorf("card listener certificate: %w", err)
	}
	cfg := &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{cert},
		ClientAuth:   tls.RequestClientCert,
		ClientCAs:    n.Roots,
	}
	return &http.Server{
		Addr:              n.Addr,
		Handler:           h.cnsListenerHandler(routes),
		TLSConfig:         cfg,
		ReadHeaderTimeout: 30 * time.Second, // the PIN is typed during the handshake
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    32 << 10,
	}, nil
}

// cnsListenerHandler marks requests as arrived on the card listener and
// sends the browser back to the main origin (GENITORI_BASE_URL) with every
// redirect, so that after signing in the parent is no longer on the port
// that asks for the card. When the main origin is plain http (make run), it
// drops HSTS, which would otherwise apply to the whole host name.
func (h *Handler) cnsListenerHandler(routes http.Handler) http.Handler {
	base := h.cfg.BaseURL
	plain := strings.HasPrefix(base, "http://")
	if u, err := url.Parse(base); err == nil && h.cfg.CNS.PublicURL != "" {
		if p, err := url.Parse(h.cfg.CNS.PublicURL); err == nil && p.Host == u.Host && p.Scheme == u.Scheme {
			base = "" // same origin: nothing to rewrite
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = r.WithContext(context.WithValue(r.Context(), cnsListenerKey{}, true))
		routes.ServeHTTP(&cnsResponseWriter{ResponseWriter: w, base: base, dropHSTS: plain}, r)
	})
}

// cnsResponseWriter rewrites local redirects to the main origin.
type cnsResponseWriter struct {
	http.ResponseWriter
	base     string
	dropHSTS bool
	wrote    bool
}

func (w *cnsResponseWriter) WriteHeader(code int) {
	if !w.wrote {
		w.wrote = true
		hd := w.Header()
		if w.dropHSTS {
			hd.Del("Strict-Transport-Security")
		}
		if w.base != "" {
			for _, k := range []string{"Location", "HX-Redirect"} {
				if loc := hd.Get(k); strings.HasPrefix(loc, "/") && !strings.HasPrefix(loc, "//") {
					hd.Set(k, w.base+loc)
				}
			}
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *cnsResponseWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *cnsResponseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// cnsStripHeader removes the certificate header from every request that did
// not come from a configured proxy (and from every request of the card
// listener, which browsers reach directly), so nothing downstream can be
// fooled by a forged one.
func (h *Handler) cnsStripHeader(c *gin.Context) {
	n := h.cfg.CNS
	if n.Proxy() && c.Request.Header.Get(n.ProxyHeader) != "" &&
		(onCNSListener(c.Request) || !n.FromTrustedProxy(c.Request.RemoteAddr)) {
		c.Request.Header.Del(n.ProxyHeader)
		h.log.Warn("cns: certificate header from an untrusted source removed", "ip", c.Request.RemoteAddr)
	}
	c.Next()
}
