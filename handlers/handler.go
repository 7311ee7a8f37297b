// Package handlers is the HTTP layer: one route table, one Handler with its
// dependencies, one file per action.
package handlers

import (
	"crypto/rand"
	"html/template"
	"log/slog"
	"sync"

	"portalegenitori/billing"
	"portalegenitori/db"
	"portalegenitori/delivery"
	"portalegenitori/fragments"
	"portalegenitori/internal/config"
	"portalegenitori/internal/throttle"
	"portalegenitori/static"
)

// Handler holds what every action needs.
type Handler struct {
	cfg      config.Config
	store    *db.Store
	log      *slog.Logger
	pages    *fragments.Renderer
	assets   *static.Assets
	sessions *SessionStore
	// installations by code, for a few seconds (installation_cache.go)
	instCache installationCache
	// self-registration: jobs enqueued with the account, captcha HMAC key
	enqueue    *delivery.Enqueuer
	captchaKey string
	limits     *throttle.Limiter // every rate limit (internal/throttle)
	// SP keys, IdP lists and the demo IdPs, loaded on first use (saml_service.go)
	saml *samlService
	// pagoPA: positions, Checkout, reconciliation (package billing; pagopa_*.go)
	billing     *billing.Service
	billingJobs *billing.Enqueuer
}

// parsedAssetsAndPages hashes the embedded static files and parses the
// templates once per process: both are immutable afterwards and safe for
// concurrent use, and a test binary builds hundreds of Handlers.
var parsedAssetsAndPages = sync.OnceValues(func() (parsedFiles, error) {
	assets, err := static.New("/static")
	if err != nil {
		return parsedFiles{}, err
	}
	pages, err := fragments.New(template.FuncMap{"asset": assets.URL, "fieldArgs": fieldArgs, "officeName": officeOf, "mealField": mealField})
	return parsedFiles{assets, pages}, err
})

type parsedFiles struct {
	assets *static.Assets
	pages  *fragments.Renderer
}

// New builds the handler; the templates are parsed once per process.
func New(cfg config.Config, store *db.Store, log *slog.Logger) (*Handler, error) {
	parsed, err := parsedAssetsAndPages()
	if err != nil {
		return nil, err
	}
	assets, pages := parsed.assets, parsed.pages
	enq, err := delivery.NewEnqueuer(store.DB().DB)
	if err != nil {
		return nil, err
	}
	key := cfg.SecretKey
	if key == "" {
		key = rand.Text() + rand.Text() // per process: set GENITORI_SECRET_KEY with several servers
	}
	h := &Handler{
		cfg:        cfg,
		store:      store,
		log:        log,
		pages:      pages,
		assets:     assets,
		sessions:   NewSessionStore(store, cfg),
		enqueue:    enq,
		captchaKey: key,
		limits:     throttle.New(store),
	}
	// a reservation may take what its request may (5 s by default, the
	// limiter's own default), and stops at the request's deadline anyway;
	// the give-backs, which outlive the request, keep their 5 s
	if cfg.RequestTimeout > 0 {
		h.limits.Timeout = cfg.RequestTimeout
	}
	h.saml = newSAMLService(h)
	if err := h.setupPagoPA(); err != nil { // pagopa_routes.go
		return nil, err
	}
	return h, nil
}
