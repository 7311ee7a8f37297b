package recovery_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"

	"portalegenitori/db"
	"portalegenitori/db/dbtest"
	"portalegenitori/internal/password"
	"portalegenitori/internal/recovery"
	"portalegenitori/internal/throttle"
)

// store gives the rules the demo database; it keeps the audit events and
// the channels it was asked to queue.
type store struct {
	s      *db.Store
	events []recovery.Event
	queued [][]string
}

func (st *store) Account(ctx context.Context, inst int64, key, value string) (*recovery.Account, bool, error) {
	a, err := st.s.AccountForRecovery(ctx, inst, key, value)
	switch {
	case errors.Is(err, db.ErrNotFound):
		return nil, false, nil
	case errors.Is(err, db.ErrAmbiguous):
		return nil, true, nil
	case err != nil:
		return nil, false, err
	}
	acc := &recovery.Account{ID: a.ID, Username: a.Username, Locked: a.LockedAt.Valid, StaleLink: a.StaleLink(),
		Email: a.Contact("email"), Mobile: a.Contact("sms")}
	if a.SecurityAnswerHash.Valid {
		acc.Question, acc.AnswerHash = a.SecurityQuestion, a.SecurityAnswerHash.String
	}
	return acc, false, nil
}

func (st *store) Queue(_ context.Context, _, _ int64, channels []string) error {
	st.queued = append(st.queued, channels)
	return nil
}

func (st *store) Audit(_ context.Context, e recovery.Event) { st.events = append(st.events, e) }

// last is the outcome of the last audit event, and its action.
func (st *store) last() string {
	if len(st.events) == 0 {
		return ""
	}
	e := st.events[len(st.events)-1]
	return e.Action + ":" + e.Outcome
}

// TestRecoveryService: both steps over the demo profiles, with the audit events the
// rules record, the argon2id work of each step (none for the value, one for
// every answer) and the lock at the fifth wrong answer of a value. Not
// parallel: the argon2id count is per process.
func TestRecoveryService(t *testing.T) {
	s, _ := dbtest.New(t)
	ctx := context.Background()
	inst, err := s.InstallationByCode(ctx, "demo")
	if err != nil {
		t.Fatal(err)
	}
	st := &store{s: s}
	svc := recovery.Service{Store: st, Limits: throttle.New(s), Log: slog.New(slog.NewTextHandler(io.Discard, nil)), ServerKey: "k"}
	in := func(value, answer string) recovery.Input {
		return recovery.Input{InstallationID: inst.ID, Key: recovery.ByUsername, Value: value, Answer: answer,
			Address: "192.0.2.7", Channel: "both", Channels: []string{"email", "sms"}}
	}
	find := func(value string) recovery.Result {
		t.Helper()
		ops := password.Computations()
		r := svc.Find(ctx, in(value, ""))
		if n := password.Computations() - ops; n != 0 {
			t.Fatalf("find %q did %d argon2 operations", value, n)
		}
		return r
	}
	answer := func(value, a string) recovery.Result {
		t.Helper()
		ops := password.Computations()
		r := svc.Answer(ctx, in(value, a))
		if n := password.Computations() - ops; n != 1 && r.Outcome != recovery.AnswerMissing && r.Outcome != recovery.AnswerThrottled {
			t.Fatalf("answer %q did %d argon2 operations", value, n)
		}
		return r
	}

	if r := find(""); r.Outcome != recovery.Invalid || r.Problem != "recovery.error.value_required.username" || st.last() != "recovery_request:invalid" {
		t.Fatalf("empty value: %+v %s", r, st.last())
	}
	if r := find("mario.rossi"); r.Outcome != recovery.Question || r.Question != "sq.pet" || st.last() != "recovery_request:question" {
		t.Fatalf("mario: %+v %s", r, st.last())
	}
	decoy := recovery.DecoyQuestion("k", inst.ID, recovery.ByUsername, "nessuno.qui")
	if r := find("nessuno.qui"); r.Outcome != recovery.Question || r.Question != decoy || st.last() != "recovery_request:no_account" {
		t.Fatalf("no profile: %+v %s", r, st.last())
	}
	if r := find("laura.rossi"); r.Outcome != recovery.Neutral || st.last() != "recovery:sent" || len(st.queued) != 1 {
		t.Fatalf("no question: %+v %s %v", r, st.last(), st.queued)
	}

	if r := answer("mario.rossi", "  "); r.Outcome != recovery.AnswerMissing || r.Question != "sq.pet" {
		t.Fatalf("no answer: %+v", r)
	}
	if r := answer("mario.rossi", "gatto"); r.Outcome != recovery.AnswerWrong || st.last() != "recovery_answer:failure" {
		t.Fatalf("wrong answer: %+v %s", r, st.last())
	}
	if r := answer("mario.rossi", db.DemoSecurityAnswer); r.Outcome != recovery.Sent || r.Account.Email == "" || st.last() != "recovery:sent" || len(st.queued) != 2 {
		t.Fatalf("right answer: %+v %s", r, st.last())
	}
	if r := answer("giulia.bianchi", "fido"); r.Outcome != recovery.MissingContact || r.Missing != "sms" || st.last() != "recovery:missing_contact" {
		t.Fatalf("no mobile: %+v %s", r, st.last())
	}
	if r := answer("paolo.neri", "FIDO"); r.Outcome != recovery.StaleLink || st.last() != "recovery:stale_link" {
		t.Fatalf("CF changed: %+v %s", r, st.last())
	}
	giulia, err := s.AccountByUsername(ctx, inst.ID, "giulia.bianchi")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.LockAccount(ctx, inst.ID, giulia.ID, true); err != nil {
		t.Fatal(err)
	}
	if r := answer("giulia.bianchi", "fido"); r.Outcome != recovery.AccountLocked || st.last() != "recovery:locked" {
		t.Fatalf("locked: %+v %s", r, st.last())
	}

	// a value without profile: every answer is wrong, the fifth locks the value
	for i := 1; i <= throttle.RecoveryAnswer.Limit; i++ {
		r := answer("nessuno.qui", db.DemoSecurityAnswer)
		want := recovery.AnswerWrong
		if i == throttle.RecoveryAnswer.Limit {
			want = recovery.AnswerThrottled
		}
		if r.Outcome != want || st.last() != "recovery_answer:failure" || st.events[len(st.events)-1].Detail["account_found"] != false {
			t.Fatalf("answer %d for no profile: %+v %s", i, r, st.last())
		}
	}
	if r := answer("nessuno.qui", "x"); r.Outcome != recovery.AnswerThrottled || r.Throttle.RetryAfter <= 0 || st.last() != "recovery_answer:throttled" {
		t.Fatalf("after the lock: %+v %s", r, st.last())
	}
}
