// Package secondfactor is the staff's second sign-in factor: time-based
// one-time codes (TOTP, RFC 6238: 30-second steps, 6 digits, SHA-1, which is
// what every authenticator app expects), and the sealing of their secrets at
// rest. It speaks neither HTTP nor SQL.
package secondfactor

import (
	"bytes"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"image/png"
	"portalegenitori/internal/seal"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// Period is the length of one step.
const Period = 30

// Skew is how many steps before and after now a code is still accepted
// (clocks of phones drift; a code typed at the end of its step arrives in
// the next one).
const Skew = 1

// Key seals the TOTP secrets (internal/seal). The zero Key seals nothing:
// secrets are kept as "v0:<base32>" (development; see docs/configuration.md).
type Key struct {
	box seal.Box
}

// NewKey derives the AES key from a configured string of at least 32
// characters. An empty string gives the zero Key.
func NewKey(s string) (Key, error) {
	if s != "" && len(s) < 32 {
		return Key{}, errors.New("second-factor key shorter than 32 characters")
	}
	box, err := seal.New("portalegenitori totp v1", s)
	return Key{box: box}, err
}

// Sealing tells whether secrets are encrypted.
func (k Key) Sealing() bool { return k.box.Sealing() }

// Seal stores a base32 secret for one account; bound is the account's
// identity ("installation:account"), so a sealed secret copied onto another
// account does not open.
func (k Key) Seal(secret, bound string) (string, error) { return k.box.Seal(secret, bound) }

// ErrSealed means a secret is sealed but no key (or another key) is set.
var ErrSealed = seal.ErrSealed

// Open returns the base32 secret; reseal reports that it was stored in
// clear and should be sealed again now that a key is configured.
func (k Key) Open(stored, bound string) (secret string, reseal bool, err error) {
	return k.box.Open(stored, bound)
}

// Enrolment is what the enrolment page shows, once.
type Enrolment struct {
	Secret  string // base32, for manual entry
	URI     string // otpauth://totp/...
	PNGData string // data:image/png;base64,... (QR code of URI)
}

// Generate makes a new secret for account (the label shown in the app)
// at issuer (the Comune).
func Generate(issuer, account string) (Enrolment, error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: account, Period: Period, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return Enrolment{}, err
	}
	return Describe(key.Secret(), issuer, account)
}

// Describe rebuilds the enrolment data of an existing secret.
func Describe(secret, issuer, account string) (Enrolment, error) {
	key, err := otp.NewKeyFromURL(fmt.Sprintf("otpauth://totp/%s:%s?secret=%s&issuer=%s&period=%d&digits=6&algorithm=SHA1",
		pathEscape(issuer), pathEscape(account), secret, queryEscape(issuer), Period))
	if err != nil {
		return Enrolment{}, err
	}
	img, err := key.Image(240, 240)
	if err != nil {
		return Enrolment{}, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return Enrolment{}, err
	}
	return Enrolment{Secret: secret, URI: key.URL(), PNGData: "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())}, nil
}

// GroupedSecret writes the secret in groups of four, easier to type.
func GroupedSecret(secret string) string {
	var b strings.Builder
	for i, r := range secret {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Check tells whether code is valid for secret at now, within Skew steps,
// and in a step later than lastStep (each code works once). It returns the
// step that matched, to be stored as the new lastStep.
func Check(secret, code string, now time.Time, lastStep int64) (step int64, ok bool) {
	code = strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, code)
	if len(code) != 6 {
		return 0, false
	}
	cur := now.Unix() / Period
	for d := int64(-Skew); d <= Skew; d++ {
		s := cur + d
		if s <= lastStep {
			continue
		}
		want, err := totp.GenerateCodeCustom(secret, time.Unix(s*Period, 0), totp.ValidateOpts{Period: Period, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return s, true
		}
	}
	return 0, false
}

func pathEscape(s string) string {
	return strings.NewReplacer("%", "%25", " ", "%20", ":", "%3A", "/", "%2F", "?", "%3F", "#", "%23", "&", "%26").Replace(s)
}

func queryEscape(s string) string {
	return strings.NewReplacer("%", "%25", " ", "%20", "&", "%26", "#", "%23", "+", "%2B", "=", "%3D").Replace(s)
}
