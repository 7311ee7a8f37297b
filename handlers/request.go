package handlers

import (
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/angelofallars/htmx-go"
	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/internal/calendar"
	"portalegenitori/internal/text"
)

// Reading the request and what the middleware put in its context.

func installation(c *gin.Context) *db.Installation {
	return c.MustGet(ctxInstallation).(*db.Installation)
}

func currentAccount(c *gin.Context) *db.Account {
	if acc, ok := c.Get(ctxAccount); ok {
		return acc.(*db.Account)
	}
	return nil
}

func langOf(c *gin.Context) string {
	if l, ok := c.Get(ctxLang); ok {
		return l.(string)
	}
	return "it"
}

// clientIP is set by the middleware from gin's ClientIP, which honours only
// the configured trusted proxies.
func clientIP(r *http.Request) string {
	if ip, ok := r.Context().Value(ctxClientIP{}).(string); ok {
		return ip
	}
	return r.RemoteAddr
}

type ctxClientIP struct{}

// wantsFragment follows docs/architecture.md#rendering: a fragment only for a plain htmx request.
func wantsFragment(r *http.Request) bool {
	return htmx.IsHTMX(r) && !htmx.IsBoosted(r) && !htmx.IsHistoryRestoreRequest(r)
}

// idParam parses a positive numeric ID from the path; anything else is a
// page that does not exist.
func idParam(c *gin.Context, name string) (int64, bool) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	return id, err == nil && id > 0
}

// pathID is idParam for a handler: it answers 404 itself when the ID is
// not a positive number.
func (h *Handler) pathID(c *gin.Context, name string) (int64, bool) {
	id, ok := idParam(c, name)
	if !ok {
		h.renderError(c, http.StatusNotFound, nil)
	}
	return id, ok
}

// optionalIDParam is idParam for the save routes, which come with and
// without the ID: absent is 0 (create), present must be valid (edit).
func optionalIDParam(c *gin.Context, name string) (int64, bool) {
	if c.Param(name) == "" {
		return 0, true
	}
	return idParam(c, name)
}

// formID parses a positive ID from a form field.
func formID(c *gin.Context, name string) int64 {
	id, err := strconv.ParseInt(strings.TrimSpace(c.PostForm(name)), 10, 64)
	if err != nil || id < 0 {
		return 0
	}
	return id
}

// parseDay reads a civil date "2006-01-02" (also "02/01/2006").
func parseDay(s string) (time.Time, bool) { return calendar.ParseDate(s) }

// formText returns the first value of a form field as clean text: valid
// UTF-8, trimmed, with control characters (NUL above all, which PostgreSQL
// refuses) removed. Passwords are read raw, never through this.
func formText(c *gin.Context, name string) string {
	return cleanText(c.PostForm(name))
}

// queryText is formText for a query-string parameter.
func queryText(c *gin.Context, name string) string {
	return cleanText(c.Query(name))
}

// cleanText makes user input safe to store and to query with.
func cleanText(v string) string {
	v = strings.ToValidUTF8(v, "\uFFFD")
	v = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) && r != '\n' && r != '\t' {
			return -1
		}
		return r
	}, v)
	return strings.TrimSpace(v)
}

// truncate cuts s to at most n bytes without splitting a character.
func truncate(s string, n int) string { return text.Truncate(s, n) }
