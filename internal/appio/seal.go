package appio

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// KeySealer seals a Comune's IO service key at rest with AES-256-GCM under
// a key derived from GENITORI_SECRET_KEY (its own derivation). Without the
// setting the key is kept as "v0:<key>", in clear, like the staff's
// second-factor secrets without GENITORI_TOTP_KEY (development only; the
// staff settings page says so), and sealed when it is next saved with the
// setting present.
type KeySealer struct {
	aead cipher.AEAD
}

// NewKeySealer derives the sealing key; "" gives the non-sealing zero value.
func NewKeySealer(secretKey string) (KeySealer, error) {
	if secretKey == "" {
		return KeySealer{}, nil
	}
	sum := sha256.Sum256([]byte("portalegenitori appio service key v1\x00" + secretKey))
	block, err := aes.NewCipher(sum[:])
	if err != nil {
		return KeySealer{}, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return KeySealer{}, err
	}
	return KeySealer{aead: aead}, nil
}

// Sealing tells whether keys are encrypted.
func (k KeySealer) Sealing() bool { return k.aead != nil }

func bound(installationID int64) []byte { return fmt.Appendf(nil, "appio:%d", installationID) }

// Seal seals the service key of one installation (a sealed key copied to
// another installation's row does not open).
func (k KeySealer) Seal(key string, installationID int64) (string, error) {
	if k.aead == nil {
		return "v0:" + key, nil
	}
	nonce := make([]byte, k.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	return "v1:" + base64.RawStdEncoding.EncodeToString(k.aead.Seal(nonce, nonce, []byte(key), bound(installationID))), nil
}

// ErrKeySealed: the key was sealed under another GENITORI_SECRET_KEY (or
// none is set now); staff must enter it again.
var ErrKeySealed = errors.New("appio: the IO service key is sealed with another GENITORI_SECRET_KEY")

// Open returns the service key in clear.
func (k KeySealer) Open(sealed string, installationID int64) (string, error) {
	switch {
	case strings.HasPrefix(sealed, "v0:"):
		return sealed[3:], nil
	case strings.HasPrefix(sealed, "v1:") && k.aead != nil:
		raw, err := base64.RawStdEncoding.DecodeString(sealed[3:])
		if err != nil || len(raw) < k.aead.NonceSize() {
			return "", ErrKeySealed
		}
		n := k.aead.NonceSize()
		pt, err := k.aead.Open(nil, raw[:n], raw[n:], bound(installationID))
		if err != nil {
			return "", ErrKeySealed
		}
		return string(pt), nil
	}
	return "", ErrKeySealed
}
