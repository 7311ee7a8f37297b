package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// One Chromium per test binary; every test opens its own tab in its own
// browser context (cookies and cache of its own).
var browser struct {
	once   sync.Once
	ctx    context.Context // the browser's chromedp context; nil when none
	err    error           // why there is no browser
	cancel func()
	dir    string // the temporary user-data-dir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if browser.cancel != nil {
		browser.cancel()
	}
	if browser.dir != "" {
		os.RemoveAll(browser.dir)
	}
	if err := writeBudgets(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: write budgets:", err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

// browserContext starts Chromium at the first call and returns its context.
// Without chromium the test is skipped, or fails under CI.
func browserContext(t *testing.T) context.Context {
	t.Helper()
	browser.once.Do(startBrowser)
	if browser.err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("e2e: %v", browser.err)
		}
		t.Skipf("e2e: %v", browser.err)
	}
	return browser.ctx
}

// browserNames are the browsers the tests look for, best first. Debian's
// chromium-headless-shell is the same Blink as chromium without the desktop
// browser around it: the journeys took 2.5 times as long, and three times
// the CPU, in chromium (2026-11-30). E2E_CHROME=chromium picks the full
// browser.
var browserNames = []string{"chromium-headless-shell", "chromium"}

func startBrowser() {
	names := browserNames
	if n := os.Getenv("E2E_CHROME"); n != "" {
		names = []string{n}
	}
	var path string
	var err error
	for _, n := range names {
		if path, err = exec.LookPath(n); err == nil {
			break
		}
	}
	if err != nil {
		browser.err = fmt.Errorf("no browser found (install chromium-headless-shell with .ci/deps): %w", err)
		return
	}
	dir, err := os.MkdirTemp("", "e2e-chromium-")
	if err != nil {
		browser.err = err
		return
	}
	browser.dir = dir
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(dir),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-features", "Translate,MediaRouter,OptimizationHints"),
		chromedp.Flag("hide-scrollbars", true),
		// The portal is Italian first: ask for Italian as an Italian browser does.
		chromedp.Flag("lang", "it-IT"),
		chromedp.Flag("accept-lang", "it-IT,it"),
		chromedp.WindowSize(1280, 900),
	}
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, bcancel := chromedp.NewContext(actx)
	browser.cancel = func() { bcancel(); acancel() }
	// The first Do binds the browser to bctx (no timeout), as the chromedp
	// documentation asks.
	done := make(chan error, 1)
	go func() { done <- chromedp.Do(bctx) }()
	select {
	case err = <-done:
	case <-time.After(30 * time.Second):
		err = fmt.Errorf("chromium did not start within 30s")
	}
	if err != nil {
		browser.err = fmt.Errorf("start chromium %s: %w", path, err)
		browser.cancel()
		browser.cancel = nil
		return
	}
	browser.ctx = bctx
}
