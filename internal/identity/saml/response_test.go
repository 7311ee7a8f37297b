package saml_test

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"

	"portalegenitori/internal/identity/saml"
	"portalegenitori/internal/identity/spidtest"
)

const (
	spEntity = "https://genitori.example.it/demo"
	acsURL   = "https://genitori.example.it/demo/spid/acs"
	reqID    = "_0123456789abcdef0123456789abcdef"
)

type fixture struct {
	idp    *spidtest.IdP
	other  saml.KeyPair
	expect saml.Expect
}

var cached *fixture

func setup(t *testing.T) *fixture {
	t.Helper()
	if cached == nil {
		kp, err := spidtest.NewKey("test idp")
		if err != nil {
			t.Fatal(err)
		}
		other, err := spidtest.NewKey("attacker")
		if err != nil {
			t.Fatal(err)
		}
		idp := spidtest.New("https://idp.test/spid", "IdP di prova", kp)
		cached = &fixture{idp: idp, other: other}
	}
	f := *cached
	f.expect = saml.Expect{
		Federation: saml.SPID, EntityID: spEntity, ACSURL: acsURL, RequestID: reqID,
		RequestIssued: time.Now().Add(-30 * time.Second).Truncate(time.Second),
		IdP:           f.idp.Descriptor(), Level: saml.SpidL2, Comparison: "minimum",
		Attributes: saml.SPIDAttributes, Now: time.Now(),
	}
	return &f
}

func good() spidtest.Response {
	return spidtest.Response{
		RequestID: reqID, ACSURL: acsURL, Audience: spEntity, Level: saml.SpidL2,
		Attributes: [][2]string{{"fiscalNumber", "TINIT-RSSMRA82D12F205X"}, {"name", "Mario"}, {"familyName", "Rossi"},
			{"email", "mario@example.it"}, {"mobilePhone", "+393331234567"}},
	}
}

func ptr(s string) *string { return &s }

func TestSAMLResponseValid(t *testing.T) {
	f := setup(t)
	raw, err := f.idp.Build(good())
	if err != nil {
		t.Fatal(err)
	}
	a, err := f.expect.Validate(raw)
	if err != nil {
		t.Fatalf("valid response refused: %v\n%s", err, raw)
	}
	if a.Attributes["fiscalNumber"] != "TINIT-RSSMRA82D12F205X" || a.Level != saml.SpidL2 || a.SessionIndex == "" || a.NameQualifier == "" {
		t.Fatalf("assertion %+v", a)
	}
	if cf, ok := saml.FiscalCode(a.Attributes["fiscalNumber"]); !ok || cf != "RSSMRA82D12F205X" {
		t.Fatalf("fiscal code %q %v", cf, ok)
	}
}

