package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"portalegenitori/db"
	"portalegenitori/handlers"
	"portalegenitori/internal/config"
	"portalegenitori/internal/identity/saml"
)

// spidKeygenCmd makes the SP key and self-signed certificate of one or all
// installations, with the SPID subject (uri = entityID,
// organizationIdentifier = PA:IT-<IPA code>) and the public-SP policy.
func spidKeygenCmd(ctx context.Context, cfg config.Config, args []string) error {
	fs := flag.NewFlagSet("spid-keygen", flag.ContinueOnError)
	inst := fs.String("inst", "", "installation code (e.g. demo)")
	all := fs.Bool("all", false, "every installation with SPID, CIE or CST sign-in (those without an IPA code are skipped)")
	ifMissing := fs.Bool("if-missing", false, "keep the key of installations that already have one")
	force := fs.Bool("force", false, "replace an existing key (the new certificate must then be registered again)")
	years := fs.Int("years", 3, "validity of the certificate in years")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if (*inst == "") == !*all {
		return errors.New("give --inst CODE or --all")
	}
	store, err := db.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer store.Close()
	codes := []string{*inst}
	if *all {
		if codes, err = store.SAMLInstallationCodes(ctx); err != nil {
			return err
		}
	}
	for _, code := range codes {
		i, err := store.InstallationByCode(ctx, code)
		if err != nil {
			return err
		}
		dir := filepath.Join(cfg.SAML.KeyDir, code)
		if _, err := os.Stat(filepath.Join(dir, saml.KeyFile)); err == nil && *ifMissing {
			fmt.Printf("%s: key already in %s\n", code, dir)
			continue
		}
		cstOnly := false
		if i.IPACode == "" && i.CSTMode {
			cstOnly = true
			fmt.Printf("%s: no IPA code: a certificate for the CST identity provider only (not valid for SPID or CIE)\n", code)
		} else if i.IPACode == "" {
			msg := fmt.Sprintf("%s: no IPA code (installations.ipa_code): the SPID certificate needs it", code)
			if *all {
				fmt.Println(msg + " — skipped")
				continue
			}
			return errors.New(msg)
		}
		st, err := store.SAMLSettingsOf(ctx, i.ID)
		if err != nil {
			return err
		}
		entityID := handlers.EntityIDOf(cfg.BaseURL, i, st)
		locality := st.Locality
		if locality == "" {
			locality = strings.TrimPrefix(i.Name, "Comune di ")
		}
		org := i.ControllerName
		if org == "" {
			org = i.Name
		}
		kp, err := saml.GenerateSPCertificate(saml.CertSubject{CommonName: "Portale Genitori - " + i.Name, Organization: org,
			Locality: locality, IPACode: i.IPACode, EntityID: entityID, CSTOnly: cstOnly}, time.Duration(*years)*365*24*time.Hour)
		if err != nil {
			return fmt.Errorf("%s: %w", code, err)
		}
		if err := saml.WriteKeyPair(dir, kp, *force || *ifMissing); err != nil {
			return fmt.Errorf("%s: %w", code, err)
		}
		fmt.Printf("%s: key and certificate for %s written to %s (valid until %s)\n", code, entityID, dir, kp.Cert.NotAfter.Format("2006-01-02"))
		fmt.Printf("    metadata to register: %s/%s/spid/metadata\n", cfg.BaseURL, code)
	}
	return nil
}

// spidRefreshCmd downloads the SPID registry's list of identity providers
// into GENITORI_SPID_IDP_DIR/spid, replacing the folder only when every
// file arrived and parses.
func spidRefreshCmd(ctx context.Context, cfg config.Config, args []string) error {
	fs := flag.NewFlagSet("spid-refresh-idps", flag.ContinueOnError)
	registry := fs.String("registry", saml.RegistryURL, "the registry's list of IdPs (JSON)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	dir := filepath.Join(cfg.SAML.IdPDir, "spid")
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	list, err := saml.RefreshFromRegistry(ctx, &http.Client{Timeout: 30 * time.Second}, *registry, dir)
	if err != nil {
		return fmt.Errorf("the IdP list was not refreshed, %s is unchanged: %w", dir, err)
	}
	for _, i := range list {
		fmt.Printf("  %-45s %s\n", i.Name, i.EntityID)
	}
	fmt.Printf("%d identity providers written to %s\n", len(list), dir)
	return nil
}
