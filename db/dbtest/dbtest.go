// Package dbtest gives tests a fresh, migrated and seeded PostgreSQL database
// on the throwaway cluster that `make test` starts (TEST_DATABASE_URL).
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"testing"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq"

	"portalegenitori/db"
)

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

// New creates a new database with every migration applied and the demo data
// loaded, and drops it when the test ends. It returns the store and its URL.
func New(t testing.TB) (*db.Store, string) {
	t.Helper()
	admin := URL(t)
	ctx := context.Background()
	b := make([]byte, 6)
	rand.Read(b)
	name := "t_" + hex.EncodeToString(b)
	conn, err := sqlx.Open("postgres", admin)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	store, err := db.Open(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		store.Close()
		c, err := sqlx.Open("postgres", admin)
		if err == nil {
			c.Exec(fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", name))
			c.Close()
		}
	})
	if err := store.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := store.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	return store, u.String()
}
