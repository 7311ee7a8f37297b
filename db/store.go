// Package db is the PostgreSQL store: one file per aggregate, SQL inline next
// to the code that scans it.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq" // PostgreSQL driver
	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/rivermigrate"

	"portalegenitori/migrations"
)

// Sentinel errors callers test with errors.Is.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict")
)

// Store wraps the connection pool.
type Store struct {
	db      *sqlx.DB
	replica *replica  // nil without DATABASE_REPLICA_URL (replica.go)
	stmts   stmtCache // page reads, prepared once per connection (page.go)
	// the 14 allergens, fixed by their migration (menus.go)
	allergens allergenCache
	// the installations' menus by their data version (menu_book.go)
	books menuBooks
}

// Open connects and checks the connection.
func Open(ctx context.Context, url string) (*Store, error) {
	conn, err := sqlx.Open("postgres", url)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
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

// Close closes the pool.
func (s *Store) Close() error {
	s.closeReplica()
	return s.db.Close()
}

// DB exposes the pool to tests and tools in this module.
func (s *Store) DB() *sqlx.DB { return s.db }

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// Migrate applies every pending migration.
func (s *Store) Migrate(ctx context.Context) error {
	goose.SetBaseFS(migrations.FS)
	goose.SetLogger(goose.NopLogger())
	if err := goose.SetDialect("postgres"); err != nil {
		return fmt.Errorf("goose dialect: %w", err)
	}
	if err := goose.UpContext(ctx, s.db.DB, "."); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	// River's job-queue tables, by River's own migrator (docs/architecture.md#delivery).
	migrator, err := rivermigrate.New(riverdatabasesql.New(s.db.DB), nil)
	if err != nil {
		return fmt.Errorf("river migrator: %w", err)
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("migrate river: %w", err)
	}
	return nil
}

// WithTx runs fn in one transaction: committed when fn returns nil, rolled
// back otherwise.
func (s *Store) WithTx(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}
