package handlers_test

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"html"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"

	"portalegenitori/handlers"
	"portalegenitori/internal/codicefiscale"
	"portalegenitori/internal/config"
	"portalegenitori/internal/identity/saml"
	"portalegenitori/internal/identity/spidtest"
)

// samlEnv is the portal over HTTPS with SAML configured: an SP key for the
// demo installation, and a folder of IdPs holding one in-process test IdP
// for SPID and one for CIE (their endpoints are never contacted: the test
// plays the browser and posts the IdP's answer itself).
type samlEnv struct {
	*env
	spid, cie *spidtest.IdP
	spKey     saml.KeyPair
}

var (
	spKeyOnce sync.Once
	spKey     saml.KeyPair
	spKeyErr  error
	// the test IdPs' keys, made once per process like the SP's: RSA key
	// generation was seconds of the package's CPU
	idpKeys = sync.OnceValues(func() (map[string]saml.KeyPair, error) {
		keys := map[string]saml.KeyPair{}
		for _, fed := range []string{"spid", "cie"} {
			kp, err := spidtest.NewKey("idp " + fed)
			if err != nil {
				return nil, err
			}
			keys[fed] = kp
		}
		return keys, nil
	})
)

func newSAMLEnv(t *testing.T) *samlEnv {
	t.Helper()
	spKeyOnce.Do(func() {
		spKey, spKeyErr = saml.GenerateSPCertificate(saml.CertSubject{CommonName: "Portale Genitori", Organization: "Comune di Esempio",
			Locality: "Esempio", IPACode: "c_x000", EntityID: "https://genitori.example/demo"}, 24*time.Hour)
	})
	if spKeyErr != nil {
		t.Fatal(spKeyErr)
	}
	se := &samlEnv{spKey: spKey}
	se.env = newEnvWith(t, func(cfg *config.Config, baseURL string) {
		cfg.BaseURL = baseURL
		cfg.SAML.KeyDir, cfg.SAML.IdPDir = t.TempDir(), t.TempDir()
		if err := saml.WriteKeyPair(filepath.Join(cfg.SAML.KeyDir, "demo"), spKey, false); err != nil {
			t.Fatal(err)
		}
		keys, err := idpKeys()
		if err != nil {
			t.Fatal(err)
		}
		for _, fed := range []string{"spid", "cie"} {
			kp := keys[fed]
			idp := spidtest.New("https://idp.example.test/"+fed, "IdP di prova "+fed, kp)
			md, err := idp.Metadata()
			if err != nil {
				t.Fatal(err)
			}
			if err := os.MkdirAll(filepath.Join(cfg.SAML.IdPDir, fed), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(cfg.SAML.IdPDir, fed, "test.xml"), md, 0o644); err != nil {
				t.Fatal(err)
			}
			if fed == "spid" {
				se.spid = idp
			} else {
				se.cie = idp
			}
		}
	})
	return se
}

var (
	hiddenField = regexp.MustCompile(`<input type="hidden" name="([A-Za-z]+)" value="([^"]*)">`)
	idpButton   = regexp.MustCompile(`<button type="submit" name="idp" value="([0-9a-f]+)"`)
	formAction  = regexp.MustCompile(`<form method="post" action="([^"]+)" data-saml-autosubmit>`)
)

func fields(body string) map[string]string {
	out := map[string]string{}
	for _, m := range hiddenField.FindAllStringSubmatch(body, -1) {
		out[m[1]] = html.UnescapeString(m[2])
	}
	return out
}

// started is a sign-in sent to the IdP.
type started struct {
	req    *spidtest.ParsedRequest
	relay  string
	action string
	page   page
}

// start opens the IdP list of fed, picks the (only) IdP and returns the
// AuthnRequest the portal sends.
func (se *samlEnv) start(b *browser, fed string) started {
	se.t.Helper()
	list := b.get("/demo/" + fed)
	wantStatus(se.t, list, http.StatusOK)
	m := idpButton.FindStringSubmatch(list.body)
	if m == nil {
		se.t.Fatalf("no IdP button:\n%s", list.body)
	}
	p := b.post("/demo/"+fed+"/entra", url.Values{"idp": {m[1]}})
	wantStatus(se.t, p, http.StatusOK)
	f := fields(p.body)
	req, err := spidtest.ParseAuthnRequest(f["SAMLRequest"])
	if err != nil {
		se.t.Fatalf("AuthnRequest: %v", err)
	}
	a := formAction.FindStringSubmatch(p.body)
	if a == nil {
		se.t.Fatalf("no auto-submitted form:\n%s", p.body)
	}
	return started{req: req, relay: f["RelayState"], action: html.UnescapeString(a[1]), page: p}
}

