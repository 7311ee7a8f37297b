package recovery

import (
	"context"
	"log/slog"
	"strings"

	"portalegenitori/internal/password"
	"portalegenitori/internal/registration"
	"portalegenitori/internal/text"
	"portalegenitori/internal/throttle"
)

// Outcome is what a recovery request came to.
type Outcome int

const (
	// Invalid: the value cannot be one of its kind; Result.Problem has the
	// message key.
	Invalid Outcome = iota
	// Throttled: the request is refused by a rate limit (per address or per
	// value); Result.Throttle has the wait.
	Throttled
	// Question: the security question to answer (the real one or a decoy),
	// in Result.Question.
	Question
	// Neutral: a profile without a security question; the recovery went
	// out silently when it could.
	Neutral
	// AnswerMissing: no answer was typed; Result.Question is asked again.
	AnswerMissing
	// AnswerWrong: the answer is wrong (or there is no profile);
	// Result.Question is asked again.
	AnswerWrong
	// AnswerThrottled: the answers of this value are used up, or this wrong
	// answer used the last one; Result.Throttle has the wait.
	AnswerThrottled
	// Sent: the answer is right and the recovery is queued on
	// Result.Channels to Result.Account's contacts.
	Sent
	// StaleLink: the answer is right, but the registry changed the adult's
	// codice fiscale after the profile was linked.
	StaleLink
	// MissingContact: the answer is right, but the registry has no contact
	// for Result.Missing ("email", "sms" or "email+sms").
	MissingContact
	// AccountLocked: the answer is right, but staff locked the profile.
	AccountLocked
	// SendThrottled: the answer is right, but too many recoveries went out
	// for the profile.
	SendThrottled
	// Unavailable: the rate-limit counters could not be read (Result.Err).
	Unavailable
	// Failed: the store failed, or the counter of recoveries sent could not
	// be read (Result.Err).
	Failed
)

// Longest answer that can match: a longer one is checked against nothing
// (the same time is spent all the same).
const maxAnswer = 256

// Account is what the rules need to know of a profile.
type Account struct {
	ID         int64
	Username   string
	Question   string // "" when the profile has no question or no answer hash
	AnswerHash string
	Locked     bool
	StaleLink  bool   // see db.RecoveryAccount.StaleLink
	Email      string // where a recovery goes by e-mail, "" when nowhere
	Mobile     string // where a recovery goes by SMS, "" when nowhere
}

// Contact is where a recovery goes on channel ("email" or "sms").
func (a *Account) Contact(channel string) string {
	if channel == "email" {
		return a.Email
	}
	return a.Mobile
}

func (a *Account) hasQuestion() bool {
	return a != nil && a.Question != ""
}

// Event is an audit event (action recovery_request, recovery_answer or
// recovery).
type Event struct {
	InstallationID int64
	AccountID      int64 // 0 when no profile matched
	Actor          string
	Action         string
	Outcome        string
	Detail         map[string]any
}

// Store is what the rules read and write.
type Store interface {
	// Account finds the profile of a normalised value; nil when there is
	// none, nil and ambiguous when several match.
	Account(ctx context.Context, installationID int64, key, value string) (acc *Account, ambiguous bool, err error)
	// Queue enqueues one recovery job per channel, in one transaction.
	Queue(ctx context.Context, installationID, accountID int64, channels []string) error
	// Audit records an event; a failure to write it is the store's to log.
	Audit(ctx context.Context, e Event)
}

// Input is one request, as typed.
type Input struct {
	InstallationID int64
	Key            string   // one of the lookup keys
	Value          string   // as typed
	Answer         string   // the second step's answer, as typed
	Address        string   // the client's IP address
	Channel        string   // the installation's delivery channel, for the audit
	Channels       []string // the channels a recovery goes out on
}

// Result is the decision, for the caller to render.
type Result struct {
	Outcome  Outcome
	Problem  string             // for Invalid, the message key
	Question string             // for Question, AnswerMissing, AnswerWrong: a "sq." key or the profile's own question
	Account  *Account           // for Sent and the other outcomes of a right answer
	Missing  string             // for MissingContact
	Throttle *throttle.Decision // for Throttled and AnswerThrottled
	Err      error
}

