// Package spidtest is an identity provider for tests and for the demo: it
// issues SPID-style signed Responses (Response and Assertion signed with
// its own key) and can be told to break any rule, so that the portal's
// refusal of each one can be tested. It is never enabled in production: the
// portal mounts it only with GENITORI_DEMO_IDP=true.
package spidtest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"time"

	"github.com/beevik/etree"

	"portalegenitori/internal/identity/saml"
)

// IdP is one test identity provider.
type IdP struct {
	EntityID string
	Name     string
	SSOURL   string
	SLOURL   string
	Key      saml.KeyPair
}

// NewKey makes a throw-away RSA-2048 key and self-signed certificate.
func NewKey(cn string) (saml.KeyPair, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return saml.KeyPair{}, err
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber:       serial,
		Subject:            pkix.Name{CommonName: cn, Organization: []string{"Portale Genitori test IdP"}, Country: []string{"IT"}},
		NotBefore:          time.Now().Add(-time.Hour),
		NotAfter:           time.Now().Add(5 * 365 * 24 * time.Hour),
		KeyUsage:           x509.KeyUsageDigitalSignature,
		SignatureAlgorithm: x509.SHA256WithRSA,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return saml.KeyPair{}, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return saml.KeyPair{}, err
	}
	return saml.KeyPair{Key: key, Cert: cert}, nil
}

// LoadOrCreateKey keeps the demo IdP's key in dir across restarts.
func LoadOrCreateKey(dir string) (saml.KeyPair, error) {
	kp, err := saml.LoadKeyPair(dir)
	if err == nil {
		return kp, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return kp, err
	}
	if kp, err = NewKey("Portale Genitori demo IdP"); err != nil {
		return kp, err
	}
	return kp, saml.WriteKeyPair(filepath.Clean(dir), kp, false)
}

// New is an IdP whose endpoints live under base (e.g. https://host/_test-idp/spid).
func New(base, name string, kp saml.KeyPair) *IdP {
	return &IdP{EntityID: base, Name: name, SSOURL: base + "/sso", SLOURL: base + "/slo", Key: kp}
}

// Descriptor is the IdP as the portal sees it from its metadata.
func (i *IdP) Descriptor() saml.IdP {
	return saml.IdP{EntityID: i.EntityID, Name: i.Name, SSO: i.SSOURL, SLO: i.SLOURL, SLOResp: i.SLOURL, Certs: []*x509.Certificate{i.Key.Cert}}
}

// Metadata is the IdP's metadata (for the IdP folder).
func (i *IdP) Metadata() ([]byte, error) {
	ed := etree.NewElement("md:EntityDescriptor")
	ed.CreateAttr("xmlns:md", saml.NSMetadata)
	ed.CreateAttr("xmlns:ds", saml.NSDSig)
	ed.CreateAttr("entityID", i.EntityID)
	d := ed.CreateElement("md:IDPSSODescriptor")
	d.CreateAttr("protocolSupportEnumeration", saml.NSProtocol)
	d.CreateAttr("WantAuthnRequestsSigned", "true")
	kd := d.CreateElement("md:KeyDescriptor")
	kd.CreateAttr("use", "signing")
	kd.CreateElement("ds:KeyInfo").CreateElement("ds:X509Data").CreateElement("ds:X509Certificate").
		SetText(base64.StdEncoding.EncodeToString(i.Key.Cert.Raw))
	slo := d.CreateElement("md:SingleLogoutService")
	slo.CreateAttr("Binding", saml.BindingPOST)
	slo.CreateAttr("Location", i.SLOURL)
	d.CreateElement("md:NameIDFormat").SetText(saml.NameIDTransient)
	sso := d.CreateElement("md:SingleSignOnService")
	sso.CreateAttr("Binding", saml.BindingPOST)
	sso.CreateAttr("Location", i.SSOURL)
	org := ed.CreateElement("md:Organization")
	for _, t := range []string{"md:OrganizationName", "md:OrganizationDisplayName"} {
		e := org.CreateElement(t)
		e.CreateAttr("xml:lang", "it")
		e.SetText(i.Name)
	}
	e := org.CreateElement("md:OrganizationURL")
	e.CreateAttr("xml:lang", "it")
	e.SetText(i.EntityID)
	return saml.Serialize(ed)
}

