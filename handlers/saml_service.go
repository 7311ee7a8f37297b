package handlers

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"portalegenitori/db"
	"portalegenitori/internal/codicefiscale"
	"portalegenitori/internal/identity/saml"
	"portalegenitori/internal/identity/spidtest"
)

// samlService holds what SPID, CIE and CST-over-SAML need besides the
// database: the SP keys (one folder per installation under
// GENITORI_SAML_KEY_DIR), the IdP lists (GENITORI_SPID_IDP_DIR) and, in the
// demo only, the built-in test IdP. It is created on first use, one per
// Handler, so the Handler struct stays as it is.
type samlService struct {
	h     *Handler
	mu    sync.Mutex
	keys  map[string]saml.KeyPair
	lists map[saml.Federation]idpList
	demo  map[saml.Federation]*spidtest.IdP
}

type idpList struct {
	idps   []saml.IdP
	err    error
	loaded time.Time
}

// idpListTTL: the folder is re-read after this long (spid-refresh-idps
// needs no restart).
const idpListTTL = 5 * time.Minute

func newSAMLService(h *Handler) *samlService {
	return &samlService{h: h, keys: map[string]saml.KeyPair{},
		lists: map[saml.Federation]idpList{}, demo: map[saml.Federation]*spidtest.IdP{}}
}

func (h *Handler) samlSvc() *samlService { return h.saml }

// errNoKey means the installation has no SP key yet.
var errNoKey = errors.New("no SP key")

func (s *samlService) key(code string) (saml.KeyPair, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if kp, ok := s.keys[code]; ok {
		return kp, nil
	}
	kp, err := saml.LoadKeyPair(filepath.Join(s.h.cfg.SAML.KeyDir, code))
	if errors.Is(err, os.ErrNotExist) {
		return kp, fmt.Errorf("%w for %s: run genitori spid-keygen --inst %s", errNoKey, code, code)
	}
	if err != nil {
		return kp, err
	}
	s.keys[code] = kp
	return kp, nil
}

// EntityIDOf is the installation's entityID: the configured one, or the
// portal's base URL followed by the installation code.
func EntityIDOf(baseURL string, inst *db.Installation, st *db.SAMLSettings) string {
	if st != nil && st.EntityID != "" {
		return st.EntityID
	}
	return strings.TrimRight(baseURL, "/") + "/" + inst.Code
}

// spOf builds the service provider of inst in a federation.
func (s *samlService) spOf(ctx context.Context, inst *db.Installation, fed saml.Federation) (*saml.SP, *db.SAMLSettings, error) {
	st, err := s.h.store.SAMLSettingsOf(ctx, inst.ID)
	if err != nil {
		return nil, nil, err
	}
	kp, err := s.key(inst.Code)
	if err != nil {
		return nil, st, err
	}
	base := s.h.cfg.BaseURL + "/" + inst.Code + "/" + string(fed)
	sp := &saml.SP{
		Federation: fed, EntityID: EntityIDOf(s.h.cfg.BaseURL, inst, st),
		ACSURL: base + "/acs", SLOURL: base + "/slo", Key: kp,
		ServiceName:    "Portale Genitori – " + inst.Name,
		OrgName:        firstOf(st.OrganizationName, inst.ControllerName, inst.Name),
		OrgDisplayName: inst.Name,
		OrgURL:         firstOf(st.OrganizationURL, inst.ControllerWebsite, s.h.cfg.BaseURL),
		IPACode:        inst.IPACode,
		ContactEmail:   firstOf(st.ContactEmail, inst.ControllerEmail),
		ContactPhone:   firstOf(st.ContactPhone, phoneForMetadata(inst.ControllerPhone)),
		Municipality:   st.BelfioreCode, Province: st.Province,
	}
	switch fed {
	case saml.SPID:
		sp.Attributes = saml.SPIDAttributes
	case saml.CIE:
		sp.Attributes = saml.CIEAttributes
	default:
		sp.Attributes = []string{"fiscalNumber", "name", "familyName"}
	}
	return sp, st, nil
}

// spAndIdPs is spOf with the federation's identity providers, for the
// handlers that look up the IdP a request went to. A list that did not load
// is used as far as it goes: an IdP missing from it is refused there.
func (s *samlService) spAndIdPs(ctx context.Context, inst *db.Installation, fed saml.Federation) (*saml.SP, []saml.IdP, error) {
	sp, st, err := s.spOf(ctx, inst, fed)
	if err != nil {
		return nil, nil, err
	}
	list, _ := s.idps(inst, st, fed)
	return sp, list, nil
}

