// Package cns reads and checks the authentication certificate of a CNS/CRS
// smart card (Carta Nazionale dei Servizi / Carta Regionale dei Servizi),
// presented as a TLS client certificate. No HTTP, no SQL: the handlers give it
// the certificates and the trusted roots, and get back a codice fiscale or a
// typed error.
//
// Decisions (see docs/identity/cns.md):
//
//   - Trust: every certificate in the configured CA folder is a trust anchor
//     (AgID's list of CNS issuers is a list of issuing CAs). Intermediates sent
//     by the client are used to build the chain, never trusted by themselves.
//   - Policies: the leaf must assert the CNS policy 1.3.76.16.2.1. The CIE
//     authentication policy 1.3.76.47.4 is accepted too (DefaultPolicies), but
//     only counts when the Comune also puts the CIE issuing CA in the folder:
//     the policy never replaces the chain check.
//   - Keys: RSA keys shorter than 2048 bits (the first CNS/CRS cards, issued
//     until about 2013, had 1024-bit keys) are refused with WeakKey: 1024-bit
//     RSA is below AgID's and NIST's minimum, and every such card's
//     certificate (valid at most 6 years) has expired anyway. ECDSA keys of at
//     least 256 bits are accepted.
//   - Order of the checks, so that the message is the most useful one: trust
//     (checked at a moment within the certificate's validity, so an expired
//     card of an unknown CA is "untrusted", not "expired"), then dates, key,
//     policy and finally the codice fiscale.
package cns

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"portalegenitori/internal/codicefiscale"
)

// Certificate policy OIDs.
var (
	// PolicyCNS is AgID's policy of CNS authentication certificates.
	PolicyCNS = mustOID("1.3.76.16.2.1")
	// PolicyCIE is the policy of the CIE (electronic identity card)
	// authentication certificates.
	PolicyCIE = mustOID("1.3.76.47.4")
	// DefaultPolicies are the policies the portal accepts.
	DefaultPolicies = []x509.OID{PolicyCNS, PolicyCIE}
)

// MinRSABits is the shortest RSA key accepted.
const MinRSABits = 2048

func mustOID(s string) x509.OID {
	o, err := x509.ParseOID(s)
	if err != nil {
		panic(err)
	}
	return o
}

// Kind classifies why a certificate was refused.
type Kind int

// The kinds of refusal. Their String is used in the audit log and in the
// message keys of the error pages.
const (
	Missing      Kind = iota + 1 // no certificate was presented
	Unreadable                   // not a parsable X.509 certificate
	Untrusted                    // no chain to a CA of the configured folder
	Expired                      // the certificate (or its CA) has expired
	NotYetValid                  // the certificate is not valid yet
	WeakKey                      // RSA key shorter than MinRSABits
	WrongPolicy                  // not a CNS (or CIE) authentication certificate
	NoFiscalCode                 // no valid codice fiscale in the subject
)

var kindNames = map[Kind]string{
	Missing: "missing", Unreadable: "unreadable", Untrusted: "untrusted", Expired: "expired",
	NotYetValid: "not_yet_valid", WeakKey: "weak_key", WrongPolicy: "wrong_policy", NoFiscalCode: "no_fiscal_code",
}

func (k Kind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return "unknown"
}

// Error is a refusal with its kind; Err is the underlying cause, for logs.
type Error struct {
	Kind Kind
	Err  error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return "cns: " + e.Kind.String() + ": " + e.Err.Error()
	}
	return "cns: " + e.Kind.String()
}

func (e *Error) Unwrap() error { return e.Err }

func fail(k Kind, format string, args ...any) error {
	return &Error{Kind: k, Err: fmt.Errorf(format, args...)}
}

// KindOf returns the Kind of a refusal, or 0 when err is not an *Error.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return 0
}

