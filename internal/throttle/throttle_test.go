package throttle_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"portalegenitori/db"
	"portalegenitori/db/dbtest"
	"portalegenitori/internal/throttle"
)

var test = throttle.Policy{Name: "test", Key: throttle.Typed, Limit: 3, Window: time.Minute, Lockout: 10 * time.Minute}

func hits(t *testing.T, s *db.Store, key string) int {
	t.Helper()
	var n int
	if err := s.DB().Get(&n, `SELECT hits FROM throttles WHERE key = $1`, key); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestReserveAndRelease: Limit attempts are allowed, the last says so with
// the lockout's wait, the next is refused; a success gives its attempt back
// and lifts the lockout; a refused attempt holds nothing.
func TestReserveAndRelease(t *testing.T) {
	s, _ := dbtest.New(t)
	l := throttle.New(s)
	ctx := context.Background()
	k := test.For(1, "Mario.Rossi")
	if k.Name != "test:1:mario.rossi" {
		t.Fatalf("key %q", k.Name)
	}
	a := l.Reserve(ctx, k)
	b := l.Reserve(ctx, k)
	if !a.Allowed || !b.Allowed || a.Last || b.Last {
		t.Fatalf("first two: %+v %+v", a, b)
	}
	if err := a.Release(ctx); err != nil { // a's check succeeded
		t.Fatal(err)
	}
	if n := hits(t, s, k.Name); n != 1 {
		t.Fatalf("hits after a release: %d", n)
	}
	c := l.Reserve(ctx, k)
	d := l.Reserve(ctx, k)
	if !c.Allowed || c.Last || !d.Allowed || !d.Last {
		t.Fatalf("third and fourth: %+v %+v", c, d)
	}
	if d.Minutes() != 10 || d.RetryAfterHeader() != "600" {
		t.Fatalf("last attempt: wait %d min, header %s", d.Minutes(), d.RetryAfterHeader())
	}
	e := l.Reserve(ctx, k)
	if e.Allowed || e.Err != nil || e.Minutes() != 10 || e.Refusing.Name != "test" {
		t.Fatalf("over the limit: %+v", e)
	}
	_ = e.Release(ctx) // holds nothing
	// d succeeds: its attempt back, the lockout lifted only if the count falls below the limit
	_ = d.Release(ctx)
	if r := l.Reserve(ctx, k); r.Allowed {
		t.Fatal("refused attempts still count while the lockout lasts")
	}
	// the lockout is over: a new window
	s.DB().MustExec(`UPDATE throttles SET blocked_until = now() - interval '1 second' WHERE key = $1`, k.Name)
	if r := l.Reserve(ctx, k); !r.Allowed || hits(t, s, k.Name) != 1 {
		t.Fatalf("after the lockout: %+v, hits %d", r, hits(t, s, k.Name))
	}
}

// TestWindowAndStaleRelease: an old window is forgotten, and a release from
// an old window does not touch the new one.
func TestWindowAndStaleRelease(t *testing.T) {
	s, _ := dbtest.New(t)
	l := throttle.New(s)
	ctx := context.Background()
	k := test.For("10.0.0.1")
	old := l.Reserve(ctx, k)
	l.Reserve(ctx, k)
	s.DB().MustExec(`UPDATE throttles SET window_start = now() - interval '2 minutes' WHERE key = $1`, k.Name)
	if r := l.Reserve(ctx, k); !r.Allowed || hits(t, s, k.Name) != 1 {
		t.Fatalf("new window: %+v, hits %d", r, hits(t, s, k.Name))
	}
	_ = old.Release(ctx)
	if n := hits(t, s, k.Name); n != 1 {
		t.Fatalf("a release of the old window changed the new one: hits %d", n)
	}
}

// TestSeveralKeys: when a later key refuses, the earlier reservations are
// given back.
func TestSeveralKeys(t *testing.T) {
	s, _ := dbtest.New(t)
	l := throttle.New(s)
	ctx := context.Background()
	user, ip := test.For("anna"), test.For("10.0.0.2")
	for range 3 {
		l.Reserve(ctx, ip)
	}
	if d := l.Reserve(ctx, user, ip); d.Allowed {
		t.Fatal("allowed although the address is locked")
	}
	if n := hits(t, s, user.Name); n != 0 {
		t.Fatalf("a refused attempt kept the username's reservation: hits %d", n)
	}
}

// TestConcurrentReservations: N attempts at once get exactly Limit allowed.
func TestConcurrentReservations(t *testing.T) {
	s, _ := dbtest.New(t)
	l := throttle.New(s)
	l.Timeout = time.Minute // 30 in one queue on a busy machine: none may time out
	k := test.For("parallel")
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed := 0
	start := make(chan struct{})
	for range 30 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if d := l.Reserve(context.Background(), k); d.Allowed {
				mu.Lock()
				allowed++
				mu.Unlock()
			} else if d.Err != nil {
				t.Error(d.Err)
			}
		}()
	}
	close(start)
	wg.Wait()
	if allowed != test.Limit {
		t.Fatalf("%d of 30 parallel attempts allowed, limit %d", allowed, test.Limit)
	}
}

// TestTimeoutRefuses: a counter that cannot be written in time (its row
// locked by a stuck transaction) refuses the attempt.
func TestTimeoutRefuses(t *testing.T) {
	s, _ := dbtest.New(t)
	l := throttle.New(s)
	ctx := context.Background()
	k := test.For("stuck")
	// the counter's row, written with the default timeout
	if d := l.Reserve(ctx, k); !d.Allowed {
		t.Fatalf("the first attempt was refused: %+v", d)
	}
	l.Timeout = 300 * time.Millisecond
	tx := s.DB().MustBegin()
	defer tx.Rollback()
	res := tx.MustExec(`SELECT * FROM throttles WHERE key = $1 FOR UPDATE`, k.Name)
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		t.Fatalf("locked %d counter rows (%v), want 1", n, err)
	}
	start := time.Now()
	d := l.Reserve(ctx, k)
	if d.Allowed || d.Err == nil {
		t.Fatalf("a stuck counter allowed the attempt: %+v", d)
	}
	// not held until the lock goes: a wait for it would last the test
	if took := time.Since(start); took > 20*time.Second {
		t.Fatalf("the refusal took %v", took)
	}
}

// TestPolicyTable: one row per policy, every number set.
func TestPolicyTable(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range throttle.Policies {
		if seen[p.Name] || p.Limit < 1 || p.Window <= 0 || p.Lockout <= 0 || p.Key == "" {
			t.Errorf("policy %+v", p)
		}
		seen[p.Name] = true
	}
}
