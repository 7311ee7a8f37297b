// Package signin decides a sign-in with username and password: the checks of
// the form, the rate limits, the password verification with its fixed
// argon2id work, the temporary password and the locked account. It takes
// plain values and a Store; the caller starts the session and renders the
// Result.
package signin

import (
	"context"
	"log/slog"
	"time"
	"unicode/utf8"

	"portalegenitori/internal/password"
	"portalegenitori/internal/text"
	"portalegenitori/internal/throttle"
)

// Outcome is what the attempt came to.
type Outcome int

const (
	// OK: signed in; the caller starts the session.
	OK Outcome = iota
	// ChangePassword: signed in, but the account must choose a new password
	// first (a temporary password was used, or staff asked for it).
	ChangePassword
	// MethodDisabled: the installation shows no username and password boxes.
	MethodDisabled
	// Malformed: the form could not be read.
	Malformed
	// Missing: a field is empty; Result.Fields says which.
	Missing
	// WrongCredentials: no such account, or not its password.
	WrongCredentials
	// Throttled: refused by a rate limit, or this failure used the last
	// attempt; Result.Throttle has the wait.
	Throttled
	// Locked: the right password of an account that staff locked.
	Locked
	// Unavailable: the rate-limit counters could not be read (Result.Err);
	// the attempt is refused.
	Unavailable
	// Failed: the store failed (Result.Err).
	Failed
)

// Methods recorded in the audit and the session.
const (
	MethodPassword     = "password"
	MethodTempPassword = "temp_password"
)

// Longest username and password that can match: longer input is checked
// against nothing (the same time is spent all the same).
const (
	maxUsername = 64
	maxPassword = 256
)

// Account is what the rules need to know of an account.
type Account struct {
	ID                 int64
	Username           string
	PasswordHash       string    // "" when it has none (SPID/CIE/CNS only)
	TempPasswordHash   string    // "" when no temporary password is pending
	TempPasswordExpiry time.Time // zero when none
	Locked             bool
	MustChangePassword bool
}

// Event is an audit event of the attempt (action "login").
type Event struct {
	InstallationID int64
	AccountID      int64 // 0 when no account matched
	Actor          string
	Outcome        string // throttled, failure, lock, locked
	Detail         map[string]any
}

// Store is what the rules read and write.
type Store interface {
	// Account finds an account of the installation by username, in any
	// case; nil and no error when there is none.
	Account(ctx context.Context, installationID int64, username string) (*Account, error)
	// UseTempPassword marks the account for a forced password change if
	// hash is still its unexpired temporary password; false otherwise.
	UseTempPassword(ctx context.Context, installationID, accountID int64, hash string) (bool, error)
	// Audit records an event; it reports no error (a failure to write it is
	// the store's to log).
	Audit(ctx context.Context, e Event)
}

// Input is one attempt, as typed.
type Input struct {
	InstallationID int64
	PasswordBoxes  bool // the installation offers username and password
	Malformed      bool // the form could not be read
	Username       string
	Password       string
	Address        string // the client's IP address
}

// Result is the decision, for the caller to render.
type Result struct {
	Outcome Outcome
	// Fields: for Missing, the message keys by field name.
	Fields map[string]string
	// Account: for OK, ChangePassword and Locked.
	Account *Account
	// Method: for OK and ChangePassword, MethodPassword or MethodTempPassword.
	Method string
	// Throttle: for Throttled, the decision with the wait to show.
	Throttle *throttle.Decision
	Err      error
}

