package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Read replica (docs/replicas.md). Parent-page reads of a GET request may go
// to a PostgreSQL streaming standby when the request's context allows it
// (ReplicaReads) and the standby is close enough to the primary: it has
// replayed the session's last write (read-your-writes by WAL position) and
// it had, at most MaxLag ago, everything the primary had then. Otherwise,
// and whenever a query on it fails, the read goes to the primary. Writes and
// transactions always use the primary: only the methods that call readDB
// can reach the replica.

// LSN is a position in the primary's write-ahead log, in bytes.
type LSN uint64

// ReplicaOptions tune the use of the replica.
type ReplicaOptions struct {
	MaxLag     time.Duration // reads go to the primary while the replica is further behind; default 2s
	ProbeEvery time.Duration // how often the lag is measured; default 250ms
	Log        *slog.Logger  // state changes (lagging, down, back); nil: none
}

// ReplicaStats counts what the replica served, for tests, benchmarks and logs.
type ReplicaStats struct {
	Reads     int64 // queries answered by the replica
	Fallbacks int64 // queries that failed there and were answered by the primary
	Usable    bool  // a read without a write to wait for would go to it now
	Replayed  LSN   // the replica's replay position at the last probe
}

type replica struct {
	db   *sqlx.DB
	opts ReplicaOptions

	replayed atomic.Uint64 // pg_last_wal_replay_lsn() at the last probe
	freshAt  atomic.Int64  // unix ns: the replica has everything the primary had written then
	down     atomic.Bool   // unreachable (or not a standby) since the last probe

	reads, fallbacks atomic.Int64

	mu      sync.Mutex
	samples []lsnSample // primary positions not yet replayed, after the newest replayed one
	state   string      // "", "ok", "lagging", "down": logged on change

	stop context.CancelFunc
	done chan struct{}
}

type lsnSample struct {
	at  time.Time
	lsn LSN
}

// UseReplica makes the store send parent-page reads to the standby at url
// when it can (see above). A replica that cannot be reached now is not an
// error: reads go to the primary until it answers. It returns an error only
// for a URL the driver refuses.
func (s *Store) UseReplica(ctx context.Context, url string, opts ReplicaOptions) error {
	if opts.MaxLag <= 0 {
		opts.MaxLag = 2 * time.Second
	}
	if opts.ProbeEvery <= 0 {
		opts.ProbeEvery = 250 * time.Millisecond
	}
	conn, err := sqlx.Open("postgres", url)
	if err != nil {
		return fmt.Errorf("open replica: %w", err)
	}
	conn.SetMaxOpenConns(40)
	conn.SetMaxIdleConns(20)
	conn.SetConnMaxIdleTime(5 * time.Minute)
	pctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	r := &replica{db: conn, opts: opts, stop: stop, done: make(chan struct{})}
	r.down.Store(true)
	s.replica = r
	s.probeReplica(pctx) // usable at once if it is up
	go func() {
		defer close(r.done)
		t := time.NewTicker(opts.ProbeEvery)
		defer t.Stop()
		for {
			select {
			case <-pctx.Done():
				return
			case <-t.C:
				s.probeReplica(pctx)
			}
		}
	}()
	return nil
}

// HasReplica reports whether a replica is configured.
func (s *Store) HasReplica() bool { return s.replica != nil }

// ReplicaStats returns the replica's counters (zero without a replica).
func (s *Store) ReplicaStats() ReplicaStats {
	r := s.replica
	if r == nil {
		return ReplicaStats{}
	}
	return ReplicaStats{Reads: r.reads.Load(), Fallbacks: r.fallbacks.Load(), Usable: r.usable(0), Replayed: LSN(r.replayed.Load())}
}

func (s *Store) closeReplica() {
	if r := s.replica; r != nil {
		r.stop()
		<-r.done
		r.db.Close()
	}
}

// WriteLSN is the primary's WAL insert position now. Called after a write
// has committed, it is at or past that write's commit record: a replica
// that has replayed up to it shows the write. (The insert position, not
// pg_current_wal_lsn(): with synchronous_commit off the commit record may
// not be written out yet.)
func (s *Store) WriteLSN(ctx context.Context) (LSN, error) {
	var n int64
	if err := s.db.GetContext(ctx, &n, `SELECT (pg_current_wal_insert_lsn() - '0/0')::bigint`); err != nil {
		return 0, fmt.Errorf("write position: %w", err)
	}
	return LSN(n), nil
}

// probeReplica samples the primary's position, then the replica's replay
// position, and updates how fresh the replica is: the time of the newest
// primary sample it has replayed. Measured this way an idle primary is no
// lag (unlike now() - pg_last_xact_replay_timestamp()), and a replica that
// stopped receiving WAL is seen falling behind as soon as the primary writes.
func (s *Store) probeReplica(ctx context.Context) {
	r := s.replica
	wait := max(time.Second, 4*r.opts.ProbeEvery)
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	at := time.Now()
	primary, err := s.WriteLSN(ctx)
	if err != nil {
		return // the primary is down: nothing to compare with; reads fail there anyway
	}
	var replayed sql.NullInt64
	err = r.db.GetContext(ctx, &replayed, `SELECT (pg_last_wal_replay_lsn() - '0/0')::bigint`)
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case err != nil:
		r.down.Store(true)
		r.setState("down", "replica unreachable: reads go to the primary", "err", err)
		return
	case !replayed.Valid:
		r.down.Store(true)
		r.setState("down", "DATABASE_REPLICA_URL is not a standby (pg_last_wal_replay_lsn() is null): reads go to the primary")
		return
	}
	r.samples = append(r.samples, lsnSample{at: at, lsn: primary})
	newest := -1
	for i, sm := range r.samples {
		if sm.lsn <= LSN(replayed.Int64) {
			newest = i
		}
	}
	if newest >= 0 {
		if t := r.samples[newest].at.UnixNano(); t > r.freshAt.Load() {
			r.freshAt.Store(t)
		}
		r.samples = r.samples[newest:]
	}
	if len(r.samples) > 1000 { // a replica stuck for minutes: keep the oldest and the latest
		r.samples = append(r.samples[:1], r.samples[len(r.samples)-500:]...)
	}
	r.replayed.Store(uint64(replayed.Int64))
	r.down.Store(false)
	if lag := time.Since(time.Unix(0, r.freshAt.Load())); lag > r.opts.MaxLag {
		r.setState("lagging", "replica behind the primary beyond the bound: reads go to the primary",
			"lag", lag.Round(time.Millisecond).String(), "max", r.opts.MaxLag.String())
	} else {
		r.setState("ok", "replica in use for reads")
	}
}

