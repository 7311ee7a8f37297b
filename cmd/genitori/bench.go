package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"portalegenitori/db"
	"portalegenitori/handlers"
	"portalegenitori/internal/calendar"
	"portalegenitori/internal/config"
)

// benchCmd measures the parent pages under concurrent users on a synthetic
// city: it seeds one when missing (installation "citta-N"), serves the
// portal in-process on 127.0.0.1, signs in a sample of parents and requests
// the family home, the calendar fragment, the full calendar and the payments
// page, then the same bytes as a static response, and prints a table.
func benchCmd(ctx context.Context, cfg config.Config, args []string) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	children := fs.Int("children", 100000, "children of the synthetic city (seeded once)")
	users := fs.Int("users", 200, "parents signed in and picked at random")
	conc := fs.Int("concurrency", 8, "concurrent users")
	dur := fs.Duration("duration", 20*time.Second, "measuring time per endpoint")
	warm := fs.Duration("warmup", 3*time.Second, "warm-up time per endpoint")
	until := fs.String("until", "2026-11-26", "the seed's last recorded day (YYYY-MM-DD)")
	instCode := fs.String("installation", "", "installation to use (default citta-N, seeded when missing)")
	resultsDir := fs.String("results", "var/bench", "directory where the results are saved as JSON (empty: not saved)")
	prepared := fs.Bool("prepared", true, "page statements prepared once per connection (false: to measure what they save)")
	only := fs.String("only", "", "measure only the endpoints whose name contains this text")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the measured runs (server and client: one process) to this file")
	memProfile := fs.String("memprofile", "", "write an allocation profile of the runs to this file (every allocation sampled)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	store, err := db.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer store.Close()
	// a city seeded by an older build gets the new migrations first
	if err := store.Migrate(ctx); err != nil {
		return err
	}
	store.SetPagePrepared(*prepared)
	began := time.Now()
	machine := machineInfo(ctx, store) // the load average before the run
	code := fmt.Sprintf("citta-%d", *children)
	if *instCode != "" {
		code = *instCode
	}
	var families int
	err = store.DB().GetContext(ctx, &families, `SELECT count(*) FROM accounts a JOIN installations i ON i.id = a.installation_id
		WHERE i.code = $1 AND a.username LIKE 'gen%a'`, code)
	if err != nil || families == 0 {
		fmt.Fprintf(os.Stderr, "bench: seeding %q with %d children (once; kept in the database)\n", code, *children)
		if err := store.Migrate(ctx); err != nil {
			return err
		}
		if err := store.SeedDemo(ctx); err != nil {
			return err
		}
		last, err := calendar.ParseDay(*until)
		if err != nil {
			return err
		}
		res, err := store.SeedSynthetic(ctx, db.SyntheticOptions{Code: code, Children: *children,
			Start: calendar.Day(calendar.SchoolYear(last), 9, 7), Until: last,
			Log: func(f string, a ...any) { fmt.Fprintf(os.Stderr, f+"\n", a...) }})
		if err != nil {
			return err
		}
		families = res.Families
	}
	if *instCode == "" { // the synthetic city only: never another installation
		inst, err := store.InstallationByCode(ctx, code)
		if err != nil {
			return fmt.Errorf("bench: installation %q: %w", code, err)
		}
		if err := store.SeedSyntheticPanels(ctx, inst.ID); err != nil { // once; a city seeded before them gets them now
			return err
		}
	}
	var attRows, ledgerRows int64
	if err := store.DB().GetContext(ctx, &attRows, `SELECT reltuples::bigint FROM pg_class WHERE relname = 'attendance'`); err != nil {
		return fmt.Errorf("bench: count attendance rows: %w", err)
	}
	if err := store.DB().GetContext(ctx, &ledgerRows, `SELECT reltuples::bigint FROM pg_class WHERE relname = 'ledger_entries'`); err != nil {
		return fmt.Errorf("bench: count ledger rows: %w", err)
	}

	// the portal, in-process, on loopback, plus a static responder
	cfg.CookieSecure = false
	if err := useReplica(ctx, store, cfg, nil); err != nil { // BENCH_REPLICA=1 (replica.go)
		return err
	}
	h, err := handlers.New(cfg, store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return err
	}
	static := &staticBodies{m: map[string]staticBody{}}
	mux := http.NewServeMux()
	mux.Handle("/__bench/static/", static)
	mux.Handle("/", h.Routes())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintln(os.Stderr, "bench: serve:", err)
		}
	}()
	defer srv.Close()
	base := "http://" + ln.Addr().String()

	tr := &http.Transport{MaxIdleConnsPerHost: *conc * 2, DisableCompression: true}
	rng := rand.New(rand.NewPCG(1, 2))
	fmt.Fprintf(os.Stderr, "bench: signing in %d parents of %d families...\n", *users, families)
	type user struct {
		client  *http.Client
		targets []string // /presenze/C/S
	}
	var us []user
	linkRe := regexp.MustCompile(`/` + code + `/presenze/\d+/\d+`)
	for len(us) < *users {
		fam := 1 + rng.IntN(families)
		jar, _ := cookiejar.New(nil)
		cl := &http.Client{Transport: tr, Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		form := url.Values{"username": {db.SyntheticUsername(fam, rng.IntN(2) == 1)}, "password": {"Citta-Genitori-2026"}}
		resp, err := cl.PostForm(base+"/"+code+"/accesso", form)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther {
			return fmt.Errorf("bench: sign-in of family %d: status %d", fam, resp.StatusCode)
		}
		resp, err = cl.Get(base + "/" + code + "/famiglia")
		if err != nil {
			return err
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		links := linkRe.FindAllString(string(body), -1)
		if len(links) == 0 {
			continue // a family with no service this year
		}
		us = append(us, user{cl, links})
	}

	clients := make([]*http.Client, len(us))
	for i, u := range us {
		clients[i] = u.client
	}
	months := []string{"2026-09", "2026-10", "2026-11"}
	endpoints := []struct {
		name, kind string
		req        func(r *rand.Rand, u user) (*http.Request, error)
	}{
		{"family home (full page)", "page", func(r *rand.Rand, u user) (*http.Request, error) {
			return http.NewRequest(http.MethodGet, base+"/"+code+"/famiglia", nil)
		}},
		{"calendar month (htmx fragment)", "fragment", func(r *rand.Rand, u user) (*http.Request, error) {
			req, err := http.NewRequest(http.MethodGet, base+u.targets[r.IntN(len(u.targets))]+"?mese="+months[r.IntN(len(months))], nil)
			if err == nil {
				req.Header.Set("HX-Request", "true")
				req.Header.Set("HX-Target", "calendar")
			}
			return req, err
		}},
		{"calendar day (htmx fragment)", "fragment", func(r *rand.Rand, u user) (*http.Request, error) {
			req, err := http.NewRequest(http.MethodGet, fmt.Sprintf("%s%s?mese=2026-10&giorno=2026-10-%02d", base, u.targets[r.IntN(len(u.targets))], 12+r.IntN(5)), nil)
			if err == nil {
				req.Header.Set("HX-Request", "true")
				req.Header.Set("HX-Target", "calendar")
			}
			return req, err
		}},
		{"calendar (full page)", "page", func(r *rand.Rand, u user) (*http.Request, error) {
			return http.NewRequest(http.MethodGet, base+u.targets[r.IntN(len(u.targets))]+"?mese="+months[r.IntN(len(months))], nil)
		}},
		{"payments (full page)", "page", func(r *rand.Rand, u user) (*http.Request, error) {
			return http.NewRequest(http.MethodGet, base+"/"+code+"/pagamenti", nil)
		}},
	}

	type row struct {
		name                         string
		n                            int
		p50, p95, p99, avg           time.Duration
		rps                          float64
		bytes, rawBytes              int64
		staticRPS                    float64
		staticP95                    time.Duration
		budget                       time.Duration
		fail                         int64
		budgetOK, sizeOK, kindIsFrag bool
		reval                        revalidation // bench_revalidate.go
		cpu                          cpuPerRequest
	}
	var rows []row
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if *memProfile != "" {
		runtime.MemProfileRate = 4096
		defer func() {
			if f, err := os.Create(*memProfile); err == nil {
				if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
					fmt.Fprintln(os.Stderr, "bench: memory profile:", err)
				}
				f.Close()
			}
		}()
	}
	for i, ep := range endpoints {
		if !strings.Contains(ep.name, *only) {
			continue
		}
		run := func(d time.Duration, staticPath string) (lat []time.Duration, bytesSum int64, fails int64, elapsed time.Duration) {
			var mu sync.Mutex
			var wg sync.WaitGroup
			var failed, total atomic.Int64
			deadline := time.Now().Add(d)
			began := time.Now()
			for w := 0; w < *conc; w++ {
				wg.Add(1)
				go func(w int) {
					defer wg.Done()
					r := rand.New(rand.NewPCG(uint64(i), uint64(w)))
					var local []time.Duration
					var b int64
					for time.Now().Before(deadline) {
						u := us[r.IntN(len(us))]
						var req *http.Request
						var err error
						if staticPath != "" {
							req, err = http.NewRequest(http.MethodGet, base+staticPath, nil)
						} else {
							req, err = ep.req(r, u)
						}
						if err != nil {
							failed.Add(1)
							continue
						}
						req.Header.Set("Accept-Encoding", "gzip")
						t0 := time.Now()
						resp, err := u.client.Do(req)
						if err != nil {
							failed.Add(1)
							continue
						}
						n, _ := io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						el := time.Since(t0)
						if resp.StatusCode != http.StatusOK {
							failed.Add(1)
							continue
						}
						local = append(local, el)
						b += n
					}
					mu.Lock()
					lat = append(lat, local...)
					bytesSum += b
					mu.Unlock()
					total.Add(int64(len(local)))
				}(w)
			}
			wg.Wait()
			return lat, bytesSum, failed.Load(), time.Since(began)
		}
		fmt.Fprintf(os.Stderr, "bench: %s...\n", ep.name)
		run(*warm, "")
		cpu0 := cpuNow(ctx, store)
		lat, bsum, fails, el := run(*dur, "")
		cpu1 := cpuNow(ctx, store)
		if len(lat) == 0 {
			return errors.New("bench: no successful request for " + ep.name)
		}
		slices.Sort(lat)
		pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(float64(len(lat))*p))] }
		var sum time.Duration
		for _, l := range lat {
			sum += l
		}
		rw := row{name: ep.name, n: len(lat), p50: pct(.50), p95: pct(.95), p99: pct(.99), avg: sum / time.Duration(len(lat)),
			rps: float64(len(lat)) / el.Seconds(), bytes: bsum / int64(len(lat)), fail: fails, kindIsFrag: ep.kind == "fragment"}
		rw.cpu = cpu1.perRequest(cpu0, len(lat))
		// one sample, to know the raw size and serve the same bytes statically
		u := us[0]
		req, _ := ep.req(rand.New(rand.NewPCG(9, 9)), u)
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := u.client.Do(req)
		if err != nil {
			return err
		}
		sample, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		rw.rawBytes = int64(len(sample))
		if resp.Header.Get("Content-Encoding") == "gzip" {
			rw.rawBytes = gunzipLen(sample)
		}
		path := "/__bench/static/" + strconv.Itoa(i)
		static.set(path, staticBody{body: sample, ctype: resp.Header.Get("Content-Type"), enc: resp.Header.Get("Content-Encoding")})
		run(*warm/2, path)
		slat, _, _, sel := run(*dur/2, path)
		slices.Sort(slat)
		if len(slat) > 0 {
			rw.staticRPS = float64(len(slat)) / sel.Seconds()
			rw.staticP95 = slat[min(len(slat)-1, int(float64(len(slat))*.95))]
		}
		rw.budget = 100 * time.Millisecond
		if rw.kindIsFrag {
			rw.budget = 50 * time.Millisecond
		}
		rw.budgetOK = rw.p95 <= rw.budget
		rw.sizeOK = !rw.kindIsFrag || rw.bytes <= 10_000
		rw.reval = benchRevalidation(clients, *conc, *warm, *dur/2, uint64(i), func(r *rand.Rand, u int) (*http.Request, error) { return ep.req(r, us[u]) })
		rows = append(rows, rw)
	}

	host, _ := os.Hostname()
	fmt.Printf("\n`make bench` — %s, %d children (%s attendance rows, %s ledger entries), %d parents signed in, %d concurrent users, %s per endpoint, loopback, client and server in one process\n",
		time.Now().Format("2006-01-02 15:04"), *children, thousands(attRows), thousands(ledgerRows), len(us), *conc, *dur)
	fmt.Printf("Machine: %s, %d CPUs (%s), load average %s at the start, Go %s, PostgreSQL %s, commit %s; page statements prepared: %t\n\n", host, runtime.NumCPU(), cpuModel(),
		machine.LoadAverage, strings.TrimPrefix(runtime.Version(), "go"), machine.PostgreSQL, machine.GitCommit, *prepared)
	fmt.Println("| endpoint | requests | req/s | p50 ms | p95 ms | p99 ms | budget p95 | bytes (gzip) | bytes (raw) | same bytes static: req/s, p95 ms | ratio to static | errors | 304: req/s, p95 ms, % 304 | CPU ms per request: this process + PostgreSQL + other processes |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|")
	res := benchResults{Command: "bench", At: began, Machine: machine, Setup: map[string]any{"children": *children,
		"attendance_rows": attRows, "ledger_rows": ledgerRows, "users": len(us), "concurrency": *conc,
		"duration": dur.String(), "prepared": *prepared, "installation": code}}
	for _, r := range rows {
		ok := "ok"
		if !r.budgetOK || !r.sizeOK {
			ok = "OVER"
		}
		fmt.Printf("| %s | %d | %.0f | %.1f | %.1f | %.1f | ≤ %d ms %s | %d | %d | %.0f, %.1f | %.3f | %d | %s | %s |\n", r.name, r.n, r.rps, ms(r.p50), ms(r.p95), ms(r.p99),
			r.budget.Milliseconds(), ok, r.bytes, r.rawBytes, r.staticRPS, ms(r.staticP95), ratio(r.rps, r.staticRPS), r.fail, r.reval, r.cpu)
		kind := "page"
		if r.kindIsFrag {
			kind = "fragment"
		}
		res.Endpoints = append(res.Endpoints, benchEndpoint{Name: r.name, Kind: kind, Requests: r.n, Errors: r.fail, RPS: r.rps,
			P50ms: ms(r.p50), P95ms: ms(r.p95), P99ms: ms(r.p99), BudgetP95ms: ms(r.budget), BytesGzip: r.bytes, BytesRaw: r.rawBytes,
			StaticRPS: r.staticRPS, StaticP95ms: ms(r.staticP95), StaticRatio: ratio(r.rps, r.staticRPS), RevalidationRPS: r.reval.rps, RevalidationP95ms: ms(r.reval.p95), NotModifiedShare: r.reval.notMod,
			CPUSelfMs: r.cpu.self, CPUPostgresMs: r.cpu.pg, CPUOthersMs: r.cpu.others})
	}
	path, err := res.save(*resultsDir)
	if err != nil {
		return err
	}
	if path != "" {
		fmt.Printf("\nSaved as %s (compare two runs: make bench-compare OLD=... NEW=...)\n", path)
	}
	fmt.Println("\n" + replicaLine(store))
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "model name") {
			if _, v, ok := strings.Cut(line, ":"); ok {
				return strings.TrimSpace(v)
			}
		}
	}
	return runtime.GOARCH
}

func pgVersion(ctx context.Context, store *db.Store) string {
	var v string
	if err := store.DB().GetContext(ctx, &v, `SHOW server_version`); err != nil {
		return "unknown (" + err.Error() + ")"
	}
	return v
}

// staticBodies serves fixed bytes, as a static file server would.
type staticBodies struct {
	mu sync.RWMutex
	m  map[string]staticBody
}

type staticBody struct {
	body       []byte
	ctype, enc string
}

func (s *staticBodies) set(path string, b staticBody) { s.mu.Lock(); s.m[path] = b; s.mu.Unlock() }

func (s *staticBodies) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.RLock()
	b, ok := s.m[r.URL.Path]
	s.mu.RUnlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", b.ctype)
	if b.enc != "" {
		w.Header().Set("Content-Encoding", b.enc)
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(b.body)))
	w.Write(b.body)
}

func gunzipLen(b []byte) int64 {
	zr, err := gzipReader(bytes.NewReader(b))
	if err != nil {
		return int64(len(b))
	}
	n, _ := io.Copy(io.Discard, zr)
	return n
}

func gzipReader(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) }