// Response says what to answer; the zero values of the knobs give a
// correct SPID response.
type Response struct {
	RequestID     string
	RequestIssued time.Time
	ACSURL        string
	Audience      string // the SP entityID
	Level         string // default SpidL2
	Attributes    [][2]string
	NameID        string
	SessionIndex  string

	// Failure: a non-success status, e.g. "ErrorCode nr25".
	StatusCode, SubStatus, StatusMessage string

	// Knobs for negative tests.
	UnsignedResponse, UnsignedAssertion bool
	SignWith                            *saml.KeyPair // another key
	Issuer                              string        // default EntityID
	IssueInstant                        time.Time
	NotOnOrAfter, NotBefore             time.Time
	Destination, Recipient              *string
	InResponseTo                        *string
	// Before runs on the Response before signing, After after signing
	// (to wrap or tamper with the signed XML).
	Before, After func(resp *etree.Element)
}

// Build makes the Response XML.
func (i *IdP) Build(r Response) ([]byte, error) {
	now := time.Now().UTC()
	issue := r.IssueInstant
	if issue.IsZero() {
		issue = now
	}
	nooa := r.NotOnOrAfter
	if nooa.IsZero() {
		nooa = now.Add(5 * time.Minute)
	}
	nb := r.NotBefore
	if nb.IsZero() {
		nb = now.Add(-time.Minute)
	}
	level := r.Level
	if level == "" {
		level = saml.SpidL2
	}
	issuer := r.Issuer
	if issuer == "" {
		issuer = i.EntityID
	}
	dest, rcpt, irt := r.ACSURL, r.ACSURL, r.RequestID
	if r.Destination != nil {
		dest = *r.Destination
	}
	if r.Recipient != nil {
		rcpt = *r.Recipient
	}
	if r.InResponseTo != nil {
		irt = *r.InResponseTo
	}
	nameID := r.NameID
	if nameID == "" {
		nameID = saml.NewID()
	}
	sessIdx := r.SessionIndex
	if sessIdx == "" {
		sessIdx = saml.NewID()
	}
	kp := i.Key
	if r.SignWith != nil {
		kp = *r.SignWith
	}

	resp := etree.NewElement("samlp:Response")
	resp.CreateAttr("xmlns:samlp", saml.NSProtocol)
	resp.CreateAttr("xmlns:saml", saml.NSAssertion)
	resp.CreateAttr("ID", saml.NewID())
	resp.CreateAttr("Version", "2.0")
	resp.CreateAttr("IssueInstant", saml.FormatTime(issue))
	if dest != "" {
		resp.CreateAttr("Destination", dest)
	}
	if irt != "" {
		resp.CreateAttr("InResponseTo", irt)
	}
	iss := resp.CreateElement("saml:Issuer")
	iss.CreateAttr("Format", saml.NameIDEntity)
	iss.SetText(issuer)
	st := resp.CreateElement("samlp:Status")
	sc := st.CreateElement("samlp:StatusCode")
	if r.StatusCode != "" {
		sc.CreateAttr("Value", r.StatusCode)
		if r.SubStatus != "" {
			sc.CreateElement("samlp:StatusCode").CreateAttr("Value", r.SubStatus)
		}
		if r.StatusMessage != "" {
			st.CreateElement("samlp:StatusMessage").SetText(r.StatusMessage)
		}
	} else {
		sc.CreateAttr("Value", saml.StatusSuccess)
		a := resp.CreateElement("saml:Assertion")
		a.CreateAttr("xmlns:saml", saml.NSAssertion)
		a.CreateAttr("ID", saml.NewID())
		a.CreateAttr("Version", "2.0")
		a.CreateAttr("IssueInstant", saml.FormatTime(issue))
		ai := a.CreateElement("saml:Issuer")
		ai.CreateAttr("Format", saml.NameIDEntity)
		ai.SetText(issuer)
		subj := a.CreateElement("saml:Subject")
		nid := subj.CreateElement("saml:NameID")
		nid.CreateAttr("Format", saml.NameIDTransient)
		nid.CreateAttr("NameQualifier", i.EntityID)
		nid.SetText(nameID)
		conf := subj.CreateElement("saml:SubjectConfirmation")
		conf.CreateAttr("Method", saml.CMBearer)
		scd := conf.CreateElement("saml:SubjectConfirmationData")
		if irt != "" {
			scd.CreateAttr("InResponseTo", irt)
		}
		scd.CreateAttr("NotOnOrAfter", saml.FormatTime(nooa))
		if rcpt != "" {
			scd.CreateAttr("Recipient", rcpt)
		}
		cond := a.CreateElement("saml:Conditions")
		cond.CreateAttr("NotBefore", saml.FormatTime(nb))
		cond.CreateAttr("NotOnOrAfter", saml.FormatTime(nooa))
		cond.CreateElement("saml:AudienceRestriction").CreateElement("saml:Audience").SetText(r.Audience)
		as := a.CreateElement("saml:AuthnStatement")
		as.CreateAttr("AuthnInstant", saml.FormatTime(issue))
		as.CreateAttr("SessionIndex", sessIdx)
		as.CreateElement("saml:AuthnContext").CreateElement("saml:AuthnContextClassRef").SetText(level)
		ast := a.CreateElement("saml:AttributeStatement")
		for _, at := range r.Attributes {
			el := ast.CreateElement("saml:Attribute")
			el.CreateAttr("Name", at[0])
			v := el.CreateElement("saml:AttributeValue")
			v.CreateAttr("xmlns:xs", "http://www.w3.org/2001/XMLSchema")
			v.CreateAttr("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance")
			v.CreateAttr("xsi:type", "xs:string")
			v.SetText(at[1])
		}
		if r.Before != nil {
			r.Before(resp)
		}
		if !r.UnsignedAssertion {
			if err := saml.Sign(a, kp, saml.NSAssertion, "Issuer"); err != nil {
				return nil, fmt.Errorf("sign assertion: %w", err)
			}
		}
	}
	if r.StatusCode != "" && r.Before != nil {
		r.Before(resp)
	}
	if !r.UnsignedResponse {
		if err := saml.Sign(resp, kp, saml.NSAssertion, "Issuer"); err != nil {
			return nil, fmt.Errorf("sign response: %w", err)
		}
	}
	if r.After != nil {
		r.After(resp)
	}
	return saml.Serialize(resp)
}