// Service applies the rules.
type Service struct {
	Store  Store
	Limits *throttle.Limiter
	Log    *slog.Logger
	Now    func() time.Time // the clock; nil is time.Now
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

// Attempt decides one sign-in.
func (s *Service) Attempt(ctx context.Context, in Input) Result {
	switch {
	case !in.PasswordBoxes:
		return Result{Outcome: MethodDisabled}
	case in.Malformed:
		return Result{Outcome: Malformed}
	}
	fields := map[string]string{}
	if in.Username == "" {
		fields["username"] = "login.error.username"
	}
	if in.Password == "" {
		fields["password"] = "login.error.password"
	}
	if len(fields) > 0 {
		return Result{Outcome: Missing, Fields: fields}
	}
	actor := text.Truncate(in.Username, maxUsername)

	// the attempt is counted before the password is checked: per typed
	// username (existing or not, so the limit reveals nothing) and per address
	attempt := s.Limits.Reserve(ctx, throttle.LoginUsername.For(in.InstallationID, actor), throttle.LoginAddress.For(in.Address))
	if !attempt.Allowed {
		if attempt.Err != nil {
			return Result{Outcome: Unavailable, Err: attempt.Err}
		}
		s.Store.Audit(ctx, Event{InstallationID: in.InstallationID, Actor: actor, Outcome: "throttled"})
		return Result{Outcome: Throttled, Throttle: attempt}
	}

	var acc *Account
	if utf8.RuneCountInString(in.Username) <= maxUsername {
		var err error
		if acc, err = s.Store.Account(ctx, in.InstallationID, in.Username); err != nil {
			s.release(ctx, attempt)
			return Result{Outcome: Failed, Err: err}
		}
	}
	// exactly two argon2id verifications on every path (permanent and
	// temporary password, or the dummy in their place): the time tells
	// neither whether the account exists nor whether a temporary password
	// (recovery, generated at registration) is pending
	var permanent, temporary string
	if acc != nil && len(in.Password) <= maxPassword {
		permanent = acc.PasswordHash
		if !acc.TempPasswordExpiry.IsZero() && acc.TempPasswordExpiry.After(s.now()) {
			temporary = acc.TempPasswordHash
		}
	}
	okPermanent, usedTemp := password.VerifySignIn(text.Truncate(in.Password, maxPassword), permanent, temporary)
	usedTemp = usedTemp && !okPermanent
	ok := okPermanent || usedTemp
	if ok && usedTemp {
		// the temporary password stays valid until it expires or a new
		// password is chosen; signing in with it leads to the forced change
		var err error
		if ok, err = s.Store.UseTempPassword(ctx, in.InstallationID, acc.ID, acc.TempPasswordHash); err != nil {
			s.release(ctx, attempt)
			return Result{Outcome: Failed, Err: err}
		}
		acc.MustChangePassword = true
	}
	if !ok {
		var accID int64
		if acc != nil {
			accID = acc.ID
		}
		s.Store.Audit(ctx, Event{InstallationID: in.InstallationID, AccountID: accID, Actor: actor, Outcome: "failure"})
		if attempt.Last {
			s.Store.Audit(ctx, Event{InstallationID: in.InstallationID, AccountID: accID, Actor: actor, Outcome: "lock",
				Detail: map[string]any{"until": s.now().Add(attempt.RetryAfter).UTC().Format(time.RFC3339), "limit": attempt.Refusing.Name}})
			return Result{Outcome: Throttled, Throttle: attempt}
		}
		return Result{Outcome: WrongCredentials}
	}
	s.release(ctx, attempt) // a success costs no attempt
	if acc.Locked {
		s.Store.Audit(ctx, Event{InstallationID: in.InstallationID, AccountID: acc.ID, Actor: acc.Username, Outcome: "locked"})
		return Result{Outcome: Locked, Account: acc}
	}
	res := Result{Outcome: OK, Account: acc, Method: MethodPassword}
	if usedTemp {
		res.Method = MethodTempPassword
	}
	if acc.MustChangePassword {
		res.Outcome = ChangePassword
	}
	return res
}

// release gives back a reserved attempt whose check succeeded or was not made.
func (s *Service) release(ctx context.Context, d *throttle.Decision) {
	if err := d.Release(ctx); err != nil {
		s.Log.Error("release attempt", "err", err)
	}
}
