// Package contact checks the e-mail addresses and mobile numbers people type.
package contact

import (
	"net/mail"
	"strings"
)

// ValidEmail accepts a bare address (no display name, no angle brackets) of
// at most 254 bytes, the longest a mail server takes.
func ValidEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && len(s) <= 254
}

// NormalizeMobile removes the spaces people type inside a number.
func NormalizeMobile(s string) string { return strings.ReplaceAll(strings.TrimSpace(s), " ", "") }

// ValidMobile accepts 8 to 15 digits with an optional leading "+" (E.164's
// length, Italian numbers with or without +39).
func ValidMobile(m string) bool {
	m = strings.TrimPrefix(m, "+")
	if len(m) < 8 || len(m) > 15 {
		return false
	}
	for _, r := range m {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