// Verify checks the presented chain (leaf first, then any intermediates the
// client sent) against roots at time now: trust, validity dates, key
// strength, and that the leaf asserts one of policies (DefaultPolicies when
// nil). It does not read the codice fiscale: see FiscalCode, or Authenticate
// for both.
func Verify(chain []*x509.Certificate, roots *x509.CertPool, now time.Time, policies []x509.OID) error {
	if len(chain) == 0 || chain[0] == nil {
		return &Error{Kind: Missing}
	}
	if roots == nil {
		return fail(Untrusted, "no trusted CA configured")
	}
	if policies == nil {
		policies = DefaultPolicies
	}
	leaf := chain[0]
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		if c != nil {
			inter.AddCert(c)
		}
	}
	// Trust first, at a moment within the leaf's validity.
	at := now
	if at.After(leaf.NotAfter) {
		at = leaf.NotAfter
	}
	if at.Before(leaf.NotBefore) {
		at = leaf.NotBefore
	}
	opts := x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: at,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	if _, err := leaf.Verify(opts); err != nil {
		var inv x509.CertificateInvalidError
		if errors.As(err, &inv) && inv.Reason == x509.Expired {
			// the leaf is valid at "at": a CA of the chain has expired
			return &Error{Kind: Expired, Err: err}
		}
		return &Error{Kind: Untrusted, Err: err}
	}
	if now.After(leaf.NotAfter) {
		return fail(Expired, "expired on %s", leaf.NotAfter.UTC().Format(time.RFC3339))
	}
	if now.Before(leaf.NotBefore) {
		return fail(NotYetValid, "valid from %s", leaf.NotBefore.UTC().Format(time.RFC3339))
	}
	// The CAs must be valid now too.
	opts.CurrentTime = now
	if _, err := leaf.Verify(opts); err != nil {
		return &Error{Kind: Expired, Err: err}
	}
	switch k := leaf.PublicKey.(type) {
	case *rsa.PublicKey:
		if n := k.N.BitLen(); n < MinRSABits {
			return fail(WeakKey, "RSA key of %d bits", n)
		}
	case *ecdsa.PublicKey:
		if n := k.Curve.Params().BitSize; n < 256 {
			return fail(WeakKey, "ECDSA key of %d bits", n)
		}
	}
	if !hasPolicy(leaf, policies) {
		return fail(WrongPolicy, "certificate policies %v", leaf.Policies)
	}
	return nil
}

func hasPolicy(leaf *x509.Certificate, policies []x509.OID) bool {
	for _, have := range leaf.Policies {
		for _, want := range policies {
			if have.Equal(want) {
				return true
			}
		}
	}
	return false
}

// FiscalCode reads the holder's codice fiscale from the certificate subject:
// serialNumber "TINIT-<CF>" (ETSI EN 319 412-1), or the CNS common name
// "<CF>/<card number>.<hash>". The code must pass the check-letter test;
// it comes back normalised (upper case). When both are present they must
// agree.
func FiscalCode(cert *x509.Certificate) (string, error) {
	if cert == nil {
		return "", &Error{Kind: Missing}
	}
	var fromSerial, fromCN string
	if sn := strings.TrimSpace(cert.Subject.SerialNumber); len(sn) > 6 && strings.EqualFold(sn[:6], "TINIT-") {
		cf, err := codicefiscale.Validate(sn[6:])
		if err != nil {
			return "", fail(NoFiscalCode, "serialNumber: %v", err)
		}
		fromSerial = cf
	}
	if cn := cert.Subject.CommonName; strings.Contains(cn, "/") {
		head, _, _ := strings.Cut(cn, "/")
		if cf, err := codicefiscale.Validate(head); err == nil {
			fromCN = cf
		} else if fromSerial == "" {
			return "", fail(NoFiscalCode, "common name: %v", err)
		}
	}
	switch {
	case fromSerial != "" && fromCN != "" && fromSerial != fromCN:
		return "", fail(NoFiscalCode, "serialNumber and common name disagree")
	case fromSerial != "":
		return fromSerial, nil
	case fromCN != "":
		return fromCN, nil
	}
	return "", fail(NoFiscalCode, "no codice fiscale in the subject")
}

// Authenticate is Verify followed by FiscalCode.
func Authenticate(chain []*x509.Certificate, roots *x509.CertPool, now time.Time, policies []x509.OID) (string, error) {
	if err := Verify(chain, roots, now, policies); err != nil {
		return "", err
	}
	return FiscalCode(chain[0])
}

// MaxHeaderLen bounds the certificate header a proxy may send.
const MaxHeaderLen = 16 << 10

