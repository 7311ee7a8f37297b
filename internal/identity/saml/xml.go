// Package saml is the portal's SAML 2.0 service provider for SPID, CIE and
// a Comune's own (CST) identity provider: metadata, AuthnRequest,
// LogoutRequest/LogoutResponse, and the validation of the IdP's responses
// with every check the SPID technical rules and the AgID validator
// (spid-sp-test) ask for. It speaks neither HTTP nor SQL.
//
// Built on beevik/etree and russellhaering/goxmldsig (the libraries under
// crewjam/saml): crewjam's own ServiceProvider cannot express the SPID
// metadata and AuthnRequest, and its ParseResponse accepts a signed Response
// whose Assertion is unsigned, which SPID forbids (see docs/identity/spid-cie.md).
package saml

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/beevik/etree"
)

// Namespaces and fixed values.
const (
	NSProtocol  = "urn:oasis:names:tc:SAML:2.0:protocol"
	NSAssertion = "urn:oasis:names:tc:SAML:2.0:assertion"
	NSMetadata  = "urn:oasis:names:tc:SAML:2.0:metadata"
	NSDSig      = "http://www.w3.org/2000/09/xmldsig#"
	NSSPID      = "https://spid.gov.it/saml-extensions"
	NSCIE       = "https://www.cartaidentita.interno.gov.it/saml-extensions"

	BindingPOST     = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
	BindingRedirect = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"

	NameIDEntity    = "urn:oasis:names:tc:SAML:2.0:nameid-format:entity"
	NameIDTransient = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"
	CMBearer        = "urn:oasis:names:tc:SAML:2.0:cm:bearer"

	StatusSuccess   = "urn:oasis:names:tc:SAML:2.0:status:Success"
	StatusRequester = "urn:oasis:names:tc:SAML:2.0:status:Requester"

	SpidL1 = "https://www.spid.gov.it/SpidL1"
	SpidL2 = "https://www.spid.gov.it/SpidL2"
	SpidL3 = "https://www.spid.gov.it/SpidL3"

	timeFormat = "2006-01-02T15:04:05Z"
)

// NewID returns a fresh SAML identifier: "_" and 32 hex digits (an NCName).
func NewID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "_" + hex.EncodeToString(b)
}

// FormatTime writes an instant as SAML wants it: UTC, seconds, "Z".
func FormatTime(t time.Time) string { return t.UTC().Format(timeFormat) }

// parseTime reads an xs:dateTime in UTC ("Z"), with or without fractions.
func parseTime(s string) (time.Time, error) {
	if !strings.HasSuffix(s, "Z") {
		return time.Time{}, fmt.Errorf("instant %q is not in UTC", s)
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("instant %q: %w", s, err)
	}
	return t, nil
}

// parseDocument reads an XML message, refusing DTDs (no entity expansion,
// no XXE) and anything that is not a single element.
func parseDocument(raw []byte) (*etree.Element, error) {
	if bytes.Contains(bytes.ToUpper(raw), []byte("<!DOCTYPE")) || bytes.Contains(raw, []byte("<!ENTITY")) {
		return nil, errors.New("DTD not allowed")
	}
	doc := etree.NewDocument()
	doc.ReadSettings.Permissive = false
	if err := doc.ReadFromBytes(raw); err != nil {
		return nil, fmt.Errorf("malformed XML: %w", err)
	}
	for _, tok := range doc.Child {
		if _, ok := tok.(*etree.Directive); ok {
			return nil, errors.New("XML directive not allowed")
		}
	}
	root := doc.Root()
	if root == nil {
		return nil, errors.New("no root element")
	}
	return root, nil
}

// is tells whether el is {ns}tag.
func is(el *etree.Element, ns, tag string) bool {
	return el != nil && el.Tag == tag && el.NamespaceURI() == ns
}

// children returns the direct children {ns}tag of el.
func children(el *etree.Element, ns, tag string) []*etree.Element {
	var out []*etree.Element
	if el == nil {
		return nil
	}
	for _, c := range el.ChildElements() {
		if is(c, ns, tag) {
			out = append(out, c)
		}
	}
	return out
}

// only returns the one direct child {ns}tag of el, or an error when there
// is none or more than one.
func only(el *etree.Element, ns, tag string) (*etree.Element, error) {
	cs := children(el, ns, tag)
	switch len(cs) {
	case 1:
		return cs[0], nil
	case 0:
		return nil, fmt.Errorf("missing %s", tag)
	default:
		return nil, fmt.Errorf("more than one %s", tag)
	}
}

// optional returns the direct child {ns}tag, nil when absent, an error when
// repeated.
func optional(el *etree.Element, ns, tag string) (*etree.Element, error) {
	cs := children(el, ns, tag)
	if len(cs) > 1 {
		return nil, fmt.Errorf("more than one %s", tag)
	}
	if len(cs) == 0 {
		return nil, nil
	}
	return cs[0], nil
}

// attr returns an unprefixed attribute and whether it is present.
func attr(el *etree.Element, name string) (string, bool) {
	for _, a := range el.Attr {
		if a.Space == "" && a.Key == name {
			return a.Value, true
		}
	}
	return "", false
}

// text is the trimmed text content of el.
func text(el *etree.Element) string {
	if el == nil {
		return ""
	}
	return strings.TrimSpace(el.Text())
}

// serialize writes el as a standalone document.
func serialize(el *etree.Element) ([]byte, error) {
	doc := etree.NewDocument()
	doc.CreateProcInst("xml", `version="1.0" encoding="UTF-8"`)
	doc.SetRoot(el)
	return doc.WriteToBytes()
}

// ParseXML reads a message as parseDocument does (no DTD). Exported for the
// test identity provider.
func ParseXML(raw []byte) (*etree.Element, error) { return parseDocument(raw) }

// Serialize writes el as a standalone document.
func Serialize(el *etree.Element) ([]byte, error) { return serialize(el) }
