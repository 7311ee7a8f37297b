package cns_test

import (
	"crypto/x509"
	"encoding/base64"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"portalegenitori/internal/identity/cns"
	"portalegenitori/internal/identity/cns/cnsca"
)

var (
	now      = time.Date(2026, 10, 1, 10, 0, 0, 0, time.UTC)
	validCF  = "CCCFBA85D03L219P"
	omocode  = "CCCFBA85D03L21VE"
	yearAgo  = now.AddDate(-1, 0, 0)
	yearNext = now.AddDate(1, 0, 0)
)

func newCA(t *testing.T, name string) *cnsca.CA {
	t.Helper()
	ca, err := cnsca.New(name, now.AddDate(-5, 0, 0), now.AddDate(5, 0, 0), 0)
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

func card(t *testing.T, ca *cnsca.CA, c cnsca.Card) []*x509.Certificate {
	t.Helper()
	if c.NotBefore.IsZero() {
		c.NotBefore, c.NotAfter = yearAgo, yearNext
	}
	if c.GivenName == "" {
		c.GivenName, c.Surname = "Fabio", "Cacace"
	}
	is, err := ca.IssueCard(c)
	if err != nil {
		t.Fatal(err)
	}
	return []*x509.Certificate{is.Cert}
}

func TestCardAuthenticate(t *testing.T) {
	ca, other := newCA(t, "CA CNS di prova"), newCA(t, "CA sconosciuta")
	sub, err := ca.Sub("CA CNS intermedia", yearAgo, now.AddDate(3, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	expiredSub, err := ca.Sub("CA intermedia scaduta", now.AddDate(-3, 0, 0), now.AddDate(0, 0, -1))
	if err != nil {
		t.Fatal(err)
	}
	issue := func(from *cnsca.CA, c cnsca.Card) []*x509.Certificate {
		chain := card(t, from, c)
		if from != ca && from != other {
			chain = append(chain, from.Cert)
		}
		return chain
	}
	weak, err := ca.IssueCard(cnsca.Card{FiscalCode: validCF, NotBefore: yearAgo, NotAfter: yearNext, RSABits: 1024})
	if err != nil {
		t.Fatal(err)
	}
	strong, err := ca.IssueCard(cnsca.Card{FiscalCode: validCF, NotBefore: yearAgo, NotAfter: yearNext, RSABits: 2048})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		chain []*x509.Certificate
		want  cns.Kind
		cf    string
	}{
		{"CN form", issue(ca, cnsca.Card{FiscalCode: validCF}), 0, validCF},
		{"serialNumber form", issue(ca, cnsca.Card{FiscalCode: validCF, Form: cnsca.SerialNumber}), 0, validCF},
		{"omocode", issue(ca, cnsca.Card{FiscalCode: omocode}), 0, omocode},
		{"lower case CF", issue(ca, cnsca.Card{FiscalCode: strings.ToLower(validCF), Form: cnsca.SerialNumber}), 0, validCF},
		{"via intermediate sent by the client", issue(sub, cnsca.Card{FiscalCode: validCF}), 0, validCF},
		{"CIE policy", issue(ca, cnsca.Card{FiscalCode: validCF, Policies: []x509.OID{cns.PolicyCIE}}), 0, validCF},
		{"RSA 2048", []*x509.Certificate{strong.Cert}, 0, validCF},
		{"expired", issue(ca, cnsca.Card{FiscalCode: validCF, NotBefore: now.AddDate(-6, 0, 0), NotAfter: now.AddDate(0, 0, -1)}), cns.Expired, ""},
		{"not yet valid", issue(ca, cnsca.Card{FiscalCode: validCF, NotBefore: now.Add(time.Hour), NotAfter: yearNext}), cns.NotYetValid, ""},
		{"expired intermediate", issue(expiredSub, cnsca.Card{FiscalCode: validCF, NotBefore: now.AddDate(0, -6, 0), NotAfter: yearNext}), cns.Expired, ""},
		{"unknown CA", issue(other, cnsca.Card{FiscalCode: validCF}), cns.Untrusted, ""},
		{"unknown CA and expired", issue(other, cnsca.Card{FiscalCode: validCF, NotBefore: now.AddDate(-6, 0, 0), NotAfter: now.AddDate(0, 0, -1)}), cns.Untrusted, ""},
		{"intermediate not sent", issue(sub, cnsca.Card{FiscalCode: validCF})[:1], cns.Untrusted, ""},
		{"wrong policy", issue(ca, cnsca.Card{FiscalCode: validCF, Policies: []x509.OID{mustOID(t, "1.3.76.16.6")}}), cns.WrongPolicy, ""},
		{"no policy at all", issue(ca, cnsca.Card{FiscalCode: validCF, Policies: []x509.OID{}}), cns.WrongPolicy, ""},
		{"1024-bit RSA", []*x509.Certificate{weak.Cert}, cns.WeakKey, ""},
		{"no CF", issue(ca, cnsca.Card{Form: cnsca.NoCF}), cns.NoFiscalCode, ""},
		{"CF with wrong check letter", issue(ca, cnsca.Card{FiscalCode: "CCCFBA85D03L219B"}), cns.NoFiscalCode, ""},
		{"serialNumber with wrong CF", issue(ca, cnsca.Card{FiscalCode: "CCCFBA85D03L219", Form: cnsca.SerialNumber}), cns.NoFiscalCode, ""},
		{"empty chain", nil, cns.Missing, ""},
	}
	roots := ca.Pool()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cf, err := cns.Authenticate(tc.chain, roots, now, nil)
			if got := cns.KindOf(err); got != tc.want {
				t.Fatalf("kind = %v (%v), want %v", got, err, tc.want)
			}
			if tc.want == 0 && cf != tc.cf {
				t.Fatalf("CF = %q, want %q", cf, tc.cf)
			}
			if tc.want != 0 && cf != "" {
				t.Fatalf("CF %q returned with error %v", cf, err)
			}
		})
	}
	t.Run("CIE policy refused when only CNS is accepted", func(t *testing.T) {
		err := cns.Verify(issue(ca, cnsca.Card{FiscalCode: validCF, Policies: []x509.OID{cns.PolicyCIE}}), roots, now, []x509.OID{cns.PolicyCNS})
		if cns.KindOf(err) != cns.WrongPolicy {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("no roots", func(t *testing.T) {
		if err := cns.Verify(issue(ca, cnsca.Card{FiscalCode: validCF}), nil, now, nil); cns.KindOf(err) != cns.Untrusted {
			t.Fatalf("got %v", err)
		}
	})
}

func mustOID(t *testing.T, s string) x509.OID {
	o, err := x509.ParseOID(s)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestCardFiscalCodeDisagreement(t *testing.T) {
	ca := newCA(t, "CA")
	c := card(t, ca, cnsca.Card{FiscalCode: validCF})[0]
	c.Subject.SerialNumber = "TINIT-GDASDV00A01H501J"
	if _, err := cns.FiscalCode(c); cns.KindOf(err) != cns.NoFiscalCode {
		t.Fatalf("got %v", err)
	}
	c.Subject.SerialNumber = "TINIT-" + validCF
	if cf, err := cns.FiscalCode(c); err != nil || cf != validCF {
		t.Fatalf("got %q %v", cf, err)
	}
	// a CN with a slash but no CF, and a valid serialNumber: the serialNumber wins
	c.Subject.CommonName = "Ufficio/Servizi"
	if cf, err := cns.FiscalCode(c); err != nil || cf != validCF {
		t.Fatalf("got %q %v", cf, err)
	}
}

func TestCardParseHeader(t *testing.T) {
	ca := newCA(t, "CA")
	is, err := ca.IssueCard(cnsca.Card{FiscalCode: validCF, NotBefore: yearAgo, NotAfter: yearNext})
	if err != nil {
		t.Fatal(err)
	}
	pemText := string(is.CertPEM())
	for name, v := range map[string]string{
		"nginx escaped": url.PathEscape(pemText),
		"query escaped": strings.ReplaceAll(url.QueryEscape(pemText), "+", "%20"),
		"plain PEM":     pemText,
		"base64 DER":    base64.StdEncoding.EncodeToString(is.Cert.Raw),
		"PEM chain":     pemText + string(ca.CertPEM()),
	} {
		t.Run(name, func(t *testing.T) {
			chain, err := cns.ParseHeader(v)
			if err != nil {
				t.Fatal(err)
			}
			if !chain[0].Equal(is.Cert) {
				t.Fatal("wrong leaf")
			}
		})
	}
	for name, v := range map[string]string{
		"garbage":   "not a certificate",
		"bad PEM":   "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
		"bad %":     "%zz-----BEGIN",
		"too long":  strings.Repeat("A", cns.MaxHeaderLen+1),
		"bad DER":   base64.StdEncoding.EncodeToString([]byte("hello")),
		"other PEM": "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := cns.ParseHeader(v); cns.KindOf(err) != cns.Unreadable {
				t.Fatalf("got %v", err)
			}
		})
	}
	if _, err := cns.ParseHeader("  "); cns.KindOf(err) != cns.Missing {
		t.Fatalf("empty: %v", err)
	}
}

