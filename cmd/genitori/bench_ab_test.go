package main

import "testing"

// The base build of `make bench-ab` may print an older table: fewer columns,
// the same names. Both are read by their header.
func TestParseBenchTable(t *testing.T) {
	old := "bench: family home (full page)...\n\n" +
		"| endpoint | requests | req/s | p50 ms | p95 ms | p99 ms | budget p95 | bytes (gzip) | bytes (raw) | same bytes static: req/s, p95 ms | errors |\n" +
		"|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|\n" +
		"| family home (full page) | 6988 | 349 | 22.0 | 39.1 | 49.9 | ≤ 100 ms ok | 3186 | 12895 | 41683, 0.3 | 0 |\n" +
		"| calendar month (htmx fragment) | 8297 | 415 | 18.8 | 31.0 | 40.3 | ≤ 50 ms ok | 1508 | 9353 | 42688, 0.3 | 0 |\n"
	cur := "| endpoint | requests | req/s | p50 ms | p95 ms | p99 ms | budget p95 | bytes (gzip) | bytes (raw) | same bytes static: req/s, p95 ms | ratio to static | errors | 304: req/s, p95 ms, % 304 | CPU ms per request: this process + PostgreSQL + other processes |\n" +
		"|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|\n" +
		"| family home (full page) | 14608 | 730 | 10.5 | 19.7 | 24.9 | ≤ 100 ms ok | 3719 | 14615 | 42654, 0.3 | 0.017 | 0 | – | 1.21 + 1.44 + 0.01 |\n\n" +
		"Read replica: none\n"
	for _, tc := range []struct {
		name, out string
		want      []benchTableRun
	}{
		{"older build", old, []benchTableRun{
			{Endpoint: "family home (full page)", RPS: 349, P95ms: 39.1, StaticRPS: 41683},
			{Endpoint: "calendar month (htmx fragment)", RPS: 415, P95ms: 31, StaticRPS: 42688},
		}},
		{"this build", cur, []benchTableRun{{Endpoint: "family home (full page)", RPS: 730, P95ms: 19.7, StaticRPS: 42654}}},
	} {
		got, err := parseBenchTable(tc.out)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if len(got) != len(tc.want) {
			t.Fatalf("%s: %d rows, want %d: %+v", tc.name, len(got), len(tc.want), got)
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%s row %d: %+v, want %+v", tc.name, i, got[i], tc.want[i])
			}
		}
	}
	if _, err := parseBenchTable("bench failed before its table\n"); err == nil {
		t.Error("an output without a table was read")
	}
	if _, err := parseBenchTable("| endpoint | req/s |\n|---|---:|\n| x | 1 | 2 |\n"); err == nil {
		t.Error("a row with more cells than the header was read")
	}
}
