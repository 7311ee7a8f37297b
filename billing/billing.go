// Package billing is the portal's side of pagoPA (docs/pagopa.md): it makes
// the debt positions of top-ups, notices and monthly bills in GPD, sends the
// payer to Checkout, and reconciles what GPD says was paid into the ledger,
// exactly once per IUV. Package internal/pagopa speaks to the platform;
// this package decides what to ask and records it.
package billing

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"portalegenitori/internal/seal"
	"strconv"
	"strings"
	"time"

	"portalegenitori/db"
	"portalegenitori/internal/pagopa"
	"portalegenitori/internal/pagopa/emulator"
)

// ErrOff means pagoPA is not configured for the Comune.
var ErrOff = errors.New("pagoPA is not enabled for this installation")

// Service makes and reconciles positions. One per process; safe for
// concurrent use.
type Service struct {
	store *db.Store
	log   *slog.Logger
	key   seal.Box // the API keys at rest (internal/seal)
	// Demo: the Comuni whose base URLs are empty talk to the emulator the
	// portal serves at PublicBase (GENITORI_DEMO_PAGOPA=true).
	demo       bool
	publicBase string
	// HTTPClient, when set, makes the calls to pagoPA (tests: the TLS test
	// server's client).
	HTTPClient *http.Client
	// Timeout bounds each call to pagoPA (default 10 s).
	Timeout time.Duration
	// Every is the interval of the periodic reconciliation (the shortest
	// wait between two polls of a position).
	Every time.Duration
	// DraftGrace: a position recorded but not confirmed by GPD is looked
	// at by the reconciliation only after this long, when the request that
	// made it has surely ended (default 2 minutes).
	DraftGrace time.Duration
	// newClient builds the client of a Comune (pagopa.New; tests may
	// replace it).
	newClient func(pagopa.Config) (pagopa.Client, error)
}

// Options configure a Service.
type Options struct {
	SecretKey  string // GENITORI_SECRET_KEY: seals the API keys at rest
	Demo       bool   // GENITORI_DEMO_PAGOPA
	PublicBase string // GENITORI_BASE_URL
	HTTPClient *http.Client
	Every      time.Duration // GENITORI_PAGOPA_RECONCILE_EVERY (default 5 s)
}

// New builds the Service.
func New(store *db.Store, log *slog.Logger, o Options) (*Service, error) {
	k, err := seal.New("portalegenitori pagopa api key v1", o.SecretKey)
	if err != nil {
		return nil, err
	}
	return &Service{store: store, log: log, key: k, demo: o.Demo, publicBase: strings.TrimRight(o.PublicBase, "/"),
		HTTPClient: o.HTTPClient, Timeout: 10 * time.Second, DraftGrace: 2 * time.Minute, newClient: pagopa.New,
		Every: cmp.Or(o.Every, 5*time.Second)}, nil
}

// Store is the store the service records in.
func (s *Service) Store() *db.Store { return s.store }

// Demo tells whether the emulator stands in for pagoPA.
func (s *Service) Demo() bool { return s.demo }

// SealKey seals a Comune's API key for the database.
func (s *Service) SealKey(installationID int64, key string) (string, error) {
	return s.key.Seal(key, keyBound(installationID))
}

// KeySealed tells whether keys are encrypted at rest (GENITORI_SECRET_KEY set).
func (s *Service) KeySealed() bool { return s.key.Sealing() }

// Client builds the pagoPA client of a Comune from its settings.
func (s *Service) Client(ctx context.Context, inst *db.Installation, st *db.PagoPASettings) (pagopa.Client, error) {
	if !st.Enabled {
		return nil, ErrOff
	}
	cfg := pagopa.Config{
		GPDBaseURL: st.GPDBaseURL, CheckoutBaseURL: st.CheckoutBaseURL,
		CreditorFiscalCode: st.CreditorFiscalCode, CompanyName: inst.Name,
		SegregationCode: st.SegregationCode, AuxDigit: strconv.Itoa(st.AuxDigit),
		IBAN: firstIBAN(st.IBAN), TransferCategory: "9/0201133IM/", // "rette e servizi scolastici"
		Timeout: s.Timeout, HTTPClient: s.HTTPClient,
	}
	if st.APIKeySealed != "" {
		k, _, err := s.key.Open(st.APIKeySealed, keyBound(inst.ID))
		if err != nil {
			return nil, fmt.Errorf("pagoPA API key of %s: %w", inst.Code, ErrKeySealed)
		}
		cfg.APIKey = k
	}
	if s.demo && cfg.GPDBaseURL == "" && cfg.CheckoutBaseURL == "" {
		e := emulator.New(emulator.Options{})
		cfg.GPDBaseURL, cfg.CheckoutBaseURL = e.GPDBaseURL(s.publicBase), e.CheckoutBaseURL(s.publicBase)
		if cfg.APIKey == "" {
			cfg.APIKey = "demo"
		}
	}
	return s.newClient(cfg)
}

func firstIBAN(list string) string {
	first, _, _ := strings.Cut(list, ",")
	return strings.TrimSpace(first)
}

func keyBound(installationID int64) string { return "pagopa:" + strconv.FormatInt(installationID, 10) }

// ErrKeySealed: the API key was sealed under another GENITORI_SECRET_KEY.
var ErrKeySealed = errors.New("the API key is sealed with a key that is not configured (GENITORI_SECRET_KEY)")