func (se *samlEnv) answer(fed string, s started, mod func(*spidtest.Response)) spidtest.Response {
	r := spidtest.Response{RequestID: s.req.ID, ACSURL: se.cfg.BaseURL + "/demo/" + fed + "/acs", Audience: se.cfg.BaseURL + "/demo", Level: s.req.Level}
	names := saml.SPIDAttributes
	if fed == "cie" {
		names = saml.CIEAttributes
	}
	vals := map[string]string{"fiscalNumber": "TINIT-" + samlMarioCF, "name": "Mario", "familyName": "Rossi", "email": "mario.rossi@example.it",
		"mobilePhone": "+393331234567", "dateOfBirth": "1982-04-12"}
	for _, n := range names {
		r.Attributes = append(r.Attributes, [2]string{n, vals[n]})
	}
	if mod != nil {
		mod(&r)
	}
	return r
}

// post sends the IdP's Response as the browser does: a cross-site POST.
func (se *samlEnv) post(b *browser, fed string, idp *spidtest.IdP, r spidtest.Response, relay string) page {
	se.t.Helper()
	raw, err := idp.Build(r)
	if err != nil {
		se.t.Fatal(err)
	}
	return b.post("/demo/"+fed+"/acs", url.Values{"SAMLResponse": {saml.Encode(raw)}, "RelayState": {relay}},
		"Sec-Fetch-Site", "cross-site", "Origin", "https://idp.example.test")
}

var samlMarioCF = func() string {
	t, _ := time.Parse("2006-01-02", "1982-04-12")
	return codicefiscale.Compute("Rossi", "Mario", t, false, "F205")
}()

const samlAnnaCF = "VRDNNA87H43L219D"

func setCF(cf string) func(*spidtest.Response) {
	return func(r *spidtest.Response) {
		for i := range r.Attributes {
			if r.Attributes[i][0] == "fiscalNumber" {
				r.Attributes[i][1] = "TINIT-" + cf
			}
		}
	}
}

func verifySigned(t *testing.T, raw []byte, cert *saml.KeyPair) *etree.Element {
	t.Helper()
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(raw); err != nil {
		t.Fatal(err)
	}
	vc := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: []*x509.Certificate{cert.Cert}})
	vc.IdAttribute = "ID"
	el, err := vc.Validate(doc.Root())
	if err != nil {
		t.Fatalf("signature: %v\n%s", err, raw)
	}
	return el
}

func TestSPIDMetadataSigned(t *testing.T) {
	t.Parallel()
	se := newSAMLEnv(t)
	b := se.browser()
	for _, fed := range []string{"spid", "cie"} {
		p := b.get("/demo/" + fed + "/metadata?download=1")
		wantStatus(t, p, http.StatusOK)
		if !strings.Contains(p.header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("%s metadata not downloadable: %v", fed, p.header)
		}
		el := verifySigned(t, []byte(p.body), &se.spKey)
		if el.SelectAttrValue("entityID", "") != se.cfg.BaseURL+"/demo" {
			t.Fatalf("entityID %q", el.SelectAttrValue("entityID", ""))
		}
		mustContain(t, p, `AuthnRequestsSigned="true"`, `index="0" isDefault="true"`, saml.NameIDTransient,
			`<md:ServiceName xml:lang="it">`, `<md:OrganizationName xml:lang="it">`, "<md:EmailAddress>scuola@comune.esempio.it</md:EmailAddress>",
			"/demo/"+fed+"/acs", "/demo/"+fed+"/slo")
		mustNotContain(t, p, `use="encryption"`, "AllowCreate")
		if fed == "spid" {
			mustContain(t, p, `contactType="other"`, ">c_x000</spid:IPACode>", "<spid:Public ", "<md:TelephoneNumber>+39020000000</md:TelephoneNumber>",
				`Name="fiscalNumber"`, `Name="mobilePhone"`)
		} else {
			mustContain(t, p, `contactType="administrative"`, "<cie:Public ", ">c_x000</cie:IPACode>", ">F205</cie:Municipality>",
				">MI</cie:Province>", ">IT</cie:Country>", `Name="dateOfBirth"`)
			mustNotContain(t, p, `Name="email"`)
		}
	}
}