// ParseHeader reads the certificate a reverse proxy forwards: nginx's
// $ssl_client_escaped_cert (URL-encoded PEM), plain PEM, or base64 DER (as
// HAProxy and others send it). A PEM value may carry a chain, leaf first.
func ParseHeader(v string) ([]*x509.Certificate, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil, &Error{Kind: Missing}
	}
	if len(v) > MaxHeaderLen {
		return nil, fail(Unreadable, "header of %d bytes", len(v))
	}
	if strings.Contains(v, "%") {
		u, err := url.PathUnescape(v)
		if err != nil {
			return nil, fail(Unreadable, "URL decoding: %v", err)
		}
		v = u
	}
	if strings.Contains(v, "-----BEGIN") {
		return ParsePEM([]byte(v))
	}
	der, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		return nil, fail(Unreadable, "neither PEM nor base64 DER")
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fail(Unreadable, "%v", err)
	}
	return []*x509.Certificate{c}, nil
}

// ParsePEM reads every CERTIFICATE block of data.
func ParsePEM(data []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fail(Unreadable, "%v", err)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, fail(Unreadable, "no PEM certificate")
	}
	return out, nil
}

// LoadRoots reads the CA folder: every *.pem, *.crt, *.cer and *.der file,
// PEM (one or more certificates) or DER. Files with other names are
// ignored; a file that cannot be read is an error, so a typo in a CA file is
// noticed at start-up rather than at the first card.
func LoadRoots(dir string) (*x509.CertPool, int, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, 0, fmt.Errorf("CA folder %s: %w", dir, err)
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		switch strings.ToLower(filepath.Ext(e.Name())) {
		case ".pem", ".crt", ".cer", ".der":
			if !e.IsDir() {
				names = append(names, e.Name())
			}
		}
	}
	sort.Strings(names)
	pool, n := x509.NewCertPool(), 0
	for _, name := range names {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, 0, fmt.Errorf("CA file %s: %w", name, err)
		}
		var certs []*x509.Certificate
		if strings.Contains(string(data), "-----BEGIN") {
			certs, err = ParsePEM(data)
		} else {
			var c *x509.Certificate
			c, err = x509.ParseCertificate(data)
			certs = []*x509.Certificate{c}
		}
		if err != nil {
			return nil, 0, fmt.Errorf("CA file %s: not a PEM or DER certificate: %v", name, err)
		}
		for _, c := range certs {
			pool.AddCert(c)
			n++
		}
	}
	if n == 0 {
		return nil, 0, fmt.Errorf("CA folder %s holds no certificate (*.pem, *.crt, *.cer, *.der)", dir)
	}
	return pool, n, nil
}

// Describe returns what may be logged of a certificate: serial number and
// issuer, never the holder's name or codice fiscale.
func Describe(c *x509.Certificate) map[string]any {
	if c == nil {
		return nil
	}
	return map[string]any{"serial": c.SerialNumber.Text(16), "issuer": c.Issuer.CommonName,
		"not_after": c.NotAfter.UTC().Format(time.RFC3339)}
}

// Holder is what the sign-in confirmation page shows of a card: the
// holder's name, the card's issuer and when the certificate expires.
type Holder struct {
	GivenName, Surname string
	Issuer             string
	NotAfter           time.Time
}

// HolderOf reads the holder's name (givenName and surname attributes, as on
// CNS cards, or else a common name without the "<CF>/..." form) and the
// issuer (organisation, or else common name) from the certificate.
func HolderOf(c *x509.Certificate) Holder {
	h := Holder{NotAfter: c.NotAfter}
	for _, a := range c.Subject.Names {
		v, _ := a.Value.(string)
		switch {
		case a.Type.Equal(asn1.ObjectIdentifier{2, 5, 4, 42}):
			h.GivenName = v
		case a.Type.Equal(asn1.ObjectIdentifier{2, 5, 4, 4}):
			h.Surname = v
		}
	}
	if h.GivenName == "" && h.Surname == "" && !strings.Contains(c.Subject.CommonName, "/") {
		h.Surname = c.Subject.CommonName
	}
	h.Issuer = c.Issuer.CommonName
	if len(c.Issuer.Organization) > 0 && c.Issuer.Organization[0] != "" {
		h.Issuer = c.Issuer.Organization[0]
	}
	return h
}
