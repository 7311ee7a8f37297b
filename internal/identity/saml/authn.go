package saml

import (
	"encoding/base64"
	"fmt"
	"time"

	"github.com/beevik/etree"
)

// Levels of SPID authentication in increasing order; CIE uses the same.
var levels = map[string]int{SpidL1: 1, SpidL2: 2, SpidL3: 3}

// ValidLevel tells whether s is a SPID level URI.
func ValidLevel(s string) bool { _, ok := levels[s]; return ok }

// ValidComparison tells whether s is a Comparison SPID allows.
func ValidComparison(s string) bool {
	switch s {
	case "exact", "minimum", "better", "maximum":
		return true
	}
	return false
}

// AuthnRequest is what the portal asks of an IdP.
type AuthnRequest struct {
	ID           string
	IssueInstant time.Time // truncated to the second
	Destination  string    // the IdP's SingleSignOnService (HTTP-POST)
	Level        string    // SpidL1..3; "" asks for no authentication context (CST)
	Comparison   string    // exact, minimum, better, maximum
}

// AuthnRequest builds and signs the request as the SPID rules want it:
// Issuer with entity Format and NameQualifier, transient NameIDPolicy
// without AllowCreate, AssertionConsumerServiceIndex and
// AttributeConsumingServiceIndex 0, one AuthnContextClassRef, ForceAuthn
// for levels 2 and 3, no IsPassive, no Scoping. It returns the XML.
func (sp *SP) AuthnRequest(r AuthnRequest) ([]byte, error) {
	if r.Level != "" && (!ValidLevel(r.Level) || !ValidComparison(r.Comparison)) {
		return nil, fmt.Errorf("level %q / comparison %q not valid", r.Level, r.Comparison)
	}
	el := etree.NewElement("samlp:AuthnRequest")
	el.CreateAttr("xmlns:samlp", NSProtocol)
	el.CreateAttr("xmlns:saml", NSAssertion)
	el.CreateAttr("ID", r.ID)
	el.CreateAttr("Version", "2.0")
	el.CreateAttr("IssueInstant", FormatTime(r.IssueInstant))
	el.CreateAttr("Destination", r.Destination)
	if levels[r.Level] >= 2 {
		el.CreateAttr("ForceAuthn", "true")
	}
	el.CreateAttr("AssertionConsumerServiceIndex", "0")
	el.CreateAttr("AttributeConsumingServiceIndex", "0")
	sp.issuer(el)
	el.CreateElement("samlp:NameIDPolicy").CreateAttr("Format", NameIDTransient)
	if r.Level != "" {
		rac := el.CreateElement("samlp:RequestedAuthnContext")
		rac.CreateAttr("Comparison", r.Comparison)
		rac.CreateElement("saml:AuthnContextClassRef").SetText(r.Level)
	}
	if err := signInPlace(el, sp.Key, NSAssertion, "Issuer"); err != nil {
		return nil, err
	}
	return serialize(el)
}

func (sp *SP) issuer(el *etree.Element) {
	is := el.CreateElement("saml:Issuer")
	is.CreateAttr("Format", NameIDEntity)
	is.CreateAttr("NameQualifier", sp.EntityID)
	is.SetText(sp.EntityID)
}

// Encode is the HTTP-POST binding's encoding of a message.
func Encode(xml []byte) string { return base64.StdEncoding.EncodeToString(xml) }