// ParsedRequest is what the test IdP reads from an AuthnRequest.
type ParsedRequest struct {
	ID, Issuer, Destination, Level, Comparison, IssueInstant string
	ForceAuthn                                               bool
	Signed                                                   bool
	Root                                                     *etree.Element
}

// ParseAuthnRequest decodes the SAMLRequest of the HTTP-POST binding.
func ParseAuthnRequest(b64 string) (*ParsedRequest, error) {
	raw, err := saml.Decode(b64)
	if err != nil {
		return nil, err
	}
	root, err := saml.ParseXML(raw)
	if err != nil {
		return nil, err
	}
	p := &ParsedRequest{Root: root}
	p.ID = root.SelectAttrValue("ID", "")
	p.Destination = root.SelectAttrValue("Destination", "")
	p.IssueInstant = root.SelectAttrValue("IssueInstant", "")
	p.ForceAuthn = root.SelectAttrValue("ForceAuthn", "") == "true"
	if is := root.FindElement("./Issuer"); is != nil {
		p.Issuer = is.Text()
	}
	if rac := root.FindElement("./RequestedAuthnContext"); rac != nil {
		p.Comparison = rac.SelectAttrValue("Comparison", "")
		if cr := rac.FindElement("./AuthnContextClassRef"); cr != nil {
			p.Level = cr.Text()
		}
	}
	p.Signed = root.FindElement("./Signature") != nil
	return p, nil
}

func (i *IdP) message(tag, destination string) *etree.Element {
	el := etree.NewElement("samlp:" + tag)
	el.CreateAttr("xmlns:samlp", saml.NSProtocol)
	el.CreateAttr("xmlns:saml", saml.NSAssertion)
	el.CreateAttr("ID", saml.NewID())
	el.CreateAttr("Version", "2.0")
	el.CreateAttr("IssueInstant", saml.FormatTime(time.Now()))
	el.CreateAttr("Destination", destination)
	iss := el.CreateElement("saml:Issuer")
	iss.CreateAttr("Format", saml.NameIDEntity)
	iss.SetText(i.EntityID)
	return el
}

// LogoutResponse answers the SP's LogoutRequest inResponseTo with success.
func (i *IdP) LogoutResponse(inResponseTo, destination string) ([]byte, error) {
	el := i.message("LogoutResponse", destination)
	el.CreateAttr("InResponseTo", inResponseTo)
	el.CreateElement("samlp:Status").CreateElement("samlp:StatusCode").CreateAttr("Value", saml.StatusSuccess)
	if err := saml.Sign(el, i.Key, saml.NSAssertion, "Issuer"); err != nil {
		return nil, err
	}
	return saml.Serialize(el)
}

// LogoutRequest is an IdP-initiated logout of the session nameID/sessionIndex.
func (i *IdP) LogoutRequest(destination, nameID, sessionIndex string) ([]byte, error) {
	el := i.message("LogoutRequest", destination)
	nid := el.CreateElement("saml:NameID")
	nid.CreateAttr("Format", saml.NameIDTransient)
	nid.CreateAttr("NameQualifier", i.EntityID)
	nid.SetText(nameID)
	el.CreateElement("samlp:SessionIndex").SetText(sessionIndex)
	if err := saml.Sign(el, i.Key, saml.NSAssertion, "Issuer"); err != nil {
		return nil, err
	}
	return saml.Serialize(el)
}
