package saml

import (
	"errors"
	"time"

	"github.com/beevik/etree"
)

// LogoutRequest builds and signs an SP-initiated LogoutRequest for the
// IdP's SingleLogoutService (HTTP-POST).
func (sp *SP) LogoutRequest(id string, issued time.Time, destination, nameID, nameQualifier, nameFormat, sessionIndex string) ([]byte, error) {
	el := etree.NewElement("samlp:LogoutRequest")
	el.CreateAttr("xmlns:samlp", NSProtocol)
	el.CreateAttr("xmlns:saml", NSAssertion)
	el.CreateAttr("ID", id)
	el.CreateAttr("Version", "2.0")
	el.CreateAttr("IssueInstant", FormatTime(issued))
	el.CreateAttr("Destination", destination)
	sp.issuer(el)
	nid := el.CreateElement("saml:NameID")
	if nameQualifier != "" {
		nid.CreateAttr("NameQualifier", nameQualifier)
	}
	if nameFormat != "" {
		nid.CreateAttr("Format", nameFormat)
	}
	nid.SetText(nameID)
	if sessionIndex != "" {
		el.CreateElement("samlp:SessionIndex").SetText(sessionIndex)
	}
	if err := signInPlace(el, sp.Key, NSAssertion, "Issuer"); err != nil {
		return nil, err
	}
	return serialize(el)
}

// LogoutResponse builds and signs the answer to an IdP-initiated logout.
func (sp *SP) LogoutResponse(id string, issued time.Time, destination, inResponseTo, status string) ([]byte, error) {
	el := etree.NewElement("samlp:LogoutResponse")
	el.CreateAttr("xmlns:samlp", NSProtocol)
	el.CreateAttr("xmlns:saml", NSAssertion)
	el.CreateAttr("ID", id)
	el.CreateAttr("Version", "2.0")
	el.CreateAttr("IssueInstant", FormatTime(issued))
	el.CreateAttr("Destination", destination)
	if inResponseTo != "" {
		el.CreateAttr("InResponseTo", inResponseTo)
	}
	sp.issuer(el)
	el.CreateElement("samlp:Status").CreateElement("samlp:StatusCode").CreateAttr("Value", status)
	if err := signInPlace(el, sp.Key, NSAssertion, "Issuer"); err != nil {
		return nil, err
	}
	return serialize(el)
}

// LogoutMessage is an incoming LogoutRequest or LogoutResponse, verified.
type LogoutMessage struct {
	IsRequest    bool
	ID           string
	InResponseTo string // responses
	Status       string // responses
	NameID       string // requests
	SessionIndex []string
}

// ParseLogout verifies a LogoutRequest or LogoutResponse from idp: signed
// by it, Issuer the IdP, Destination our SLO URL, issued recently.
func ParseLogout(raw []byte, idp IdP, sloURL string, now time.Time) (*LogoutMessage, error) {
	root, err := parseDocument(raw)
	if err != nil {
		return nil, fail("malformed", "%v", err)
	}
	m := &LogoutMessage{}
	switch {
	case is(root, NSProtocol, "LogoutRequest"):
		m.IsRequest = true
	case is(root, NSProtocol, "LogoutResponse"):
	default:
		return nil, fail("malformed", "%s is not a logout message", root.Tag)
	}
	el, err := verified(root, idp.Certs, now)
	if errors.Is(err, ErrNotSigned) {
		return nil, fail("unsigned", "logout message not signed")
	}
	if err != nil {
		return nil, fail("signature", "%v", err)
	}
	e := &Expect{IdP: idp, Now: now, Skew: DefaultSkew}
	if v, _ := attr(el, "Version"); v != "2.0" {
		return nil, fail("version", "Version %q", v)
	}
	if m.ID, _ = attr(el, "ID"); m.ID == "" {
		return nil, fail("id", "no ID")
	}
	t, err := e.instant(el, "IssueInstant", "issue_instant", false)
	if err != nil {
		return nil, err
	}
	if t.Before(now.Add(-10 * time.Minute)) {
		return nil, fail("issue_instant", "logout message too old")
	}
	if v, _ := attr(el, "Destination"); v != sloURL {
		return nil, fail("destination", "Destination %q is not %q", v, sloURL)
	}
	if err := e.issuer(el, false, "issuer"); err != nil {
		return nil, err
	}
	if m.IsRequest {
		nid, err := only(el, NSAssertion, "NameID")
		if err != nil {
			return nil, fail("name_id", "%v", err)
		}
		m.NameID = text(nid)
		for _, si := range children(el, NSProtocol, "SessionIndex") {
			m.SessionIndex = append(m.SessionIndex, text(si))
		}
		if na, ok := attr(el, "NotOnOrAfter"); ok {
			if nt, err := parseTime(na); err != nil || !now.Before(nt.Add(DefaultSkew)) {
				return nil, fail("expired", "LogoutRequest expired")
			}
		}
		return m, nil
	}
	m.InResponseTo, _ = attr(el, "InResponseTo")
	st, err := only(el, NSProtocol, "Status")
	if err != nil {
		return nil, fail("status", "%v", err)
	}
	sc, err := only(st, NSProtocol, "StatusCode")
	if err != nil {
		return nil, fail("status", "%v", err)
	}
	m.Status, _ = attr(sc, "Value")
	return m, nil
}
