package handlers_test

import (
	"bytes"
	"context"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"portalegenitori/db"
	"portalegenitori/db/dbtest"
	"portalegenitori/handlers"
	"portalegenitori/internal/config"
)

// testParallel is how many parallel tests run at once unless -parallel is
// given. The default, GOMAXPROCS (2 on the CI machine), left these tests
// waiting on PostgreSQL and the network most of the time: with 8, a third
// of the tests took 12 s instead of 24 s (2026-11-30, load 6-7), and the
// package peaked at about 70 connections to PostgreSQL (max_connections is
// 200 in .ci/pg, shared with the other packages): 6 keeps a margin.
const testParallel = "6"

func TestMain(m *testing.M) {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		if err := flag.Set("test.parallel", testParallel); err != nil {
			panic(err)
		}
	}
	os.Exit(m.Run())
}

// env is a running portal over real HTTPS and a fresh database.
type env struct {
	t     *testing.T
	store *db.Store
	srv   *httptest.Server
	logs  *syncBuffer
	cfg   config.Config
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newEnv(t *testing.T) *env {
	t.Helper()
	return newEnvWith(t, func(*config.Config, string) {})
}

// newEnvWith is newEnv with the configuration read from the environment
// (only DATABASE_URL set) adjusted by configure before the handler is built;
// configure gets the server's https base URL, known before it starts.
func newEnvWith(t *testing.T, configure func(cfg *config.Config, baseURL string)) *env {
	t.Helper()
	store, dbURL := dbtest.New(t)
	cfg, err := config.FromEnv(func(k string) string {
		if k == "DATABASE_URL" {
			return dbURL
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg.InstallationCacheTTL = 0 // tests change settings between requests
	// a busy machine (parallel packages, Chromium, argon2id) must not turn a
	// slow sign-in into a 503; the timeout's own test sets it back
	cfg.RequestTimeout = 20 * time.Second
	srv := httptest.NewUnstartedServer(nil)
	configure(&cfg, "https://"+srv.Listener.Addr().String())
	logs := &syncBuffer{}
	h, err := handlers.New(cfg, store, slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = h.Routes()
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return &env{t: t, store: store, srv: srv, logs: logs, cfg: cfg}
}

// browser is one client with its own cookie jar.
type browser struct {
	e      *env
	client *http.Client
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	c := e.srv.Client()
	cl := *c
	cl.Jar = jar
	cl.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	// A request that hangs fails its test saying which one, long before the
	// package's timeout would stop every test with a goroutine dump.
	cl.Timeout = 2 * time.Minute
	return &browser{e: e, client: &cl}
}

type page struct {
	status int
	header http.Header
	body   string
	loc    string
}

func (b *browser) do(req *http.Request) page {
	b.e.t.Helper()
	resp, err := b.client.Do(req)
	if err != nil {
		b.e.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return page{status: resp.StatusCode, header: resp.Header, body: string(body), loc: resp.Header.Get("Location")}
}

func (b *browser) get(path string, headers ...string) page {
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, b.e.srv.URL+path, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return b.do(req)
}

func (b *browser) post(path string, form url.Values, headers ...string) page {
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, b.e.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return b.do(req)
}

func (b *browser) login(inst, user, pw string) page {
	return b.post("/"+inst+"/accesso", url.Values{"username": {user}, "password": {pw}})
}

func (b *browser) sessionCookie() string {
	u, _ := url.Parse(b.e.srv.URL)
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == handlers.CookieName(true) {
			return c.Value
		}
	}
	return ""
}

func mustContain(t *testing.T, p page, parts ...string) {
	t.Helper()
	for _, s := range parts {
		if !strings.Contains(p.body, s) {
			t.Fatalf("page (status %d) does not contain %q:\n%s", p.status, s, p.body)
		}
	}
}

func mustNotContain(t *testing.T, p page, parts ...string) {
	t.Helper()
	for _, s := range parts {
		if strings.Contains(p.body, s) {
			t.Fatalf("page (status %d) contains %q", p.status, s)
		}
	}
}

func wantStatus(t *testing.T, p page, status int) {
	t.Helper()
	if p.status != status {
		t.Fatalf("status %d, want %d; location %q; body:\n%s", p.status, status, p.loc, p.body)
	}
}

func auditCount(t *testing.T, s *db.Store, action, outcome string) int {
	t.Helper()
	var n int
	if err := s.DB().Get(&n, `SELECT count(*) FROM audit_log WHERE action = $1 AND outcome = $2`, action, outcome); err != nil {
		t.Fatal(err)
	}
	return n
}
