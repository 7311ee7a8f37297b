package handlers_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"portalegenitori/db"
	"portalegenitori/db/dbtest"
	"portalegenitori/handlers"
	"portalegenitori/internal/booking"
	"portalegenitori/internal/config"
)

// TestReplicaReadYourWrites runs the portal on a primary and a streaming
// standby made by `.ci/pg standby` (docs/replicas.md): parents' pages are
// read from the standby; a parent who cancels a meal sees it at once (the
// primary answers until the standby has replayed the write) while the other
// guardian, on the standby, sees it when the standby catches up; a standby
// stopped mid-run costs no error. Replay is paused to make the lag visible.
func TestReplicaReadYourWrites(t *testing.T) {
	t.Parallel()
	began := time.Now()
	primary := dbtest.NewCluster(t, "test-repl")
	ctx := context.Background()
	store := primary.DemoStore(t)
	t.Logf("%v: primary seeded", time.Since(began))
	standby := primary.Standby(t, "test-repl-sb")
	t.Logf("%v: standby up", time.Since(began))
	// a bound far above the test's length: only the paused replay makes the standby lag
	if err := store.UseReplica(ctx, standby.URL, db.ReplicaOptions{MaxLag: time.Minute, ProbeEvery: 50 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	sb, err := sqlx.Open("postgres", standby.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()

	cfg, err := config.FromEnv(func(k string) string {
		return map[string]string{"DATABASE_URL": primary.URL, "DATABASE_REPLICA_URL": standby.URL}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg.RequestTimeout = 20 * time.Second
	logs := &syncBuffer{}
	h, err := handlers.New(cfg, store, slog.New(slog.NewJSONHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(h.Routes())
	defer srv.Close()
	e := &env{t: t, store: store, srv: srv, logs: logs, cfg: cfg}
	f := demoFamily(t, e)
	day := nextSchoolDay(t, e)

	// read: a GET, and whether the standby answered any of its queries
	read := func(b *browser, path string) (page, bool) {
		t.Helper()
		before := store.ReplicaStats().Reads
		p := b.get(path)
		wantStatus(t, p, http.StatusOK)
		return p, store.ReplicaStats().Reads > before
	}
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("gave up waiting: %s (stats %+v)", what, store.ReplicaStats())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	const home, cancelled = "/demo/famiglia", "Pasto disdetto: Mario Rossi (dal portale)"
	mario := signedIn(t, e, "mario.rossi", "Mensa-Scuola-2026")
	laura := signedIn(t, e, "laura.rossi", "Diario-Scuola-2026")
	for _, b := range []*browser{mario, laura} {
		waitFor("the standby serves the family home after the sign-in", func() bool { _, r := read(b, home); return r })
	}

	// a second app server whose bound is 500 ms: in use while the standby keeps up
	tight, err := db.Open(ctx, primary.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer tight.Close()
	if err := tight.UseReplica(ctx, standby.URL, db.ReplicaOptions{MaxLag: 500 * time.Millisecond, ProbeEvery: 50 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	waitFor("the 500 ms server uses the standby", func() bool { return tight.ReplicaStats().Usable })

	if _, err := sb.Exec(`SELECT pg_wal_replay_pause()`); err != nil {
		t.Fatal(err)
	}
	waitFor("replay paused", func() bool {
		var state string
		return sb.Get(&state, `SELECT pg_get_wal_replay_pause_state()`) == nil && state == "paused"
	})

	// the write goes to the primary; no query of it reaches the standby
	before := store.ReplicaStats()
	wantStatus(t, mario.post(mealURL(f.luca, f.mensa, day), mealForm("cancelled", "test-repl-0001-cancelled")), http.StatusSeeOther)
	p, fromReplica := read(mario, home)
	mustContain(t, p, cancelled) // read-your-writes
	if fromReplica {
		t.Error("the writer's next page came from a standby that has not replayed the write")
	}
	// a write method called under a request that allows replica reads
	var inst, acc int64
	mustGet(t, store.DB(), &inst, `SELECT id FROM installations WHERE code = 'demo'`)
	mustGet(t, store.DB(), &acc, `SELECT id FROM accounts WHERE installation_id = $1 AND username = 'mario.rossi'`, inst)
	_, err = store.ChangeMeals(db.ReplicaReads(ctx, 0), db.MealRequest{InstallationID: inst, ChildIDs: []int64{f.sofia},
		ServiceID: f.mensa, From: day, To: day, Target: booking.Cancelled, AccountID: acc,
		ActorName: "Mario Rossi", Channel: db.ChannelParent, RequestKey: "test-repl-0002-cancelled"})
	if err != nil {
		t.Fatalf("write with a replica configured: %v", err)
	}
	if after := store.ReplicaStats(); after.Fallbacks != before.Fallbacks {
		t.Errorf("a write reached the standby: %+v then %+v", before, after)
	}

	// beyond its bound, the second server reads the primary: the change is there
	waitFor("the 500 ms server gives up the lagging standby", func() bool { return !tight.ReplicaStats().Usable })
	hist, err := tight.MealHistory(db.ReplicaReads(ctx, 0), inst, f.luca, f.mensa, day)
	if err != nil || len(hist) == 0 { // the paused standby has no change yet
		t.Fatalf("read past the bound: %v %v %+v", hist, err, tight.ReplicaStats())
	}

	// the other guardian reads the paused standby: not yet (a probe timed
	// out on a busy machine sends a read or two to the primary meanwhile)
	waitFor("the other guardian's page comes from the paused standby", func() bool {
		p, r := read(laura, home)
		if r {
			mustNotContain(t, p, cancelled)
		}
		return r
	})

	if _, err := sb.Exec(`SELECT pg_wal_replay_resume()`); err != nil {
		t.Fatal(err)
	}
	waitFor("the other guardian sees the cancellation from the standby", func() bool {
		p, r := read(laura, home)
		return r && strings.Contains(p.body, cancelled)
	})
	waitFor("the writer is back on the standby once it has replayed the write", func() bool {
		p, r := read(mario, home)
		mustContain(t, p, cancelled)
		return r
	})

	t.Logf("%v: caught up", time.Since(began))
	// the standby stops while both keep reading: no error, same pages
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var bad []string
	var mu sync.Mutex
	for _, b := range []*browser{mario, laura} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				req, _ := http.NewRequest(http.MethodGet, srv.URL+home, nil)
				resp, err := b.client.Do(req)
				if err == nil {
					resp.Body.Close()
				}
				if err != nil || resp.StatusCode != http.StatusOK {
					mu.Lock()
					bad = append(bad, func() string {
						if err != nil {
							return err.Error()
						}
						return resp.Status
					}())
					mu.Unlock()
				}
			}
		}()
	}
	if err := standby.Stop(); err != nil {
		t.Fatal(err)
	}
	close(stop)
	wg.Wait()
	if len(bad) > 0 {
		t.Errorf("%d failed reads while the standby stopped, e.g. %s", len(bad), bad[0])
	}
	for _, b := range []*browser{mario, laura} {
		p, r := read(b, home)
		mustContain(t, p, cancelled)
		if r {
			t.Error("a read counted as served by a stopped standby")
		}
	}
	if st := store.ReplicaStats(); st.Usable {
		t.Errorf("stopped standby still usable: %+v", st)
	}
	t.Logf("standby served %d queries; %d fell back to the primary", store.ReplicaStats().Reads, store.ReplicaStats().Fallbacks)
}
