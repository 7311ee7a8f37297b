package handlers_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"portalegenitori/db/dbtest"
	"portalegenitori/handlers"
	"portalegenitori/internal/config"
)

// TestDatabaseOutage stops the database under a running portal: pages answer
// the accessible 503 page quickly, then recover by themselves once the
// database is back, with no restart. Not parallel: it times the answers.
func TestDatabaseOutage(t *testing.T) {
	cluster := dbtest.NewCluster(t, "test-outage")
	url := cluster.URL
	store := cluster.DemoStore(t)
	cfg, _ := config.FromEnv(func(k string) string {
		if k == "DATABASE_URL" {
			return url
		}
		return ""
	})
	h, err := handlers.New(cfg, store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(h.Routes())
	defer srv.Close()
	e := &env{t: t, store: store, srv: srv, logs: &syncBuffer{}}
	b := e.browser()
	wantStatus(t, b.login("demo", "mario.rossi", "Mensa-Scuola-2026"), http.StatusSeeOther)
	wantStatus(t, b.get("/demo/famiglia"), http.StatusOK)

	if err := cluster.Stop(); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/demo/famiglia", "/demo/accesso", "/"} {
		start := time.Now()
		p := b.get(path)
		if took := time.Since(start); took > 3*time.Second {
			t.Errorf("%s took %v while the database was down", path, took)
		}
		wantStatus(t, p, http.StatusServiceUnavailable)
		mustContain(t, p, "Servizio temporaneamente non disponibile", `<html lang="it">`, "<main")
		mustNotContain(t, p, "dial tcp", "connection refused", "goroutine", "pq:")
		if p.header.Get("Retry-After") == "" {
			t.Errorf("%s: no Retry-After", path)
		}
	}
	// static assets do not need the database
	wantStatus(t, b.get("/healthz"), http.StatusServiceUnavailable)

	if err := cluster.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		p := b.get("/demo/famiglia")
		if p.status == http.StatusOK {
			mustContain(t, p, "Luca Rossi") // and the session survived the outage
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no recovery after the database came back: %d", p.status)
		}
		time.Sleep(200 * time.Millisecond)
	}
	wantStatus(t, b.get("/healthz"), http.StatusOK)
}

// TestTwoAppServers runs two portals on one database: a session made on one
// is valid on the other, and the sign-in limits are shared.
func TestTwoAppServers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	h2, err := handlers.New(e.cfg, e.store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	srv2 := httptest.NewTLSServer(h2.Routes())
	defer srv2.Close()
	a := e.browser()
	wantStatus(t, a.login("demo", "mario.rossi", "Mensa-Scuola-2026"), http.StatusSeeOther)
	// the jar holds the cookie for 127.0.0.1, whatever the port: use it on server 2
	req, _ := http.NewRequest(http.MethodGet, srv2.URL+"/demo/famiglia", nil)
	p := a.do(req)
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, "Luca Rossi")

	// 3 failures on server 1 and 2 on server 2 block the username on both
	b := e.browser()
	for i := 0; i < 3; i++ {
		wantStatus(t, b.login("demo", "laura.rossi", "sbagliata-sbagliata"), http.StatusUnprocessableEntity)
	}
	post := func(pw string) page {
		req, _ := http.NewRequest(http.MethodPost, srv2.URL+"/demo/accesso",
			strings.NewReader("username=laura.rossi&password="+pw))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return b.do(req)
	}
	wantStatus(t, post("sbagliata-sbagliata"), http.StatusUnprocessableEntity)
	wantStatus(t, post("sbagliata-sbagliata"), http.StatusTooManyRequests)
	wantStatus(t, b.login("demo", "laura.rossi", "Diario-Scuola-2026"), http.StatusTooManyRequests)
}