// Each case breaks one rule of docs/identity/spid-cie.md#response-checks; the response must be refused
// with the expected reason.
func TestSAMLResponseNegative(t *testing.T) {
	f := setup(t)
	past := time.Now().Add(-time.Hour)
	cases := []struct {
		name   string
		mod    func(r *spidtest.Response)
		expect func(e *saml.Expect)
		reason string
	}{
		{"unsigned response", func(r *spidtest.Response) { r.UnsignedResponse = true }, nil, "response_unsigned"},
		{"unsigned assertion in a signed response", func(r *spidtest.Response) { r.UnsignedAssertion = true }, nil, "assertion_unsigned"},
		{"signed by another key", func(r *spidtest.Response) { r.SignWith = &f.other }, nil, "response_signature"},
		{"tampered after signing", func(r *spidtest.Response) {
			r.After = func(resp *etree.Element) {
				for _, v := range resp.FindElements(".//AttributeValue") {
					if strings.HasPrefix(v.Text(), "TINIT-") {
						v.SetText("TINIT-VRDNNA87H43L219D")
					}
				}
			}
		}, nil, "response_signature"},
		{"signature wrapping: forged assertion beside the signed one", func(r *spidtest.Response) {
			r.After = func(resp *etree.Element) {
				orig := resp.FindElement("./Assertion")
				forged := orig.Copy()
				forged.CreateAttr("ID", "_forged")
				for _, s := range forged.FindElements("./Signature") {
					forged.RemoveChild(s)
				}
				for _, v := range forged.FindElements(".//AttributeValue") {
					if strings.HasPrefix(v.Text(), "TINIT-") {
						v.SetText("TINIT-VRDNNA87H43L219D")
					}
				}
				resp.InsertChildAt(orig.Index(), forged)
			}
		}, nil, "response_signature"},
		{"signature wrapping: signed response moved inside an unsigned one", func(r *spidtest.Response) {
			r.After = func(resp *etree.Element) {
				inner := resp.Copy()
				for _, c := range resp.ChildElements() {
					resp.RemoveChild(c)
				}
				resp.CreateAttr("ID", "_evil")
				ext := resp.CreateElement("samlp:Extensions")
				ext.AddChild(inner)
			}
		}, nil, "response_unsigned"},
		{"signature wrapping: duplicated ID", func(r *spidtest.Response) {
			r.After = func(resp *etree.Element) {
				orig := resp.FindElement("./Assertion")
				dup := orig.Copy()
				ext := etree.NewElement("samlp:Extensions")
				ext.AddChild(dup)
				resp.InsertChildAt(1, ext)
			}
		}, nil, "response_signature"},
		{"wrong audience", nil, func(e *saml.Expect) { e.EntityID = "https://other.example.it/sp" }, "audience"},
		{"wrong destination", func(r *spidtest.Response) { r.Destination = ptr("https://evil.example/acs") }, nil, "destination"},
		{"missing destination", func(r *spidtest.Response) { r.Destination = ptr("") }, nil, "destination"},
		{"wrong recipient", func(r *spidtest.Response) { r.Recipient = ptr("https://evil.example/acs") }, nil, "recipient"},
		{"expired", func(r *spidtest.Response) { r.NotOnOrAfter = past; r.IssueInstant = past.Add(-time.Minute) }, func(e *saml.Expect) { e.RequestIssued = past.Add(-2 * time.Minute) }, "expired"},
		{"not yet valid", func(r *spidtest.Response) { r.NotBefore = time.Now().Add(time.Hour) }, nil, "not_yet_valid"},
		{"issued before the request", func(r *spidtest.Response) { r.IssueInstant = time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC) }, nil, "issue_instant"},
		{"issued in the future", func(r *spidtest.Response) { r.IssueInstant = time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC) }, nil, "issue_instant"},
		{"unsolicited (no InResponseTo)", func(r *spidtest.Response) { r.InResponseTo = ptr("") }, nil, "in_response_to"},
		{"answer to another request", func(r *spidtest.Response) { r.InResponseTo = ptr("_another") }, nil, "in_response_to"},
		{"issuer of another IdP", func(r *spidtest.Response) { r.Issuer = "https://evil.example/idp" }, nil, "issuer"},
		{"issuer format not entity", func(r *spidtest.Response) {
			r.Before = func(resp *etree.Element) {
				resp.FindElement("./Issuer").CreateAttr("Format", "urn:oasis:names:tc:SAML:2.0:nameid-format:transient")
			}
		}, nil, "issuer"},
		{"assertion issuer without format", func(r *spidtest.Response) {
			r.Before = func(resp *etree.Element) { resp.FindElement("./Assertion/Issuer").RemoveAttr("Format") }
		}, nil, "assertion_issuer"},
		{"NameID not transient", func(r *spidtest.Response) {
			r.Before = func(resp *etree.Element) {
				resp.FindElement("./Assertion/Subject/NameID").CreateAttr("Format", "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent")
			}
		}, nil, "name_id"},
		{"NameID without NameQualifier", func(r *spidtest.Response) {
			r.Before = func(resp *etree.Element) { resp.FindElement("./Assertion/Subject/NameID").RemoveAttr("NameQualifier") }
		}, nil, "name_id"},
		{"confirmation not bearer", func(r *spidtest.Response) {
			r.Before = func(resp *etree.Element) {
				resp.FindElement("./Assertion/Subject/SubjectConfirmation").CreateAttr("Method", "urn:oasis:names:tc:SAML:2.0:cm:holder-of-key")
			}
		}, nil, "subject_confirmation"},
		{"level lower than requested", func(r *spidtest.Response) { r.Level = saml.SpidL1 }, nil, "level"},
		{"level not a SPID level", func(r *spidtest.Response) { r.Level = "urn:oasis:names:tc:SAML:2.0:ac:classes:Password" }, nil, "level"},
		{"same level with comparison better", nil, func(e *saml.Expect) { e.Comparison = "better" }, "level"},
		{"missing fiscalNumber", func(r *spidtest.Response) {
			r.Attributes = [][2]string{{"name", "Mario"}, {"familyName", "Rossi"}, {"email", "m@example.it"}, {"mobilePhone", "+39333"}}
		}, func(e *saml.Expect) { e.Attributes = []string{"name", "familyName", "email", "mobilePhone"} }, "fiscal_number"},
		{"attributes not the requested set", func(r *spidtest.Response) {
			r.Attributes = [][2]string{{"spidCode", "AGID-001"}, {"address", "via Test"}}
		}, nil, "attributes"},
		{"no assertion with success", func(r *spidtest.Response) {
			r.Before = func(resp *etree.Element) { resp.RemoveChild(resp.FindElement("./Assertion")) }
		}, nil, "assertion"},
		{"version not 2.0", func(r *spidtest.Response) {
			r.Before = func(resp *etree.Element) { resp.CreateAttr("Version", "1.1") }
		}, nil, "version"},
		{"DTD (XXE)", func(r *spidtest.Response) {}, nil, "malformed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := good()
			if c.mod != nil {
				c.mod(&r)
			}
			raw, err := f.idp.Build(r)
			if err != nil {
				t.Fatal(err)
			}
			if c.reason == "malformed" {
				raw = append([]byte(`<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>`), raw[strings.Index(string(raw), "<samlp"):]...)
			}
			e := f.expect
			if c.expect != nil {
				c.expect(&e)
			}
			_, err = e.Validate(raw)
			var se *saml.Error
			if !errors.As(err, &se) {
				t.Fatalf("accepted or wrong error type: %v", err)
			}
			if se.Reason != c.reason {
				t.Fatalf("reason %q, want %q (%v)", se.Reason, c.reason, err)
			}
		})
	}
}

