package e2e

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp/kb"

	"portalegenitori/internal/config"
	"portalegenitori/internal/identity/saml"
)

// startSPIDServer is startServer with SAML configured as in the demo: an
// SP key for "demo" generated now, and the built-in test identity provider
// (GENITORI_DEMO_IDP=true) as the only IdP.
func startSPIDServer(t *testing.T) string {
	t.Helper()
	srv, _ := startServerWith(t, func(cfg *config.Config, baseURL string) {
		cfg.SAML.DemoIdP = true
		cfg.BaseURL = baseURL
		cfg.CookieSecure = true
		cfg.SAML.KeyDir, cfg.SAML.IdPDir = t.TempDir(), t.TempDir()
		kp, err := saml.GenerateSPCertificate(saml.CertSubject{CommonName: "Portale Genitori - Comune di Esempio", Organization: "Comune di Esempio",
			Locality: "Esempio", IPACode: "c_x000", EntityID: cfg.BaseURL + "/demo"}, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if err := saml.WriteKeyPair(filepath.Join(cfg.SAML.KeyDir, "demo"), kp, false); err != nil {
			t.Fatal(err)
		}
	})
	return srv.URL
}

// TestSPIDJourneyKeyboard: login page → "Entra con SPID" → the IdP list →
// the test IdP → the family page, with the keyboard only; axe on every page.
func TestSPIDJourneyKeyboard(t *testing.T) {
	t.Parallel()
	p := newPage(t, startSPIDServer(t))
	if status := p.open("/demo/accesso"); status != 200 {
		t.Fatalf("login page: status %d", status)
	}
	axeCheck(p, "login page")
	p.tabTo(`a[href="/demo/spid"]`)
	if resp := p.enter(); resp.Status != 200 {
		t.Fatalf("IdP list: status %d", resp.Status)
	}
	p.waitPath("the IdP list", func(s string) bool { return s == "/demo/spid" })
	p.expectText("h1", "Entra con SPID")
	axeCheck(p, "SPID identity providers")

	p.tabTo(`button[name=idp]`)
	p.enter() // the signed AuthnRequest, posted to the IdP by saml-post.js
	p.waitPath("the test IdP", func(s string) bool { return strings.HasPrefix(s, "/_test-idp/spid/sso") })
	p.waitLoaded()
	p.expectText("h1", "Accedi con l'identità di prova")
	axeCheck(p, "test identity provider")

	p.tabTo(`button[value=login]`) // Mario Rossi is preselected
	p.enter()                      // the signed Response, posted to the ACS
	p.waitPath("the family page", func(s string) bool { return s == "/demo/famiglia" })
	p.waitLoaded()
	if !strings.Contains(p.text("main"), "Luca") {
		t.Fatalf("family page after SPID: %q", p.text("main"))
	}
	axeCheck(p, "family page after SPID")
}

// TestSPIDJourneyWithoutJavaScript: the same with scripts off: every page of
// the HTTP-POST binding has a button, and each page passes axe.
func TestSPIDJourneyWithoutJavaScript(t *testing.T) {
	t.Parallel()
	p := newPage(t, startSPIDServer(t))
	p.disableJS()
	if status := p.open("/demo/accesso"); status != 200 {
		t.Fatalf("login page: status %d", status)
	}
	p.tabTo(`a[href="/demo/spid"]`)
	p.enter()
	p.tabTo(`button[name=idp]`)
	p.enter()
	if p.path() != "/demo/spid/entra" {
		t.Fatalf("without JS the request page should wait for the button, page %s", p.path())
	}
	p.expectText("h1", "Collegamento al gestore dell'identità")
	axeCheck(p, "AuthnRequest page without JS")
	p.tabTo(`form[data-saml-autosubmit] button[type=submit]`)
	p.enter()
	p.waitPath("the test IdP", func(s string) bool { return strings.HasPrefix(s, "/_test-idp/spid/sso") })
	// Anna Verdi: a paying adult without an account (first visit).
	p.tabTo(`input[name=user]`)
	p.key(kb.ArrowDown) // the next identity
	p.tabTo(`button[value=login]`)
	p.enter()
	axeCheck(p, "Response page without JS")
	p.tabTo(`form[data-saml-autosubmit] button[type=submit]`)
	p.enter()
	p.waitPath("the first visit page", func(s string) bool { return s == "/demo/primo-accesso" })
	axeCheck(p, "first visit after SPID")

	// Cancelling at the IdP (ErrorCode nr25) gives a clear page with a way back.
	p.open("/demo/spid")
	p.tabTo(`button[name=idp]`)
	p.enter()
	p.tabTo(`form[data-saml-autosubmit] button[type=submit]`)
	p.enter()
	p.tabTo(`button[value=cancel]`)
	p.enter()
	p.tabTo(`form[data-saml-autosubmit] button[type=submit]`)
	if resp := p.enter(); resp.Status != 403 {
		t.Fatalf("cancelled: status %d", resp.Status)
	}
	p.expectText("h1", "Accesso annullato")
	axeCheck(p, "SPID error nr25")
}
