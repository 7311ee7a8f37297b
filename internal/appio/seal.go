package appio

import (
	"errors"
	"fmt"

	"portalegenitori/internal/seal"
)

// KeySealer seals a Comune's IO service key at rest (internal/seal) under
// a key derived from GENITORI_SECRET_KEY (its own derivation). Without the
// setting the key is kept as "v0:<key>", in clear, like the staff's
// second-factor secrets without GENITORI_TOTP_KEY (development only; the
// staff settings page says so), and sealed when it is next saved with the
// setting present.
type KeySealer struct {
	box seal.Box
}

// NewKeySealer derives the sealing key; "" gives the non-sealing zero value.
func NewKeySealer(secretKey string) (KeySealer, error) {
	box, err := seal.New("portalegenitori appio service key v1", secretKey)
	return KeySealer{box: box}, err
}

// Sealing tells whether keys are encrypted.
func (k KeySealer) Sealing() bool { return k.box.Sealing() }

func bound(installationID int64) string { return fmt.Sprintf("appio:%d", installationID) }

// Seal seals the service key of one installation (a sealed key copied to
// another installation's row does not open).
func (k KeySealer) Seal(key string, installationID int64) (string, error) {
	return k.box.Seal(key, bound(installationID))
}

// ErrKeySealed: the key was sealed under another GENITORI_SECRET_KEY (or
// none is set now); staff must enter it again.
var ErrKeySealed = errors.New("appio: the IO service key is sealed with another GENITORI_SECRET_KEY")

// Open returns the service key in clear.
func (k KeySealer) Open(sealed string, installationID int64) (string, error) {
	key, _, err := k.box.Open(sealed, bound(installationID))
	if err != nil {
		return "", ErrKeySealed
	}
	return key, nil
}
