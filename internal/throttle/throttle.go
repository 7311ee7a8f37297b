// Package throttle decides whether an attempt may go ahead. One table of
// policies says what is counted, per which key, how many attempts a window
// allows and how long a key stays locked once they are used; a Store keeps
// the counters (PostgreSQL, shared by every app server); Retry-After is
// computed here only.
//
// An attempt is reserved before the slow check it guards (a password hash,
// a TOTP code, a certificate): the counter is incremented and compared with
// the limit in one statement, so N parallel guesses get at most Limit
// checks. A success gives its reservation back (Release); a failure keeps
// it. A counter that cannot be written refuses the attempt: a database that
// does not answer never means "no limit".
package throttle

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// KeyKind is what a policy counts per.
type KeyKind string

const (
	// Typed is the value typed in a form (username, codice fiscale,
	// e-mail), whether or not an account has it, so a limit reveals nothing.
	Typed KeyKind = "typed"
	// Address is the client's IP address.
	Address KeyKind = "address"
	// Account is an account already identified (second factor, sends).
	Account KeyKind = "account"
	// Adult is a registry adult, whichever profile acts on it.
	Adult KeyKind = "adult"
)

// Policy is one row of the table.
type Policy struct {
	Name    string
	Key     KeyKind
	Limit   int           // attempts allowed within Window
	Window  time.Duration // a fixed window, from the first attempt
	Lockout time.Duration // once Limit attempts are used, from the last one
}

// The policies. Every limit of the portal is here.
var (
	LoginUsername   = Policy{"login:user", Typed, 5, 15 * time.Minute, 15 * time.Minute}
	LoginAddress    = Policy{"login:ip", Address, 30, 15 * time.Minute, 15 * time.Minute}
	StaffCode       = Policy{"totp", Account, 5, 15 * time.Minute, 15 * time.Minute}
	CNSRefusal      = Policy{"cns:ip", Address, 20, 15 * time.Minute, 15 * time.Minute}
	RecoveryAddress = Policy{"recover:ip", Address, 30, time.Hour, time.Hour}
	RecoveryValue   = Policy{"recover:value", Typed, 10, time.Hour, time.Hour}
	RecoveryAnswer  = Policy{"recover:answer", Typed, 5, time.Hour, time.Hour}
	RecoverySend    = Policy{"recover:send", Account, 5, 24 * time.Hour, 24 * time.Hour}
	RegisterCheck   = Policy{"register:check:ip", Address, 60, 10 * time.Minute, 10 * time.Minute}
	RegisterSubmit  = Policy{"register:submit:ip", Address, 20, time.Hour, time.Hour}
	// Proof-of-contact codes sent (docs/account-linking.md): per profile,
	// and per registry adult whatever profile asks, the registration's included.
	LinkSendAccount = Policy{"link:code:account", Account, 5, 24 * time.Hour, 24 * time.Hour}
	LinkSendAdult   = Policy{"link:code:adult", Adult, 10, 24 * time.Hour, 24 * time.Hour}
	ContactSend     = Policy{"contact:send", Account, 5, 24 * time.Hour, 24 * time.Hour}
	ContactCode     = Policy{"contact:code", Account, 5, 15 * time.Minute, 15 * time.Minute}
	// pagoPA top-ups and notices asked for (docs/pagopa.md): each may create a
	// debt position in GPD
	PagoPAOpen = Policy{"pagopa:open", Account, 30, time.Hour, time.Hour}
)

// Policies is the table, for the documentation and its test.
var Policies = []Policy{
	LoginUsername, LoginAddress, StaffCode, CNSRefusal,
	RecoveryAddress, RecoveryValue, RecoveryAnswer, RecoverySend,
	RegisterCheck, RegisterSubmit, LinkSendAccount, LinkSendAdult, ContactSend, ContactCode,
	PagoPAOpen,
}

// Key is one counter: a policy applied to one value.
type Key struct {
	Policy Policy
	Name   string
}

// For is the counter of the policy for parts (installation ID, the typed
// value, the address...), joined by ":". Typed values are lowercased.
func (p Policy) For(parts ...any) Key {
	var b strings.Builder
	b.WriteString(p.Name)
	for _, part := range parts {
		b.WriteByte(':')
		s := fmt.Sprint(part)
		if p.Key == Typed {
			s = strings.ToLower(s)
		}
		b.WriteString(s)
	}
	return Key{Policy: p, Name: b.String()}
}

