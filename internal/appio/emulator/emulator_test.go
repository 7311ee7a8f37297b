package emulator_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"portalegenitori/db/dbtest"
	"portalegenitori/internal/appio"
	"portalegenitori/internal/appio/emulator"
)

// TestEmulatorSpeaksTheAPI drives the emulator over real HTTP with the
// generated client: the answers a caller sees for each switch.
func TestEmulatorSpeaksTheAPI(t *testing.T) {
	store, _ := dbtest.New(t)
	em := emulator.New(store.DB())
	srv := httptest.NewTLSServer(em.APIHandler("/_appio/api/v1"))
	t.Cleanup(srv.Close)
	ctx := context.Background()
	cl, err := appio.New(appio.Config{BaseURL: srv.URL + "/_appio/api/v1", Key: "test-service-key-abcd", HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	const (
		allowed = "RSSMRA80A01H501U"
		blocked = "VRDNNA87H43L219D"
		absent  = "BNCGPP75C12F205X"
		flaky   = "NREFNC90D15L219K"
	)
	for cf, st := range map[string]string{blocked: emulator.Blocked, absent: emulator.Absent} {
		if err := em.SetSwitch(ctx, cf, st, 0); err != nil {
			t.Fatal(err)
		}
	}
	if err := em.SetSwitch(ctx, flaky, emulator.Allowed, 1); err != nil {
		t.Fatal(err)
	}
	subject, body := "Saldo del servizio mensa", strings.Repeat("Il saldo del servizio mensa è sotto la soglia che hai scelto. ", 2)

	for _, tc := range []struct {
		cf      string
		allowed bool
		err     error
	}{{allowed, true, nil}, {blocked, false, nil}, {absent, false, nil}, {flaky, false, appio.ErrUnavailable}, {flaky, true, nil}} {
		got, err := cl.GetProfile(ctx, tc.cf)
		if got != tc.allowed || !errors.Is(err, tc.err) {
			t.Errorf("GetProfile(%s) = %v, %v; want %v, %v", tc.cf, got, err, tc.allowed, tc.err)
		}
	}
	if _, err := appio.Send(ctx, cl, blocked, subject, body); !errors.Is(err, appio.ErrNotAllowed) {
		t.Errorf("Send to a blocked profile: %v, want ErrNotAllowed", err)
	}
	id, err := appio.Send(ctx, cl, allowed, subject, body)
	if err != nil || len(id) != 26 {
		t.Fatalf("Send = %q, %v; want a 26-character id", id, err)
	}
	msgs, err := em.Messages(ctx, allowed, 10)
	if err != nil || len(msgs) != 1 || msgs[0].ID != id || msgs[0].Subject != subject || msgs[0].KeyHint != "abcd" || msgs[0].Status != "PROCESSED" {
		t.Fatalf("messages of %s = %+v, %v", allowed, msgs, err)
	}
	if _, err := cl.SubmitMessage(ctx, allowed, "short", body); !errors.Is(err, appio.ErrRejected) {
		t.Errorf("a 5-character subject: %v, want ErrRejected before any call", err)
	}

	// what the client never sends, the emulator refuses as the API does
	for _, tc := range []struct {
		name, method, path, key, body string
		status                        int
	}{
		{"no key", "GET", "/profiles/" + allowed, "", "", http.StatusUnauthorized},
		{"bad CF", "GET", "/profiles/RSSMRA80", "k", "", http.StatusBadRequest},
		{"short markdown", "POST", "/messages", "k", `{"fiscal_code":"` + allowed + `","content":{"subject":"Un oggetto lungo","markdown":"breve"}}`, http.StatusBadRequest},
		{"no fiscal code", "POST", "/messages", "k", `{"content":{"subject":"Un oggetto lungo","markdown":"` + body + `"}}`, http.StatusBadRequest},
		{"not JSON", "POST", "/messages", "k", `{`, http.StatusBadRequest},
	} {
		req, _ := http.NewRequest(tc.method, srv.URL+"/_appio/api/v1"+tc.path, strings.NewReader(tc.body))
		if tc.key != "" {
			req.Header.Set("Ocp-Apim-Subscription-Key", tc.key)
		}
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != tc.status {
			t.Errorf("%s: status %d, want %d", tc.name, res.StatusCode, tc.status)
		}
		if tc.status != http.StatusUnauthorized && res.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: content type %q, want application/problem+json", tc.name, res.Header.Get("Content-Type"))
		}
	}
}
