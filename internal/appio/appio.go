// Package appio sends messages to citizens through App IO, the Italian
// state's app (PagoPA S.p.A.), with the IO services' messages API: a
// message goes to a codice fiscale, under the Comune's IO service, whose
// subscription key authenticates the call.
//
// Only the two operations the portal needs are used: getProfile (has the
// citizen allowed the service to write?) and submitMessageforUserWithFiscalCodeInBody
// (send). A 201 from the latter means the message was accepted for
// processing, not that it was delivered or read.
package appio

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"
)

// DefaultBaseURL is the production endpoint of the IO services API.
const DefaultBaseURL = "https://api.io.pagopa.it/api/v1"

// Limits of a message's content in the published OpenAPI (MessageContent).
const (
	SubjectMin  = 10
	SubjectMax  = 120
	MarkdownMin = 80
	MarkdownMax = 10000
)

var (
	// ErrNotAllowed: the citizen has no IO profile, or has not allowed this
	// service to send messages (getProfile's sender_allowed false, or 404).
	// Not worth retrying.
	ErrNotAllowed = errors.New("appio: the recipient has not allowed this service")
	// ErrUnavailable: IO could not take the call now (5xx, 429, network);
	// retry later.
	ErrUnavailable = errors.New("appio: service unavailable")
	// ErrRejected: IO refused the request as malformed or unauthorised
	// (400, 401, 403): retrying the same call will not help.
	ErrRejected = errors.New("appio: request rejected")
)

// Client is what a delivery channel needs of App IO.
type Client interface {
	// GetProfile tells whether the holder of fiscalCode has an IO profile
	// and allows the service to send messages.
	GetProfile(ctx context.Context, fiscalCode string) (allowed bool, err error)
	// SubmitMessage sends a message; messageID is IO's identifier of the
	// accepted message.
	SubmitMessage(ctx context.Context, fiscalCode, subject, markdown string) (messageID string, err error)
}

// Config is one Comune's IO service as the client needs it.
type Config struct {
	BaseURL string // DefaultBaseURL, or the local emulator's .../api/v1
	Key     string // the IO service's subscription key (Ocp-Apim-Subscription-Key)
	// HTTPClient defaults to a client with a 15-second timeout.
	HTTPClient *http.Client
}

// New returns the HTTP client of the IO services API.
func New(c Config) (Client, error) {
	if strings.TrimSpace(c.Key) == "" {
		return nil, errors.New("appio: the IO service key is empty")
	}
	if c.BaseURL == "" {
		c.BaseURL = DefaultBaseURL
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: 15 * time.Second}
	}
	return newHTTPClient(c)
}

// ValidContent checks subject and markdown against the API's limits
// (counted in characters).
func ValidContent(subject, markdown string) error {
	if n := utf8.RuneCountInString(subject); n < SubjectMin || n > SubjectMax {
		return fmt.Errorf("%w: subject has %d characters, must be %d-%d", ErrRejected, n, SubjectMin, SubjectMax)
	}
	if n := utf8.RuneCountInString(markdown); n < MarkdownMin || n > MarkdownMax {
		return fmt.Errorf("%w: markdown has %d characters, must be %d-%d", ErrRejected, n, MarkdownMin, MarkdownMax)
	}
	return nil
}

// Send does what the API asks of a sender: getProfile first, then submit
// only when the citizen allows the service. ErrNotAllowed when not.
func Send(ctx context.Context, c Client, fiscalCode, subject, markdown string) (messageID string, err error) {
	allowed, err := c.GetProfile(ctx, fiscalCode)
	if err != nil {
		return "", err
	}
	if !allowed {
		return "", ErrNotAllowed
	}
	return c.SubmitMessage(ctx, fiscalCode, subject, markdown)
}
