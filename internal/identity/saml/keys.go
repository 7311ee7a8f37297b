package saml

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"time"
)

// Object identifiers of the SPID SP certificate (Avviso SPID n.29 v3).
var (
	oidURI                    = asn1.ObjectIdentifier{2, 5, 4, 83}
	oidOrganizationIdentifier = asn1.ObjectIdentifier{2, 5, 4, 97}
	oidCertificatePolicies    = asn1.ObjectIdentifier{2, 5, 29, 32}
	oidBasicConstraints       = asn1.ObjectIdentifier{2, 5, 29, 19}
	oidUserNotice             = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 2, 2}
	// OIDAgIDCert is the "agIDcert" policy; OIDSPPublic the public-sector SP.
	OIDAgIDCert = asn1.ObjectIdentifier{1, 3, 76, 16, 6}
	OIDSPPublic = asn1.ObjectIdentifier{1, 3, 76, 16, 4, 2, 1}
)

// CertSubject is what the SP certificate says about the Comune.
type CertSubject struct {
	CommonName   string // e.g. "Portale Genitori - Comune di Esempio"
	Organization string // "Comune di Esempio"
	Locality     string // "Esempio"
	IPACode      string // the Comune's code in the IPA index, e.g. "c_a000"
	EntityID     string // the SP entityID (the uri attribute)
	// CSTOnly makes a certificate for a Comune's own (CST) IdP only: no IPA
	// code, no SPID policies. Not valid for SPID or CIE.
	CSTOnly bool
}

// basicConstraints is the extension's value; CA false is the DEFAULT, so
// it encodes as an empty SEQUENCE.
type basicConstraints struct {
	IsCA bool `asn1:"optional"`
}

type userNotice struct {
	ExplicitText string `asn1:"utf8"`
}

type policyQualifier struct {
	ID     asn1.ObjectIdentifier
	Notice userNotice
}

type policyInformation struct {
	ID         asn1.ObjectIdentifier
	Qualifiers []policyQualifier
}

// GenerateSPCertificate makes an RSA-3072 key and a self-signed SHA-256
// certificate with the SPID subject (uri = entityID, organizationIdentifier
// = PA:IT-<IPA code>) and the policies agIDcert and spid-publicsector-SP.
func GenerateSPCertificate(s CertSubject, validity time.Duration) (KeyPair, error) {
	var errs []error
	if s.CommonName == "" || s.Organization == "" || s.Locality == "" {
		errs = append(errs, errors.New("common name, organization and locality are required"))
	}
	if s.IPACode == "" && !s.CSTOnly {
		errs = append(errs, errors.New("the Comune's IPA code is required (installations.ipa_code)"))
	} else if !s.CSTOnly && !validIPACode(s.IPACode) {
		errs = append(errs, fmt.Errorf("IPA code %q: at most 11 characters, no spaces (installations.ipa_code)", s.IPACode))
	}
	if s.EntityID == "" {
		errs = append(errs, errors.New("the entityID is required"))
	}
	if err := errors.Join(errs...); err != nil {
		return KeyPair{}, err
	}
	key, err := rsa.GenerateKey(rand.Reader, 3072)
	if err != nil {
		return KeyPair{}, err
	}
	policies, err := asn1.Marshal([]policyInformation{
		{ID: OIDAgIDCert, Qualifiers: []policyQualifier{{ID: oidUserNotice, Notice: userNotice{"agIDcert"}}}},
		{ID: OIDSPPublic, Qualifiers: []policyQualifier{{ID: oidUserNotice, Notice: userNotice{"cert_SP_Pub"}}}},
	})
	if err != nil {
		return KeyPair{}, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		return KeyPair{}, err
	}
	bc, err := asn1.Marshal(basicConstraints{IsCA: false})
	if err != nil {
		return KeyPair{}, err
	}
	// basicConstraints must NOT be critical for AgID: Go's own encoding
	// (BasicConstraintsValid) always marks it critical, so it is written here
	extra := []pkix.AttributeTypeAndValue{{Type: oidURI, Value: s.EntityID}}
	exts := []pkix.Extension{{Id: oidBasicConstraints, Critical: false, Value: bc}}
	if !s.CSTOnly {
		exts = append(exts, pkix.Extension{Id: oidCertificatePolicies, Critical: false, Value: policies})
		extra = append(extra, pkix.AttributeTypeAndValue{Type: oidOrganizationIdentifier, Value: "PA:IT-" + s.IPACode})
	}
	pub, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	ski := sha256.Sum256(pub)
	now := time.Now().UTC().Truncate(time.Second)
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject: pkix.Name{
			CommonName:   s.CommonName,
			Organization: []string{s.Organization},
			Country:      []string{"IT"},
			Locality:     []string{s.Locality},
			ExtraNames:   extra,
		},
		NotBefore:          now.Add(-time.Minute),
		NotAfter:           now.Add(validity),
		SignatureAlgorithm: x509.SHA256WithRSA,
		KeyUsage:           x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment, // critical
		SubjectKeyId:       ski[:20],
		ExtraExtensions:    exts,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return KeyPair{}, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return KeyPair{}, err
	}
	return KeyPair{Key: key, Cert: cert}, nil
}

