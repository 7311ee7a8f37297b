package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"portalegenitori/db"
)

// benchResults is what `genitori bench` saves beside its table
// (var/bench/<UTC timestamp>.json), so `genitori bench-compare` can set two
// runs side by side.
type benchResults struct {
	Command   string          `json:"command"` // bench, rush
	At        time.Time       `json:"at"`
	Machine   benchMachine    `json:"machine"`
	Setup     map[string]any  `json:"setup"` // children, rows, users, concurrency, duration, prepared statements...
	Endpoints []benchEndpoint `json:"endpoints"`
}

type benchMachine struct {
	Host        string `json:"host"`
	CPUs        int    `json:"cpus"`
	CPUModel    string `json:"cpu_model"`
	MemoryBytes int64  `json:"memory_bytes"`
	LoadAverage string `json:"load_average"` // at the start: the machine may be shared
	Go          string `json:"go"`
	PostgreSQL  string `json:"postgresql"`
	GitCommit   string `json:"git_commit"`
}

// benchEndpoint is one row of the table. StaticRatio is req/s over the
// req/s of the same bytes served statically by the same server.
type benchEndpoint struct {
	Name        string  `json:"name"`
	Kind        string  `json:"kind"` // page, fragment, step
	Requests    int     `json:"requests"`
	Errors      int64   `json:"errors"`
	RPS         float64 `json:"rps"`
	P50ms       float64 `json:"p50_ms"`
	P95ms       float64 `json:"p95_ms"`
	P99ms       float64 `json:"p99_ms"`
	BudgetP95ms float64 `json:"budget_p95_ms,omitempty"`
	BytesGzip   int64   `json:"bytes_gzip"`
	BytesRaw    int64   `json:"bytes_raw,omitempty"`
	StaticRPS   float64 `json:"static_rps"`
	StaticP95ms float64 `json:"static_p95_ms"`
	StaticRatio float64 `json:"static_ratio"`
	PeakMemory  int64   `json:"server_peak_memory_bytes,omitempty"` // rush: the server's VmHWM
	// conditional requests with the ETag of a first answer (bench_revalidate.go)
	RevalidationRPS   float64 `json:"revalidation_rps,omitempty"`
	RevalidationP95ms float64 `json:"revalidation_p95_ms,omitempty"`
	NotModifiedShare  float64 `json:"revalidation_304_share,omitempty"`
	CPUSelfMs         float64 `json:"cpu_ms_per_request_process,omitempty"`
	CPUPostgresMs     float64 `json:"cpu_ms_per_request_postgres,omitempty"`
	CPUOthersMs       float64 `json:"cpu_ms_per_request_others,omitempty"`
}

func ratio(rps, static float64) float64 {
	if static <= 0 {
		return 0
	}
	return rps / static
}

func machineInfo(ctx context.Context, store *db.Store) benchMachine {
	host, _ := os.Hostname()
	m := benchMachine{Host: host, CPUs: runtime.NumCPU(), CPUModel: cpuModel(), LoadAverage: loadAverage(),
		Go: strings.TrimPrefix(runtime.Version(), "go"), PostgreSQL: pgVersion(ctx, store)}
	if kb, err := strconv.ParseInt(strings.Fields(meminfo("MemTotal") + " 0")[0], 10, 64); err == nil {
		m.MemoryBytes = kb * 1024
	}
	if out, err := exec.CommandContext(ctx, "git", "rev-parse", "--short=12", "HEAD").Output(); err == nil {
		m.GitCommit = strings.TrimSpace(string(out))
		if st, err := exec.CommandContext(ctx, "git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(st) > 0 {
			m.GitCommit += "+dirty"
		}
	}
	return m
}

// meminfo reads a field of /proc/meminfo in kB ("" when unknown).
func meminfo(field string) string {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && k == field {
			return strings.TrimSuffix(strings.TrimSpace(v), " kB")
		}
	}
	return ""
}

func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// save writes the results as dir/<UTC timestamp>-<command>.json and returns the path.
func (r benchResults) save(dir string) (string, error) {
	if dir == "" {
		return "", nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("bench results: %w", err)
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, r.At.UTC().Format("20060102T150405Z")+"-"+r.Command+".json")
	return path, os.WriteFile(path, append(b, '\n'), 0o644)
}

func loadBenchResults(path string) (*benchResults, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r benchResults
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &r, nil
}

// benchCompareCmd prints, per endpoint of two saved runs, each metric old →
// new with the change: `genitori bench-compare OLD.json NEW.json`.
func benchCompareCmd(_ context.Context, args []string) error {
	fs := flag.NewFlagSet("bench-compare", flag.ContinueOnError)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return errors.New("usage: genitori bench-compare OLD.json NEW.json")
	}
	old, err := loadBenchResults(fs.Arg(0))
	if err != nil {
		return err
	}
	cur, err := loadBenchResults(fs.Arg(1))
	if err != nil {
		return err
	}
	fmt.Print(compareResults(old, cur))
	return nil
}

