package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"portalegenitori/db"
	"portalegenitori/internal/config"
)

// benchABCmd runs the per-endpoint bench of a base build and of this build
// in turns on the same city and machine (`make bench-ab BENCH_BASE=<commit>`),
// so "n× the throughput of commit X" is measured side by side instead of
// against a table taken on another day, when the machine may have been twice
// as fast (docs/performance.md, "Against a base commit").
//
// Each side is a child process (`BIN bench ...`) and its printed table is
// parsed: a base binary from before `bench --results` existed prints the
// same first columns, so any commit whose bench reads the current schema
// can be the base.
func benchABCmd(ctx context.Context, cfg config.Config, args []string) error {
	fs := flag.NewFlagSet("bench-ab", flag.ContinueOnError)
	base := fs.String("base", "", "the base build's genitori binary")
	label := fs.String("base-label", "", "what the base is (its commit), for the table and the JSON")
	rounds := fs.Int("rounds", 2, "rounds; each runs this build, then the base")
	children := fs.Int("children", 100000, "children of the synthetic city")
	duration := fs.Duration("duration", 10*time.Second, "measuring time per endpoint, each run")
	results := fs.String("results", "var/bench", "directory where the comparison is saved as JSON (empty: not saved)")
	only := fs.String("only", "", "this build measures only the endpoints whose name contains this text; "+
		"the base (which may predate --only) measures all, and its other rows are left out")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *base == "" {
		return fmt.Errorf("--base is required (make bench-ab builds it)")
	}
	store, err := db.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer store.Close()
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("own binary: %w", err)
	}
	common := []string{"bench", "--children", strconv.Itoa(*children), "--duration", duration.String()}
	runs := map[string][]benchTableRun{}
	var order []string // endpoints in the order this build prints them
	for round := 1; round <= *rounds; round++ {
		for _, side := range []struct{ name, bin string }{{"new", self}, {"base", *base}} {
			argv := common
			if side.name == "new" {
				argv = append(slices.Clone(common), "--results", "")
				if *only != "" {
					argv = append(argv, "--only", *only)
				}
			}
			fmt.Fprintf(os.Stderr, "bench-ab: round %d/%d, %s build...\n", round, *rounds, side.name)
			cmd := exec.CommandContext(ctx, side.bin, argv...)
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, os.Stderr
			if err := cmd.Run(); err != nil {
				return fmt.Errorf("%s build's bench: %w", side.name, err)
			}
			rows, err := parseBenchTable(out.String())
			if err != nil {
				return fmt.Errorf("%s build's table: %w", side.name, err)
			}
			for _, r := range rows {
				if side.name == "new" && round == 1 {
					order = append(order, r.Endpoint)
				}
				r.Round = round
				runs[side.name+"\x00"+r.Endpoint] = append(runs[side.name+"\x00"+r.Endpoint], r)
			}
		}
	}

	out := benchAB{At: time.Now().UTC(), Base: *label, Rounds: *rounds, Duration: duration.String(), Machine: machineInfo(ctx, store)}
	fmt.Printf("\n`make bench-ab` — %s, %d children, %s per endpoint and run, %d rounds (this build, then the base), base %s\n",
		out.At.Format("2006-01-02 15:04"), *children, duration, *rounds, *label)
	fmt.Printf("Machine: %s, %d CPUs (%s), load average %s at the end, commit %s\n\n", out.Machine.Host, out.Machine.CPUs,
		out.Machine.CPUModel, out.Machine.LoadAverage, out.Machine.GitCommit)
	fmt.Println("| endpoint | base req/s (each run) | this build req/s (each run) | × (mean over mean) | base ratio to static | this build ratio to static |")
	fmt.Println("|---|---|---|---:|---:|---:|")
	for _, ep := range order {
		b, n := runs["base\x00"+ep], runs["new\x00"+ep]
		row := benchABRow{Endpoint: ep, Base: b, New: n}
		if len(b) > 0 {
			row.Times = meanRPS(n) / meanRPS(b)
		}
		out.Endpoints = append(out.Endpoints, row)
		times := "– (not in the base)"
		if len(b) > 0 {
			times = fmt.Sprintf("%.2f", row.Times)
		}
		fmt.Printf("| %s | %s | %s | %s | %s | %s |\n", ep, rpsList(b), rpsList(n), times, meanRatio(b), meanRatio(n))
	}
	if *results == "" {
		return nil
	}
	if err := os.MkdirAll(*results, 0o755); err != nil {
		return fmt.Errorf("results directory: %w", err)
	}
	path := filepath.Join(*results, out.At.Format("20060102T150405Z")+"-ab.json")
	data, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("save: %w", err)
	}
	fmt.Printf("\nSaved as %s\n", path)
	return nil
}

