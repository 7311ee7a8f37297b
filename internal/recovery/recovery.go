// Package recovery holds the rules of "Problemi con l'accesso": which
// lookup keys exist, how a typed value is normalised and refused, what the
// audit log keeps of it, the decoy question shown for a value that matches
// no profile, and (Service) the decisions of both steps: the rate limits,
// the lookup, the question, the answer with its fixed argon2id work and
// whether a recovery can go out. It takes plain values and a Store; the
// caller renders the Result.
package recovery

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strings"
	"unicode/utf8"

	"portalegenitori/internal/codicefiscale"
	"portalegenitori/internal/notify"
	"portalegenitori/internal/registration"
	"portalegenitori/internal/text"
)

// Lookup keys, as chosen in the form's menu.
const (
	ByFiscalCode = "codice_fiscale"
	ByUsername   = "username"
	ByEmail      = "email"
)

// ValidKey tells whether k is one of the lookup keys.
func ValidKey(k string) bool {
	return k == ByFiscalCode || k == ByUsername || k == ByEmail
}

// NormalizeValue returns the value as it is looked up, or a message
// key when it cannot be a value of that kind.
func NormalizeValue(key, value string) (string, string) {
	if value == "" {
		return "", "recovery.error.value_required." + key
	}
	if utf8.RuneCountInString(value) > 254 {
		return "", "recovery.error.value_long"
	}
	switch key {
	case ByFiscalCode:
		cf := codicefiscale.Normalize(strings.Join(strings.Fields(value), "")) // "RSSMRA82 D12..." as printed on cards
		if len(cf) != 16 {
			return "", "recovery.error.cf_length"
		}
		return cf, ""
	case ByEmail:
		if !strings.Contains(value, "@") || strings.ContainsAny(value, " \t") {
			return "", "recovery.error.email"
		}
		return strings.ToLower(value), ""
	default:
		return strings.ToLower(value), ""
	}
}

// AuditActor is what the audit log keeps of the typed value: a username as
// typed (as for sign-in), a masked e-mail, the first six letters of a CF.
func AuditActor(key, value string) string {
	switch key {
	case ByEmail:
		return text.Truncate(notify.Mask(value), 64)
	case ByFiscalCode:
		if len(value) > 6 {
			return value[:6] + "…"
		}
		return value
	}
	return text.Truncate(value, 64)
}

// DecoyQuestion is the proposed question shown for a value that matches no
// profile: stable for the value, unpredictable without the server key.
func DecoyQuestion(serverKey string, instID int64, key, value string) string {
	m := hmac.New(sha256.New, []byte(serverKey))
	fmt.Fprintf(m, "recovery-decoy|%d|%s|%s", instID, key, value)
	sum := m.Sum(nil)
	return registration.SecurityQuestions[binary.BigEndian.Uint32(sum[:4])%uint32(len(registration.SecurityQuestions))]
}