// compareResults is the comparison as a Markdown table.
func compareResults(old, cur *benchResults) string {
	var b strings.Builder
	fmt.Fprintf(&b, "OLD: %s %s, commit %s, %d CPUs, load %s, Go %s, PostgreSQL %s\n", old.Command, old.At.UTC().Format(time.RFC3339),
		old.Machine.GitCommit, old.Machine.CPUs, old.Machine.LoadAverage, old.Machine.Go, old.Machine.PostgreSQL)
	fmt.Fprintf(&b, "NEW: %s %s, commit %s, %d CPUs, load %s, Go %s, PostgreSQL %s\n", cur.Command, cur.At.UTC().Format(time.RFC3339),
		cur.Machine.GitCommit, cur.Machine.CPUs, cur.Machine.LoadAverage, cur.Machine.Go, cur.Machine.PostgreSQL)
	if old.Machine.Host != cur.Machine.Host || old.Machine.CPUs != cur.Machine.CPUs {
		b.WriteString("(different machines: compare the static columns to see how much is the machine)\n")
	}
	for _, k := range []string{"children", "concurrency", "duration", "prepared"} {
		if fmt.Sprint(old.Setup[k]) != fmt.Sprint(cur.Setup[k]) {
			fmt.Fprintf(&b, "(setup differs: %s %v → %v)\n", k, old.Setup[k], cur.Setup[k])
		}
	}
	b.WriteString("\n| endpoint | metric | old | new | change |\n|---|---|---:|---:|---:|\n")
	metrics := []struct {
		name string
		get  func(benchEndpoint) float64
	}{
		{"req/s", func(e benchEndpoint) float64 { return e.RPS }},
		{"p50 ms", func(e benchEndpoint) float64 { return e.P50ms }},
		{"p95 ms", func(e benchEndpoint) float64 { return e.P95ms }},
		{"p99 ms", func(e benchEndpoint) float64 { return e.P99ms }},
		{"bytes (gzip)", func(e benchEndpoint) float64 { return float64(e.BytesGzip) }},
		{"static req/s", func(e benchEndpoint) float64 { return e.StaticRPS }},
		{"ratio to static", func(e benchEndpoint) float64 { return e.StaticRatio }},
		{"errors", func(e benchEndpoint) float64 { return float64(e.Errors) }},
		{"304 req/s", func(e benchEndpoint) float64 { return e.RevalidationRPS }},
		{"304 p95 ms", func(e benchEndpoint) float64 { return e.RevalidationP95ms }},
	}
	seen := map[string]bool{}
	for _, ne := range cur.Endpoints {
		seen[ne.Name] = true
		var oe *benchEndpoint
		for i := range old.Endpoints {
			if old.Endpoints[i].Name == ne.Name {
				oe = &old.Endpoints[i]
			}
		}
		if oe == nil {
			fmt.Fprintf(&b, "| %s | (new endpoint) | | | |\n", ne.Name)
			continue
		}
		for _, m := range metrics {
			o, n := m.get(*oe), m.get(ne)
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", ne.Name, m.name, num(o), num(n), change(o, n))
		}
	}
	for _, oe := range old.Endpoints {
		if !seen[oe.Name] {
			fmt.Fprintf(&b, "| %s | (gone) | | | |\n", oe.Name)
		}
	}
	return b.String()
}

func num(v float64) string {
	switch {
	case v == 0:
		return "0"
	case v < 1:
		return strconv.FormatFloat(v, 'f', 3, 64)
	case v < 100:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 0, 64)
}

// change is "+12%" or "×3.1" (a factor when it is 2 or more either way).
func change(o, n float64) string {
	switch {
	case o == n:
		return "="
	case o == 0:
		return "new"
	case n == 0:
		return "−100%"
	case n/o >= 2:
		return "×" + strconv.FormatFloat(n/o, 'f', 1, 64)
	case o/n >= 2:
		return "÷" + strconv.FormatFloat(o/n, 'f', 1, 64)
	}
	return fmt.Sprintf("%+.0f%%", (n/o-1)*100)
}

// procStatusBytes is procStatus in bytes (0 when unknown).
func procStatusBytes(pid int, field string) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

// staticThroughput stores body in the server's bench-only static responder
// (benchStatic, GENITORI_BENCH_STATIC=true) and measures how fast the same
// server sends it back to conc closed-loop clients for d.
func staticThroughput(ctx context.Context, cl *http.Client, base, name string, body []byte, ctype, enc string, conc int, d time.Duration) (float64, time.Duration, error) {
	path := "/__bench/static/" + name
	req, _ := http.NewRequestWithContext(ctx, http.MethodPut, base+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("X-Bench-Encoding", enc)
	resp, err := cl.Do(req)
	if err != nil {
		return 0, 0, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		return 0, 0, fmt.Errorf("static responder answered %d", resp.StatusCode)
	}
	var mu sync.Mutex
	var all []time.Duration
	stop := time.Now().Add(d)
	var wg sync.WaitGroup
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var local []time.Duration
			for time.Now().Before(stop) && ctx.Err() == nil {
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
				req.Header.Set("Accept-Encoding", "gzip")
				t0 := time.Now()
				resp, err := cl.Do(req)
				if err != nil {
					continue
				}
				_, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if err == nil && resp.StatusCode == http.StatusOK {
					local = append(local, time.Since(t0))
				}
			}
			mu.Lock()
			all = append(all, local...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	if len(all) == 0 {
		return 0, 0, nil
	}
	slices.Sort(all)
	return float64(len(all)) / d.Seconds(), all[min(len(all)-1, len(all)*95/100)], nil
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return " (static measure failed: " + err.Error() + ")"
}
