// Package dbtest gives tests a fresh, migrated and seeded PostgreSQL database
// on the throwaway cluster that `make test` starts (TEST_DATABASE_URL).
//
// Migrating and seeding takes seconds; copying a database takes milliseconds.
// So the first New in a `go test` run migrates and seeds a template database
// once, and every test gets a copy of it (CREATE DATABASE ... TEMPLATE). The
// template's name carries a hash of the code that builds it (migrations, db/,
// internal/, go.mod, go.sum) and the Italian date the demo year is seeded up
// to, so a change to any of them builds a new one. Test binaries of
// different packages run in parallel processes: a PostgreSQL advisory lock
// makes one of them build the template while the others wait for it.
package dbtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"portalegenitori/db"
	"portalegenitori/internal/password"
	"portalegenitori/migrations"
)

// Every test binary that uses a database hashes passwords at a test cost.
// The suite signs in thousands of times, and at the production cost
// (19 MiB, two passes: a production decision tested in internal/password)
// argon2id and the garbage its buffers leave were half the CPU of the
// handlers tests. The hashes stay argon2id in the PHC format, so every
// code path is the same; only their parameters are smaller. The seeded
// template carries them too: Verify reads the cost from the hash.
func init() {
	password.Default = password.Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}
}

// URL returns the admin URL of the test cluster, or skips the test when
// none is configured (run `make test`, which starts one).
func URL(t testing.TB) string {
	u := os.Getenv("TEST_DATABASE_URL")
	if u == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("TEST_DATABASE_URL is not set: run the tests with `make test`")
		}
		t.Skip("TEST_DATABASE_URL is not set: run `make test` to start a throwaway PostgreSQL")
	}
	return u
}

// templatePrefix names the template databases; stale ones are dropped.
const templatePrefix = "tpl_demo_"

// templateLock is the advisory lock key under which templates are built.
const templateLock = 0x67656e69746f7269 // "genitori"

// createTimeout bounds one copy of the template, waits for the lock included.
const createTimeout = 3 * time.Minute

// New creates a new database with every migration applied and the demo data
// loaded, and drops it when the test ends. It returns the store and its URL.
func New(t testing.TB) (*db.Store, string) {
	t.Helper()
	admin := URL(t)
	ctx, cancel := context.WithTimeout(context.Background(), createTimeout)
	defer cancel()
	tpl, err := ensureTemplate(ctx, admin, time.Now().In(rome))
	if err != nil {
		t.Fatalf("dbtest: template database: %v", err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	name := "t_" + hex.EncodeToString(b)
	if err := adminExec(ctx, admin, "CREATE DATABASE "+name+" TEMPLATE "+tpl); err != nil {
		t.Fatalf("dbtest: create test database from %s: %v", tpl, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := adminExec(ctx, admin, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Logf("dbtest: drop %s: %v", name, err)
		}
	})
	u, err := withDatabase(admin, name)
	if err != nil {
		t.Fatal(err)
	}
	store, err := db.Open(ctx, u)
	if err != nil {
		t.Fatalf("dbtest: open %s: %v", name, err)
	}
	t.Cleanup(func() { store.Close() }) // runs before the DROP above
	return store, u
}

// rome is where "today" of the demo school year is taken, as SeedDemo does.
var rome = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		return time.FixedZone("CET", 3600)
	}
	return loc
}()

var (
	templatesMu sync.Mutex
	templates   = map[string]bool{} // ready in this process, by name
	codeOnce    sync.Once
	codeHash    string
	codeErr     error
)

// ensureTemplate returns the name of the template database for today,
// building it first if no process has.
func ensureTemplate(ctx context.Context, admin string, today time.Time) (string, error) {
	codeOnce.Do(func() { codeHash, codeErr = hashCode() })
	if codeErr != nil {
		return "", codeErr
	}
	name := templatePrefix + codeHash + "_" + today.Format("20060102")
	templatesMu.Lock()
	defer templatesMu.Unlock()
	if templates[name] {
		return name, nil
	}
	conn, err := sqlx.Open("postgres", admin)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	if ready, err := templateReady(ctx, conn, name); err != nil || ready {
		templates[name] = ready
		return name, err
	}
	// One session holds the lock; the work goes through the pool.
	lock, err := conn.Conn(ctx)
	if err != nil {
		return "", err
	}
	defer lock.Close()
	if _, err := lock.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, templateLock); err != nil {
		return "", fmt.Errorf("wait for the template lock: %w", err)
	}
	// Closing the session (deferred above) releases the lock too.
	defer func() { _, _ = lock.ExecContext(context.Background(), `SELECT pg_advisory_unlock($1)`, templateLock) }()
	ready, err := templateReady(ctx, conn, name)
	if err != nil {
		return "", err
	}
	if !ready {
		dropStaleTemplates(ctx, conn, name)
		if err := buildTemplate(ctx, conn, admin, name, today); err != nil {
			return "", fmt.Errorf("build %s: %w", name, err)
		}
	}
	templates[name] = true
	return name, nil
}