func TestSPIDAuthnRequest(t *testing.T) {
	t.Parallel()
	se := newSAMLEnv(t)
	b := se.browser()
	list := b.get("/demo/spid")
	mustContain(t, list, "IdP di prova spid", `<form method="post" action="/demo/spid/entra">`)
	s := se.start(b, "spid")
	if s.action != se.spid.SSOURL {
		t.Fatalf("form goes to %q, want the IdP's SSO %q", s.action, se.spid.SSOURL)
	}
	if csp := s.page.header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' https://idp.example.test") {
		t.Fatalf("CSP does not let the form reach the IdP: %s", csp)
	}
	raw, _ := base64.StdEncoding.DecodeString(fields(s.page.body)["SAMLRequest"])
	verifySigned(t, raw, &se.spKey)
	x := string(raw)
	for _, want := range []string{`Version="2.0"`, `Destination="` + se.spid.SSOURL + `"`, `ForceAuthn="true"`, `AssertionConsumerServiceIndex="0"`,
		`AttributeConsumingServiceIndex="0"`, `Format="urn:oasis:names:tc:SAML:2.0:nameid-format:entity"`, `NameQualifier="` + se.cfg.BaseURL + `/demo"`,
		`<samlp:NameIDPolicy Format="urn:oasis:names:tc:SAML:2.0:nameid-format:transient"/>`, `Comparison="minimum"`, saml.SpidL2, "rsa-sha256"} {
		if !strings.Contains(x, want) {
			t.Fatalf("AuthnRequest lacks %s:\n%s", want, x)
		}
	}
	for _, bad := range []string{"AllowCreate", "IsPassive", "Scoping", "RequesterID"} {
		if strings.Contains(x, bad) {
			t.Fatalf("AuthnRequest has %s", bad)
		}
	}
	if s.relay == "" || strings.Contains(s.relay, s.req.ID) || len(s.relay) < 20 {
		t.Fatalf("RelayState %q is not an opaque handle", s.relay)
	}
	if n := auditCount(t, se.store, "login", "saml_request"); n != 1 {
		t.Fatalf("audit saml_request rows: %d", n)
	}
}

func TestSPIDSignInExistingAccount(t *testing.T) {
	t.Parallel()
	se := newSAMLEnv(t)
	b := se.browser()
	s := se.start(b, "spid")
	p := se.post(b, "spid", se.spid, se.answer("spid", s, nil), s.relay)
	wantStatus(t, p, http.StatusSeeOther)
	if p.loc != "/demo/famiglia" {
		t.Fatalf("redirect to %q", p.loc)
	}
	fam := b.get("/demo/famiglia")
	wantStatus(t, fam, http.StatusOK)
	mustContain(t, fam, "Luca")
	for _, o := range []string{"saml_request", "saml_assertion", "success"} {
		if auditCount(t, se.store, "login", o) != 1 {
			t.Fatalf("audit %s missing", o)
		}
	}
	// The same response again: a replay.
	b2 := se.browser()
	again := se.post(b2, "spid", se.spid, se.answer("spid", s, nil), s.relay)
	wantStatus(t, again, http.StatusForbidden)
	mustContain(t, again, "già stata usata")
}

func TestSPIDReplayOfTheSameBytes(t *testing.T) {
	t.Parallel()
	se := newSAMLEnv(t)
	b := se.browser()
	s := se.start(b, "spid")
	raw, err := se.spid.Build(se.answer("spid", s, nil))
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{"SAMLResponse": {saml.Encode(raw)}, "RelayState": {s.relay}}
	wantStatus(t, b.post("/demo/spid/acs", form), http.StatusSeeOther)
	p := se.browser().post("/demo/spid/acs", form)
	wantStatus(t, p, http.StatusForbidden)
	if auditCount(t, se.store, "login", "saml_refused") != 1 {
		t.Fatal("replay not audited")
	}
}

func TestSPIDFirstVisitCreatesAccount(t *testing.T) {
	t.Parallel()
	se := newSAMLEnv(t)
	b := se.browser()
	s := se.start(b, "spid")
	p := se.post(b, "spid", se.spid, se.answer("spid", s, setCF(samlAnnaCF)), s.relay)
	wantStatus(t, p, http.StatusSeeOther)
	if p.loc != "/demo/primo-accesso" {
		t.Fatalf("redirect to %q", p.loc)
	}
	fv := b.get("/demo/primo-accesso")
	wantStatus(t, fv, http.StatusOK)
	mustContain(t, fv, "anna.verdi@example.it")
	var hasPassword bool
	if err := se.store.DB().Get(&hasPassword, `SELECT password_hash IS NOT NULL FROM accounts WHERE linked_fiscal_code = $1`, samlAnnaCF); err != nil {
		t.Fatal(err)
	}
	if hasPassword {
		t.Fatal("an account created by SPID has a password")
	}
}

