package saml

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"strings"
	"testing"
	"time"
)

// Object identifiers the profile names, as dotted strings.
const (
	oidKeyUsage      = "2.5.29.15"
	oidBasicConstr   = "2.5.29.19"
	oidCertPolicies  = "2.5.29.32"
	oidExtKeyUsage   = "2.5.29.37"
	oidCommonName    = "2.5.4.3"
	oidCountryName   = "2.5.4.6"
	oidLocalityName  = "2.5.4.7"
	oidOrgName       = "2.5.4.10"
	oidOrgIdentifier = "2.5.4.97"
	oidURIAttr       = "2.5.4.83"
)

// TestSPCertificatePublicSectorProfile parses the certificate that
// `genitori spid-keygen` makes and checks every rule of the SPID certificate
// profile for public-sector SPs (Avviso SPID n.29 v3), as AgID's validator
// spid-compliant-certificates checks it ("validator --sector public") and as
// docs/identity/spid-certificate.md lists them.
func TestSPCertificatePublicSectorProfile(t *testing.T) {
	subj := CertSubject{CommonName: "Portale Genitori - Comune di Esempio", Organization: "Comune di Esempio",
		Locality: "Esempio", IPACode: "c_a000", EntityID: "https://genitori.example.it/demo"}
	validity := 3 * 365 * 24 * time.Hour
	before := time.Now()
	kp, err := GenerateSPCertificate(subj, validity)
	if err != nil {
		t.Fatal(err)
	}
	// what is written to disk is what is checked
	dir := t.TempDir()
	if err := WriteKeyPair(dir, kp, false); err != nil {
		t.Fatal(err)
	}
	loaded, err := LoadKeyPair(dir)
	if err != nil {
		t.Fatal(err)
	}
	cert := loaded.Cert
	if !bytes.Equal(cert.Raw, kp.Cert.Raw) {
		t.Fatal("the certificate on disk differs")
	}
	checkCommonProfile(t, cert, before, validity)

	// subject: the mandatory attributes, each with a value
	attrs := map[string][]string{}
	for _, a := range cert.Subject.Names {
		v, _ := a.Value.(string)
		if v == "" {
			t.Errorf("subject attribute %s has no value", a.Type)
		}
		attrs[a.Type.String()] = append(attrs[a.Type.String()], v)
	}
	for oid, want := range map[string]string{
		oidCommonName: subj.CommonName, oidOrgName: subj.Organization, oidLocalityName: subj.Locality,
		oidCountryName: "IT", oidOrgIdentifier: "PA:IT-c_a000", oidURIAttr: subj.EntityID,
	} {
		if got := attrs[oid]; len(got) != 1 || got[0] != want {
			t.Errorf("subject %s = %q, want exactly %q", oid, got, want)
		}
	}
	if org := attrs[oidOrgIdentifier]; len(org) == 1 && !publicOrgID(org[0]) {
		t.Errorf("organizationIdentifier %q does not match ^PA:IT-\\S{1,16}$", org[0])
	}
	// the issuer is the subject (self-signed) and the signature verifies
	if !bytes.Equal(cert.RawIssuer, cert.RawSubject) {
		t.Error("issuer differs from subject")
	}
	// (CheckSignatureFrom would want the issuer to be a CA, which it is not)
	if err := cert.CheckSignature(cert.SignatureAlgorithm, cert.RawTBSCertificate, cert.Signature); err != nil {
		t.Errorf("self-signature: %v", err)
	}

	// certificatePolicies: present, not critical, agIDcert and public sector
	ext := extension(t, cert, oidCertPolicies)
	if ext == nil {
		t.Fatal("certificatePolicies missing")
	}
	if ext.Critical {
		t.Error("certificatePolicies must be not critical")
	}
	var pols []policyInformation
	if rest, err := asn1.Unmarshal(ext.Value, &pols); err != nil || len(rest) != 0 {
		t.Fatalf("certificatePolicies: %v", err)
	}
	notices := map[string]string{}
	for _, p := range pols {
		for _, q := range p.Qualifiers {
			if q.ID.Equal(oidUserNotice) {
				notices[p.ID.String()] = q.Notice.ExplicitText
			}
		}
	}
	for oid, text := range map[string]string{"1.3.76.16.6": "agIDcert", "1.3.76.16.4.2.1": "cert_SP_Pub"} {
		got, ok := notices[oid]
		if !ok {
			t.Errorf("policy %s missing", oid)
		} else if got != text {
			t.Errorf("policy %s: UserNotice explicitText %q, want %q", oid, got, text)
		}
	}
	if _, ok := notices["1.3.76.16.4.3.1"]; ok {
		t.Error("the private-sector policy is present")
	}
}

