package handlers

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"net/http"

	"github.com/gin-gonic/gin"
)

// A SAML sign-in is bound to the browser that started it: samlStart sets a
// cookie named after the AuthnRequest and holding a hash of its ID, and the
// ACS accepts an answer only from a browser that sends it back (no login
// CSRF: a response the attacker got for their own identity, posted from the
// victim's browser, is refused). One cookie per request, so sign-ins started
// in two tabs both complete. SameSite=None because the IdP's POST to the ACS
// is cross-site; __Host- so that no other host can set it.

// samlBindingCookie returns the cookie's name and value for a request ID.
func (h *Handler) samlBindingCookie(requestID string) (name, value string) {
	sum := sha256.Sum256([]byte("saml-browser\x00" + requestID))
	name = "saml-" + hex.EncodeToString(sum[:6])
	if h.cfg.CookieSecure {
		name = "__Host-" + name
	}
	return name, base64.RawURLEncoding.EncodeToString(sum[:])
}

func (h *Handler) setSAMLBinding(c *gin.Context, requestID string, maxAge int) {
	name, value := h.samlBindingCookie(requestID)
	ck := &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true,
		Secure: h.cfg.CookieSecure, SameSite: http.SameSiteNoneMode}
	if !h.cfg.CookieSecure {
		// browsers drop SameSite=None without Secure; plain http is for
		// development only, where the test IdP posts from the same site
		ck.SameSite = http.SameSiteLaxMode
	}
	if maxAge < 0 {
		ck.Value = ""
	}
	http.SetCookie(c.Writer, ck)
}

// samlBoundHere tells whether this browser started the request.
func (h *Handler) samlBoundHere(c *gin.Context, requestID string) bool {
	name, want := h.samlBindingCookie(requestID)
	got, err := c.Cookie(name)
	return err == nil && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}