func TestCardLoadRoots(t *testing.T) {
	ca1, ca2 := newCA(t, "CA 1"), newCA(t, "CA 2")
	dir := t.TempDir()
	write := func(name string, data []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("uno.pem", append(ca1.CertPEM(), ca2.CertPEM()...))
	write("due.cer", ca2.Cert.Raw) // DER
	write("README.txt", []byte("ignored"))
	pool, n, err := cns.LoadRoots(dir)
	if err != nil || n != 3 {
		t.Fatalf("n=%d err=%v", n, err)
	}
	chain := card(t, ca2, cnsca.Card{FiscalCode: validCF})
	if err := cns.Verify(chain, pool, now, nil); err != nil {
		t.Fatal(err)
	}
	write("rotto.crt", []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
	if _, _, err := cns.LoadRoots(dir); err == nil || !strings.Contains(err.Error(), "rotto.crt") {
		t.Fatalf("broken file: %v", err)
	}
	if _, _, err := cns.LoadRoots(t.TempDir()); err == nil || !strings.Contains(err.Error(), "no certificate") {
		t.Fatalf("empty folder: %v", err)
	}
	if _, _, err := cns.LoadRoots(filepath.Join(dir, "missing")); err == nil {
		t.Fatal("missing folder accepted")
	}
}

func TestCardKindNames(t *testing.T) {
	for k := cns.Missing; k <= cns.NoFiscalCode; k++ {
		if k.String() == "unknown" {
			t.Fatalf("kind %d has no name", k)
		}
	}
	if cns.KindOf(nil) != 0 {
		t.Fatal("nil has a kind")
	}
}

func TestCardHolderOf(t *testing.T) {
	ca := newCA(t, "CA CNS di prova")
	for _, form := range []cnsca.Form{cnsca.CommonName, cnsca.SerialNumber} {
		leaf := card(t, ca, cnsca.Card{FiscalCode: validCF, Form: form, GivenName: "Fabio", Surname: "Cacace"})[0]
		h := cns.HolderOf(leaf)
		if h.GivenName != "Fabio" || h.Surname != "Cacace" || h.Issuer != "Portale Genitori (prova)" || !h.NotAfter.Equal(yearNext) {
			t.Errorf("form %v: holder %+v", form, h)
		}
	}
	// a common name "<CF>/..." is not a name
	ca2, err := ca.Sub("CA intermedia", now.AddDate(-1, 0, 0), now.AddDate(2, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	is, err := ca2.IssueCard(cnsca.Card{FiscalCode: validCF, NotBefore: yearAgo, NotAfter: yearNext})
	if err != nil {
		t.Fatal(err)
	}
	if h := cns.HolderOf(is.Cert); h.GivenName != "" || h.Surname != "" || h.Issuer != "CA intermedia" {
		t.Errorf("holder %+v", h)
	}
}