// phoneForMetadata turns "+39 02 0000000" into "+39020000000"; anything that
// is not an Italian +39 number is left out (the element is optional).
func phoneForMetadata(p string) string {
	p = strings.NewReplacer(" ", "", ".", "", "-", "", "/", "").Replace(p)
	if !strings.HasPrefix(p, "+39") {
		return ""
	}
	return p
}

func firstOf(vals ...string) string {
	for _, v := range vals {
		if strings.TrimSpace(v) != "" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// demoIdP is the built-in test IdP of a federation (GENITORI_DEMO_IDP=true).
func (s *samlService) demoIdP(fed saml.Federation) (*spidtest.IdP, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d, ok := s.demo[fed]; ok {
		return d, nil
	}
	kp, err := spidtest.LoadOrCreateKey(filepath.Join(s.h.cfg.SAML.KeyDir, "_test-idp"))
	if err != nil {
		return nil, err
	}
	names := map[saml.Federation]string{saml.SPID: "IdP di prova SPID (demo)", saml.CIE: "IdP di prova CIE (demo)", saml.CST: "CST di prova (demo)"}
	d := spidtest.New(s.h.cfg.BaseURL+"/_test-idp/"+string(fed), names[fed], kp)
	s.demo[fed] = d
	return d, nil
}

// idps lists the identity providers of a federation for inst: the demo IdP
// first when enabled, then the folder's (SPID, CIE) or the installation's
// own (CST).
func (s *samlService) idps(inst *db.Installation, st *db.SAMLSettings, fed saml.Federation) ([]saml.IdP, error) {
	var out []saml.IdP
	if s.h.cfg.SAML.DemoIdP && (fed != saml.CST || st.CSTDemoIdP) {
		d, err := s.demoIdP(fed)
		if err != nil {
			return nil, err
		}
		out = append(out, d.Descriptor())
	}
	if fed == saml.CST {
		if st.CSTIdPMetadata != "" {
			list, err := saml.ParseIdPMetadata([]byte(st.CSTIdPMetadata))
			if err != nil {
				return out, fmt.Errorf("%s: cst_idp_metadata: %w", inst.Code, err)
			}
			out = append(out, list...)
		}
		return out, nil
	}
	s.mu.Lock()
	l, ok := s.lists[fed]
	if !ok || time.Since(l.loaded) > idpListTTL {
		l.idps, l.err = saml.LoadIdPDir(filepath.Join(s.h.cfg.SAML.IdPDir, string(fed)))
		l.loaded = time.Now()
		s.lists[fed] = l
	}
	s.mu.Unlock()
	return append(out, l.idps...), l.err
}

// idpByEntityID finds an IdP of the list.
func idpByEntityID(list []saml.IdP, id string) (saml.IdP, bool) {
	for _, i := range list {
		if i.EntityID == id {
			return i, true
		}
	}
	return saml.IdP{}, false
}

// demoUsers are the identities the demo IdP offers: the demo registry's
// adults (db.SeedDemo) and one person who is in no registry.
func demoUsers() []spidtest.User {
	cf := func(last, first, birth string, female bool, place string) string {
		t, _ := time.Parse("2006-01-02", birth)
		return codicefiscale.Compute(last, first, t, female, place)
	}
	return []spidtest.User{
		{Label: "Mario Rossi – genitore con utenza (demo)", Name: "Mario", FamilyName: "Rossi", FiscalCode: cf("Rossi", "Mario", "1982-04-12", false, "F205"),
			Email: "mario.rossi@example.it", Mobile: "+393331234567", DateOfBirth: "1982-04-12"},
		{Label: "Anna Verdi – adulta pagante senza utenza (primo accesso)", Name: "Anna", FamilyName: "Verdi", FiscalCode: cf("Verdi", "Anna", "1987-06-03", true, "L219"),
			Email: "anna.verdi@example.it", Mobile: "+393401112233", DateOfBirth: "1987-06-03"},
		{Label: "Anna Colombo – genitrice del Comune di Valle Serena (CST)", Name: "Anna", FamilyName: "Colombo", FiscalCode: db.ValleParentFiscalCode(),
			Email: "anna.colombo@example.it", Mobile: "+393471234567", DateOfBirth: "1985-02-18"},
		{Label: "Giuseppe Esterno – non presente in anagrafica", Name: "Giuseppe", FamilyName: "Esterno", FiscalCode: "GDASDV00A01H501J",
			Email: "giuseppe@example.it", Mobile: "+393330000000", DateOfBirth: "2000-01-01"},
	}
}