func TestSAMLResponseErrorCodes(t *testing.T) {
	f := setup(t)
	for _, code := range []string{"19", "20", "21", "22", "23", "25"} {
		r := good()
		r.StatusCode = "urn:oasis:names:tc:SAML:2.0:status:Responder"
		r.SubStatus = "urn:oasis:names:tc:SAML:2.0:status:AuthnFailed"
		r.StatusMessage = "ErrorCode nr" + code
		raw, err := f.idp.Build(r)
		if err != nil {
			t.Fatal(err)
		}
		_, err = f.expect.Validate(raw)
		var st *saml.StatusError
		if !errors.As(err, &st) || st.SPIDCode == 0 || "nr"+code != "nr"+strings.TrimLeft(code, "0") {
			t.Fatalf("nr%s: %v", code, err)
		}
	}
}

func TestSAMLLevelComparison(t *testing.T) {
	for _, c := range []struct {
		req, cmp, got string
		ok            bool
	}{
		{saml.SpidL2, "minimum", saml.SpidL2, true}, {saml.SpidL2, "minimum", saml.SpidL3, true}, {saml.SpidL2, "minimum", saml.SpidL1, false},
		{saml.SpidL2, "exact", saml.SpidL2, true}, {saml.SpidL2, "exact", saml.SpidL1, false},
		{saml.SpidL2, "better", saml.SpidL2, false}, {saml.SpidL2, "better", saml.SpidL3, true},
		{saml.SpidL2, "maximum", saml.SpidL1, true},
	} {
		if got := saml.LevelSatisfies(c.req, c.cmp, c.got); got != c.ok {
			t.Errorf("%s %s %s: %v", c.req, c.cmp, c.got, got)
		}
	}
}

