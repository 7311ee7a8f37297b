package saml

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/beevik/etree"
)

// Federation says which rules a service provider follows.
type Federation string

// Federations.
const (
	SPID Federation = "spid"
	CIE  Federation = "cie"
	CST  Federation = "cst" // a Comune's own SAML identity provider
)

// Attribute sets requested by the portal: just what it needs to find the
// adult (fiscalNumber) and greet them; CIE allows only its own four.
var (
	SPIDAttributes = []string{"fiscalNumber", "name", "familyName", "email", "mobilePhone"}
	CIEAttributes  = []string{"fiscalNumber", "name", "familyName", "dateOfBirth"}
)

// SP is one service provider: an installation in one federation.
type SP struct {
	Federation  Federation
	EntityID    string
	ACSURL      string
	SLOURL      string
	Key         KeyPair
	ServiceName string // AttributeConsumingService/ServiceName, Italian
	Attributes  []string

	OrgName, OrgDisplayName, OrgURL string
	IPACode                         string
	ContactEmail, ContactPhone      string
	Municipality, Province          string // CIE: Belfiore code and province
}

// Validate lists what the metadata would lack.
func (sp *SP) Validate() error {
	var errs []error
	if u, err := url.Parse(sp.EntityID); err != nil || u.Scheme == "" || u.Host == "" || u.RawQuery != "" {
		errs = append(errs, fmt.Errorf("entityID %q must be an absolute URL without query string", sp.EntityID))
	}
	if sp.Key.Key == nil || sp.Key.Cert == nil {
		errs = append(errs, errors.New("no SP key and certificate (run genitori spid-keygen)"))
	}
	if sp.OrgName == "" || sp.OrgURL == "" {
		errs = append(errs, errors.New("organization name and URL are required"))
	}
	if sp.ContactEmail == "" {
		errs = append(errs, errors.New("a contact e-mail (not personal) is required"))
	}
	if sp.Federation != CST && sp.IPACode == "" {
		errs = append(errs, errors.New("the IPA code is required"))
	}
	if sp.ContactPhone != "" && (!strings.HasPrefix(sp.ContactPhone, "+39") || strings.ContainsAny(sp.ContactPhone, " \t")) {
		errs = append(errs, fmt.Errorf("telephone %q must start with +39 and contain no spaces", sp.ContactPhone))
	}
	if sp.Federation == CIE && sp.Municipality == "" {
		errs = append(errs, errors.New("CIE needs the Comune's Belfiore code (Municipality)"))
	}
	return errors.Join(errs...)
}

// Metadata builds the signed metadata of the service provider.
func (sp *SP) Metadata() ([]byte, error) {
	if err := sp.Validate(); err != nil {
		return nil, err
	}
	ed := etree.NewElement("md:EntityDescriptor")
	ed.CreateAttr("xmlns:md", NSMetadata)
	ed.CreateAttr("xmlns:ds", NSDSig)
	switch sp.Federation {
	case SPID:
		ed.CreateAttr("xmlns:spid", NSSPID)
	case CIE:
		ed.CreateAttr("xmlns:cie", NSCIE)
	}
	ed.CreateAttr("entityID", sp.EntityID)
	ed.CreateAttr("ID", NewID())

	sso := ed.CreateElement("md:SPSSODescriptor")
	sso.CreateAttr("protocolSupportEnumeration", NSProtocol)
	sso.CreateAttr("AuthnRequestsSigned", "true")
	sso.CreateAttr("WantAssertionsSigned", "true")
	kd := sso.CreateElement("md:KeyDescriptor")
	kd.CreateAttr("use", "signing")
	ki := kd.CreateElement("ds:KeyInfo")
	ki.CreateElement("ds:X509Data").CreateElement("ds:X509Certificate").SetText(base64.StdEncoding.EncodeToString(sp.Key.Cert.Raw))
	slo := sso.CreateElement("md:SingleLogoutService")
	slo.CreateAttr("Binding", BindingPOST)
	slo.CreateAttr("Location", sp.SLOURL)
	sso.CreateElement("md:NameIDFormat").SetText(NameIDTransient)
	acs := sso.CreateElement("md:AssertionConsumerService")
	acs.CreateAttr("index", "0")
	acs.CreateAttr("isDefault", "true")
	acs.CreateAttr("Binding", BindingPOST)
	acs.CreateAttr("Location", sp.ACSURL)
	atcs := sso.CreateElement("md:AttributeConsumingService")
	atcs.CreateAttr("index", "0")
	sn := atcs.CreateElement("md:ServiceName")
	sn.CreateAttr("xml:lang", "it")
	sn.SetText(sp.ServiceName)
	for _, a := range sp.Attributes {
		ra := atcs.CreateElement("md:RequestedAttribute")
		ra.CreateAttr("Name", a)
	}

	org := ed.CreateElement("md:Organization")
	for _, p := range [][2]string{{"md:OrganizationName", sp.OrgName}, {"md:OrganizationDisplayName", orDefault(sp.OrgDisplayName, sp.OrgName)}, {"md:OrganizationURL", sp.OrgURL}} {
		e := org.CreateElement(p[0])
		e.CreateAttr("xml:lang", "it")
		e.SetText(p[1])
	}

	cp := ed.CreateElement("md:ContactPerson")
	ext := cp.CreateElement("md:Extensions")
	switch sp.Federation {
	case SPID:
		cp.CreateAttr("contactType", "other")
		ext.CreateElement("spid:IPACode").SetText(sp.IPACode)
		ext.CreateElement("spid:Public")
	case CIE:
		cp.CreateAttr("contactType", "administrative")
		ext.CreateElement("cie:Public")
		ext.CreateElement("cie:IPACode").SetText(sp.IPACode)
		ext.CreateElement("cie:Municipality").SetText(sp.Municipality)
		if sp.Province != "" {
			ext.CreateElement("cie:Province").SetText(sp.Province)
		}
		ext.CreateElement("cie:Country").SetText("IT")
	default:
		cp.CreateAttr("contactType", "technical")
		cp.RemoveChild(ext)
	}
	if sp.Federation == CIE {
		cp.CreateElement("md:Company").SetText(sp.OrgName)
	}
	cp.CreateElement("md:EmailAddress").SetText(sp.ContactEmail)
	if sp.ContactPhone != "" {
		cp.CreateElement("md:TelephoneNumber").SetText(sp.ContactPhone)
	}

	if err := signInPlace(ed, sp.Key, "", ""); err != nil {
		return nil, err
	}
	return serialize(ed)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