// Count is a counter just after one reservation.
type Count struct {
	Hits        int           // attempts in the window, this one included
	WindowStart time.Time     // identifies the window, for Release
	Blocked     time.Duration // how long the key stays locked from now; 0: not locked
}

// Store keeps the counters.
type Store interface {
	// ReserveAttempt counts one attempt against key, in one atomic
	// statement: a new window when the last one (or its lockout) is over;
	// reaching limit locks the key for lockout.
	ReserveAttempt(ctx context.Context, key string, limit int, window, lockout time.Duration) (Count, error)
	// ReleaseAttempt gives back one attempt of the window that started at
	// windowStart, and lifts the lockout if the count falls below limit.
	ReleaseAttempt(ctx context.Context, key string, windowStart time.Time, limit int) error
}

// Limiter takes decisions against a Store.
type Limiter struct {
	store Store
	// Timeout bounds each reservation, within the caller's context: past
	// it the attempt is refused.
	Timeout time.Duration
	// ReleaseTimeout bounds each give-back, which outlives the caller's
	// context (a closed connection must not keep a slot taken).
	ReleaseTimeout time.Duration
}

// New returns a limiter over store.
func New(store Store) *Limiter {
	return &Limiter{store: store, Timeout: 5 * time.Second, ReleaseTimeout: 5 * time.Second}
}

type held struct {
	key   Key
	count Count
}

// Decision is the answer to one attempt.
type Decision struct {
	// Allowed: the attempt may be checked. Otherwise Err tells whether the
	// counter failed (refused all the same) or a key is locked.
	Allowed bool
	// Last: this attempt used the last one a key allows; if it fails, the
	// key is locked for RetryAfter.
	Last bool
	// RetryAfter: when refused or Last, how long until the next attempt.
	RetryAfter time.Duration
	// Refusing is the policy that refused or was used up.
	Refusing Policy
	Err      error

	limiter *Limiter
	held    []held
}

// Reserve counts one attempt against every key, in order. The first key that
// refuses stops it, and the reservations already made are given back: a
// refused attempt is not checked, so it costs no other key anything.
func (l *Limiter) Reserve(ctx context.Context, keys ...Key) *Decision {
	d := &Decision{limiter: l, Allowed: true}
	for _, k := range keys {
		cctx, cancel := context.WithTimeout(ctx, l.Timeout)
		c, err := l.store.ReserveAttempt(cctx, k.Name, k.Policy.Limit, k.Policy.Window, k.Policy.Lockout)
		cancel()
		switch {
		case err != nil:
			d.Allowed, d.Refusing, d.Err = false, k.Policy, fmt.Errorf("throttle %s: %w", k.Policy.Name, err)
		case c.Hits > k.Policy.Limit:
			d.Allowed, d.Refusing, d.RetryAfter = false, k.Policy, c.Blocked
		default:
			d.held = append(d.held, held{k, c})
			if c.Hits == k.Policy.Limit {
				d.Last, d.Refusing = true, k.Policy
				d.RetryAfter = max(d.RetryAfter, c.Blocked)
			}
			continue
		}
		d.Last = false
		_ = d.Release(ctx) // best effort: the error of the refusal is what matters
		return d
	}
	return d
}

// Release gives back the attempts this decision holds: the check succeeded,
// or was not made. It is safe to call more than once.
func (d *Decision) Release(ctx context.Context) error {
	ctx = context.WithoutCancel(ctx) // a closed connection must not keep a slot taken
	var first error
	for _, h := range d.held {
		cctx, cancel := context.WithTimeout(ctx, d.limiter.ReleaseTimeout)
		err := d.limiter.store.ReleaseAttempt(cctx, h.key.Name, h.count.WindowStart, h.key.Policy.Limit)
		cancel()
		if err != nil && first == nil {
			first = fmt.Errorf("throttle release %s: %w", h.key.Policy.Name, err)
		}
	}
	d.held = nil
	return first
}

// Minutes is the wait shown to people: RetryAfter in whole minutes, rounded
// up, at least 1.
func (d *Decision) Minutes() int {
	return max(1, int(math.Ceil(d.RetryAfter.Minutes())))
}

// RetryAfterHeader is the value of the Retry-After header, in seconds: the
// same wait as Minutes, so the page and the header agree.
func (d *Decision) RetryAfterHeader() string { return strconv.Itoa(d.Minutes() * 60) }
