package appio

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"portalegenitori/internal/appio/ioapi"
)

type httpClient struct {
	api *ioapi.ClientWithResponses
}

func newHTTPClient(c Config) (Client, error) {
	key := strings.TrimSpace(c.Key)
	api, err := ioapi.NewClientWithResponses(strings.TrimRight(c.BaseURL, "/"),
		ioapi.WithHTTPClient(c.HTTPClient),
		ioapi.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
			r.Header.Set("Ocp-Apim-Subscription-Key", key)
			return nil
		}))
	if err != nil {
		return nil, fmt.Errorf("appio: %w", err)
	}
	return &httpClient{api: api}, nil
}

// statusErr maps a status the operation did not succeed with.
func statusErr(op string, code int, body []byte) error {
	detail := strings.TrimSpace(string(body))
	if len(detail) > 200 {
		detail = detail[:200]
	}
	switch {
	case code == http.StatusTooManyRequests || code >= 500:
		return fmt.Errorf("%w: %s: HTTP %d %s", ErrUnavailable, op, code, detail)
	default:
		return fmt.Errorf("%w: %s: HTTP %d %s", ErrRejected, op, code, detail)
	}
}

func (h *httpClient) GetProfile(ctx context.Context, fiscalCode string) (bool, error) {
	r, err := h.api.GetProfileWithResponse(ctx, fiscalCode)
	if err != nil {
		return false, fmt.Errorf("%w: getProfile: %v", ErrUnavailable, err)
	}
	switch r.StatusCode() {
	case http.StatusOK:
		if r.JSON200 == nil {
			return false, fmt.Errorf("%w: getProfile: 200 without a profile", ErrUnavailable)
		}
		return r.JSON200.SenderAllowed, nil
	case http.StatusNotFound:
		return false, nil
	}
	return false, statusErr("getProfile", r.StatusCode(), r.Body)
}

func (h *httpClient) SubmitMessage(ctx context.Context, fiscalCode, subject, markdown string) (string, error) {
	if err := ValidContent(subject, markdown); err != nil {
		return "", err
	}
	cf := fiscalCode
	r, err := h.api.SubmitMessageforUserWithFiscalCodeInBodyWithResponse(ctx, ioapi.NewMessage{
		FiscalCode: &cf,
		Content:    ioapi.MessageContent{Subject: subject, Markdown: markdown},
	})
	if err != nil {
		return "", fmt.Errorf("%w: submitMessage: %v", ErrUnavailable, err)
	}
	if r.StatusCode() == http.StatusCreated {
		if r.JSON201 == nil || r.JSON201.Id == nil || *r.JSON201.Id == "" {
			return "", fmt.Errorf("%w: submitMessage: 201 without an id", ErrUnavailable)
		}
		return *r.JSON201.Id, nil
	}
	return "", statusErr("submitMessage", r.StatusCode(), r.Body)
}
