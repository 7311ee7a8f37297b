package saml_test

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"portalegenitori/internal/identity/saml"
)

// metadataFixture builds an aggregate the way AgID's registry and the CIE
// federation publish them: nested EntitiesDescriptor, an SP entity to skip,
// an encryption-only key, names in two languages, a SLO ResponseLocation.
func metadataFixture(t *testing.T) string {
	t.Helper()
	f := setup(t)
	cert := base64.StdEncoding.EncodeToString(f.idp.Key.Cert.Raw)
	other := base64.StdEncoding.EncodeToString(f.other.Cert.Raw)
	// Line breaks inside the base64 text are common in published metadata.
	wrapped := cert[:40] + "\n   " + cert[40:]
	return fmt.Sprintf(`<?xml version="1.0"?>
<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
 <md:EntitiesDescriptor>
  <md:EntityDescriptor entityID=" https://idp.one/ ">
   <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="encryption"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>%s</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:KeyDescriptor><ds:KeyInfo><ds:X509Data><ds:X509Certificate>%s</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.one/slo-redirect"/>
    <md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://idp.one/slo" ResponseLocation="https://idp.one/slo-resp"/>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.one/sso-redirect"/>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://idp.one/sso"/>
   </md:IDPSSODescriptor>
   <md:Organization>
    <md:OrganizationName xml:lang="en">One Ltd</md:OrganizationName>
    <md:OrganizationDisplayName xml:lang="en">One</md:OrganizationDisplayName>
    <md:OrganizationDisplayName xml:lang="it">Uno</md:OrganizationDisplayName>
    <md:OrganizationURL xml:lang="it">https://idp.one</md:OrganizationURL>
   </md:Organization>
  </md:EntityDescriptor>
 </md:EntitiesDescriptor>
 <md:EntityDescriptor entityID="https://sp.example/">
  <md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
   <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://sp.example/acs" index="0"/>
  </md:SPSSODescriptor>
 </md:EntityDescriptor>
 <md:EntityDescriptor entityID="https://idp.two/">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
   <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>%s</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
   <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://idp.two/sso"/>
  </md:IDPSSODescriptor>
 </md:EntityDescriptor>
</md:EntitiesDescriptor>`, other, wrapped, cert)
}

func TestParseIdPMetadataAggregate(t *testing.T) {
	f := setup(t)
	list, err := saml.ParseIdPMetadata([]byte(metadataFixture(t)))
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 {
		t.Fatalf("want the 2 identity providers (nested one included, SP skipped), got %d: %+v", len(list), list)
	}
	byID := map[string]saml.IdP{}
	for _, i := range list {
		byID[i.EntityID] = i
	}
	one, two := byID["https://idp.one/"], byID["https://idp.two/"]
	if one.EntityID != "https://idp.one/" || one.SSO != "https://idp.one/sso" ||
		one.SLO != "https://idp.one/slo" || one.SLOResp != "https://idp.one/slo-resp" {
		t.Errorf("endpoints: %+v", one)
	}
	if one.Name != "Uno" {
		t.Errorf("the Italian display name should win, got %q", one.Name)
	}
	if len(one.Certs) != 1 || !one.Certs[0].Equal(f.idp.Key.Cert) {
		t.Errorf("only the signing key (use absent) must be trusted, got %d certificates", len(one.Certs))
	}
	if two.Name != "https://idp.two/" || two.SLO != "" || two.SLOResp != "" {
		t.Errorf("an IdP without Organization or SLO: %+v", two)
	}
}

func TestParseIdPMetadataRefusals(t *testing.T) {
	good := metadataFixture(t)
	cases := map[string]string{
		"DTD":                 `<!DOCTYPE x [<!ENTITY e "boom">]>` + good[strings.Index(good, "<md:EntitiesDescriptor"):],
		"no IdP":              `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://sp/"><md:SPSSODescriptor/></md:EntityDescriptor>`,
		"no POST SSO":         strings.ReplaceAll(good, `bindings:HTTP-POST" Location="https://idp.two/sso"`, `bindings:HTTP-Redirect" Location="https://idp.two/sso"`),
		"bad certificate":     good[:strings.LastIndex(good, "<ds:X509Certificate>")] + "<ds:X509Certificate>not base64!" + good[strings.LastIndex(good, "<ds:X509Certificate>")+len("<ds:X509Certificate>"):],
		"certificate not DER": strings.Replace(good, "<ds:X509Certificate>MII", "<ds:X509Certificate>AII", 3),
		"not metadata":        `<foo/>`,
		"malformed":           `<md:EntityDescriptor`,
		"empty entityID":      strings.Replace(good, `entityID="https://idp.two/"`, `entityID=""`, 1),
	}
	for name, raw := range cases {
		if list, err := saml.ParseIdPMetadata([]byte(raw)); err == nil {
			t.Errorf("%s: accepted: %+v", name, list)
		}
	}
}
