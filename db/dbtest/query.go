package dbtest

import (
	"testing"

	"github.com/jmoiron/sqlx"
)

// Get is sqlx.Get that fails the test on error, for the queries with which
// tests look at the database.
func Get(t testing.TB, q sqlx.Queryer, dest any, query string, args ...any) {
	t.Helper()
	if err := sqlx.Get(q, dest, query, args...); err != nil {
		t.Fatalf("query %q: %v", query, err)
	}
}

// Select is sqlx.Select that fails the test on error.
func Select(t testing.TB, q sqlx.Queryer, dest any, query string, args ...any) {
	t.Helper()
	if err := sqlx.Select(q, dest, query, args...); err != nil {
		t.Fatalf("query %q: %v", query, err)
	}
}
