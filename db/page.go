package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"
)

// The parent pages read what they need in one statement each (page_*.go):
// CTEs that resolve the adult, check the guardianship and select the page's
// rows together. Their querier is pageDB: where readDB would send the
// request's reads (the replica, falling back to the primary; replica.go),
// as prepared statements.
func (s *Store) pageDB(ctx context.Context) sqlx.QueryerContext {
	if r, ok := s.readDB(ctx).(replicaReader); ok {
		r.rep, r.prim = s.stmts.on(s.replica.db), s.stmts.on(s.db)
		return r
	}
	return s.stmts.on(s.db)
}

// OpenConnector is Open over a driver connector (tests count round trips
// through a connector with their own dialer).
func OpenConnector(ctx context.Context, c driver.Connector) (*Store, error) {
	conn := sqlx.NewDb(sql.OpenDB(c), "postgres")
	conn.SetMaxOpenConns(40)
	conn.SetMaxIdleConns(20)
	conn.SetConnMaxIdleTime(5 * time.Minute)
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := conn.PingContext(pctx); err != nil {
		conn.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	return &Store{db: conn}, nil
}

// SetPagePrepared turns the per-connection prepared statements of the page
// reads on (the default) or off, to measure what they save.
func (s *Store) SetPagePrepared(on bool) { s.stmts.off.Store(!on) }

// stmtCache prepares each page statement once per pool and lets
// database/sql prepare it once per connection, on first use there. lib/pq
// sends a statement with parameters as Parse/Describe, wait, Bind/Execute,
// wait: two round trips; a prepared one is Bind/Execute only: one.
type stmtCache struct {
	mu  sync.Mutex
	m   map[stmtKey]*sqlx.Stmt
	off atomic.Bool
}

type stmtKey struct {
	db    *sqlx.DB
	query string
}

// on is a querier over db that runs each query text as a cached prepared
// statement.
func (c *stmtCache) on(db *sqlx.DB) sqlx.QueryerContext {
	if c.off.Load() {
		return db
	}
	return stmtQuerier{c, db}
}

func (c *stmtCache) stmt(ctx context.Context, db *sqlx.DB, query string) (*sqlx.Stmt, error) {
	k := stmtKey{db, query}
	c.mu.Lock()
	st, ok := c.m[k]
	c.mu.Unlock()
	if ok {
		return st, nil
	}
	// Preparex on the pool prepares on one connection now; database/sql
	// re-prepares it on each other connection the first time it runs there.
	st, err := db.PreparexContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("prepare: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev, ok := c.m[k]; ok {
		st.Close()
		return prev, nil
	}
	if c.m == nil {
		c.m = map[stmtKey]*sqlx.Stmt{}
	}
	c.m[k] = st
	return st, nil
}

type stmtQuerier struct {
	c  *stmtCache
	db *sqlx.DB
}

func (q stmtQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := q.c.stmt(ctx, q.db, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

func (q stmtQuerier) QueryxContext(ctx context.Context, query string, args ...any) (*sqlx.Rows, error) {
	st, err := q.c.stmt(ctx, q.db, query)
	if err != nil {
		return nil, err
	}
	return st.QueryxContext(ctx, args...)
}

func (q stmtQuerier) QueryRowxContext(ctx context.Context, query string, args ...any) *sqlx.Row {
	st, err := q.c.stmt(ctx, q.db, query)
	if err != nil {
		// unprepared: the same error comes back in the row, as sqlx carries it
		return q.db.QueryRowxContext(ctx, query, args...)
	}
	return st.QueryRowxContext(ctx, args...)
}

// txPrep runs statements in a transaction as the pool's cached prepared
// statements: database/sql prepares one on the transaction's connection the
// first time it runs there and reuses it after, so each run is one round
// trip (the meal request's statements, booking_change.go). The zero value
// runs them unprepared.
type txPrep struct {
	c  *stmtCache
	db *sqlx.DB
}

func (s *Store) txPrep() txPrep { return txPrep{&s.stmts, s.db} }

// warm prepares the statements on the pool before the transaction begins:
// preparing one there the first time takes a second connection, which a
// transaction holding its own must not wait for (a full pool of them would
// wait for each other). An error is left for the statement to meet.
func (p txPrep) warm(ctx context.Context, queries ...string) {
	if p.c == nil || p.c.off.Load() {
		return
	}
	for _, q := range queries {
		_, _ = p.c.stmt(ctx, p.db, q)
	}
}

func (p txPrep) queryRow(ctx context.Context, tx *sqlx.Tx, query string, args ...any) *sqlx.Row {
	if p.c == nil || p.c.off.Load() {
		return tx.QueryRowxContext(ctx, query, args...)
	}
	p.c.mu.Lock()
	st, ok := p.c.m[stmtKey{p.db, query}]
	p.c.mu.Unlock()
	if !ok {
		// not warmed (or its preparation failed): unprepared, on the
		// transaction's own connection
		return tx.QueryRowxContext(ctx, query, args...)
	}
	return tx.StmtxContext(ctx, st).QueryRowxContext(ctx, args...)
}

// execPrepared runs a write outside a transaction as a cached prepared
// statement: one round trip (the session saved with a flash message).
func (s *Store) execPrepared(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if s.stmts.off.Load() {
		return s.db.ExecContext(ctx, query, args...)
	}
	st, err := s.stmts.stmt(ctx, s.db, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}
