package handlers_test

import (
	"testing"

	"github.com/jmoiron/sqlx"

	"portalegenitori/db/dbtest"
)

// mustGet looks at the database from a test: sqlx.Get that fails the test
// on error.
func mustGet(t testing.TB, q sqlx.Queryer, dest any, query string, args ...any) {
	t.Helper()
	dbtest.Get(t, q, dest, query, args...)
}
