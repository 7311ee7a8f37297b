package saml

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
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

	"github.com/beevik/etree"
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
// several, and returns every entity with an IDPSSODescriptor.
func ParseIdPMetadata(raw []byte) ([]IdP, error) {
	root, err := parseDocument(raw)
	if err != nil {
		return nil, err
	}
	var out []IdP
	var walk func(el *etree.Element) error
	walk = func(el *etree.Element) error {
		switch {
		case is(el, NSMetadata, "EntitiesDescriptor"):
			for _, c := range el.ChildElements() {
				if err := walk(c); err != nil {
					return err
				}
			}
		case is(el, NSMetadata, "EntityDescriptor"):
			idp, ok, err := parseEntity(el)
			if err != nil {
				return err
			}
			if ok {
				out = append(out, idp)
			}
		}
		return nil
	}
	if err := walk(root); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, errors.New("no identity provider in the metadata")
	}
	return out, nil
}

func parseEntity(ed *etree.Element) (IdP, bool, error) {
	idp := IdP{EntityID: ed.SelectAttrValue("entityID", "")}
	desc := children(ed, NSMetadata, "IDPSSODescriptor")
	if len(desc) == 0 {
		return idp, false, nil
	}
	if idp.EntityID == "" {
		return idp, false, errors.New("EntityDescriptor without entityID")
	}
	d := desc[0]
	for _, kd := range children(d, NSMetadata, "KeyDescriptor") {
		if u := kd.SelectAttrValue("use", ""); u != "" && u != "signing" {
			continue
		}
		for _, c := range kd.FindElements(".//X509Certificate") {
			der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(c.Text()), ""))
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
	for _, s := range children(d, NSMetadata, "SingleSignOnService") {
		if s.SelectAttrValue("Binding", "") == BindingPOST && idp.SSO == "" {
			idp.SSO = s.SelectAttrValue("Location", "")
		}
	}
	for _, s := range children(d, NSMetadata, "SingleLogoutService") {
		if s.SelectAttrValue("Binding", "") == BindingPOST && idp.SLO == "" {
			idp.SLO = s.SelectAttrValue("Location", "")
			idp.SLOResp = s.SelectAttrValue("ResponseLocation", idp.SLO)
		}
	}
	if idp.SSO == "" || len(idp.Certs) == 0 {
		return idp, false, fmt.Errorf("%s: no HTTP-POST SingleSignOnService or no signing certificate", idp.EntityID)
	}
	idp.Name = idp.EntityID
	if org, _ := optional(ed, NSMetadata, "Organization"); org != nil {
		for _, tag := range []string{"OrganizationDisplayName", "OrganizationName"} {
			var pick string
			for _, n := range children(org, NSMetadata, tag) {
				if pick == "" || n.SelectAttrValue("xml:lang", "") == "it" {
					pick = text(n)
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
