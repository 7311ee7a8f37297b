package handlers

import (
	"net/url"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"
)

const redacted = "[redacted]"

// secretParams are the route parameters that are secrets: the recovery
// link's token opens an account for 24 hours.
var secretParams = map[string]bool{"token": true}

// loggedQueryKeys are the query parameters whose values say nothing secret
// or personal; every other value (SAMLRequest, SAMLResponse, RelayState,
// Signature, next, search terms, anything unknown) is logged as [redacted].
var loggedQueryKeys = map[string]bool{"mese": true, "giorno": true, "pagina": true, "uscito": true, "chiave": true, "download": true}

// logPath is the request's path as it may be logged: the route with its
// parameters filled in, secret ones redacted. A path that matched no route
// keeps only the segments that cannot be a token.
func logPath(c *gin.Context) string {
	route := c.FullPath()
	if route == "" {
		return redactUnmatched(c.Request.URL.Path)
	}
	parts := strings.Split(route, "/")
	for i, p := range parts {
		if len(p) < 2 || (p[0] != ':' && p[0] != '*') {
			continue
		}
		name := p[1:]
		switch v := strings.TrimPrefix(c.Param(name), "/"); {
		case secretParams[name]:
			parts[i] = redacted
		case len(v) > 64:
			parts[i] = v[:64] + "…"
		default:
			parts[i] = v
		}
	}
	return strings.Join(parts, "/")
}

// redactUnmatched keeps the short plain segments of a path (words of the
// portal's routes, installation codes, IDs) and redacts the rest: a token
// is 26 characters, a SAML message far more.
func redactUnmatched(path string) string {
	parts := strings.Split(path, "/")
	for i, p := range parts {
		if !plainSegment(p, 19) {
			parts[i] = redacted
		}
	}
	return strings.Join(parts, "/")
}

func plainSegment(s string, max int) bool {
	if len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '-' || b == '_' || b == '.') {
			return false
		}
	}
	return true
}

// logQuery is the query string as it may be logged: the names, and the
// values of loggedQueryKeys only.
func logQuery(raw string) string {
	if raw == "" {
		return ""
	}
	q, _ := url.ParseQuery(raw) // what could be parsed; the rest is not logged
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		for _, v := range q[k] {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			switch {
			case !plainSegment(k, 32):
				b.WriteString(redacted)
				continue
			case loggedQueryKeys[k] && plainSegment(v, 32):
				b.WriteString(k + "=" + v)
			default:
				b.WriteString(k + "=" + redacted)
			}
		}
	}
	return b.String()
}
