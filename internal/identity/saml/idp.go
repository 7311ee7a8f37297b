package saml

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	crewjam "github.com/crewjam/saml"
)

// IdP is an identity provider as its metadata describes it.
type IdP struct {
	EntityID string
	Name     string // OrganizationDisplayName, Italian when given
	SSO      string // SingleSignOnService, HTTP-POST binding
	SLO      string // SingleLogoutService, HTTP-POST binding ("" if none)
	SLOResp  string // its ResponseLocation, or SLO
	Certs    []*x509.Certificate
}

// Key is a short stable handle of the IdP for forms (no entityID in URLs).
func (i IdP) Key() string {
	sum := sha256.Sum256([]byte(i.EntityID))
	return hex.EncodeToString(sum[:6])
}

// ParseIdPMetadata reads an EntityDescriptor, or an EntitiesDescriptor of
// several (nested too), and returns every entity with an IDPSSODescriptor.
// The XML is decoded into crewjam/saml's metadata types: reading metadata is
// plain SAML 2.0, unlike the SPID-specific messages (see docs/identity).
// DTDs are refused before decoding, as for every message.
func ParseIdPMetadata(raw []byte) ([]IdP, error) {
	root, err := parseDocument(raw)
	if err != nil {
		return nil, err
	}
	var entities []crewjam.EntityDescriptor
	switch {
	case is(root, NSMetadata, "EntitiesDescriptor"):
		var all crewjam.EntitiesDescriptor
		if err := xml.Unmarshal(raw, &all); err != nil {
			return nil, fmt.Errorf("metadata: %w", err)
		}
		var flatten func(d crewjam.EntitiesDescriptor)
		flatten = func(d crewjam.EntitiesDescriptor) {
			entities = append(entities, d.EntityDescriptors...)
			for _, sub := range d.EntitiesDescriptors {
				flatten(sub)
			}
		}
		flatten(all)
	case is(root, NSMetadata, "EntityDescriptor"):
		var one crewjam.EntityDescriptor
		if err := xml.Unmarshal(raw, &one); err != nil {
			return nil, fmt.Errorf("metadata: %w", err)
		}
		entities = append(entities, one)
	}
	var out []IdP
	for _, ed := range entities {
		idp, ok, err := idpFromEntity(ed)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, idp)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no identity provider in the metadata")
	}
	return out, nil
}

func idpFromEntity(ed crewjam.EntityDescriptor) (IdP, bool, error) {
	idp := IdP{EntityID: strings.TrimSpace(ed.EntityID)}
	if len(ed.IDPSSODescriptors) == 0 {
		return idp, false, nil
	}
	if idp.EntityID == "" {
		return idp, false, errors.New("EntityDescriptor without entityID")
	}
	d := ed.IDPSSODescriptors[0]
	for _, kd := range d.KeyDescriptors {
		if kd.Use != "" && kd.Use != "signing" {
			continue
		}
		for _, c := range kd.KeyInfo.X509Data.X509Certificates {
			der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(c.Data), ""))
			if err != nil {
				return idp, false, fmt.Errorf("%s: certificate: %w", idp.EntityID, err)
			}
			cert, err := x509.ParseCertificate(der)
			if err != nil {
				return idp, false, fmt.Errorf("%s: certificate: %w", idp.EntityID, err)
			}
			idp.Certs = append(idp.Certs, cert)
		}
	}
	for _, s := range d.SingleSignOnServices {
		if s.Binding == BindingPOST && idp.SSO == "" {
			idp.SSO = strings.TrimSpace(s.Location)
		}
	}
	for _, s := range d.SingleLogoutServices {
		if s.Binding == BindingPOST && idp.SLO == "" {
			idp.SLO = strings.TrimSpace(s.Location)
			idp.SLOResp = idp.SLO
			if r := strings.TrimSpace(s.ResponseLocation); r != "" {
				idp.SLOResp = r
			}
		}
	}
	if idp.SSO == "" || len(idp.Certs) == 0 {
		return idp, false, fmt.Errorf("%s: no HTTP-POST SingleSignOnService or no signing certificate", idp.EntityID)
	}
	idp.Name = idp.EntityID
	if org := ed.Organization; org != nil {
		for _, names := range [][]crewjam.LocalizedName{org.OrganizationDisplayNames, org.OrganizationNames} {
			var pick string
			for _, n := range names {
				if v := strings.TrimSpace(n.Value); v != "" && (pick == "" || n.Lang == "it") {
					pick = v
				}
			}
			if pick != "" {
				idp.Name = pick
				break
			}
		}
	}
	return idp, true, nil
}

// LoadIdPDir reads every *.xml file of dir (not recursive), sorted by name.
// A missing folder is an empty list.
func LoadIdPDir(dir string) ([]IdP, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.xml"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var out []IdP
	seen := map[string]bool{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		list, err := ParseIdPMetadata(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		for _, i := range list {
			if !seen[i.EntityID] {
				seen[i.EntityID] = true
				out = append(out, i)
			}
		}
	}
	return out, nil
}

// RegistryURL is AgID's list of the SPID identity providers.
const RegistryURL = "https://registry.spid.gov.it/entities?entity_type=idp"

type registryEntry struct {
	EntityID    string `json:"entity_id"`
	EntityName  string `json:"entity_name"`
	MetadataURL string `json:"metadata_url"`
}

var unsafeName = regexp.MustCompile(`[^a-z0-9]+`)

// RefreshFromRegistry downloads the list of IdPs and each one's metadata,
// checks that every file parses, and only then replaces the *.xml files of
// dir. On any failure dir is left as it was. It returns the IdPs written.
func RefreshFromRegistry(ctx context.Context, client *http.Client, registry, dir string) ([]IdP, error) {
	get := func(u, accept string) ([]byte, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Accept", accept)
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("GET %s: %s", u, resp.Status)
		}
		return io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	}
	body, err := get(registry, "application/json")
	if err != nil {
		return nil, fmt.Errorf("SPID registry not reachable: %w", err)
	}
	var entries []registryEntry
	if err := json.Unmarshal(body, &entries); err != nil {
		return nil, fmt.Errorf("SPID registry answered something else than the JSON list: %w", err)
	}
	if len(entries) == 0 {
		return nil, errors.New("SPID registry returned no identity provider")
	}
	files := map[string][]byte{}
	var all []IdP
	for _, e := range entries {
		if e.MetadataURL == "" {
			continue
		}
		raw, err := get(e.MetadataURL, "application/samlmetadata+xml, application/xml")
		if err != nil {
			return nil, fmt.Errorf("%s: %w", e.EntityName, err)
		}
		list, err := ParseIdPMetadata(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", e.EntityName, err)
		}
		name := strings.Trim(unsafeName.ReplaceAllString(strings.ToLower(e.EntityName+"-"+list[0].Key()), "-"), "-")
		files[name+".xml"] = raw
		all = append(all, list...)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	old, _ := filepath.Glob(filepath.Join(dir, "*.xml"))
	for name, raw := range files {
		tmp := filepath.Join(dir, "."+name+".tmp")
		if err := os.WriteFile(tmp, raw, 0o644); err != nil {
			return nil, err
		}
		if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
			return nil, err
		}
	}
	for _, f := range old {
		if _, keep := files[filepath.Base(f)]; !keep {
			_ = os.Remove(f)
		}
	}
	_ = os.WriteFile(filepath.Join(dir, ".refreshed"), []byte(time.Now().UTC().Format(time.RFC3339)+"\n"), 0o644)
	return all, nil
}
