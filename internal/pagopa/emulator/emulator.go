// Package emulator is a local stand-in for the pagoPA platform, served by
// the portal itself only with GENITORI_DEMO_PAGOPA=true (demo and tests,
// never production). It implements the part of the GPD external API v3 and
// of the Checkout carts API that package pagopa uses, with the same paths,
// JSON, status codes and error bodies, plus a payment page where the demo
// payer "pays" with a fake card or cancels, and switches that make it slow,
// fail or pay twice. Its state lives in PostgreSQL (tables
// pagopa_emulator_*, migration 00018), so it survives the portal being
// killed.
package emulator

import (
	"bytes"
	"context"
	"fmt"
	"io"
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
	AdminPath    = "/admin" // switches and positions
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
	mux    *http.ServeMux
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
	m := http.NewServeMux()
	g := e.prefix + GPDPath + "/organizations/{org}/debtpositions"
	m.Handle("POST "+g, e.api(e.gpdCreate))
	m.Handle("GET "+g+"/{iupd}", e.api(e.gpdGet))
	m.Handle("DELETE "+g+"/{iupd}", e.api(e.gpdDelete))
	m.Handle("POST "+e.prefix+CheckoutPath+"/carts", e.api(e.checkoutCarts))
	m.HandleFunc("GET "+e.prefix+PayPath+"/{cart}", e.payShow)
	m.HandleFunc("POST "+e.prefix+PayPath+"/{cart}", e.paySubmit)
	m.HandleFunc("GET "+e.prefix+AdminPath, e.adminShow)
	m.HandleFunc("POST "+e.prefix+AdminPath+"/interruttori", e.adminSwitches)
	m.HandleFunc("POST "+e.prefix+AdminPath+"/scadenza", e.adminExpire)
	m.HandleFunc("POST "+e.prefix+AdminPath+"/paga", e.adminPay)
	m.HandleFunc("GET "+e.prefix+"/style.css", e.style)
	e.mux = m
	return e
}

// ServeHTTP serves GPD, Checkout, the payment page and the admin page.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) { e.mux.ServeHTTP(w, r) }

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
	// LoseNext makes the next N GPD/Checkout calls take effect but answer
	// 500, as when the answer is lost on the way back: a retry must not
	// do the work twice.
	LoseNext int
	// Hang makes GPD/Checkout calls never answer until the caller gives
	// up (a timeout for the client; at most 2 minutes).
	Hang bool
	// PayTwice makes each payment be submitted twice by the simulated PSP:
	// the second attempt is recorded and refused as a duplicate, the
	// position keeps the first receipt.
	PayTwice bool
}

// SetSwitches replaces the switches.
func (e *Emulator) SetSwitches(ctx context.Context, s Switches) error {
	if s.Delay < 0 || s.FailNext < 0 || s.FailEvery < 0 || s.LoseNext < 0 {
		return fmt.Errorf("emulator: switches must not be negative")
	}
	_, err := e.db.ExecContext(ctx, `UPDATE pagopa_emulator_switches
		SET delay_ms = $1, fail_next = $2, fail_every = $3, hang = $4, pay_twice = $5, lose_next = $6`,
		s.Delay.Milliseconds(), s.FailNext, s.FailEvery, s.Hang, s.PayTwice, s.LoseNext)
	if err != nil {
		return fmt.Errorf("emulator: set switches: %w", err)
	}
	return nil
}

// GetSwitches reads the switches.
func (e *Emulator) GetSwitches(ctx context.Context) (Switches, error) {
	var row struct {
		DelayMS   int64 `db:"delay_ms"`
		FailNext  int   `db:"fail_next"`
		FailEvery int   `db:"fail_every"`
		LoseNext  int   `db:"lose_next"`
		Hang      bool  `db:"hang"`
		PayTwice  bool  `db:"pay_twice"`
	}
	if err := e.db.GetContext(ctx, &row, `SELECT delay_ms, fail_next, fail_every, lose_next, hang, pay_twice FROM pagopa_emulator_switches`); err != nil {
		return Switches{}, fmt.Errorf("emulator: read switches: %w", err)
	}
	return Switches{Delay: time.Duration(row.DelayMS) * time.Millisecond, FailNext: row.FailNext, FailEvery: row.FailEvery,
		LoseNext: row.LoseNext, Hang: row.Hang, PayTwice: row.PayTwice}, nil
}

// api wraps the GPD and Checkout endpoints with the switches: it counts
// the call and, in one statement, consumes a FailNext.
func (e *Emulator) api(next func(http.ResponseWriter, *http.Request)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var sw struct {
			OldFailNext int   `db:"old_fail_next"`
			OldLoseNext int   `db:"old_lose_next"`
			Calls       int64 `db:"calls"`
			DelayMS     int64 `db:"delay_ms"`
			FailEvery   int64 `db:"fail_every"`
			Hang        bool  `db:"hang"`
		}
		err := e.db.GetContext(r.Context(), &sw, `UPDATE pagopa_emulator_switches s
			SET calls = s.calls + 1, fail_next = GREATEST(s.fail_next - 1, 0),
			    lose_next = CASE WHEN s.fail_next > 0 THEN s.lose_next ELSE GREATEST(s.lose_next - 1, 0) END
			FROM (SELECT fail_next, lose_next FROM pagopa_emulator_switches FOR UPDATE) old
			RETURNING old.fail_next AS old_fail_next, old.lose_next AS old_lose_next, s.calls, s.delay_ms, s.fail_every, s.hang`)
		if err != nil {
			e.log.Error("pagopa emulator: switches", "err", err)
			problem(w, http.StatusInternalServerError, "Internal Server Error", "emulator database unavailable")
			return
		}
		// Read the body first: only then does net/http notice that the
		// caller hung up and cancel r.Context().
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		r.Body = io.NopCloser(bytes.NewReader(body))
		// A hang ends when the caller gives up (or the portal's request
		// deadline passes): answer 504 as the API gateway does, never a
		// 200 without a body.
		if sw.Hang {
			t := time.NewTimer(2 * time.Minute)
			defer t.Stop()
			select {
			case <-r.Context().Done():
			case <-t.C:
			}
			problem(w, http.StatusGatewayTimeout, "Gateway Timeout", "emulated hang (switch)")
			return
		}
		if sw.DelayMS > 0 {
			t := time.NewTimer(time.Duration(sw.DelayMS) * time.Millisecond)
			select {
			case <-r.Context().Done():
				t.Stop()
				problem(w, http.StatusGatewayTimeout, "Gateway Timeout", "emulated delay (switch) longer than the request")
				return
			case <-t.C:
			}
		}
		if sw.OldFailNext > 0 || (sw.FailEvery > 0 && sw.Calls%sw.FailEvery == 0) {
			problem(w, http.StatusInternalServerError, "Internal Server Error", "emulated failure (switch)")
			return
		}
		if sw.OldLoseNext > 0 {
			next(&discard{h: http.Header{}}, r) // done, but the answer is lost
			problem(w, http.StatusInternalServerError, "Internal Server Error", "emulated lost answer (switch)")
			return
		}
		next(w, r)
	})
}

// discard is a ResponseWriter that drops the answer.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(int)             {}
