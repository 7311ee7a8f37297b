// Package cnsca is a small certification authority that issues card-like
// CNS/CRS authentication certificates, TLS server certificates and
// sub-CAs. It serves the tests and `genitori cns-demo`; it is never used to
// check a certificate (that is package cns).
package cnsca

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"time"

	"portalegenitori/internal/identity/cns"
)

// Issued is a certificate with its private key.
type Issued struct {
	Cert *x509.Certificate
	Key  crypto.Signer
}

// CertPEM is the certificate in PEM.
func (i *Issued) CertPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: i.Cert.Raw})
}

// KeyPEM is the private key in PKCS#8 PEM.
func (i *Issued) KeyPEM() []byte {
	der, err := x509.MarshalPKCS8PrivateKey(i.Key)
	if err != nil {
		panic(err) // only RSA and ECDSA keys are made here
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

// TLS is the pair as a tls.Certificate, with chain appended (leaf first).
func (i *Issued) TLS(chain ...*x509.Certificate) tls.Certificate {
	c := tls.Certificate{Certificate: [][]byte{i.Cert.Raw}, PrivateKey: i.Key, Leaf: i.Cert}
	for _, x := range chain {
		c.Certificate = append(c.Certificate, x.Raw)
	}
	return c
}

// CA is an issuing authority.
type CA struct {
	Issued
}

// New makes a self-signed root CA valid from notBefore to notAfter, with an
// ECDSA P-256 key (RSA when rsaBits > 0).
func New(commonName string, notBefore, notAfter time.Time, rsaBits int) (*CA, error) {
	key, err := newKey(rsaBits)
	if err != nil {
		return nil, err
	}
	tpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: commonName, Organization: []string{"Portale Genitori (prova)"}, Country: []string{"IT"}},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("create CA: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &CA{Issued{Cert: cert, Key: key}}, nil
}

// Pool is a pool holding only this CA.
func (ca *CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.Cert)
	return p
}

// Sub issues an intermediate CA.
func (ca *CA) Sub(commonName string, notBefore, notAfter time.Time) (*CA, error) {
	key, err := newKey(0)
	if err != nil {
		return nil, err
	}
	tpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: commonName, Country: []string{"IT"}},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	cert, err := ca.sign(tpl, key)
	if err != nil {
		return nil, err
	}
	return &CA{Issued{Cert: cert, Key: key}}, nil
}

// Form is where the codice fiscale goes in the card's subject.
type Form int

const (
	// CommonName: CN = "<CF>/<card number>.<hash>", the CNS form.
	CommonName Form = iota
	// SerialNumber: serialNumber = "TINIT-<CF>", CN = "<name> <surname>".
	SerialNumber
	// NoCF: a person's certificate with no codice fiscale.
	NoCF
)

// Card describes a card certificate to issue.
type Card struct {
	FiscalCode          string
	GivenName, Surname  string
	Form                Form
	NotBefore, NotAfter time.Time
	Policies            []x509.OID // nil: the CNS policy
	RSABits             int        // 0: ECDSA P-256 (fast, for tests)
}

// IssueCard issues a CNS-like authentication certificate.
func (ca *CA) IssueCard(c Card) (*Issued, error) {
	key, err := newKey(c.RSABits)
	if err != nil {
		return nil, err
	}
	subj := pkix.Name{Country: []string{"IT"}, Organization: []string{"Carta Nazionale dei Servizi (prova)"}}
	if c.GivenName != "" {
		subj.ExtraNames = append(subj.ExtraNames,
			pkix.AttributeTypeAndValue{Type: []int{2, 5, 4, 42}, Value: c.GivenName},
			pkix.AttributeTypeAndValue{Type: []int{2, 5, 4, 4}, Value: c.Surname})
	}
	switch c.Form {
	case CommonName:
		sum := sha256.Sum256([]byte(c.FiscalCode))
		subj.CommonName = fmt.Sprintf("%s/%016d.%s", c.FiscalCode, serial().Uint64()%1e16,
			base64.StdEncoding.EncodeToString(sum[:20]))
	case SerialNumber:
		subj.SerialNumber = "TINIT-" + c.FiscalCode
		subj.CommonName = c.GivenName + " " + c.Surname
	case NoCF:
		subj.CommonName = c.GivenName + " " + c.Surname
	}
	policies := c.Policies
	if policies == nil {
		policies = []x509.OID{cns.PolicyCNS}
	}
	tpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      subj,
		NotBefore:    c.NotBefore,
		NotAfter:     c.NotAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		Policies:     policies,
	}
	cert, err := ca.sign(tpl, key)
	if err != nil {
		return nil, err
	}
	return &Issued{Cert: cert, Key: key}, nil
}

// IssueServer issues a TLS server certificate for hosts (names or IPs).
func (ca *CA) IssueServer(notBefore, notAfter time.Time, hosts ...string) (*Issued, error) {
	key, err := newKey(0)
	if err != nil {
		return nil, err
	}
	tpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: hosts[0]},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tpl.IPAddresses = append(tpl.IPAddresses, ip)
		} else {
			tpl.DNSNames = append(tpl.DNSNames, h)
		}
	}
	cert, err := ca.sign(tpl, key)
	if err != nil {
		return nil, err
	}
	return &Issued{Cert: cert, Key: key}, nil
}

func (ca *CA) sign(tpl *x509.Certificate, key crypto.Signer) (*x509.Certificate, error) {
	der, err := x509.CreateCertificate(rand.Reader, tpl, ca.Cert, key.Public(), ca.Key)
	if err != nil {
		return nil, fmt.Errorf("issue %q: %w", tpl.Subject.CommonName, err)
	}
	return x509.ParseCertificate(der)
}

func newKey(rsaBits int) (crypto.Signer, error) {
	if rsaBits > 0 {
		return rsa.GenerateKey(rand.Reader, rsaBits)
	}
	return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		panic(err)
	}
	return n
}