func TestSPIDUnknownFiscalCode(t *testing.T) {
	t.Parallel()
	se := newSAMLEnv(t)
	b := se.browser()
	s := se.start(b, "spid")
	p := se.post(b, "spid", se.spid, se.answer("spid", s, setCF("GDASDV00A01H501J")), s.relay)
	wantStatus(t, p, http.StatusForbidden)
	mustContain(t, p, "non corrisponde a nessun adulto pagante", "/demo/accesso")
	if auditCount(t, se.store, "login", "unknown_person") != 1 {
		t.Fatal("unknown person not audited")
	}
}

// Every check of the ACS, through the HTTP endpoint: refused with 403, no
// session, audited.
func TestSPIDACSNegative(t *testing.T) {
	t.Parallel()
	se := newSAMLEnv(t)
	other, err := spidtest.NewKey("attacker")
	if err != nil {
		t.Fatal(err)
	}
	str := func(s string) *string { return &s }
	past := time.Now().Add(-time.Hour)
	cases := []struct {
		name string
		mod  func(*spidtest.Response)
	}{
		{"unsigned response", func(r *spidtest.Response) { r.UnsignedResponse = true }},
		{"unsigned assertion inside a signed response", func(r *spidtest.Response) { r.UnsignedAssertion = true }},
		{"signed with another key", func(r *spidtest.Response) { r.SignWith = &other }},
		{"signature wrapping", func(r *spidtest.Response) {
			r.After = func(resp *etree.Element) {
				forged := resp.FindElement("./Assertion").Copy()
				forged.CreateAttr("ID", "_forged")
				for _, s := range forged.FindElements("./Signature") {
					forged.RemoveChild(s)
				}
				resp.InsertChildAt(2, forged)
			}
		}},
		{"wrong audience", func(r *spidtest.Response) { r.Audience = "https://other.example/sp" }},
		{"wrong destination", func(r *spidtest.Response) { r.Destination = str("https://other.example/acs") }},
		{"expired", func(r *spidtest.Response) { r.NotOnOrAfter = past }},
		{"issued in the future", func(r *spidtest.Response) { r.IssueInstant = time.Now().Add(time.Hour) }},
		{"level lower than requested", func(r *spidtest.Response) { r.Level = saml.SpidL1 }},
		{"missing fiscalNumber", func(r *spidtest.Response) { r.Attributes = r.Attributes[1:] }},
		{"issuer of another IdP", func(r *spidtest.Response) { r.Issuer = se.cie.EntityID }},
		{"answer to another request", func(r *spidtest.Response) { r.InResponseTo = str("_not-ours") }},
	}
	for i, c := range cases {
		b := se.browser()
		s := se.start(b, "spid")
		p := se.post(b, "spid", se.spid, se.answer("spid", s, c.mod), s.relay)
		if p.status != http.StatusForbidden {
			t.Fatalf("%s: status %d, want 403\n%s", c.name, p.status, p.body)
		}
		if b.sessionCookie() != "" {
			t.Fatalf("%s: a session was created", c.name)
		}
		if n := auditCount(t, se.store, "login", "saml_refused"); n != i+1 {
			t.Fatalf("%s: %d refusals audited, want %d", c.name, n, i+1)
		}
	}
	if auditCount(t, se.store, "login", "success") != 0 {
		t.Fatal("a refused response signed someone in")
	}
	// A response signed by the IdP of another federation, posted to the CIE
	// ACS for a SPID request, is unsolicited there.
	b := se.browser()
	s := se.start(b, "spid")
	p := se.post(b, "cie", se.cie, se.answer("cie", s, nil), s.relay)
	wantStatus(t, p, http.StatusForbidden)
}

func TestSPIDUnsolicitedResponse(t *testing.T) {
	t.Parallel()
	se := newSAMLEnv(t)
	b := se.browser()
	r := se.answer("spid", started{req: &spidtest.ParsedRequest{ID: "_never-sent", Level: saml.SpidL2}}, nil)
	p := se.post(b, "spid", se.spid, r, "")
	wantStatus(t, p, http.StatusForbidden)
	mustContain(t, p, "non ha chiesto questo accesso")
	// No InResponseTo at all (IdP-initiated SSO is not accepted).
	r.InResponseTo = new(string)
	p = se.post(b, "spid", se.spid, r, "")
	wantStatus(t, p, http.StatusForbidden)
}