func TestSAMLRefreshFromRegistry(t *testing.T) {
	f := setup(t)
	md, err := f.idp.Metadata()
	if err != nil {
		t.Fatal(err)
	}
	broken := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/entities":
			fmt.Fprintf(w, `[{"entity_id":%q,"entity_name":"Test IdP","metadata_url":"http://%s/md.xml","entity_type":"idp"}]`, f.idp.EntityID, r.Host)
		case "/md.xml":
			if broken {
				w.WriteHeader(http.StatusBadGateway)
				return
			}
			w.Write(md)
		}
	}))
	defer srv.Close()
	dir := t.TempDir()
	list, err := saml.RefreshFromRegistry(context.Background(), srv.Client(), srv.URL+"/entities", dir)
	if err != nil || len(list) != 1 || list[0].EntityID != f.idp.EntityID {
		t.Fatalf("refresh: %v %v", list, err)
	}
	got, err := saml.LoadIdPDir(dir)
	if err != nil || len(got) != 1 || got[0].SSO != f.idp.SSOURL || got[0].Name != "IdP di prova" {
		t.Fatalf("load: %+v %v", got, err)
	}
	broken = true
	if _, err := saml.RefreshFromRegistry(context.Background(), srv.Client(), srv.URL+"/entities", dir); err == nil {
		t.Fatal("a failed download was reported as success")
	}
	if again, _ := saml.LoadIdPDir(dir); len(again) != 1 {
		t.Fatal("a failed refresh changed the folder")
	}
	if _, err := saml.RefreshFromRegistry(context.Background(), srv.Client(), "http://127.0.0.1:1/none", t.TempDir()); err == nil {
		t.Fatal("unreachable registry not reported")
	}
}

func TestSAMLKeygenSubjectAndPolicy(t *testing.T) {
	kp, err := saml.GenerateSPCertificate(saml.CertSubject{CommonName: "Portale Genitori - Comune di Esempio", Organization: "Comune di Esempio",
		Locality: "Esempio", IPACode: "c_x000", EntityID: "https://genitori.example.it/demo"}, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	c := kp.Cert
	if c.PublicKey.(*rsa.PublicKey).N.BitLen() != 3072 || c.SignatureAlgorithm != x509.SHA256WithRSA || c.IsCA {
		t.Fatalf("key %d bits, %v, CA %v", c.PublicKey.(*rsa.PublicKey).N.BitLen(), c.SignatureAlgorithm, c.IsCA)
	}
	found := map[string]string{}
	for _, n := range c.Subject.Names {
		found[n.Type.String()] = fmt.Sprint(n.Value)
	}
	if found["2.5.4.83"] != "https://genitori.example.it/demo" || found["2.5.4.97"] != "PA:IT-c_x000" || found["2.5.4.6"] != "IT" || found["2.5.4.7"] != "Esempio" {
		t.Fatalf("subject %v", found)
	}
	var policies []string
	for _, p := range c.Policies {
		policies = append(policies, p.String())
	}
	if strings.Join(policies, ",") != "1.3.76.16.6,1.3.76.16.4.2.1" {
		t.Fatalf("policies %v", policies)
	}
	if c.KeyUsage != x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment {
		t.Fatalf("key usage %v", c.KeyUsage)
	}
	dir := t.TempDir()
	if err := saml.WriteKeyPair(dir, kp, false); err != nil {
		t.Fatal(err)
	}
	if err := saml.WriteKeyPair(dir, kp, false); err == nil {
		t.Fatal("an existing key was overwritten without --force")
	}
	if back, err := saml.LoadKeyPair(dir); err != nil || !back.Cert.Equal(kp.Cert) {
		t.Fatalf("load: %v", err)
	}
}
