// Package text holds the small string rules every layer shares.
package text

import "unicode/utf8"

// Truncate cuts s to at most n bytes without splitting a character (the
// database columns and log fields count bytes).
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
