// Package emulator is a local stand-in for the pagoPA platform, served by
// the portal itself only with GENITORI_DEMO_PAGOPA=true (demo and tests,
// never production). It implements the part of the GPD external API v3 and
// of the Checkout carts API that package pagopa uses, with the same paths,
// JSON, status codes and error bodies, plus a payment page where the demo
// payer "pays" with a fake card or cancels, and switches that make it slow,
// fail or pay twice. Its state lives in PostgreSQL (tables
// pagopa_emulator_*), so it survives the portal being killed.
package emulator

import (
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// DefaultPrefix is where the portal mounts the emulator.
const DefaultPrefix = "/_demo-pagopa"

// Paths below the prefix.
const (
	GPDPath      = "/gpd/debt-positions-service/v3"
	CheckoutPath = "/checkout/ec/v1"
	PayPath      = "/paga"  // payment page: /paga/{cart id}
	AdminPath    = "/admin" // switches page
)

// Options configure an Emulator.
type Options struct {
	DB *sqlx.DB
	// Prefix is the mount path (DefaultPrefix if empty); requests arrive
	// with the full path.
	Prefix string
	// APIKey, if set, is the only Ocp-Apim-Subscription-Key GPD accepts;
	// if empty any non-empty key is accepted (a missing key is still 401).
	APIKey string
	// Now is the clock (time.Now if nil).
	Now func() time.Time
	Log *slog.Logger
}

// Emulator is an http.Handler.
type Emulator struct {
	db     *sqlx.DB
	prefix string
	apiKey string
	now    func() time.Time
	log    *slog.Logger
}

// New returns an Emulator; the tables come from migration 00018.
func New(o Options) *Emulator {
	e := &Emulator{db: o.DB, prefix: strings.TrimRight(o.Prefix, "/"), apiKey: o.APIKey, now: o.Now, log: o.Log}
	if e.prefix == "" {
		e.prefix = DefaultPrefix
	}
	if e.now == nil {
		e.now = time.Now
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	return e
}

// GPDBaseURL is the Config.GPDBaseURL that reaches this emulator when the
// portal is served at publicBase (e.g. "http://localhost:8080").
func (e *Emulator) GPDBaseURL(publicBase string) string {
	return strings.TrimRight(publicBase, "/") + e.prefix + GPDPath
}

// CheckoutBaseURL is the Config.CheckoutBaseURL that reaches this emulator.
func (e *Emulator) CheckoutBaseURL(publicBase string) string {
	return strings.TrimRight(publicBase, "/") + e.prefix + CheckoutPath
}

// Switches change the emulator's behaviour; they are stored in the
// database, so tests and the admin page set them for every portal process.
type Switches struct {
	// Delay is added before every GPD and Checkout answer.
	Delay time.Duration
	// FailNext makes the next N GPD/Checkout calls answer 500 (counted
	// down atomically).
	FailNext int
	// FailEvery makes every Nth GPD/Checkout call answer 500 (0: off).
	FailEvery int
	// Hang makes GPD/Checkout calls never answer until the caller gives
	// up (a timeout for the client).
	Hang bool
	// PayTwice makes each payment be submitted twice by the simulated PSP:
	// the second attempt is recorded and refused as a duplicate, the
	// position keeps the first receipt.
	PayTwice bool
}

// ServeHTTP serves GPD, Checkout, the payment page and the admin page.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	http.NotFound(w, r) // TODO
}
