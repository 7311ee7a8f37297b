package handlers_test

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"portalegenitori/internal/identity/cns/cnsca"
)

// TestOpenRedirectRefused: every redirect target taken from a request goes
// through the one safeNext; the hostile review's /%09/ and its relatives end
// on the fallback, never off-site.
func TestOpenRedirectRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hostile := []string{"/%09/evil.example/", "/%0A/evil.example", "/%0D/evil.example", "//evil.example", "/%5Cevil.example",
		"%5C%5Cevil.example", "https://evil.example", "/%20/evil.example", "/%2509/evil.example", "/%252f%252fevil.example"}
	for _, next := range hostile {
		p := e.browser().get("/lingua/en?next=" + next)
		if p.status != http.StatusSeeOther || p.loc != "/" {
			t.Errorf("/lingua/en?next=%s: %d → %q", next, p.status, p.loc)
		}
	}
	for _, next := range hostile {
		dec, _ := url.QueryUnescape(next)
		for _, n := range []string{dec, "/demo" + dec} {
			b := e.browser()
			p := b.post("/demo/accesso", url.Values{"username": {"mario.rossi"}, "password": {"Mensa-Scuola-2026"}, "next": {n}})
			if p.status != http.StatusSeeOther || p.loc != "/demo/famiglia" {
				t.Errorf("login with next %q: %d → %q", n, p.status, p.loc)
			}
			p = b.post("/demo/preferenze", url.Values{"fit": {"1"}, "next": {n}})
			if p.status != http.StatusSeeOther || p.loc != "/demo/accesso" {
				t.Errorf("preferences with next %q: %d → %q", n, p.status, p.loc)
			}
			e.store.DB().MustExec(`DELETE FROM throttles`)
		}
	}
	// a good target is still followed
	p := e.browser().post("/demo/accesso", url.Values{"username": {"mario.rossi"}, "password": {"Mensa-Scuola-2026"}, "next": {"/demo/pagamenti"}})
	if p.loc != "/demo/pagamenti" {
		t.Fatalf("login with a good next: %q", p.loc)
	}
}

// TestInstallationCodeInRouter: a path segment that cannot be an
// installation code is a 404 before any query, whatever its bytes.
func TestInstallationCodeInRouter(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	for _, seg := range []string{"%ff", "%00", "%c3%28", "DEMO", "-demo", "d", "demo%20", strings.Repeat("a", 41), "de.mo", "%e2%80%ae"} {
		for _, path := range []string{"/" + seg + "/accesso", "/" + seg, "/" + seg + "/famiglia"} {
			p := b.get(path)
			if p.status != http.StatusNotFound {
				t.Errorf("GET %s: %d, want 404", path, p.status)
			}
			mustContain(t, p, "Pagina non trovata")
		}
		p := b.post("/"+seg+"/accesso", url.Values{"username": {"x"}, "password": {"y"}})
		if p.status != http.StatusNotFound {
			t.Errorf("POST /%s/accesso: %d, want 404", seg, p.status)
		}
	}
	if logs := e.logs.String(); strings.Contains(logs, "invalid byte sequence") || strings.Contains(logs, `"level":"ERROR"`) {
		t.Fatalf("a hostile installation code reached the database:\n%s", logs)
	}
	wantStatus(t, b.get("/demo/accesso"), http.StatusOK)
}

// TestRequestLogRedactsSecrets: a token in a path, also of a route that does
// not exist, and the SAML parameters of a query string are logged redacted;
// harmless query values are kept.
func TestRequestLogRedactsSecrets(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	token := "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	b.get("/demo/recupero-accesso/link/" + token)
	b.post("/demo/recupero-accesso/link/"+token, nil)
	b.get("/demo/recupero-accesso/link/" + token + "/altro")
	b.get("/lago/recupero-accesso/link/" + strings.ToLower(token) + "%0A")
	saml := url.Values{"SAMLRequest": {"fVJNb9swDL0P2H8QdPc_SECRET1"}, "SAMLResponse": {"PHNhbWxwOlJlc3BvbnNlSECRET2"},
		"RelayState": {"RELAYSECRET3"}, "Signature": {"c2lnbmF0dXJlSECRET4"}, "SigAlg": {"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"}}
	b.get("/demo/spid/slo?" + saml.Encode())
	b.get("/demo/spid/acs?" + saml.Encode())
	b.get("/lingua/en?next=/demo/recupero-accesso/link/" + token)
	b.get("/demo/accesso?uscito=1&next=/demo/famiglia")
	logs := e.logs.String()
	for _, secret := range []string{token, strings.ToLower(token), "SECRET1", "SECRET2", "SECRET3", "SECRET4"} {
		if strings.Contains(logs, secret) {
			t.Errorf("%q is in the log", secret)
		}
	}
	for _, want := range []string{
		`"path":"/demo/recupero-accesso/link/[redacted]","status":410`,
		`"path":"/demo/recupero-accesso/link/[redacted]/altro","status":404`,
		`"query":"RelayState=[redacted]&SAMLRequest=[redacted]&SAMLResponse=[redacted]&SigAlg=[redacted]&Signature=[redacted]"`,
		`"path":"/lingua/en","query":"next=[redacted]"`,
		`"query":"next=[redacted]&uscito=1"`,
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("the log lacks %s", want)
		}
	}
	if t.Failed() {
		t.Log(logs)
	}
}

// TestCNSNothingSecretLogged: a CNS sign-in through the card listener and
// through a proxy header logs neither the session nor the certificate.
func TestCNSNothingSecretLogged(t *testing.T) {
	t.Parallel()
	for _, o := range []cnsOpts{{listener: true}, {proxy: true, trusted: "127.0.0.1/32"}} {
		e := newCNSEnv(t, o)
		card := e.card(cnsca.Card{FiscalCode: marioCF})
		var p page
		// the card's first use: its "Sì" signs in
		if o.listener {
			p = answer(t, e.cardClient(card), e.cnsURL+"/demo/cns/entra", "si")
		} else {
			p = answer(t, e.fromAddr("127.0.0.1"), e.srv.URL+"/demo/cns/entra", "si", cnsHeader, url.PathEscape(string(card.CertPEM())))
		}
		if p.status != http.StatusSeeOther {
			t.Fatalf("sign-in: %d %q", p.status, p.loc)
		}
		u, _ := url.Parse(e.srv.URL)
		var session string
		for _, c := range e.jar.Cookies(u) {
			session = c.Value
		}
		cert := base64.StdEncoding.EncodeToString(card.Cert.Raw)
		logs := e.logs.String()
		for _, secret := range []string{session, cert[40:80], url.PathEscape(cert[40:80])} {
			if secret == "" || strings.Contains(logs, secret) {
				t.Fatalf("listener %v: %q is in the log (or no session):\n%s", o.listener, secret, logs)
			}
		}
		if !strings.Contains(logs, `"method":"POST","path":"/demo/cns/entra","status":303`) {
			t.Fatalf("the sign-in is not logged:\n%s", logs)
		}
	}
}
