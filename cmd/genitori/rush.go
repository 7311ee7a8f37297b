package main

import (
	"bufio"
	"bytes"
	"context"
	crand "crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"portalegenitori/db"
	"portalegenitori/internal/config"
)

// benchStaticEnv turns on the bench-only static responder of `genitori
// serve` (see benchStatic). Never set it in production.
const benchStaticEnv = "GENITORI_BENCH_STATIC"

// rushCmd is the morning-rush scenario: a separate `genitori serve` process
// on 127.0.0.1 and a few thousand distinct synthetic parents, each signing
// in and opening the family home, a calendar month and the payments page,
// driven by closed-loop clients over real HTTP. It reports per step
// p50/p95/p99, errors and throughput, the server's peak memory (VmHWM) and
// CPU time, and the throughput of the same server sending the same bytes as
// a static response.
func rushCmd(ctx context.Context, cfg config.Config, args []string) error {
	fs := flag.NewFlagSet("rush", flag.ContinueOnError)
	children := fs.Int("children", 100000, "children of the synthetic city (installation citta-N, seeded by genitori bench)")
	instCode := fs.String("installation", "", "installation to use (default citta-N)")
	parents := fs.Int("parents", 2000, "distinct parents signing in (each once)")
	conc := fs.Int("concurrency", 16, "parents in flight at once (closed loop, no think time)")
	pw := fs.String("password", "Citta-Genitori-2026", "password of the synthetic parents (genitori seed --parent-password)")
	maxDur := fs.Duration("max-duration", 10*time.Minute, "stop starting new parents after this long")
	staticDur := fs.Duration("static-duration", 5*time.Second, "measuring time of each static comparison")
	resultsDir := fs.String("results", "var/bench", "directory where the results are saved as JSON (empty: not saved)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	code := fmt.Sprintf("citta-%d", *children)
	if *instCode != "" {
		code = *instCode
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
	var families int
	if err := store.DB().GetContext(ctx, &families, `SELECT count(*) FROM accounts a JOIN installations i ON i.id = a.installation_id
		WHERE i.code = $1 AND a.username LIKE 'gen%a'`, code); err != nil {
		return err
	}
	if families == 0 {
		return fmt.Errorf("rush: installation %q has no synthetic parents: run genitori bench --children %d (or genitori seed --children N --installation %s) first", code, *children, code)
	}
	if *parents > 2*families {
		*parents = 2 * families
	}
	var attRows, ledgerRows int64
	if err := store.DB().GetContext(ctx, &attRows, `SELECT reltuples::bigint FROM pg_class WHERE relname = 'attendance'`); err != nil {
		return fmt.Errorf("rush: count attendance rows: %w", err)
	}
	if err := store.DB().GetContext(ctx, &ledgerRows, `SELECT reltuples::bigint FROM pg_class WHERE relname = 'ledger_entries'`); err != nil {
		return fmt.Errorf("rush: count ledger rows: %w", err)
	}

	// the server: this very binary, `genitori serve`, as its own process
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	srv := exec.CommandContext(ctx, exe, "serve")
	srv.Env = append(os.Environ(), "DATABASE_URL="+cfg.DatabaseURL, "GENITORI_ADDR=127.0.0.1:"+strconv.Itoa(port),
		"GENITORI_COOKIE_SECURE=false", "GENITORI_WORKER=false", "GENITORI_LOG_LEVEL=error", "GENITORI_CNS_ADDR=",
		benchStaticEnv+"=true")
	srv.Env = append(srv.Env, benchServerKeys()...)
	srv.Stdout, srv.Stderr = io.Discard, os.Stderr
	if err := srv.Start(); err != nil {
		return err
	}
	defer func() {
		if srv.Process.Signal(os.Interrupt) != nil {
			_ = srv.Process.Kill() // gone already, or Wait below returns anyway
		}
		_ = srv.Wait() // the exit status of a stopped server says nothing more
	}()
	if err := waitHTTP(base+"/healthz", 30*time.Second); err != nil {
		return fmt.Errorf("rush: the server did not start: %w", err)
	}
	idleRSS := procStatus(srv.Process.Pid, "VmRSS")

	// distinct parents: a random sample of the accounts gen000001a, gen000001b, ...
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	perm := rng.Perm(2 * families)[:*parents]
	queue := make(chan string, len(perm))
	for _, k := range perm {
		queue <- db.SyntheticUsername(1+k/2, k%2 == 1)
	}
	close(queue)

	steps := []string{"login page (GET)", "sign-in (POST, argon2id)", "family home", "calendar month (full page)", "payments"}
	var mu sync.Mutex
	lat := make([][]time.Duration, len(steps))
	fails := make([]int, len(steps))
	failWhy := map[string]int{}
	var done, noCalendar atomic.Int64
	samples := make([][]byte, len(steps)) // one response of each step, for the static comparison
	ctypes := make([]string, len(steps))
	encs := make([]string, len(steps))
	tr := &http.Transport{MaxIdleConnsPerHost: *conc * 2, DisableCompression: true}
	linkRe := regexp.MustCompile(`/` + regexp.QuoteMeta(code) + `/presenze/\d+/\d+`)
	deadline := time.Now().Add(*maxDur)
	cpu0 := procCPU(srv.Process.Pid)
	fmt.Fprintf(os.Stderr, "rush: %d parents, %d at a time, server pid %d on %s...\n", *parents, *conc, srv.Process.Pid, base)
	began := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < *conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for user := range queue {
				if time.Now().After(deadline) || ctx.Err() != nil {
					continue
				}
				jar, _ := cookiejar.New(nil)
				cl := &http.Client{Transport: tr, Jar: jar, Timeout: 30 * time.Second,
					CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
				var calendarPath string
				for i := range steps {
					var req *http.Request
					switch i {
					case 0:
						req, _ = http.NewRequest(http.MethodGet, base+"/"+code+"/accesso", nil)
					case 1:
						form := url.Values{"username": {user}, "password": {*pw}}
						req, _ = http.NewRequest(http.MethodPost, base+"/"+code+"/accesso", strings.NewReader(form.Encode()))
						req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					case 2:
						req, _ = http.NewRequest(http.MethodGet, base+"/"+code+"/famiglia", nil)
					case 3:
						if calendarPath == "" {
							noCalendar.Add(1)
							continue // a family with no service this year
						}
						req, _ = http.NewRequest(http.MethodGet, base+calendarPath+"?mese=2026-10", nil)
					case 4:
						req, _ = http.NewRequest(http.MethodGet, base+"/"+code+"/pagamenti", nil)
					}
					req.Header.Set("Accept-Encoding", "gzip")
					t0 := time.Now()
					resp, err := cl.Do(req)
					var body []byte
					if err == nil {
						body, err = io.ReadAll(resp.Body)
						resp.Body.Close()
					}
					el := time.Since(t0)
					want := http.StatusOK
					if i == 1 {
						want = http.StatusSeeOther
					}
					mu.Lock()
					switch {
					case err != nil:
						fails[i]++
						why := err.Error()
						var ue *url.Error
						if errors.As(err, &ue) {
							why = ue.Err.Error() // without the URL
						}
						failWhy[steps[i]+": "+why]++
					case resp.StatusCode != want:
						fails[i]++
						failWhy[fmt.Sprintf("%s: status %d", steps[i], resp.StatusCode)]++
						err = errors.New("status")
					default:
						lat[i] = append(lat[i], el)
						if samples[i] == nil {
							samples[i], ctypes[i], encs[i] = body, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Encoding")
						}
					}
					mu.Unlock()
					if err != nil {
						break // this parent gives up, as a real one would reload later
					}
					if i == 2 {
						if links := linkRe.FindAllString(gunzipString(body, resp.Header.Get("Content-Encoding")), -1); len(links) > 0 {
							calendarPath = links[rand.IntN(len(links))]
						}
					}
				}
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(began)
	cpu1 := procCPU(srv.Process.Pid)
	peak := procStatus(srv.Process.Pid, "VmHWM")

	// the same bytes, served as a static response by the same server process
	staticRPS := make([]float64, len(steps))
	staticP95 := make([]time.Duration, len(steps))
	cl := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	for i := range steps {
		if samples[i] == nil || ctx.Err() != nil {
			continue
		}
		rps, p95, err := staticThroughput(ctx, cl, base, strconv.Itoa(i), samples[i], ctypes[i], encs[i], *conc, *staticDur)
		if err != nil {
			return fmt.Errorf("rush: %w", err)
		}
		staticRPS[i], staticP95[i] = rps, p95
	}

	host, _ := os.Hostname()
	total := 0
	for i := range steps {
		total += len(lat[i]) + fails[i]
	}
	fmt.Printf("\n`genitori rush` (morning rush) — %s, installation %s (%s attendance rows, %s ledger entries), %d distinct parents (%d finished), %d in flight, closed loop, no think time, 127.0.0.1\n",
		time.Now().Format("2006-01-02 15:04"), code, thousands(attRows), thousands(ledgerRows), *parents, done.Load(), *conc)
	fmt.Printf("Machine: %s, %d CPUs (%s), Go %s, PostgreSQL %s; server: a separate `genitori serve` process\n", host, runtime.NumCPU(), cpuModel(),
		strings.TrimPrefix(runtime.Version(), "go"), pgVersion(ctx, store))
	fmt.Printf("Whole rush: %d requests in %.1f s = %.0f req/s, %.1f parents/s; server CPU %.1f s (%.0f%% of one core); server memory: %s peak (VmHWM), %s at idle\n\n",
		total, elapsed.Seconds(), float64(total)/elapsed.Seconds(), float64(done.Load())/elapsed.Seconds(),
		cpu1-cpu0, 100*(cpu1-cpu0)/elapsed.Seconds(), peak, idleRSS)
	var staticMean float64
	for _, r := range staticRPS {
		staticMean += r / float64(len(staticRPS))
	}
	fmt.Printf("Ratio of the whole rush to the same bytes served statically: %.0f / %.0f req/s = %.3f (a step's ratio below is its share of the mixed rush over its static rate)\n\n",
		float64(total)/elapsed.Seconds(), staticMean, ratio(float64(total)/elapsed.Seconds(), staticMean))
	res := benchResults{Command: "rush", At: time.Now().Add(-elapsed), Machine: machineInfo(ctx, store), Setup: map[string]any{
		"installation": code, "attendance_rows": attRows, "ledger_rows": ledgerRows, "parents": *parents, "concurrency": *conc,
		"duration": elapsed.Round(time.Millisecond).String(), "requests": total, "rps": float64(total) / elapsed.Seconds(),
		"static_rps_mean": staticMean, "server_peak_memory_bytes": procStatusBytes(srv.Process.Pid, "VmHWM"),
		"server_cpu_seconds": cpu1 - cpu0}}
	fmt.Println("| step | requests | errors | req/s (over the rush) | p50 ms | p95 ms | p99 ms | bytes (gzip) | same bytes static: req/s, p95 ms | ratio to static |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for i, name := range steps {
		l := lat[i]
		slices.Sort(l)
		pct := func(p int) float64 {
			if len(l) == 0 {
				return 0
			}
			return ms(l[min(len(l)-1, len(l)*p/100)])
		}
		rps := float64(len(l)) / elapsed.Seconds()
		fmt.Printf("| %s | %d | %d | %.0f | %.1f | %.1f | %.1f | %d | %.0f, %.1f | %.3f |\n", name, len(l), fails[i],
			rps, pct(50), pct(95), pct(99), len(samples[i]), staticRPS[i], ms(staticP95[i]), ratio(rps, staticRPS[i]))
		res.Endpoints = append(res.Endpoints, benchEndpoint{Name: name, Kind: "step", Requests: len(l), Errors: int64(fails[i]), RPS: rps,
			P50ms: pct(50), P95ms: pct(95), P99ms: pct(99), BytesGzip: int64(len(samples[i])), StaticRPS: staticRPS[i],
			StaticP95ms: ms(staticP95[i]), StaticRatio: ratio(rps, staticRPS[i]), PeakMemory: procStatusBytes(srv.Process.Pid, "VmHWM")})
	}
	if path, err := res.save(*resultsDir); err != nil {
		return err
	} else if path != "" {
		fmt.Printf("\nSaved as %s\n", path)
	}
	if n := noCalendar.Load(); n > 0 {
		fmt.Printf("\n%d parents had no service this year, so no calendar link.\n", n)
	}
	if len(failWhy) > 0 {
		fmt.Println("\nErrors:")
		for k, v := range failWhy {
			fmt.Printf("  %d × %s\n", v, k)
		}
		return fmt.Errorf("rush: %d requests failed", len(failWhy))
	}
	return nil
}

// benchStatic wraps the portal with the bench-only static responder when
// GENITORI_BENCH_STATIC=true: PUT /__bench/static/N stores a body, GET
// serves it back as a static file server would. Only `genitori rush` sets
// the variable, for its own loopback server process.
func benchStatic(next http.Handler) http.Handler {
	if os.Getenv(benchStaticEnv) != "true" {
		return next
	}
	s := &staticBodies{m: map[string]staticBody{}}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/__bench/static/") {
			next.ServeHTTP(w, r)
			return
		}
		if r.Method == http.MethodPut {
			b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			s.set(r.URL.Path, staticBody{body: b, ctype: r.Header.Get("Content-Type"), enc: r.Header.Get("X-Bench-Encoding")})
			w.WriteHeader(http.StatusNoContent)
			return
		}
		s.ServeHTTP(w, r)
	})
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// waitHTTP waits until url answers 200.
func waitHTTP(url string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("status %d", resp.StatusCode)
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// procStatus reads one field of /proc/PID/status ("VmHWM" is the peak
// resident set size), e.g. "154 MB".
func procStatus(pid int, field string) string {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "n/a"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				return strings.TrimSpace(v)
			}
			return fmt.Sprintf("%.0f MB", float64(kb)/1024)
		}
	}
	return "n/a"
}

// procCPU is the user+system CPU seconds of a process (/proc/PID/stat).
func procCPU(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 {
		s = s[i+2:]
	}
	f := strings.Fields(s)
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseFloat(f[11], 64) // utime, field 14 of the line
	k, _ := strconv.ParseFloat(f[12], 64) // stime
	return (u + k) / 100                  // USER_HZ is 100 on Linux
}

func gunzipString(b []byte, enc string) string {
	if enc != "gzip" {
		return string(b)
	}
	zr, err := gzipReader(bytes.NewReader(b))
	if err != nil {
		return ""
	}
	out, _ := io.ReadAll(zr)
	return string(out)
}

// benchServerKeys are the sealing keys of a bench's own server (serve
// refuses to start without them): the caller's, or new random ones. The
// bench city is kept between runs: what a run seals (the kitchen clerk's
// second factor) is unsealed again by the next (ensureBenchKitchenClerk).
func benchServerKeys() []string {
	var env []string
	for _, k := range []string{"GENITORI_SECRET_KEY", "GENITORI_TOTP_KEY"} {
		if os.Getenv(k) == "" {
			env = append(env, k+"="+crand.Text()+crand.Text())
		}
	}
	return env
}