// setState logs a change of state; r.mu is held.
func (r *replica) setState(state, msg string, args ...any) {
	if r.state == state {
		return
	}
	r.state = state
	if r.opts.Log == nil {
		return
	}
	if state == "ok" {
		r.opts.Log.Info(msg, args...)
	} else {
		r.opts.Log.Warn(msg, args...)
	}
}

// usable: up, fresh within MaxLag now, and past the position after.
func (r *replica) usable(after LSN) bool {
	if r.down.Load() {
		return false
	}
	fresh := r.freshAt.Load()
	if fresh == 0 || time.Since(time.Unix(0, fresh)) > r.opts.MaxLag {
		return false
	}
	return LSN(r.replayed.Load()) >= after
}

// failed records a query the replica could not answer. Errors of the
// connection (class 08), of an administrator (57: shutdown, recovery) and of
// the network mark it down until the next good probe; others (a recovery
// conflict, say) only send this query to the primary.
func (r *replica) failed(err error) {
	r.fallbacks.Add(1)
	var pqErr *pq.Error
	if errors.As(err, &pqErr) && pqErr.Code.Class() != "08" && pqErr.Code.Class() != "57" {
		return
	}
	r.down.Store(true)
	r.mu.Lock()
	r.setState("down", "replica query failed: reads go to the primary", "err", err)
	r.mu.Unlock()
}

type routeKey struct{}

// route is one request's choice, made at its first read so that every read
// of a page comes from the same server.
type route struct {
	after   LSN
	once    sync.Once
	replica bool
	failed  atomic.Bool
}

// ReplicaReads returns a context under which the store may answer the reads
// that allow it from the replica, once the replica has replayed after (the
// session's last write; 0 when it wrote nothing). Handlers set it on GET
// requests only.
func ReplicaReads(ctx context.Context, after LSN) context.Context {
	return context.WithValue(ctx, routeKey{}, &route{after: after})
}

// querier is what read methods need of *sqlx.DB.
type querier interface {
	sqlx.QueryerContext
	GetContext(ctx context.Context, dest any, query string, args ...any) error
	SelectContext(ctx context.Context, dest any, query string, args ...any) error
}

// readDB is where a read that may be served by the replica goes: the
// replica when the request allows it and the replica is usable (see above),
// the primary otherwise.
func (s *Store) readDB(ctx context.Context) querier {
	rt, _ := ctx.Value(routeKey{}).(*route)
	if rt == nil || s.replica == nil {
		return s.db
	}
	rt.once.Do(func() { rt.replica = s.replica.usable(rt.after) })
	if !rt.replica || rt.failed.Load() {
		return s.db
	}
	return replicaReader{s: s, rt: rt, rep: s.replica.db, prim: s.db}
}

// replicaReader runs a query on the replica and, if that fails, on the
// primary: a stopped or unreachable replica costs a retry, never an error.
type replicaReader struct {
	s         *Store
	rt        *route
	rep, prim sqlx.QueryerContext // the replica's and the primary's pools, or their prepared statements (pageDB)
}

func (q replicaReader) fallback(ctx context.Context, err error) bool {
	if err == nil || ctx.Err() != nil {
		if err == nil {
			q.s.replica.reads.Add(1)
		}
		return false
	}
	q.rt.failed.Store(true)
	q.s.replica.failed(err)
	return true
}

func (q replicaReader) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	rows, err := q.rep.QueryContext(ctx, query, args...)
	if q.fallback(ctx, err) {
		return q.prim.QueryContext(ctx, query, args...)
	}
	return rows, err
}

func (q replicaReader) QueryxContext(ctx context.Context, query string, args ...any) (*sqlx.Rows, error) {
	rows, err := q.rep.QueryxContext(ctx, query, args...)
	if q.fallback(ctx, err) {
		return q.prim.QueryxContext(ctx, query, args...)
	}
	return rows, err
}

// QueryRowxContext: the query's own error is known at once (Row.Err); a
// missing row is not an error here but at Scan.
func (q replicaReader) QueryRowxContext(ctx context.Context, query string, args ...any) *sqlx.Row {
	row := q.rep.QueryRowxContext(ctx, query, args...)
	if q.fallback(ctx, row.Err()) {
		return q.prim.QueryRowxContext(ctx, query, args...)
	}
	return row
}

func (q replicaReader) GetContext(ctx context.Context, dest any, query string, args ...any) error {
	return sqlx.GetContext(ctx, q, dest, query, args...)
}

func (q replicaReader) SelectContext(ctx context.Context, dest any, query string, args ...any) error {
	return sqlx.SelectContext(ctx, q, dest, query, args...)
}
