package e2e

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"portalegenitori/db/dbtest"
	"portalegenitori/handlers"
	"portalegenitori/internal/config"
	"portalegenitori/internal/identity/cns/cnsca"
)

const cnsPublicURL = "https://localhost:18443"

// startCNSServer is startServer with the CNS/CRS card listener configured
// (not started: the browser's certificate and PIN prompt cannot be driven
// from here; handlers/cns_test.go covers the listener with real TLS).
func startCNSServer(t *testing.T) string {
	t.Helper()
	now := time.Now()
	ca, err := cnsca.New("CA CNS di prova", now.Add(-time.Hour), now.AddDate(1, 0, 0), 0)
	if err != nil {
		t.Fatal(err)
	}
	srvCert, err := ca.IssueServer(now.Add(-time.Hour), now.AddDate(1, 0, 0), "localhost")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	caDir := filepath.Join(dir, "ca")
	for name, data := range map[string][]byte{"ca/ca.pem": ca.CertPEM(), "s.pem": srvCert.CertPEM(), "k.pem": srvCert.KeyPEM()} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	store, dbURL := dbtest.New(t)
	vars := map[string]string{
		"DATABASE_URL":            dbURL,
		"GENITORI_CNS_ADDR":       ":18443",
		"GENITORI_CNS_TLS_CERT":   filepath.Join(dir, "s.pem"),
		"GENITORI_CNS_TLS_KEY":    filepath.Join(dir, "k.pem"),
		"GENITORI_CNS_CA_DIR":     caDir,
		"GENITORI_CNS_PUBLIC_URL": cnsPublicURL,
	}
	cfg, err := config.FromEnv(func(k string) string { return vars[k] })
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	h, err := handlers.New(cfg, store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("handlers: %v", err)
	}
	srv := httptest.NewServer(h.Routes())
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestCNSExplanationKeyboard: from the login page to the CNS/CRS page and
// its button with the keyboard only; the page passes axe. The button itself
// leads to the card listener, where the browser asks for the card's
// certificate and PIN: that native prompt cannot be automated.
func TestCNSExplanationKeyboard(t *testing.T) {
	t.Parallel()
	p := newPage(t, startCNSServer(t))
	p.open("/demo/accesso")
	f := p.tabTo(`main a[href="/demo/cns"]`)
	if f.Text != "Entra con CNS/CRS" {
		t.Errorf("link reads %q", f.Text)
	}
	if resp := p.enter(); resp.Status != 200 || p.path() != "/demo/cns" {
		t.Fatalf("page %s status %d, want /demo/cns with 200", p.path(), resp.Status)
	}
	p.expectSkipLinkFirst()
	p.expectText("main h1", "Entra con CNS/CRS")
	for _, want := range []string{"lettore di smart card", "PIN della carta", "Il software della carta", "PUK"} {
		if !strings.Contains(p.text("main"), want) {
			t.Errorf("page lacks %q", want)
		}
	}
	axeCheck(p, "«Entra con CNS/CRS» page")

	sw := p.tabTo(`main a#cns-software`)
	if !strings.Contains(sw.Text, "Scarica il software della carta") {
		t.Errorf("software link reads %q", sw.Text)
	}
	btn := p.tabTo(`main a#cns-signin`)
	if btn.Text != "Entra con CNS" {
		t.Errorf("button reads %q", btn.Text)
	}
	if href := p.attr(`main a#cns-signin`, "href"); href != cnsPublicURL+"/demo/cns/entra" {
		t.Errorf("button leads to %q", href)
	}
	p.tabTo(`main a[href="/demo/accesso"]`)
	if resp := p.enter(); resp.Status != 200 || p.path() != "/demo/accesso" {
		t.Errorf("back link: page %s status %d", p.path(), resp.Status)
	}
}
