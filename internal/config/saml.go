package config

import (
	"fmt"
	"strconv"
	"strings"
)

// SAML configures sign-in with SPID, CIE and a Comune's SAML identity
// provider (CST mode). Per-installation settings are in the database
// (table installation_saml); these are the deployment's.
type SAML struct {
	// KeyDir holds one folder per installation code with the SP key and
	// certificate (sp-key.pem, sp-cert.pem) made by `genitori spid-keygen`.
	KeyDir string // GENITORI_SAML_KEY_DIR, default var/saml
	// IdPDir holds the identity providers' metadata: spid/*.xml (the
	// registry's IdPs, refreshed by `genitori spid-refresh-idps`) and
	// cie/*.xml (the Ministry's CIE IdP).
	IdPDir string // GENITORI_SPID_IDP_DIR, default spid-idps
	// DemoIdP mounts the built-in test identity provider at /_test-idp/
	// and lists it first. Demo and development only: never in production.
	DemoIdP bool // GENITORI_DEMO_IDP, default false
}

func (c *Config) saml(getenv func(string) string) []error {
	var errs []error
	c.SAML.KeyDir = strings.TrimSpace(getenv("GENITORI_SAML_KEY_DIR"))
	if c.SAML.KeyDir == "" {
		c.SAML.KeyDir = "var/saml"
	}
	c.SAML.IdPDir = strings.TrimSpace(getenv("GENITORI_SPID_IDP_DIR"))
	if c.SAML.IdPDir == "" {
		c.SAML.IdPDir = "spid-idps"
	}
	if v := getenv("GENITORI_DEMO_IDP"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("GENITORI_DEMO_IDP=%q must be true or false (true only for the demo: it enables a fake identity provider)", v))
		}
		c.SAML.DemoIdP = b
	}
	return errs
}
