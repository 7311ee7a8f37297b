package handlers

import (
	"strings"
	"unicode"

	"github.com/gin-gonic/gin"
)

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
