package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBenchResultsSaveAndCompare: a run saved as JSON reads back, and the
// comparison of two runs names every endpoint and metric with its change.
func TestBenchResultsSaveAndCompare(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	at := time.Date(2026, 11, 30, 5, 0, 0, 0, time.UTC)
	old := benchResults{Command: "bench", At: at, Machine: benchMachine{Host: "h", CPUs: 2, GitCommit: "aaa"},
		Setup: map[string]any{"children": 3000, "concurrency": 8},
		Endpoints: []benchEndpoint{
			{Name: "family home (full page)", RPS: 100, P50ms: 40, P95ms: 120, StaticRPS: 5000, StaticRatio: 0.02},
			{Name: "gone", RPS: 1},
		}}
	cur := old
	cur.At, cur.Machine.GitCommit = at.Add(time.Hour), "bbb"
	cur.Endpoints = []benchEndpoint{
		{Name: "family home (full page)", RPS: 350, P50ms: 10, P95ms: 108, StaticRPS: 5000, StaticRatio: 0.07},
		{Name: "new one", RPS: 2},
	}
	p1, err := old.save(dir)
	if err != nil {
		t.Fatal(err)
	}
	p2, err := cur.save(dir)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(p1) != "20261130T050000Z-bench.json" {
		t.Fatalf("saved as %s", p1)
	}
	a, err := loadBenchResults(p1)
	if err != nil {
		t.Fatal(err)
	}
	b, err := loadBenchResults(p2)
	if err != nil {
		t.Fatal(err)
	}
	out := compareResults(a, b)
	for _, want := range []string{
		"| family home (full page) | req/s | 100 | 350 | ×3.5 |",
		"| family home (full page) | p50 ms | 40.0 | 10.0 | ÷4.0 |",
		"| family home (full page) | p95 ms | 120 | 108 | -10% |",
		"| family home (full page) | ratio to static | 0.020 | 0.070 | ×3.5 |",
		"| new one | (new endpoint) |", "| gone | (gone) |", "commit aaa", "commit bbb",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("comparison lacks %q:\n%s", want, out)
		}
	}
}