// templateReady: buildTemplate marks the database as a template only when
// it is complete, so a half-built one (an interrupted run) is not ready.
func templateReady(ctx context.Context, conn *sqlx.DB, name string) (bool, error) {
	var ready bool
	err := conn.GetContext(ctx, &ready, `SELECT datistemplate FROM pg_database WHERE datname = $1`, name)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return ready, err
}

func buildTemplate(ctx context.Context, conn *sqlx.DB, admin, name string, today time.Time) error {
	if err := dropDatabase(ctx, conn, name); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		return err
	}
	u, err := withDatabase(admin, name)
	if err != nil {
		return err
	}
	store, err := db.Open(ctx, u)
	if err != nil {
		return err
	}
	err = store.Migrate(ctx)
	if err == nil {
		err = store.SeedDemoAt(ctx, today)
	}
	store.Close()
	if err != nil {
		return err
	}
	// Copies fail while anyone is connected to the template: nobody may.
	if _, err := conn.ExecContext(ctx, "ALTER DATABASE "+name+" WITH ALLOW_CONNECTIONS false"); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, name); err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, "ALTER DATABASE "+name+" WITH IS_TEMPLATE true")
	return err
}

// dropStaleTemplates drops the templates of other code, and of days before
// yesterday (a run that started before midnight may still copy yesterday's).
// It is housekeeping: errors are ignored.
func dropStaleTemplates(ctx context.Context, conn *sqlx.DB, current string) {
	var names []string
	if err := conn.SelectContext(ctx, &names, `SELECT datname FROM pg_database WHERE datname LIKE $1`, templatePrefix+"%"); err != nil {
		return
	}
	hash, day, _ := strings.Cut(strings.TrimPrefix(current, templatePrefix), "_")
	today, err := time.Parse("20060102", day)
	if err != nil {
		return
	}
	yesterday := today.AddDate(0, 0, -1).Format("20060102")
	for _, n := range names {
		h, d, _ := strings.Cut(strings.TrimPrefix(n, templatePrefix), "_")
		if n == current || (h == hash && d >= yesterday) {
			continue
		}
		_ = dropDatabase(ctx, conn, n)
	}
}

func dropDatabase(ctx context.Context, conn *sqlx.DB, name string) error {
	q := pq.QuoteIdentifier(name)
	if _, err := conn.ExecContext(ctx, "ALTER DATABASE "+q+" WITH IS_TEMPLATE false"); err != nil {
		var pqErr *pq.Error
		if errors.As(err, &pqErr) && pqErr.Code == "3D000" { // invalid_catalog_name: no such database
			return nil
		}
		return err
	}
	_, err := conn.ExecContext(ctx, "DROP DATABASE IF EXISTS "+q+" WITH (FORCE)")
	return err
}

// hashCode hashes what the template's content depends on, read from the
// module's source tree (the test's working directory is its package).
func hashCode() (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	var files []string
	for _, dir := range []string{"migrations", "db", "internal"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if n := d.Name(); n == "testdata" || n == "dbtest" {
					return filepath.SkipDir
				}
				return nil
			}
			if n := d.Name(); (strings.HasSuffix(n, ".go") && !strings.HasSuffix(n, "_test.go")) || strings.HasSuffix(n, ".sql") {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			return "", err
		}
	}
	files = append(files, filepath.Join(root, "go.mod"), filepath.Join(root, "go.sum"))
	sort.Strings(files)
	h := sha256.New()
	// The migrations this binary embeds are what it applies: hashed too, so
	// a binary built before a change of the tree never names its template
	// after the changed files.
	embedded, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil {
		return "", err
	}
	for _, name := range embedded {
		b, err := fs.ReadFile(migrations.FS, name)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "embedded/%s\x00%s\x00", name, b)
	}
	for _, f := range files {
		rel, _ := filepath.Rel(root, f)
		fmt.Fprintf(h, "%s\x00", rel)
		r, err := os.Open(f)
		if err != nil {
			return "", err
		}
		_, err = io.Copy(h, r)
		r.Close()
		if err != nil {
			return "", err
		}
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:12], nil
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the test's directory")
		}
		dir = parent
	}
}

func adminExec(ctx context.Context, admin, query string) error {
	conn, err := sqlx.Open("postgres", admin)
	if err != nil {
		return err
	}
	defer conn.Close()
	_, err = conn.ExecContext(ctx, query)
	return err
}

func withDatabase(admin, name string) (string, error) {
	u, err := url.Parse(admin)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}