// Service applies the rules.
type Service struct {
	Store     Store
	Limits    *throttle.Limiter
	Log       *slog.Logger
	ServerKey string // keys the decoy question
}

// lookup is what both steps start with: the limit per address, the value's
// checks, the profile. A non-nil Result ends the request.
func (s *Service) lookup(ctx context.Context, in Input) (value string, acc *Account, ambiguous bool, actor string, res *Result) {
	if d := s.Limits.Reserve(ctx, throttle.RecoveryAddress.For(in.Address)); !d.Allowed {
		if d.Err != nil {
			return "", nil, false, "", &Result{Outcome: Unavailable, Err: d.Err}
		}
		s.Store.Audit(ctx, Event{InstallationID: in.InstallationID, Actor: AuditActor(in.Key, in.Value), Action: "recovery_request", Outcome: "throttled",
			Detail: map[string]any{"key": in.Key, "limit": "ip"}})
		return "", nil, false, "", &Result{Outcome: Throttled, Throttle: d}
	}
	value, problem := NormalizeValue(in.Key, in.Value)
	if problem != "" {
		s.Store.Audit(ctx, Event{InstallationID: in.InstallationID, Actor: AuditActor(in.Key, in.Value), Action: "recovery_request", Outcome: "invalid",
			Detail: map[string]any{"key": in.Key}})
		return "", nil, false, "", &Result{Outcome: Invalid, Problem: problem}
	}
	acc, ambiguous, err := s.Store.Account(ctx, in.InstallationID, in.Key, value)
	if err != nil {
		return "", nil, false, "", &Result{Outcome: Failed, Err: err}
	}
	actor = AuditActor(in.Key, value)
	if acc != nil {
		actor = acc.Username
	}
	return value, acc, ambiguous, actor, nil
}

// Find decides the first step, the value typed. The first answer never
// depends on whether a profile exists: a value without one gets a decoy
// question.
func (s *Service) Find(ctx context.Context, in Input) Result {
	value, acc, ambiguous, actor, res := s.lookup(ctx, in)
	if res != nil {
		return *res
	}
	var accID int64
	if acc != nil {
		accID = acc.ID
	}
	if d := s.Limits.Reserve(ctx, throttle.RecoveryValue.For(in.InstallationID, in.Key, value)); !d.Allowed {
		if d.Err != nil {
			return Result{Outcome: Unavailable, Err: d.Err}
		}
		s.Store.Audit(ctx, Event{InstallationID: in.InstallationID, AccountID: accID, Actor: actor, Action: "recovery_request", Outcome: "throttled",
			Detail: map[string]any{"key": in.Key, "limit": "value"}})
		return Result{Outcome: Throttled, Throttle: d}
	}
	if acc == nil || acc.hasQuestion() {
		// the question step: the real question, or a decoy
		q, outcome := "", "question"
		if acc != nil {
			q = acc.Question
		} else {
			q = DecoyQuestion(s.ServerKey, in.InstallationID, in.Key, value)
			outcome = "no_account"
			if ambiguous {
				outcome = "ambiguous"
			}
		}
		s.Store.Audit(ctx, Event{InstallationID: in.InstallationID, AccountID: accID, Actor: actor, Action: "recovery_request", Outcome: outcome,
			Detail: map[string]any{"key": in.Key}})
		return Result{Outcome: Question, Question: q}
	}
	// a profile without a security question: the neutral message, and the
	// recovery goes out silently when it can
	if r := s.start(ctx, in, acc, actor, false); r.Outcome == Failed {
		return r
	}
	return Result{Outcome: Neutral}
}

