package e2e

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"portalegenitori/db/dbtest"
	"portalegenitori/handlers"
	"portalegenitori/internal/config"
)

func TestExp(t *testing.T) {
	store, dbURL := dbtest.New(t)
	cfg, _ := config.FromEnv(func(k string) string {
		if k == "DATABASE_URL" {
			return dbURL
		}
		return ""
	})
	cfg.CookieSecure = true
	h, err := handlers.New(cfg, store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h.Routes())
	defer srv.Close()
	path, _ := exec.LookPath("chromium")
	dir := t.TempDir()
	opts := []chromedp.ExecAllocatorOption{chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true), chromedp.UserDataDir(dir)}
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()
	start := time.Now()
	if err := chromedp.Do(bctx); err != nil {
		t.Fatal(err)
	}
	t.Log("browser", time.Since(start))
	for _, host := range []string{"127.0.0.1", "localhost"} {
		base := strings.Replace(srv.URL, "127.0.0.1", host, 1)
		ctx, cancel := chromedp.NewContext(bctx, chromedp.WithNewBrowserContext())
		err := chromedp.Do(ctx, chromedp.Navigate(base+"/demo/accesso"),
			chromedp.SendKeys(chromedp.ID("username"), "mario.rossi"),
			chromedp.SendKeys(chromedp.ID("password"), "Mensa-Scuola-2026"),
			chromedp.Submit(chromedp.ID("password")),
		)
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Second)
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		ck, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{})
		t.Logf("%s: loc=%s cookies=%v err=%v", host, loc, len(ck.Cookies), err)
		for _, c := range ck.Cookies {
			t.Logf("  %s secure=%v httponly=%v samesite=%v", c.Name, c.Secure, c.HTTPOnly, c.SameSite)
		}
		src, _ := os.ReadFile("node_modules/axe-core/axe.min.js")
		_, err = chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](string(src)))
		t.Log("inject err", err)
		n, err := chromedp.Run(ctx, chromedp.Evaluate[string](`typeof axe`))
		t.Log("axe", n, err)
		// script disabled
		_, err = chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		t.Log(err)
		chromedp.Do(ctx, chromedp.Navigate(base+"/demo/privacy"))
		n, err = chromedp.Run(ctx, chromedp.Evaluate[string](`typeof htmx + ' ' + document.title`))
		t.Log("js disabled evaluate:", n, err)
		_ = cdp.Empty{}
		cancel()
	}
}
