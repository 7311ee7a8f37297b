package saml

import (
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
	"github.com/russellhaering/goxmldsig/etreeutils"
)

// KeyPair is a signing key with its certificate.
type KeyPair struct {
	Key  *rsa.PrivateKey
	Cert *x509.Certificate
}

// signInPlace adds an enveloped signature (RSA-SHA256, SHA-256 digest,
// exclusive c14n) to el, referencing its ID, right after the child
// {ns}after (the Issuer of a message) or first when after is "".
func signInPlace(el *etree.Element, kp KeyPair, afterNS, after string) error {
	ctx, err := dsig.NewSigningContext(kp.Key, [][]byte{kp.Cert.Raw})
	if err != nil {
		return err
	}
	ctx.Hash = crypto.SHA256
	ctx.IdAttribute = "ID"
	ctx.Prefix = "ds"
	ctx.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	if err := ctx.SetSignatureMethod(dsig.RSASHA256SignatureMethod); err != nil {
		return err
	}
	sig, err := ctx.ConstructSignature(el, true)
	if err != nil {
		return fmt.Errorf("sign %s: %w", el.Tag, err)
	}
	pos := 0
	if after != "" {
		if prev := children(el, afterNS, after); len(prev) > 0 {
			pos = prev[0].Index() + 1
		}
	}
	el.InsertChildAt(pos, sig)
	return nil
}

// Errors of signature verification.
var (
	ErrNotSigned    = errors.New("element not signed")
	ErrBadSignature = errors.New("invalid signature")
)

var allowedSignatureMethods = map[string]bool{
	dsig.RSASHA256SignatureMethod: true, dsig.RSASHA384SignatureMethod: true, dsig.RSASHA512SignatureMethod: true,
	dsig.ECDSASHA256SignatureMethod: true, dsig.ECDSASHA384SignatureMethod: true, dsig.ECDSASHA512SignatureMethod: true,
}

var allowedDigests = map[string]bool{
	"http://www.w3.org/2001/04/xmlenc#sha256":       true,
	"http://www.w3.org/2001/04/xmldsig-more#sha384": true,
	"http://www.w3.org/2001/04/xmlenc#sha512":       true,
}

// verified checks the enveloped signature of el — exactly one ds:Signature
// as a direct child, exactly one Reference, to "#"+el's ID, SHA-256 or
// stronger, only the enveloped and exclusive-c14n transforms — against the
// trusted certificates, and returns what the signature covers: a new tree
// parsed from the canonical bytes that were digested (without the
// Signature). Callers read the message only from that tree, so content
// outside the signature (signature wrapping) is never seen.
func verified(el *etree.Element, certs []*x509.Certificate, now time.Time) (*etree.Element, error) {
	id, _ := attr(el, "ID")
	sigs := children(el, NSDSig, "Signature")
	if len(sigs) == 0 {
		return nil, ErrNotSigned
	}
	if id == "" {
		return nil, fmt.Errorf("%w: signed %s has no ID", ErrBadSignature, el.Tag)
	}
	if len(sigs) > 1 {
		return nil, fmt.Errorf("%w: more than one Signature on %s", ErrBadSignature, el.Tag)
	}
	si, err := only(sigs[0], NSDSig, "SignedInfo")
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	sm, err := only(si, NSDSig, "SignatureMethod")
	if err != nil || !allowedSignatureMethods[sm.SelectAttrValue("Algorithm", "")] {
		return nil, fmt.Errorf("%w: signature method not allowed", ErrBadSignature)
	}
	refs := children(si, NSDSig, "Reference")
	if len(refs) != 1 {
		return nil, fmt.Errorf("%w: %d References", ErrBadSignature, len(refs))
	}
	uri, ok := attr(refs[0], "URI")
	if !ok || uri != "#"+id {
		return nil, fmt.Errorf("%w: Reference %q does not point to %s", ErrBadSignature, uri, el.Tag)
	}
	dm, err := only(refs[0], NSDSig, "DigestMethod")
	if err != nil || !allowedDigests[dm.SelectAttrValue("Algorithm", "")] {
		return nil, fmt.Errorf("%w: digest method not allowed", ErrBadSignature)
	}
	if tr, _ := optional(refs[0], NSDSig, "Transforms"); tr != nil {
		for _, t := range tr.ChildElements() {
			switch dsig.AlgorithmID(t.SelectAttrValue("Algorithm", "")) {
			case dsig.EnvelopedSignatureAltorithmId, dsig.CanonicalXML10ExclusiveAlgorithmId:
			default:
				return nil, fmt.Errorf("%w: transform not allowed", ErrBadSignature)
			}
		}
	}
	// The ID must be unique in the whole document: a second element with
	// the same ID is a wrapping attempt.
	root := el
	for root.Parent() != nil {
		root = root.Parent()
	}
	if n := countID(root, id); n != 1 {
		return nil, fmt.Errorf("%w: ID %q appears %d times", ErrBadSignature, id, n)
	}
	pctx, err := etreeutils.NSBuildParentContext(el)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	detached, err := etreeutils.NSDetatch(pctx, el)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	// A KeyInfo without a certificate (a bare KeyValue or KeyName, as
	// xmlsec writes with a key only) says nothing we could trust: drop it,
	// so the signature is checked against each trusted certificate of the
	// IdP's metadata in turn.
	for _, s := range children(detached, NSDSig, "Signature") {
		for _, ki := range children(s, NSDSig, "KeyInfo") {
			withCert := false
			for _, c := range ki.FindElements(".//X509Certificate") {
				withCert = withCert || strings.TrimSpace(c.Text()) != ""
			}
			if !withCert {
				s.RemoveChild(ki)
			}
		}
	}
	lastErr := errors.New("no trusted certificate")
	for _, cert := range certs {
		// Metadata trust (SAML V2.0 Metadata Interoperability Profile): a
		// key is trusted because the IdP's metadata lists it, whatever the
		// validity dates of the certificate wrapping it; removal from the
		// metadata is what revokes it.
		c := *cert
		c.NotBefore, c.NotAfter = time.Time{}, time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
		vc := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: []*x509.Certificate{&c}})
		vc.IdAttribute = "ID"
		vc.Clock = dsig.NewFakeClockAt(now)
		signed, err := vc.Validate(detached)
		if err == nil {
			if got, _ := attr(signed, "ID"); got != id || signed.Tag != el.Tag || signed.NamespaceURI() != el.NamespaceURI() {
				return nil, fmt.Errorf("%w: signed element differs", ErrBadSignature)
			}
			return signed, nil
		}
		lastErr = err
	}
	return nil, fmt.Errorf("%w: %v", ErrBadSignature, lastErr)
}

func countID(el *etree.Element, id string) int {
	n := 0
	for _, a := range el.Attr {
		if a.Key == "ID" && a.Value == id {
			n++
		}
	}
	for _, c := range el.ChildElements() {
		n += countID(c, id)
	}
	return n
}

// Sign adds an enveloped signature to el right after its child {afterNS}after
// (first when after is ""). Exported for the test identity provider.
func Sign(el *etree.Element, kp KeyPair, afterNS, after string) error {
	return signInPlace(el, kp, afterNS, after)
}
