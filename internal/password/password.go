// Package password hashes secrets with argon2id and checks new passwords
// against the installation's policy: length bounds and a blocklist of common
// passwords, no composition rules (NIST SP 800-63B, OWASP).
package password

import (
	"bufio"
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id parameters. Default follows OWASP's recommendation
// (19 MiB, 2 iterations, 1 lane).
type Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
	KeyLen  uint32
	SaltLen uint32
}

// Default is used for every new hash.
var Default = Params{Memory: 19 * 1024, Time: 2, Threads: 1, KeyLen: 32, SaltLen: 16}

// slots bounds the argon2id computations running at once to half the CPUs
// (at least one). Each takes Default.Memory (19 MiB), still in use when the
// collector sets its next target, so every one in flight adds about twice
// that to the peak; and a morning rush of sign-ins keeps the other half of
// the CPUs for the pages and PostgreSQL (docs/deployment.md, Memory).
var slots = make(chan struct{}, max(1, runtime.NumCPU()/2))

func idKey(secret, salt []byte, p Params, keyLen uint32) []byte {
	slots <- struct{}{}
	defer func() { <-slots }()
	return argon2.IDKey(secret, salt, p.Time, p.Memory, p.Threads, keyLen)
}

// ErrMalformed means a stored hash could not be parsed.
var ErrMalformed = errors.New("malformed password hash")

// Hash returns a PHC-format argon2id hash of secret.
func Hash(secret string) (string, error) {
	p := Default
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("salt: %w", err)
	}
	key := idKey([]byte(secret), salt, p, p.KeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// Verify reports whether secret matches the PHC hash, in constant time.
func Verify(secret, encoded string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, ErrMalformed
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, ErrMalformed
	}
	var p Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return false, ErrMalformed
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return false, ErrMalformed
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false, ErrMalformed
	}
	computations.Add(1)
	got := idKey([]byte(secret), salt, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// computations counts the argon2id computations of Verify, so tests can
// check that every path of a check does the same expensive work.
var computations atomic.Int64

// Computations is the number of argon2id verifications made so far.
func Computations() int64 { return computations.Load() }

var dummyHash = sync.OnceValue(func() string {
	h, err := Hash("portale-genitori-dummy-password")
	if err != nil {
		panic(err)
	}
	return h
})

// VerifyDummy spends the same time as Verify, for unknown usernames, so the
// response time does not tell whether an account exists.
func VerifyDummy(secret string) {
	_, _ = Verify(secret, dummyHash())
}

// VerifySignIn checks secret against an account's permanent and temporary
// hashes with exactly two argon2id computations, whatever is stored: an
// empty or unreadable hash (no account, no temporary password pending) is
// replaced by the dummy, so the time tells nothing about the account.
// Hashes made with heavier parameters than Default cost more; every hash
// of the portal is made with Default.
func VerifySignIn(secret, permanent, temporary string) (permanentOK, temporaryOK bool) {
	check := func(hash string) bool {
		if hash != "" {
			ok, err := Verify(secret, hash)
			if err == nil {
				return ok
			}
		}
		VerifyDummy(secret)
		return false
	}
	permanentOK = check(permanent)
	temporaryOK = check(temporary)
	return permanentOK, temporaryOK
}

// Problem is a reason a new password is refused; Key is a message key of
// the i18n catalogue, Arg its number argument.
type Problem struct {
	Key string
	Arg int
}

// Policy is an installation's password rule.
type Policy struct {
	Min, Max int
}

// Check returns the problems of a new password, nil when it is acceptable.
func (p Policy) Check(pw, confirm, username string) []Problem {
	var out []Problem
	n := utf8.RuneCountInString(pw)
	switch {
	case pw == "":
		out = append(out, Problem{Key: "password.required"})
	case !utf8.ValidString(pw):
		out = append(out, Problem{Key: "password.invalid_chars"})
	case n < p.Min:
		out = append(out, Problem{Key: "password.too_short", Arg: p.Min})
	case n > p.Max:
		out = append(out, Problem{Key: "password.too_long", Arg: p.Max})
	case IsCommon(pw):
		out = append(out, Problem{Key: "password.common"})
	case username != "" && strings.Contains(strings.ToLower(pw), strings.ToLower(username)):
		out = append(out, Problem{Key: "password.contains_username"})
	}
	if pw != "" && confirm != pw {
		out = append(out, Problem{Key: "password.mismatch"})
	}
	return out
}

//go:embed common.txt
var commonList string

var common = sync.OnceValue(func() map[string]struct{} {
	m := make(map[string]struct{}, 2048)
	sc := bufio.NewScanner(strings.NewReader(commonList))
	for sc.Scan() {
		w := strings.TrimSpace(sc.Text())
		if w != "" && !strings.HasPrefix(w, "#") {
			m[strings.ToLower(w)] = struct{}{}
		}
	}
	return m
})

// IsCommon reports whether pw (case-insensitively) is on the blocklist, or
// is one character repeated.
func IsCommon(pw string) bool {
	lower := strings.ToLower(pw)
	if _, ok := common()[lower]; ok {
		return true
	}
	first, _ := utf8.DecodeRuneInString(lower)
	return strings.Trim(lower, string(first)) == ""
}

// Random returns a random password of n characters from an alphabet without
// look-alike characters, for generated temporary passwords.
func Random(n int) string {
	const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	out := make([]byte, 0, n)
	buf := make([]byte, 1)
	for len(out) < n {
		if _, err := rand.Read(buf); err != nil {
			panic(err)
		}
		// reject values that would bias the modulo
		if int(buf[0]) >= 256-256%len(alphabet) {
			continue
		}
		out = append(out, alphabet[int(buf[0])%len(alphabet)])
	}
	return string(out)
}
