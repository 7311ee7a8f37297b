package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// SMS is one text message.
type SMS struct {
	To   string // E.164, "+393401112233"
	Text string
	// IdempotencyKey, when set, is the same on every attempt to send this
	// message: a gateway that honours it sends a repeated request once.
	IdempotencyKey string
}

// SMSSender sends text messages.
type SMSSender interface {
	Send(ctx context.Context, m SMS) error
}

// HTTPGateway posts SMS to an HTTP gateway as JSON
// {"to": "+39...", "from": "Comune", "text": "..."} with a bearer token and
// the message's Idempotency-Key header (a retry of the same message carries
// the same key and text); any 2xx answer means accepted.
type HTTPGateway struct {
	URL, Token, Sender string
	Client             *http.Client
}

// Send posts one SMS to the gateway.
func (g *HTTPGateway) Send(ctx context.Context, m SMS) error {
	body, err := json.Marshal(map[string]string{"to": m.To, "from": g.Sender, "text": m.Text})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("sms gateway request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if m.IdempotencyKey != "" {
		req.Header.Set("Idempotency-Key", m.IdempotencyKey)
	}
	if g.Token != "" {
		req.Header.Set("Authorization", "Bearer "+g.Token)
	}
	cl := g.Client
	if cl == nil {
		cl = &http.Client{Timeout: 20 * time.Second}
	}
	resp, err := cl.Do(req)
	if err != nil {
		return fmt.Errorf("sms gateway: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("sms gateway answered %s", resp.Status)
	}
	return nil
}

// LogSMS is the development adapter: it writes each SMS, text included, to
// W (stdout in `make run`), never to the structured log. Do not use it in
// production: a generated password would be printed.
type LogSMS struct {
	mu sync.Mutex
	W  io.Writer
}

// Send writes the SMS.
func (l *LogSMS) Send(_ context.Context, m SMS) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	_, err := fmt.Fprintf(l.W, "--- SMS (development adapter, not sent) to %s ---\n%s\n---\n", m.To, m.Text)
	return err
}
