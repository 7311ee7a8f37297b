// Package seal keeps a secret at rest in the database: AES-256-GCM under a
// key derived from a configured setting (GENITORI_TOTP_KEY,
// GENITORI_SECRET_KEY), "v1:<base64>", bound to the row it belongs to so a
// sealed copy moved elsewhere does not open. Without the setting a secret
// is kept as "v0:<secret>" (development only) and sealed the next time it
// is written with the setting present.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
)

// ErrSealed means a secret is sealed but no key, or another key, is set.
var ErrSealed = errors.New("secret sealed with a key that is not configured")

// Box seals and opens the secrets of one purpose. The zero Box seals nothing.
type Box struct {
	aead cipher.AEAD
}

// New derives the key of a purpose ("portalegenitori totp v1") from the
// setting: SHA-256 of purpose, NUL, setting. An empty setting gives the
// zero Box.
func New(purpose, setting string) (Box, error) {
	if setting == "" {
		return Box{}, nil
	}
	sum := sha256.Sum256([]byte(purpose + "\x00" + setting))
	block, err := aes.NewCipher(sum[:])
	if err != nil {
		return Box{}, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return Box{}, err
	}
	return Box{aead: aead}, nil
}

// Sealing tells whether secrets are encrypted.
func (b Box) Sealing() bool { return b.aead != nil }

// Seal stores secret for the row named by bound.
func (b Box) Seal(secret, bound string) (string, error) {
	if b.aead == nil {
		return "v0:" + secret, nil
	}
	nonce := make([]byte, b.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	return "v1:" + base64.RawStdEncoding.EncodeToString(b.aead.Seal(nonce, nonce, []byte(secret), []byte(bound))), nil
}

// Open returns the secret; reseal reports that it was stored in clear and
// should be sealed again now that a key is configured.
func (b Box) Open(stored, bound string) (secret string, reseal bool, err error) {
	switch {
	case strings.HasPrefix(stored, "v0:"):
		return stored[3:], b.aead != nil, nil
	case strings.HasPrefix(stored, "v1:") && b.aead != nil:
		raw, err := base64.RawStdEncoding.DecodeString(stored[3:])
		n := b.aead.NonceSize()
		if err != nil || len(raw) < n {
			return "", false, ErrSealed
		}
		pt, err := b.aead.Open(nil, raw[:n], raw[n:], []byte(bound))
		if err != nil {
			return "", false, ErrSealed
		}
		return string(pt), false, nil
	}
	return "", false, ErrSealed
}
