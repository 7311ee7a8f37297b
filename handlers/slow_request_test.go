package handlers_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"portalegenitori/internal/config"
)

// slowReader hands out its bytes a few at a time, waiting before each
// read, like a phone on a slow line: all of them take about steps × every.
type slowReader struct {
	data  []byte
	chunk int
	every time.Duration
}

func (r *slowReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	time.Sleep(r.every)
	n := copy(p[:min(len(p), r.chunk)], r.data)
	r.data = r.data[n:]
	return n, nil
}

func trickle(data []byte, steps int, every time.Duration) io.Reader {
	return &slowReader{data: data, chunk: max(1, (len(data)+steps-1)/steps), every: every}
}

// TestSlowUploadOutlivesServerTimeouts: a medical certificate sent from a
// slow phone takes longer than the server's read and write timeouts, which
// stay short for every other request (cmd/genitori). Behind a server whose
// timeouts are 5 s, an upload that takes about 11 s is stored and
// answered, and a sign-in form sent as slowly is cut. (The 5 s leave a busy
// machine time for what runs before the handler lets the upload go on.)
func TestSlowUploadOutlivesServerTimeouts(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, func(cfg *config.Config, _ string) { cfg.SecretKey = dietTestKey })
	slow := httptest.NewUnstartedServer(e.srv.Config.Handler)
	slow.Config.ReadTimeout, slow.Config.WriteTimeout = 5*time.Second, 5*time.Second
	slow.StartTLS()
	t.Cleanup(slow.Close)
	f := demoFamily(t, e)
	// signed in through the usual server: the cookie jar does not tell
	// ports apart, so the session goes to the slow one too
	mario := signedIn(t, e, "mario.rossi", "Mensa-Scuola-2026")

	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for k, v := range map[string]string{"bambino": strconv.FormatInt(f.sofia, 10), "tipo": "allergy", "dieta": "Senza arachidi"} {
		if err := w.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	fw, err := w.CreateFormFile("certificato", "certificato.pdf")
	if err == nil {
		_, err = fw.Write([]byte("%PDF-1.4\n% certificato: allergia alle arachidi\n%%EOF\n"))
	}
	if err != nil || w.Close() != nil {
		t.Fatal("multipart body:", err)
	}
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, slow.URL+"/demo/diete", trickle(body.Bytes(), 10, 1100*time.Millisecond))
	req.Header.Set("Content-Type", w.FormDataContentType())
	start := time.Now()
	resp, err := mario.client.Do(req)
	if err != nil {
		t.Fatalf("slow upload after %s: %v", time.Since(start).Round(time.Millisecond), err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || time.Since(start) < 5*time.Second {
		t.Fatalf("slow upload: status %d after %s, want 303 after more than the 5 s timeouts", resp.StatusCode, time.Since(start))
	}
	if r, c := dietRows(t, e); r != 1 || c != 1 {
		t.Fatalf("slow upload: %d requests, %d certificates stored", r, c)
	}

	// the same slowness elsewhere meets the server's timeouts
	anon := e.browser()
	form := url.Values{"username": {"laura.rossi"}, "password": {"Diario-Scuola-2026"}}.Encode()
	req, _ = http.NewRequestWithContext(context.Background(), http.MethodPost, slow.URL+"/demo/accesso", trickle([]byte(form), 10, 1100*time.Millisecond))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err = anon.client.Do(req)
	if err == nil {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusSeeOther || strings.Contains(string(b), "Esci") {
			t.Fatalf("a slow sign-in was not cut by the server's timeouts: status %d", resp.StatusCode)
		}
	}
}
