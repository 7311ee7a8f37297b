package signin_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"

	"portalegenitori/db"
	"portalegenitori/db/dbtest"
	"portalegenitori/internal/signin"
	"portalegenitori/internal/throttle"
)

// store gives the rules the demo database, and keeps the audit events.
type store struct {
	s      *db.Store
	events []signin.Event
}

func (st *store) Account(ctx context.Context, inst int64, username string) (*signin.Account, error) {
	a, err := st.s.AccountByUsername(ctx, inst, username)
	if errors.Is(err, db.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &signin.Account{ID: a.ID, Username: a.Username, PasswordHash: a.PasswordHash.String,
		TempPasswordHash: a.TempPasswordHash.String, TempPasswordExpiry: a.TempPasswordExpiresAt.Time,
		Locked: a.LockedAt.Valid, MustChangePassword: a.MustChangePassword}, nil
}

func (st *store) UseTempPassword(ctx context.Context, inst, acc int64, hash string) (bool, error) {
	return st.s.UseTempPassword(ctx, inst, acc, hash)
}

func (st *store) Audit(_ context.Context, e signin.Event) { st.events = append(st.events, e) }

// TestAttempt: each outcome from the demo accounts, with the audit events
// the rules record; the fifth wrong password of a username locks it.
func TestAttempt(t *testing.T) {
	s, _ := dbtest.New(t)
	ctx := context.Background()
	inst, err := s.InstallationByCode(ctx, "demo")
	if err != nil {
		t.Fatal(err)
	}
	st := &store{s: s}
	svc := signin.Service{Store: st, Limits: throttle.New(s), Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	try := func(user, pw string) signin.Result {
		return svc.Attempt(ctx, signin.Input{InstallationID: inst.ID, PasswordBoxes: true, Username: user, Password: pw, Address: "192.0.2.1"})
	}

	if r := svc.Attempt(ctx, signin.Input{InstallationID: inst.ID, Username: "mario.rossi", Password: "Mensa-Scuola-2026"}); r.Outcome != signin.MethodDisabled {
		t.Fatalf("without the boxes: %v", r.Outcome)
	}
	if r := try("", ""); r.Outcome != signin.Missing || r.Fields["username"] != "login.error.username" || r.Fields["password"] != "login.error.password" {
		t.Fatalf("empty form: %+v", r)
	}
	if r := try("mario.rossi", "Mensa-Scuola-2026"); r.Outcome != signin.OK || r.Method != signin.MethodPassword || r.Account.Username != "mario.rossi" {
		t.Fatalf("right password: %+v", r)
	}
	if r := try("giulia.bianchi", "Primo-Accesso-2026"); r.Outcome != signin.ChangePassword {
		t.Fatalf("must change: %+v", r)
	}
	if r := try("nessuno", "x"); r.Outcome != signin.WrongCredentials {
		t.Fatalf("unknown username: %+v", r)
	}

	laura, err := s.AccountByUsername(ctx, inst.ID, "laura.rossi")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.LockAccount(ctx, inst.ID, laura.ID, true); err != nil {
		t.Fatal(err)
	}
	st.events = nil
	if r := try("laura.rossi", "Diario-Scuola-2026"); r.Outcome != signin.Locked || len(st.events) != 1 || st.events[0].Outcome != "locked" {
		t.Fatalf("locked account: %+v %+v", r, st.events)
	}

	st.events = nil
	for i := 1; i <= 4; i++ {
		if r := try("mario.rossi", "sbagliata"); r.Outcome != signin.WrongCredentials {
			t.Fatalf("wrong password %d: %+v", i, r)
		}
	}
	r := try("mario.rossi", "sbagliata")
	if r.Outcome != signin.Throttled || r.Throttle.Minutes() != 15 {
		t.Fatalf("fifth wrong password: %+v", r)
	}
	if n := len(st.events); n != 6 || st.events[5].Outcome != "lock" || st.events[5].AccountID == 0 {
		t.Fatalf("events: %+v", st.events)
	}
	if r := try("mario.rossi", "Mensa-Scuola-2026"); r.Outcome != signin.Throttled {
		t.Fatalf("right password while locked out: %+v", r)
	}
}