// Answer decides the second step, the security answer: exactly one argon2id
// verification on every path (the real answer hash, or a dummy for a value
// without profile).
func (s *Service) Answer(ctx context.Context, in Input) Result {
	value, acc, _, actor, res := s.lookup(ctx, in)
	if res != nil {
		return *res
	}
	var accID int64
	if acc != nil {
		accID = acc.ID
	}
	hasQuestion := acc.hasQuestion()
	question := ""
	if hasQuestion {
		question = acc.Question
	} else {
		question = DecoyQuestion(s.ServerKey, in.InstallationID, in.Key, value)
	}
	if strings.TrimSpace(in.Answer) == "" {
		return Result{Outcome: AnswerMissing, Question: question}
	}
	// the answer is counted before it is checked, per value as typed (like
	// the username at sign-in): a lock on one value says nothing about
	// which other values belong to the same profile
	attempt := s.Limits.Reserve(ctx, throttle.RecoveryAnswer.For(in.InstallationID, in.Key, value))
	if !attempt.Allowed {
		if attempt.Err != nil {
			return Result{Outcome: Unavailable, Err: attempt.Err}
		}
		s.Store.Audit(ctx, Event{InstallationID: in.InstallationID, AccountID: accID, Actor: actor, Action: "recovery_answer", Outcome: "throttled",
			Detail: map[string]any{"key": in.Key}})
		return Result{Outcome: AnswerThrottled, Throttle: attempt}
	}
	ok := false
	if hasQuestion && len(in.Answer) <= maxAnswer {
		var err error
		if ok, err = password.Verify(registration.NormalizeAnswer(in.Answer), acc.AnswerHash); err != nil {
			s.Log.Error("security answer hash unreadable", "account", acc.ID, "err", err)
			ok = false
		}
	} else {
		password.VerifyDummy(registration.NormalizeAnswer(text.Truncate(in.Answer, maxAnswer)))
	}
	if !ok {
		s.Store.Audit(ctx, Event{InstallationID: in.InstallationID, AccountID: accID, Actor: actor, Action: "recovery_answer", Outcome: "failure",
			Detail: map[string]any{"key": in.Key, "account_found": hasQuestion}})
		if attempt.Last {
			return Result{Outcome: AnswerThrottled, Throttle: attempt}
		}
		return Result{Outcome: AnswerWrong, Question: question}
	}
	if err := attempt.Release(ctx); err != nil {
		s.Log.Error("release attempt", "err", err)
	}
	s.Store.Audit(ctx, Event{InstallationID: in.InstallationID, AccountID: acc.ID, Actor: actor, Action: "recovery_answer", Outcome: "success",
		Detail: map[string]any{"key": in.Key}})
	// the answer is right: now the seed's specific errors may be told
	return s.start(ctx, in, acc, actor, true)
}

// start decides whether a recovery can go out for acc and, if so, queues it;
// it records the audit event (no secret, no contact). question tells
// whether the security answer was asked.
func (s *Service) start(ctx context.Context, in Input, acc *Account, actor string, question bool) Result {
	res := Result{Account: acc}
	detail := map[string]any{"channel": in.Channel}
	var missing []string
	for _, ch := range in.Channels {
		if acc.Contact(ch) == "" {
			missing = append(missing, ch)
		}
	}
	switch {
	case acc.Locked:
		res.Outcome = AccountLocked
	case acc.StaleLink:
		res.Outcome = StaleLink
	case len(missing) > 0:
		res.Outcome, res.Missing = MissingContact, strings.Join(missing, "+")
		detail["missing"] = res.Missing
	default:
		res.Outcome = Sent
		if d := s.Limits.Reserve(ctx, throttle.RecoverySend.For(in.InstallationID, acc.ID)); d.Err != nil {
			return Result{Outcome: Failed, Err: d.Err}
		} else if !d.Allowed {
			res.Outcome = SendThrottled
		} else if err := s.Store.Queue(ctx, in.InstallationID, acc.ID, in.Channels); err != nil {
			return Result{Outcome: Failed, Err: err}
		}
	}
	detail["key"] = in.Key
	detail["question"] = question
	s.Store.Audit(ctx, Event{InstallationID: in.InstallationID, AccountID: acc.ID, Actor: actor, Action: "recovery", Outcome: auditOutcome[res.Outcome], Detail: detail})
	return res
}

var auditOutcome = map[Outcome]string{Sent: "sent", StaleLink: "stale_link", MissingContact: "missing_contact", AccountLocked: "locked", SendThrottled: "throttled"}