func TestSPIDErrorCodes(t *testing.T) {
	t.Parallel()
	se := newSAMLEnv(t)
	for code, want := range map[string]string{"19": "ripetuti inserimenti", "20": "livello di sicurezza", "21": "non è stata completata in tempo",
		"22": "consenso", "23": "sospesa o revocata", "25": "Hai annullato l'accesso"} {
		b := se.browser()
		s := se.start(b, "spid")
		p := se.post(b, "spid", se.spid, se.answer("spid", s, func(r *spidtest.Response) {
			r.StatusCode = "urn:oasis:names:tc:SAML:2.0:status:Responder"
			r.SubStatus = "urn:oasis:names:tc:SAML:2.0:status:AuthnFailed"
			r.StatusMessage = "ErrorCode nr" + code
		}), s.relay)
		wantStatus(t, p, http.StatusForbidden)
		mustContain(t, p, html.EscapeString(want), `href="/demo/spid"`, `href="/demo/accesso"`)
	}
	if n := auditCount(t, se.store, "login", "idp_error"); n != 6 {
		t.Fatalf("idp_error audited %d times", n)
	}
}

func TestSPIDCrossOriginOnlyForACS(t *testing.T) {
	t.Parallel()
	se := newSAMLEnv(t)
	b := se.browser()
	// The ACS accepts the IdP's cross-site POST (it answers with the SAML
	// error, not the cross-origin refusal)...
	p := b.post("/demo/spid/acs", url.Values{"SAMLResponse": {"bm90IHNhbWw="}}, "Sec-Fetch-Site", "cross-site")
	wantStatus(t, p, http.StatusBadRequest)
	mustNotContain(t, p, "Richiesta bloccata")
	// ...but starting a sign-in from another site is refused.
	p = b.post("/demo/spid/entra", url.Values{"idp": {"x"}}, "Sec-Fetch-Site", "cross-site")
	wantStatus(t, p, http.StatusForbidden)
	mustContain(t, p, "Richiesta bloccata")
}

func TestSPIDSingleLogoutSPInitiated(t *testing.T) {
	t.Parallel()
	se := newSAMLEnv(t)
	b := se.browser()
	s := se.start(b, "spid")
	wantStatus(t, se.post(b, "spid", se.spid, se.answer("spid", s, func(r *spidtest.Response) { r.NameID = "_nid1"; r.SessionIndex = "_si1" }), s.relay), http.StatusSeeOther)
	out := b.post("/demo/esci", url.Values{})
	wantStatus(t, out, http.StatusOK)
	a := formAction.FindStringSubmatch(out.body)
	if a == nil || html.UnescapeString(a[1]) != se.spid.SLOURL {
		t.Fatalf("logout does not go to the IdP:\n%s", out.body)
	}
	f := fields(out.body)
	raw, _ := base64.StdEncoding.DecodeString(f["SAMLRequest"])
	el := verifySigned(t, raw, &se.spKey)
	if !strings.Contains(string(raw), ">_nid1</saml:NameID>") || !strings.Contains(string(raw), "_si1") {
		t.Fatalf("LogoutRequest:\n%s", raw)
	}
	// Signed out already.
	if g := b.get("/demo/famiglia"); g.status != http.StatusSeeOther {
		t.Fatalf("still signed in after Esci: %d", g.status)
	}
	// The IdP answers.
	lr, err := se.spid.LogoutResponse(el.SelectAttrValue("ID", ""), se.cfg.BaseURL+"/demo/spid/slo")
	if err != nil {
		t.Fatal(err)
	}
	p := b.post("/demo/spid/slo", url.Values{"SAMLResponse": {saml.Encode(lr)}, "RelayState": {f["RelayState"]}}, "Sec-Fetch-Site", "cross-site")
	wantStatus(t, p, http.StatusSeeOther)
	if p.loc != "/demo/accesso?uscito=1" {
		t.Fatalf("after logout: %q", p.loc)
	}
	// Replayed LogoutResponse.
	p = b.post("/demo/spid/slo", url.Values{"SAMLResponse": {saml.Encode(lr)}, "RelayState": {f["RelayState"]}}, "Sec-Fetch-Site", "cross-site")
	wantStatus(t, p, http.StatusForbidden)
}

