package secondfactor

import (
	"crypto/rand"
	"strings"
)

// RecoveryCodes is how many one-time recovery codes an account gets: each
// signs in once in place of the authenticator app (a lost or flat phone).
const RecoveryCodes = 10

// recoveryAlphabet is Crockford's base32 in lower case: no i, l, o or u,
// so a code read aloud or copied by hand survives.
const recoveryAlphabet = "0123456789abcdefghjkmnpqrstvwxyz"

// recoveryLen characters of 5 bits: 50 bits per code.
const recoveryLen = 10

// NewRecoveryCodes returns RecoveryCodes fresh codes, formatted "xxxxx-xxxxx".
// They are shown once and stored only as argon2id hashes of their
// normalised form.
func NewRecoveryCodes() []string {
	codes := make([]string, 0, RecoveryCodes)
	seen := map[string]bool{}
	for len(codes) < RecoveryCodes {
		b := make([]byte, recoveryLen)
		if _, err := rand.Read(b); err != nil {
			panic(err) // crypto/rand never fails on supported platforms
		}
		for j := range b {
			b[j] = recoveryAlphabet[b[j]&31]
		}
		if seen[RecoverySelector(string(b))] {
			continue // each code of a set has its own selector
		}
		seen[RecoverySelector(string(b))] = true
		codes = append(codes, string(b[:5])+"-"+string(b[5:]))
	}
	return codes
}

// RecoverySelector is the part of a normalised code stored in clear to find
// the one hash to check (10 of its 50 bits): a sign-in costs one argon2id
// computation, not one per code.
func RecoverySelector(normalized string) string {
	if len(normalized) < 2 {
		return normalized
	}
	return normalized[:2]
}

// NormalizeRecoveryCode returns the canonical form of a typed recovery code
// (case, spaces and dashes ignored; o read as 0, i and l as 1, as Crockford
// base32 does) and whether it has the shape of one.
func NormalizeRecoveryCode(s string) (string, bool) {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch r {
		case ' ', '-', '\t':
			continue
		case 'o':
			r = '0'
		case 'i', 'l':
			r = '1'
		}
		if r > 127 || !strings.ContainsRune(recoveryAlphabet, r) {
			return "", false
		}
		b.WriteRune(r)
	}
	if b.Len() != recoveryLen {
		return "", false
	}
	return b.String(), true
}
