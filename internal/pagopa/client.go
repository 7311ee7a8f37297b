package pagopa

import (
	"context"
	"errors"
)

// New returns a Client for cfg. It checks that the configuration is
// complete; it makes no network call.
func New(cfg Config) (Client, error) {
	return nil, errors.New("pagopa: not implemented yet")
}

type client struct{ cfg Config }

var _ = context.Background