func TestSPIDSingleLogoutIdPInitiated(t *testing.T) {
	t.Parallel()
	se := newSAMLEnv(t)
	b := se.browser()
	s := se.start(b, "spid")
	wantStatus(t, se.post(b, "spid", se.spid, se.answer("spid", s, func(r *spidtest.Response) { r.NameID = "_nid2"; r.SessionIndex = "_si2" }), s.relay), http.StatusSeeOther)
	wantStatus(t, b.get("/demo/famiglia"), http.StatusOK)

	// A LogoutRequest signed by another key is refused.
	other, _ := spidtest.NewKey("attacker")
	fake := spidtest.New(se.spid.EntityID, "x", other)
	bad, _ := fake.LogoutRequest(se.cfg.BaseURL+"/demo/spid/slo", "_nid2", "_si2")
	idpBrowser := se.browser() // the IdP's POST carries no portal cookie
	wantStatus(t, idpBrowser.post("/demo/spid/slo", url.Values{"SAMLRequest": {saml.Encode(bad)}}, "Sec-Fetch-Site", "cross-site"), http.StatusForbidden)
	wantStatus(t, b.get("/demo/famiglia"), http.StatusOK)

	lr, err := se.spid.LogoutRequest(se.cfg.BaseURL+"/demo/spid/slo", "_nid2", "_si2")
	if err != nil {
		t.Fatal(err)
	}
	p := idpBrowser.post("/demo/spid/slo", url.Values{"SAMLRequest": {saml.Encode(lr)}, "RelayState": {"r1"}}, "Sec-Fetch-Site", "cross-site")
	wantStatus(t, p, http.StatusOK)
	a := formAction.FindStringSubmatch(p.body)
	if a == nil || html.UnescapeString(a[1]) != se.spid.SLOURL {
		t.Fatalf("no LogoutResponse to the IdP:\n%s", p.body)
	}
	resp, _ := base64.StdEncoding.DecodeString(fields(p.body)["SAMLResponse"])
	verifySigned(t, resp, &se.spKey)
	if !strings.Contains(string(resp), saml.StatusSuccess) {
		t.Fatalf("LogoutResponse:\n%s", resp)
	}
	if g := b.get("/demo/famiglia"); g.status != http.StatusSeeOther {
		t.Fatalf("session survived IdP-initiated logout: %d", g.status)
	}
	// Answered even when no session matches.
	lr2, _ := se.spid.LogoutRequest(se.cfg.BaseURL+"/demo/spid/slo", "_unknown", "_x")
	wantStatus(t, idpBrowser.post("/demo/spid/slo", url.Values{"SAMLRequest": {saml.Encode(lr2)}}, "Sec-Fetch-Site", "cross-site"), http.StatusOK)
}

func TestCIESignIn(t *testing.T) {
	t.Parallel()
	se := newSAMLEnv(t)
	b := se.browser()
	s := se.start(b, "cie")
	if s.req.Level != saml.SpidL3 {
		t.Fatalf("CIE level %q", s.req.Level)
	}
	p := se.post(b, "cie", se.cie, se.answer("cie", s, nil), s.relay)
	wantStatus(t, p, http.StatusSeeOther)
	if p.loc != "/demo/famiglia" {
		t.Fatalf("redirect %q", p.loc)
	}
	// The SPID IdP cannot answer a CIE request.
	s = se.start(se.browser(), "cie")
	p = se.post(se.browser(), "cie", se.spid, se.answer("cie", s, nil), s.relay)
	wantStatus(t, p, http.StatusForbidden)
}

func TestSAMLWithoutKeyOrIdPs(t *testing.T) {
	t.Parallel()
	e := newEnv(t) // no keys, empty IdP folder
	b := e.browser()
	p := b.get("/demo/spid")
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, "nessun gestore di identità è configurato")
	wantStatus(t, b.get("/demo/spid/metadata"), http.StatusServiceUnavailable)
	// lago offers neither SPID nor CIE.
	wantStatus(t, b.get("/lago/spid"), http.StatusNotFound)
}