type benchAB struct {
	At        time.Time    `json:"at"`
	Base      string       `json:"base"`
	Rounds    int          `json:"rounds"`
	Duration  string       `json:"duration"`
	Machine   benchMachine `json:"machine"`
	Endpoints []benchABRow `json:"endpoints"`
}

type benchABRow struct {
	Endpoint string          `json:"endpoint"`
	Base     []benchTableRun `json:"base"`
	New      []benchTableRun `json:"new"`
	Times    float64         `json:"times,omitempty"` // mean req/s of this build over the base's
}

// benchTableRun is one endpoint's row of a printed bench table.
type benchTableRun struct {
	Round     int     `json:"round"`
	Endpoint  string  `json:"-"`
	RPS       float64 `json:"rps"`
	P95ms     float64 `json:"p95_ms"`
	StaticRPS float64 `json:"static_rps"`
}

// parseBenchTable reads the rows of the table `genitori bench` prints, by its
// header's column names (older builds print fewer columns, in the same order).
func parseBenchTable(out string) ([]benchTableRun, error) {
	var header []string
	var rows []benchTableRun
	for _, line := range strings.Split(out, "\n") {
		if !strings.HasPrefix(line, "| ") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "| "), " | ")
		if header == nil {
			if cells[0] == "endpoint" {
				header = cells
			}
			continue
		}
		if len(cells) != len(header) {
			return nil, fmt.Errorf("row %q: %d cells, header has %d", line, len(cells), len(header))
		}
		col := func(name string) string {
			if i := slices.Index(header, name); i >= 0 {
				return cells[i]
			}
			return ""
		}
		rps, err := strconv.ParseFloat(col("req/s"), 64)
		if err != nil {
			return nil, fmt.Errorf("row %q: req/s: %w", line, err)
		}
		p95, _ := strconv.ParseFloat(col("p95 ms"), 64)
		static, _, _ := strings.Cut(col("same bytes static: req/s, p95 ms"), ",")
		staticRPS, _ := strconv.ParseFloat(static, 64)
		rows = append(rows, benchTableRun{Endpoint: cells[0], RPS: rps, P95ms: p95, StaticRPS: staticRPS})
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("no table in the output")
	}
	return rows, nil
}

func meanRPS(runs []benchTableRun) float64 {
	if len(runs) == 0 {
		return 0
	}
	var sum float64
	for _, r := range runs {
		sum += r.RPS
	}
	return sum / float64(len(runs))
}

func rpsList(runs []benchTableRun) string {
	if len(runs) == 0 {
		return "–"
	}
	var parts []string
	for _, r := range runs {
		parts = append(parts, strconv.FormatFloat(r.RPS, 'f', 0, 64))
	}
	return strings.Join(parts, ", ")
}

func meanRatio(runs []benchTableRun) string {
	var sum float64
	var n int
	for _, r := range runs {
		if r.StaticRPS > 0 {
			sum += r.RPS / r.StaticRPS
			n++
		}
	}
	if n == 0 {
		return "–"
	}
	return fmt.Sprintf("%.3f", sum/float64(n))
}
