package dbtest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"portalegenitori/db"
)

// Cluster is a private PostgreSQL cluster (the project's .ci/pg script) for
// a test that stops and starts its database; it is destroyed when the test
// ends. Its name carries the process ID, so concurrent runs never share it.
type Cluster struct {
	URL          string
	name, script string
}

// NewCluster starts a cluster named prefix-PID, or skips the test like URL.
func NewCluster(t testing.TB, prefix string) *Cluster {
	t.Helper()
	URL(t)
	c := &Cluster{name: fmt.Sprintf("%s-%d", prefix, os.Getpid()), script: pgScript(t)}
	out, err := exec.Command(c.script, "start", c.name).Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf(".ci/pg start %s: %v\n%s", c.name, err, stderr)
	}
	c.URL = strings.TrimSpace(string(out))
	t.Cleanup(func() {
		if out, err := exec.Command(c.script, "destroy", c.name).CombinedOutput(); err != nil {
			t.Logf(".ci/pg destroy %s: %v\n%s", c.name, err, out)
		}
	})
	return c
}

// DemoStore opens the cluster's database with the schema and the demo
// data; the store is closed when the test ends.
func (c *Cluster) DemoStore(t testing.TB) *db.Store {
	t.Helper()
	ctx := context.Background()
	store, err := db.Open(ctx, c.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if err := store.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := store.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	return store
}

// Stop stops the database (fast shutdown).
func (c *Cluster) Stop() error { return c.run("stop") }

// Start starts it again, on the same data and port.
func (c *Cluster) Start() error { return c.run("start") }

func (c *Cluster) run(verb string) error {
	if out, err := exec.Command(c.script, verb, c.name).CombinedOutput(); err != nil {
		return fmt.Errorf(".ci/pg %s %s: %v\n%s", verb, c.name, err, out)
	}
	return nil
}

// pgScript finds .ci/pg from the test's working directory (its package).
func pgScript(t testing.TB) string {
	root, err := moduleRoot()
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	return filepath.Join(root, ".ci", "pg")
}

// Standby starts a streaming standby of c (`.ci/pg standby`) named
// prefix-PID, destroyed when the test ends (before c, which was made
// earlier). It skips the test when pg_basebackup is not installed.
func (c *Cluster) Standby(t testing.TB, prefix string) *Cluster {
	t.Helper()
	s := &Cluster{name: fmt.Sprintf("%s-%d", prefix, os.Getpid()), script: c.script}
	out, err := exec.Command(s.script, "standby", s.name, c.name).Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
			if ee.ExitCode() == 3 {
				t.Skipf("no streaming standby: %s", strings.TrimSpace(string(stderr)))
			}
		}
		t.Fatalf(".ci/pg standby %s %s: %v\n%s", s.name, c.name, err, stderr)
	}
	s.URL = strings.TrimSpace(string(out))
	t.Cleanup(func() {
		if out, err := exec.Command(s.script, "destroy", s.name).CombinedOutput(); err != nil {
			t.Logf(".ci/pg destroy %s: %v\n%s", s.name, err, out)
		}
	})
	return s
}