// CST mode over SAML: the login page's CST button starts a SAML sign-in
// with the Comune's own IdP (no SPID level requested); the answer goes
// through the same checks.
func TestSAMLCSTMode(t *testing.T) {
	t.Parallel()
	se := newSAMLEnv(t)
	if err := saml.WriteKeyPair(filepath.Join(se.cfg.SAML.KeyDir, "valle"), se.spKey, false); err != nil {
		t.Fatal(err)
	}
	md, _ := se.spid.Metadata()
	if _, err := se.store.DB().Exec(`UPDATE installation_saml SET cst_idp_metadata = $1
		WHERE installation_id = (SELECT id FROM installations WHERE code = 'valle')`, string(md)); err != nil {
		t.Fatal(err)
	}
	b := se.browser()
	login := b.get("/valle/accesso")
	mustContain(t, login, `href="/valle/cst/entra"`, "https://cst.valleserena.example/registrazione")
	mustNotContain(t, login, `id="username"`, "https://cst.valleserena.example/accesso")
	p := b.get("/valle/cst/entra")
	wantStatus(t, p, http.StatusOK)
	f := fields(p.body)
	req, err := spidtest.ParseAuthnRequest(f["SAMLRequest"])
	if err != nil || req.Level != "" {
		t.Fatalf("CST AuthnRequest: %+v %v", req, err)
	}
	r := spidtest.Response{RequestID: req.ID, ACSURL: se.cfg.BaseURL + "/valle/cst/acs", Audience: se.cfg.BaseURL + "/valle",
		Attributes: [][2]string{{"fiscalNumber", "TINIT-GDASDV00A01H501J"}, {"name", "Giuseppe"}, {"familyName", "Esterno"}}}
	raw, _ := se.spid.Build(r)
	resp := b.post("/valle/cst/acs", url.Values{"SAMLResponse": {saml.Encode(raw)}, "RelayState": {f["RelayState"]}}, "Sec-Fetch-Site", "cross-site")
	wantStatus(t, resp, http.StatusForbidden)
	mustContain(t, resp, "non corrisponde a nessun adulto pagante")
	if auditCount(t, se.store, "login", "saml_assertion") != 1 {
		t.Fatal("the CST assertion was not accepted")
	}
	// The metadata of the CST service provider.
	wantStatus(t, b.get("/valle/cst/metadata"), http.StatusOK)
}

// bindingCookies returns the SAML browser-binding cookies in b's jar.
func bindingCookies(b *browser) map[string]string {
	u, _ := url.Parse(b.e.srv.URL)
	out := map[string]string{}
	for _, c := range b.client.Jar.Cookies(u) {
		if strings.HasPrefix(c.Name, "__Host-saml-") {
			out[c.Name] = c.Value
		}
	}
	return out
}