// validIPACode is the generator's rule of spid-compliant-certificates for
// the code after "PA:IT-": 1 to 11 characters, none of them a space.
func validIPACode(s string) bool {
	if len(s) == 0 || len(s) > 11 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

// Files of a key pair in its folder.
const (
	KeyFile  = "sp-key.pem"
	CertFile = "sp-cert.pem"
)

// WriteKeyPair stores the pair in dir (created 0700; the key 0600). It
// refuses to overwrite an existing key unless force is set.
func WriteKeyPair(dir string, kp KeyPair, force bool) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	kpath := filepath.Join(dir, KeyFile)
	if _, err := os.Stat(kpath); err == nil && !force {
		return fmt.Errorf("%s exists: not overwritten (use --force to replace it)", kpath)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(kp.Key)
	if err != nil {
		return err
	}
	if err := os.WriteFile(kpath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, CertFile), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: kp.Cert.Raw}), 0o644)
}

// LoadKeyPair reads the pair WriteKeyPair stored in dir.
func LoadKeyPair(dir string) (KeyPair, error) {
	kb, err := os.ReadFile(filepath.Join(dir, KeyFile))
	if err != nil {
		return KeyPair{}, err
	}
	cb, err := os.ReadFile(filepath.Join(dir, CertFile))
	if err != nil {
		return KeyPair{}, err
	}
	kblk, _ := pem.Decode(kb)
	cblk, _ := pem.Decode(cb)
	if kblk == nil || cblk == nil {
		return KeyPair{}, fmt.Errorf("%s: not PEM", dir)
	}
	var key *rsa.PrivateKey
	if k, err := x509.ParsePKCS8PrivateKey(kblk.Bytes); err == nil {
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return KeyPair{}, fmt.Errorf("%s: the key is not RSA", dir)
		}
		key = rk
	} else if rk, err2 := x509.ParsePKCS1PrivateKey(kblk.Bytes); err2 == nil {
		key = rk
	} else {
		return KeyPair{}, fmt.Errorf("%s: %w", dir, err)
	}
	cert, err := x509.ParseCertificate(cblk.Bytes)
	if err != nil {
		return KeyPair{}, err
	}
	if !key.PublicKey.Equal(cert.PublicKey) {
		return KeyPair{}, fmt.Errorf("%s: key and certificate do not match", dir)
	}
	if key.N.BitLen() < 2048 {
		return KeyPair{}, fmt.Errorf("%s: RSA key shorter than 2048 bits", dir)
	}
	return KeyPair{Key: key, Cert: cert}, nil
}
