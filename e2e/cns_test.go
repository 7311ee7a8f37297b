package e2e

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"portalegenitori/db/dbtest"
	"portalegenitori/handlers"
	"portalegenitori/internal/codicefiscale"
	"portalegenitori/internal/config"
	"portalegenitori/internal/identity/cns/cnsca"
)

const (
	cnsPublicURL = "https://localhost:18443"
	cnsHeader    = "X-SSL-Client-Cert"
)

// startCNSServer is startServer with the CNS/CRS card listener configured
// (not started: the browser's certificate and PIN prompt cannot be driven
// from here; handlers/cns_test.go covers the listener with real TLS), and
// the proxy-header mode with the loopback as trusted proxy, so that a tab
// that sends the header presents a card of the returned CA.
func startCNSServer(t *testing.T) (string, *cnsca.CA) {
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
		"DATABASE_URL":                 dbURL,
		"GENITORI_CNS_ADDR":            ":18443",
		"GENITORI_CNS_TLS_CERT":        filepath.Join(dir, "s.pem"),
		"GENITORI_CNS_TLS_KEY":         filepath.Join(dir, "k.pem"),
		"GENITORI_CNS_CA_DIR":          caDir,
		"GENITORI_CNS_PUBLIC_URL":      cnsPublicURL,
		"GENITORI_CNS_PROXY_HEADER":    cnsHeader,
		"GENITORI_CNS_TRUSTED_PROXIES": "127.0.0.1/32, ::1",
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
	return srv.URL, ca
}

// TestCNSExplanationKeyboard: from the login page to the CNS/CRS page and
// its button with the keyboard only; the page passes axe. The button itself
// leads to the card listener, where the browser asks for the card's
// certificate and PIN: that native prompt cannot be automated.
func TestCNSExplanationKeyboard(t *testing.T) {
	t.Parallel()
	base, _ := startCNSServer(t)
	p := newPage(t, base)
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

// presentCard makes the tab send the card's certificate in the header a
// TLS-terminating proxy would add, on every request.
func (p *Page) presentCard(card *cnsca.Issued) {
	p.t.Helper()
	if _, err := chromedp.Call(p.ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
		Headers: network.Headers{cnsHeader: url.PathEscape(string(card.CertPEM()))}}); err != nil {
		p.t.Fatalf("card header: %v", err)
	}
}

// TestCNSConfirmCard: the first use of a card shows the data read from it
// (the manual's Regione Lombardia page) on a 360 px phone, axe-clean; "Sì"
// by keyboard signs in; the next time the same card goes straight in; "No"
// (without JavaScript) signs in nothing.
func TestCNSConfirmCard(t *testing.T) {
	t.Parallel()
	base, ca := startCNSServer(t)
	now := time.Now()
	marioCF := codicefiscale.Compute("Rossi", "Mario", time.Date(1982, 4, 12, 0, 0, 0, 0, time.UTC), false, "F205")
	card, err := ca.IssueCard(cnsca.Card{FiscalCode: marioCF, GivenName: "Mario", Surname: "Rossi",
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(1, 0, 0)})
	if err != nil {
		t.Fatal(err)
	}

	p := newPage(t, base)
	p.emulatePhone(360, 740)
	p.presentCard(card)
	if st := p.open("/demo/cns/entra"); st != 200 {
		t.Fatalf("first use: status %d, page %s", st, p.path())
	}
	p.expectSkipLinkFirst()
	p.expectText("main h1", "Dati letti dalla CNS/CRS")
	data := p.text("#cns-card-data")
	for _, want := range []string{"Mario Rossi", marioCF, "Portale Genitori (prova)", card.Cert.NotAfter.In(time.Local).Format("02/01/2006")} {
		if !strings.Contains(data, want) {
			t.Errorf("card data %q lack %q", data, want)
		}
	}
	axeCheck(p, "CNS/CRS card confirmation")
	p.expectNoHorizontalScroll("CNS/CRS card confirmation", 360, false)
	yes := p.tabTo("main #cns-confirm-yes")
	if yes.Text != "Sì" {
		t.Errorf("button reads %q", yes.Text)
	}
	if resp := p.enter(); resp.Status != 200 || p.path() != "/demo/famiglia" {
		t.Fatalf("Sì: page %s status %d, want /demo/famiglia", p.path(), resp.Status)
	}

	// the same card, later, in a new browser: straight in
	again := newPage(t, base)
	again.presentCard(card)
	if st := again.open("/demo/cns/entra"); st != 200 || again.path() != "/demo/famiglia" {
		t.Fatalf("second use: page %s status %d, want /demo/famiglia", again.path(), st)
	}

	// another card, without JavaScript: No signs in nothing
	other, err := ca.IssueCard(cnsca.Card{FiscalCode: marioCF, GivenName: "Mario", Surname: "Rossi",
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(1, 0, 0)})
	if err != nil {
		t.Fatal(err)
	}
	no := newPage(t, base)
	no.disableJS()
	no.presentCard(other)
	if st := no.open("/demo/cns/entra"); st != 200 || !no.exists("#cns-confirm-no") {
		t.Fatalf("another card: page %s status %d, want its confirmation", no.path(), st)
	}
	no.tabTo("main #cns-confirm-no")
	if resp := no.enter(); resp.Status != 200 || no.path() != "/demo/accesso" {
		t.Fatalf("No: page %s status %d, want /demo/accesso", no.path(), resp.Status)
	}
	if st := no.open("/demo/famiglia"); !strings.HasPrefix(no.path(), "/demo/accesso") {
		t.Fatalf("after No the family page answered: page %s status %d", no.path(), st)
	}
}