// TestSAMLResponseBoundToBrowser: login CSRF. A response is accepted only
// from the browser that started its request: not from a browser without
// the cookie, nor with another request's cookie; the refusal leaves the
// request open for the right browser, which signs in, also with a second
// sign-in started in another tab.
func TestSAMLResponseBoundToBrowser(t *testing.T) {
	t.Parallel()
	se := newSAMLEnv(t)
	victim := se.browser()
	list := victim.get("/demo/spid")
	idp := idpButton.FindStringSubmatch(list.body)[1]
	req, _ := http.NewRequest(http.MethodPost, se.srv.URL+"/demo/spid/entra", strings.NewReader(url.Values{"idp": {idp}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := victim.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var set string
	for _, v := range resp.Header.Values("Set-Cookie") {
		if strings.HasPrefix(v, "__Host-saml-") {
			set = v
		}
	}
	for _, attr := range []string{"Path=/", "Max-Age=900", "HttpOnly", "Secure", "SameSite=None"} {
		if !strings.Contains(set, attr) {
			t.Fatalf("binding cookie %q lacks %s", set, attr)
		}
	}
	if strings.Contains(set, "Domain=") {
		t.Fatalf("binding cookie %q has a domain", set)
	}

	s1 := se.start(victim, "spid") // the sign-in to protect
	s2 := se.start(victim, "spid") // the same user, another tab
	if len(bindingCookies(victim)) != 3 {
		t.Fatalf("binding cookies %v, want one per request", bindingCookies(victim))
	}
	answer := se.answer("spid", s1, nil)
	refused := func(who string, b *browser) {
		t.Helper()
		before := auditCount(t, se.store, "login", "saml_refused")
		p := se.post(b, "spid", se.spid, answer, s1.relay)
		wantStatus(t, p, http.StatusForbidden)
		mustContain(t, p, "non corrisponde a un accesso iniziato da questo browser", `href="/demo/spid"`)
		if b.sessionCookie() != "" {
			t.Fatalf("%s: a session was created", who)
		}
		if auditCount(t, se.store, "login", "saml_refused") != before+1 {
			t.Fatalf("%s: refusal not audited", who)
		}
		var reason string
		mustGet(t, se.store.DB(), &reason, `SELECT detail->>'reason' FROM audit_log WHERE action = 'login' ORDER BY id DESC LIMIT 1`)
		if reason != "other_browser" {
			t.Fatalf("%s: audited reason %q", who, reason)
		}
	}
	// no cookie at all: a response the attacker obtained, posted elsewhere
	refused("no cookie", se.browser())
	// the attacker's own sign-in's cookie
	attacker := se.browser()
	se.start(attacker, "spid")
	refused("another request's cookie", attacker)
	// the other request's value under this request's name
	forged := se.browser()
	u, _ := url.Parse(se.srv.URL)
	var name1 string
	for n := range bindingCookies(victim) {
		if h := sha256.Sum256([]byte("saml-browser\x00" + s1.req.ID)); strings.HasSuffix(n, hex.EncodeToString(h[:6])) {
			name1 = n
		}
	}
	var otherValue string
	for _, v := range bindingCookies(attacker) {
		otherValue = v
	}
	if name1 == "" || otherValue == "" {
		t.Fatal("binding cookies not found")
	}
	forged.client.Jar.SetCookies(u, []*http.Cookie{{Name: name1, Value: otherValue, Path: "/"}})
	refused("another request's value", forged)
	if auditCount(t, se.store, "login", "success") != 0 {
		t.Fatal("a refused response signed someone in")
	}

	// the right browser: signed in, its cookie for this request gone, the
	// other tab's still there and good
	p := se.post(victim, "spid", se.spid, answer, s1.relay)
	wantStatus(t, p, http.StatusSeeOther)
	if p.loc != "/demo/famiglia" {
		t.Fatalf("signed in to %q", p.loc)
	}
	if _, ok := bindingCookies(victim)[name1]; ok {
		t.Fatal("the binding cookie outlived its sign-in")
	}
	p = se.post(victim, "spid", se.spid, se.answer("spid", s2, nil), s2.relay)
	wantStatus(t, p, http.StatusSeeOther)

	// and nothing of the exchange is in the log
	logs := se.logs.String()
	for _, secret := range []string{s1.relay, s2.relay, victim.sessionCookie(), otherValue} {
		if secret != "" && strings.Contains(logs, secret) {
			t.Fatalf("%q is in the log", secret)
		}
	}
}

// TestCSTSignInValleFamily: the demo's CST Comune has a family whose adult
// is one of the demo IdP's identities; the CST sign-in ends in that family.
func TestCSTSignInValleFamily(t *testing.T) {
	t.Parallel()
	se := newSAMLEnv(t)
	if err := saml.WriteKeyPair(filepath.Join(se.cfg.SAML.KeyDir, "valle"), se.spKey, false); err != nil {
		t.Fatal(err)
	}
	md, _ := se.spid.Metadata()
	se.store.DB().MustExec(`UPDATE installation_saml SET cst_idp_metadata = $1
		WHERE installation_id = (SELECT id FROM installations WHERE code = 'valle')`, string(md))
	var anna *spidtest.User
	for _, u := range handlers.DemoIdPUsers() {
		if u.FamilyName == "Colombo" {
			anna = &u
		}
	}
	if anna == nil {
		t.Fatal("the demo IdP offers no identity of the valle registry")
	}
	b := se.browser()
	p := b.get("/valle/cst/entra")
	wantStatus(t, p, http.StatusOK)
	f := fields(p.body)
	req, err := spidtest.ParseAuthnRequest(f["SAMLRequest"])
	if err != nil {
		t.Fatal(err)
	}
	r := spidtest.Response{RequestID: req.ID, ACSURL: se.cfg.BaseURL + "/valle/cst/acs", Audience: se.cfg.BaseURL + "/valle",
		Attributes: [][2]string{{"fiscalNumber", "TINIT-" + anna.FiscalCode}, {"name", anna.Name}, {"familyName", anna.FamilyName}}}
	raw, _ := se.spid.Build(r)
	resp := b.post("/valle/cst/acs", url.Values{"SAMLResponse": {saml.Encode(raw)}, "RelayState": {f["RelayState"]}}, "Sec-Fetch-Site", "cross-site")
	if resp.status != http.StatusSeeOther || resp.loc != "/valle/famiglia" {
		t.Fatalf("CST sign-in: status %d to %q\n%s", resp.status, resp.loc, resp.body)
	}
	fam := b.get("/valle/famiglia")
	wantStatus(t, fam, http.StatusOK)
	mustContain(t, fam, "Buongiorno, Anna.", "Tommaso Colombo", "Mensa scolastica", "Tariffa intera: € 4,50 al giorno")
	mustNotContain(t, fam, "Luca", "Sofia")
}
