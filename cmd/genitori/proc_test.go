package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"portalegenitori/internal/codicefiscale"
)

// The fault tests run the real command as separate processes: the test
// binary re-executes itself as `genitori ARGS...` (it is package main, so
// it holds the very same main), which spares a `go build` per run.
const asMainEnv = "GENITORI_TEST_AS_MAIN"

func TestMain(m *testing.M) {
	if args := os.Getenv(asMainEnv); args != "" {
		os.Args = append([]string{"genitori"}, strings.Fields(args)...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// The sealing keys of the processes started (startGenitori).
const (
	testSecretKey = "a-test-secret-key-of-the-processes-0123456789"
	testTOTPKey   = "a-test-totp-key-of-the-processes-0123456789ab"
)

// longFaults: `make bench-faults` (part of `make bench`) runs the long
// versions of the fault tests.
func longFaults() bool { return os.Getenv("GENITORI_FAULTS_LONG") == "1" }

// proc is a running `genitori` process.
type proc struct {
	t    *testing.T
	cmd  *exec.Cmd
	base string // http://127.0.0.1:PORT for serve
	logs *lockedBuffer
}

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// processEnv is the clean environment of `genitori command`, before what
// a test adds (a later setting of the same variable wins).
func processEnv(command string) []string {
	return []string{asMainEnv + "=" + command, "PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
		"GENITORI_LOG_LEVEL=warn", "GENITORI_COOKIE_SECURE=false",
		// serve and worker refuse to start without them
		"GENITORI_SECRET_KEY=" + testSecretKey, "GENITORI_TOTP_KEY=" + testTOTPKey}
}

// startGenitori starts `genitori <command>` with env added to a clean
// environment (no GENITORI_* of the caller). For serve it waits for
// /healthz.
func startGenitori(t *testing.T, command string, env ...string) *proc {
	t.Helper()
	p := &proc{t: t, logs: &lockedBuffer{}}
	full := processEnv(command)
	if command == "serve" {
		port, err := freePort()
		if err != nil {
			t.Fatal(err)
		}
		p.base = "http://127.0.0.1:" + strconv.Itoa(port)
		full = append(full, "GENITORI_ADDR=127.0.0.1:"+strconv.Itoa(port))
	}
	full = append(full, env...)
	p.cmd = exec.Command(os.Args[0], "-test.run=^$")
	p.cmd.Env = full
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.stop() })
	if command == "serve" {
		if err := waitHTTP(p.base+"/healthz", 30*time.Second); err != nil {
			t.Fatalf("genitori serve did not start: %v\n%s", err, p.logs)
		}
	}
	return p
}

// stop ends the process gracefully (SIGTERM), then waits.
func (p *proc) stop() {
	if p.cmd.ProcessState != nil {
		return
	}
	// Errors: the process may have exited already; Wait reaps it either way,
	// and the tests look at what it did, not at its exit status.
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		_ = p.cmd.Process.Kill()
		<-done
	}
}

// kill ends the process at once (SIGKILL), as a crash would.
func (p *proc) kill() {
	_ = p.cmd.Process.Kill() // as in stop
	_ = p.cmd.Wait()
}

// smsGateway is a fake HTTP SMS gateway that records what it accepts. It
// honours the Idempotency-Key header as a real gateway does: a request
// whose key it has seen is answered 200 and not sent again, unless its
// recipient or text differ (422, recorded as a conflict).
type smsGateway struct {
	mu         sync.Mutex
	sent       []map[string]string // the SMS sent to phones
	seen       map[string]string   // Idempotency-Key: recipient and text
	requests   int
	replays    int      // requests not sent again: their key was seen
	missingKey int      // requests without a key
	conflicts  []string // keys seen with another recipient or text
}

func (g *smsGateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var m map[string]string
	if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	key := r.Header.Get("Idempotency-Key")
	g.mu.Lock()
	defer g.mu.Unlock()
	g.requests++
	if key == "" {
		g.missingKey++
	} else if prev, ok := g.seen[key]; ok {
		if prev != m["to"]+"\n"+m["text"] {
			g.conflicts = append(g.conflicts, key)
			w.WriteHeader(http.StatusUnprocessableEntity)
			return
		}
		g.replays++
		w.WriteHeader(http.StatusOK)
		return
	} else {
		if g.seen == nil {
			g.seen = map[string]string{}
		}
		g.seen[key] = m["to"] + "\n" + m["text"]
	}
	m["key"] = key
	g.sent = append(g.sent, m)
	w.WriteHeader(http.StatusOK)
}

// byRecipient returns the texts received per number, in order.
func (g *smsGateway) byRecipient() map[string][]string {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := map[string][]string{}
	for _, m := range g.sent {
		out[m["to"]] = append(out[m["to"]], m["text"])
	}
	return out
}

func (g *smsGateway) stats() (requests, replays, missingKey int, conflicts []string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.requests, g.replays, g.missingKey, append([]string(nil), g.conflicts...)
}

func (g *smsGateway) count() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.sent)
}

// client is one browser: its own cookie jar, no redirects followed, and a
// distinct client address as nginx would forward it (X-Forwarded-For), so
// the per-address limits see many parents rather than one loopback.
type client struct {
	http *http.Client
	addr string
}

func newClient(addr string) *client {
	jar, _ := cookiejar.New(nil)
	return &client{addr: addr, http: &http.Client{Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type answer struct {
	status int
	body   string
	loc    string
}

func (c *client) do(method, u string, form url.Values) (answer, error) {
	return c.send(method, u, form, false)
}

// doHX is do as htmx sends it (HX-Request): the answer is a fragment.
func (c *client) doHX(method, u string, form url.Values) (answer, error) {
	return c.send(method, u, form, true)
}

func (c *client) send(method, u string, form url.Values, hx bool) (answer, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		return answer{}, err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if c.addr != "" {
		req.Header.Set("X-Forwarded-For", c.addr)
	}
	if hx {
		req.Header.Set("HX-Request", "true")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, body: string(b), loc: resp.Header.Get("Location")}, err
}

// registration is the lago form of parent number i (a CF outside the
// registry, allowed in lago; SMS only, generated password, no captcha).
func registration(i int) (form url.Values, username, mobile string) {
	birth := time.Date(1975, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i)
	cf := codicefiscale.Compute("Prova", "Genitore", birth, i%2 == 1, "F205")
	username = fmt.Sprintf("genitore.%04d", i)
	mobile = fmt.Sprintf("+39347%07d", i)
	return url.Values{"first_name": {"Genitore"}, "last_name": {"Prova"}, "fiscal_code": {cf}, "mobile": {mobile},
		"username": {username}, "security_question": {"sq.dish"}, "security_answer": {"pizza"}}, username, mobile
}
