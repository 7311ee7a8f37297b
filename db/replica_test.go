package db_test

import (
	"context"
	"testing"
	"time"

	"portalegenitori/db"
	"portalegenitori/db/dbtest"
)

// TestReplicaFailureFallsBackToPrimary: a query the replica cannot answer
// is answered by the primary, whichever way the method reads (Get, Select,
// Query); the replica is then left alone until a probe finds it again, and
// the rest of the request stays on the primary. The standby itself is in
// handlers/replica_test.go.
func TestReplicaFailureFallsBackToPrimary(t *testing.T) {
	t.Parallel()
	store, _ := dbtest.New(t)
	ctx := context.Background()
	d := lookupDemo(t, store)
	wantKids, err := store.ChildrenOfAdult(ctx, d.inst, d.mario)
	if err != nil || len(wantKids) == 0 {
		t.Fatalf("children on the primary: %v %v", wantKids, err)
	}
	wantBal, err := store.Balances(ctx, d.inst, []int64{d.mario})
	if err != nil {
		t.Fatal(err)
	}
	// nobody listens on port 1; no probe comes after the first (an hour)
	err = store.UseReplica(ctx, "postgres://postgres@127.0.0.1:1/genitori?sslmode=disable&connect_timeout=2",
		db.ReplicaOptions{ProbeEvery: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if st := store.ReplicaStats(); st.Usable {
		t.Fatalf("an unreachable replica is usable after its first probe: %+v", st)
	}

	for i, read := range []func(ctx context.Context) error{
		func(ctx context.Context) error { // Select
			kids, err := store.ChildrenOfAdult(ctx, d.inst, d.mario)
			if err == nil && len(kids) != len(wantKids) {
				t.Errorf("%d children from the fallback, want %d", len(kids), len(wantKids))
			}
			return err
		},
		func(ctx context.Context) error { // Get
			_, err := store.AdultByID(ctx, d.inst, d.mario)
			return err
		},
		func(ctx context.Context) error { // Query
			bal, err := store.Balances(ctx, d.inst, []int64{d.mario})
			if err == nil && bal[d.mario] != wantBal[d.mario] {
				t.Errorf("balance %d from the fallback, want %d", bal[d.mario], wantBal[d.mario])
			}
			return err
		},
	} {
		store.ForceReplicaUsable()
		rctx := db.ReplicaReads(ctx, 0)
		if err := read(rctx); err != nil {
			t.Fatalf("read %d with the replica down: %v", i, err)
		}
		st := store.ReplicaStats()
		if st.Fallbacks != int64(i+1) || st.Usable || st.Reads != 0 {
			t.Fatalf("read %d: %+v, want %d fallbacks, the replica set aside", i, st, i+1)
		}
		// the same request again: straight to the primary, no second attempt
		store.ForceReplicaUsable()
		if err := read(rctx); err != nil || store.ReplicaStats().Fallbacks != int64(i+1) {
			t.Fatalf("read %d, same request: %v %+v", i, err, store.ReplicaStats())
		}
	}
}