// checkCommonProfile checks the rules that hold for every certificate the
// portal makes, CST-only ones too.
func checkCommonProfile(t *testing.T, cert *x509.Certificate, before time.Time, validity time.Duration) {
	t.Helper()
	// key: RSA, 2048, 3072 or 4096 bits
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		t.Fatalf("key type %T, want RSA", cert.PublicKey)
	}
	if n := pub.N.BitLen(); n != 2048 && n != 3072 && n != 4096 {
		t.Errorf("key size %d, want 2048, 3072 or 4096", n)
	}
	// digest: SHA-256 (or SHA-512)
	if cert.SignatureAlgorithm != x509.SHA256WithRSA && cert.SignatureAlgorithm != x509.SHA512WithRSA {
		t.Errorf("signature algorithm %s", cert.SignatureAlgorithm)
	}
	if cert.Version != 3 {
		t.Errorf("version %d, want 3", cert.Version)
	}
	// validity: valid now, not expired, as long as asked
	now := time.Now()
	if cert.NotBefore.After(now) || !cert.NotAfter.After(now) {
		t.Errorf("not valid now: %s – %s", cert.NotBefore, cert.NotAfter)
	}
	if d := cert.NotAfter.Sub(before); d < validity-time.Minute || d > validity+time.Minute {
		t.Errorf("validity ends %s after generation, want %s", d, validity)
	}
	if cert.SerialNumber.Sign() <= 0 {
		t.Error("serial number not positive")
	}
	// subject: none of the attributes of a person
	for _, a := range cert.Subject.Names {
		switch a.Type.String() {
		case "2.5.4.43", "2.5.4.41", "2.5.4.42", "2.5.4.65", "2.5.4.4": // initials, name, givenName, pseudonym, surname
			t.Errorf("subject has the attribute %s", a.Type)
		}
	}
	// basicConstraints: present, NOT critical, CA false
	bc := extension(t, cert, oidBasicConstr)
	if bc == nil {
		t.Fatal("basicConstraints missing")
	}
	if bc.Critical {
		t.Error("basicConstraints must be not critical")
	}
	if !bytes.Equal(bc.Value, []byte{0x30, 0x00}) || !cert.BasicConstraintsValid || cert.IsCA {
		t.Errorf("basicConstraints value % x (CA %v), want CA:FALSE", bc.Value, cert.IsCA)
	}
	// keyUsage: critical, digitalSignature and nonRepudiation only
	ku := extension(t, cert, oidKeyUsage)
	if ku == nil {
		t.Fatal("keyUsage missing")
	}
	if !ku.Critical {
		t.Error("keyUsage must be critical")
	}
	if want := x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment; cert.KeyUsage != want {
		t.Errorf("keyUsage %b, want digitalSignature and nonRepudiation only", cert.KeyUsage)
	}
	// no extKeyUsage, nothing critical the profile does not name
	if extension(t, cert, oidExtKeyUsage) != nil || len(cert.ExtKeyUsage) > 0 || len(cert.UnknownExtKeyUsage) > 0 {
		t.Error("extKeyUsage present")
	}
	for _, e := range cert.Extensions {
		if e.Critical && e.Id.String() != oidKeyUsage {
			t.Errorf("extension %s is critical", e.Id)
		}
	}
	if len(cert.UnhandledCriticalExtensions) > 0 {
		t.Errorf("unhandled critical extensions %v", cert.UnhandledCriticalExtensions)
	}
}

// TestSPCertificateCSTOnly: the certificate of a Comune without IPA code,
// for its own CST identity provider, has no SPID subject or policies but
// keeps the rest of the profile.
func TestSPCertificateCSTOnly(t *testing.T) {
	before := time.Now()
	kp, err := GenerateSPCertificate(CertSubject{CommonName: "Portale Genitori - Comune di Valle", Organization: "Comune di Valle",
		Locality: "Valle", EntityID: "https://genitori.example.it/valle", CSTOnly: true}, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	checkCommonProfile(t, kp.Cert, before, 24*time.Hour)
	for _, a := range kp.Cert.Subject.Names {
		if a.Type.String() == oidOrgIdentifier {
			t.Error("organizationIdentifier in a CST-only certificate")
		}
	}
	if extension(t, kp.Cert, oidCertPolicies) != nil {
		t.Error("SPID policies in a CST-only certificate")
	}
}

func TestSPCertificateRefusesBadSubject(t *testing.T) {
	ok := CertSubject{CommonName: "Portale", Organization: "Comune", Locality: "Esempio", IPACode: "c_a000", EntityID: "https://x.example/demo"}
	for name, mod := range map[string]func(*CertSubject){
		"no IPA code":           func(s *CertSubject) { s.IPACode = "" },
		"IPA code with a space": func(s *CertSubject) { s.IPACode = "c a000" },
		"IPA code too long":     func(s *CertSubject) { s.IPACode = "abcdefghijkl" },
		"no common name":        func(s *CertSubject) { s.CommonName = "" },
		"no organization":       func(s *CertSubject) { s.Organization = "" },
		"no locality":           func(s *CertSubject) { s.Locality = "" },
		"no entityID":           func(s *CertSubject) { s.EntityID = "" },
	} {
		s := ok
		mod(&s)
		if _, err := GenerateSPCertificate(s, time.Hour); err == nil {
			t.Errorf("%s: certificate made", name)
		}
	}
}

func extension(t *testing.T, cert *x509.Certificate, oid string) *pkix.Extension {
	t.Helper()
	var found *pkix.Extension
	for i, e := range cert.Extensions {
		if e.Id.String() == oid {
			if found != nil {
				t.Errorf("extension %s twice", oid)
			}
			found = &cert.Extensions[i]
		}
	}
	return found
}

// publicOrgID is the validator's ^PA:IT-\S{1,16}$.
func publicOrgID(s string) bool {
	code, ok := strings.CutPrefix(s, "PA:IT-")
	return ok && len(code) >= 1 && len(code) <= 16 && !strings.ContainsAny(code, " \t\r\n\f\v")
}
