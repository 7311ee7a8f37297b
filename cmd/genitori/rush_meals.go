package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	mrand "math/rand/v2"
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

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/pquerna/otp/totp"

	"portalegenitori/db"
	"portalegenitori/internal/calendar"
	"portalegenitori/internal/config"
	"portalegenitori/internal/password"
)

// The bench's kitchen clerk of the synthetic city (created when missing).
const (
	benchKitchenUser     = "cucina.prova"
	benchKitchenPassword = "Cucina-Prova-Carico-2026"
)

// rushMealsCmd is the busiest minutes of the day: the ones before the
// cut-off of "Disdetta pasto". It sets today's cut-off of the synthetic
// city's mensa a couple of minutes ahead, signs in a few thousand distinct
// parents (one per family, before the clock starts), then, paced over the
// window up to the cut-off, each cancels, asks for a plain meal or cancels
// and books again today's meal of a child, and cancels one or two later
// days, over real HTTP against a separate `genitori serve`; meanwhile a
// clerk reads the kitchen count of one school (the htmx day fragment).
// After the cut-off it reads the whole count (the first read freezes it)
// and checks that it equals, exactly, the meals as the changes the server
// acknowledged before the cut-off left them.
func rushMealsCmd(ctx context.Context, cfg config.Config, args []string) error {
	fs := flag.NewFlagSet("rush-meals", flag.ContinueOnError)
	children := fs.Int("children", 100000, "children of the synthetic city (installation citta-N, seeded by genitori bench)")
	instCode := fs.String("installation", "", "installation to use (default citta-N)")
	parents := fs.Int("parents", 2000, "distinct parents (one per family) changing meals")
	conc := fs.Int("concurrency", 16, "parents in flight at once")
	window := fs.Duration("window", 2*time.Minute, "time from the first change to the cut-off (rounded up to the minute)")
	kitchenConc := fs.Int("kitchen-readers", 2, "clerks reading the kitchen count during the rush")
	pw := fs.String("password", "Citta-Genitori-2026", "password of the synthetic parents")
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
	inst, err := store.InstallationByCode(ctx, code)
	if err != nil {
		return fmt.Errorf("rush-meals: installation %q: %w (run genitori bench --children %d first)", code, err, *children)
	}
	q := store.DB()
	var mensa int64
	if err := q.GetContext(ctx, &mensa, `SELECT id FROM services WHERE installation_id = $1 AND kind = 'mensa' ORDER BY id LIMIT 1`, inst.ID); err != nil {
		return fmt.Errorf("rush-meals: the mensa of %s: %w", code, err)
	}
	now, err := store.BookingNow(ctx)
	if err != nil {
		return err
	}
	day := calendar.DateOf(now.In(calendar.Rome))
	var closed, enrolled bool
	if err := q.GetContext(ctx, &closed, `SELECT EXISTS (SELECT 1 FROM closures WHERE installation_id = $1 AND day = $2)`, inst.ID, day); err != nil {
		return err
	}
	if err := q.GetContext(ctx, &enrolled, `SELECT EXISTS (SELECT 1 FROM enrollments WHERE installation_id = $1 AND service_id = $2 AND $3::date BETWEEN starts_on AND ends_on)`,
		inst.ID, mensa, day); err != nil {
		return err
	}
	if !calendar.ServiceWeekday(day) || closed || !enrolled {
		fmt.Printf("\n`genitori rush-meals`: skipped, today (%s) is not a school day of %s: the rush runs up to today's real cut-off.\n", day.Format(time.DateOnly), code)
		return nil
	}
	// a count of today frozen by an earlier run of the bench would hold
	// that run's figures: this database is the bench's, so it goes
	var leftover bool
	if err := q.GetContext(ctx, &leftover, `SELECT EXISTS (SELECT 1 FROM kitchen_counts WHERE installation_id = $1 AND service_id = $2 AND day = $3)`, inst.ID, mensa, day); err != nil {
		return err
	}
	if leftover {
		fmt.Fprintf(os.Stderr, "rush-meals: removing today's frozen count left by an earlier run (bench database only)\n")
		err := store.WithTx(ctx, func(tx *sqlx.Tx) error {
			if _, err := tx.ExecContext(ctx, `SET LOCAL session_replication_role = replica`); err != nil { // the immutability triggers
				return err
			}
			for _, t := range []string{"kitchen_count_children", "kitchen_counts"} {
				if _, err := tx.ExecContext(ctx, `DELETE FROM `+t+` WHERE installation_id = $1 AND service_id = $2 AND day = $3`, inst.ID, mensa, day); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("rush-meals: remove the earlier count: %w", err)
		}
	}
	if err := ensureBenchKitchenClerk(ctx, store, inst.ID); err != nil {
		return err
	}
	// the rules as they were, put back at the end
	var hadSettings bool
	var oldCutoffDay, oldCutoffTime string
	_ = q.GetContext(ctx, &hadSettings, `SELECT EXISTS (SELECT 1 FROM booking_settings WHERE installation_id = $1 AND service_id = $2)`, inst.ID, mensa)
	if hadSettings {
		_ = q.QueryRowContext(ctx, `SELECT cutoff_day, to_char(cutoff_time, 'HH24:MI') FROM booking_settings WHERE installation_id = $1 AND service_id = $2`,
			inst.ID, mensa).Scan(&oldCutoffDay, &oldCutoffTime)
	}
	defer func() {
		if hadSettings {
			_, _ = q.ExecContext(context.WithoutCancel(ctx), `UPDATE booking_settings SET cutoff_day = $3, cutoff_time = $4 WHERE installation_id = $1 AND service_id = $2`,
				inst.ID, mensa, oldCutoffDay, oldCutoffTime)
		} else {
			_, _ = q.ExecContext(context.WithoutCancel(ctx), `DELETE FROM booking_settings WHERE installation_id = $1 AND service_id = $2`, inst.ID, mensa)
		}
	}()
	// meanwhile nothing is frozen: the cut-off of today is pushed to the end of the day
	if _, err := q.ExecContext(ctx, `
		INSERT INTO booking_settings (installation_id, service_id, enabled, mode, cutoff_day, cutoff_time, days_ahead)
		VALUES ($1, $2, true, 'presumed', 'same', '23:59', 30)
		ON CONFLICT (installation_id, service_id) DO UPDATE SET enabled = true, mode = 'presumed', cutoff_day = 'same', cutoff_time = '23:59', days_ahead = 30`,
		inst.ID, mensa); err != nil {
		return fmt.Errorf("rush-meals: booking settings: %w", err)
	}

	// the server
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
		benchStaticEnv+"=true") // the same bytes served statically, for the ratio
	srv.Env = append(srv.Env, benchServerKeys()...)

	srv.Stdout, srv.Stderr = io.Discard, os.Stderr
	if err := srv.Start(); err != nil {
		return err
	}
	defer func() {
		if srv.Process.Signal(os.Interrupt) != nil {
			_ = srv.Process.Kill()
		}
		_ = srv.Wait()
	}()
	if err := waitHTTP(base+"/healthz", 30*time.Second); err != nil {
		return fmt.Errorf("rush-meals: the server did not start: %w", err)
	}
	tr := &http.Transport{MaxIdleConnsPerHost: (*conc + *kitchenConc) * 2}
	newClient := func() *http.Client {
		jar, _ := cookiejar.New(nil)
		return &http.Client{Transport: tr, Jar: jar, Timeout: 30 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	post := func(cl *http.Client, path string, form url.Values, hx bool) (int, string, error) {
		req, _ := http.NewRequest(http.MethodPost, base+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", base)
		if hx {
			req.Header.Set("HX-Request", "true")
		}
		resp, err := cl.Do(req)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), err
	}
	get := func(cl *http.Client, path string, hx bool) (int, string, error) {
		req, _ := http.NewRequest(http.MethodGet, base+path, nil)
		if hx {
			req.Header.Set("HX-Request", "true")
			req.Header.Set("HX-Target", "kitchen-day")
		}
		resp, err := cl.Do(req)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), err
	}

	// the clerk signs in (password, then the code)
	clerk := newClient()
	if st, _, err := post(clerk, "/"+code+"/accesso", url.Values{"username": {benchKitchenUser}, "password": {benchKitchenPassword}}, false); err != nil || st != http.StatusSeeOther {
		return fmt.Errorf("rush-meals: clerk sign-in: %v %d", err, st)
	}
	totpCode, _ := totp.GenerateCode(db.DemoStaffTOTPSecret, time.Now())
	if st, body, err := post(clerk, "/"+code+"/operatori/codice", url.Values{"code": {totpCode}}, false); err != nil || st != http.StatusSeeOther {
		return fmt.Errorf("rush-meals: clerk second factor: %v %d %.300s", err, st, body)
	}
	var schools []int64
	if err := q.SelectContext(ctx, &schools, `SELECT id FROM schools WHERE installation_id = $1 ORDER BY id`, inst.ID); err != nil {
		return err
	}

	// parents: one per family, signed in before the clock starts
	var families int
	if err := q.GetContext(ctx, &families, `SELECT count(*) FROM accounts WHERE installation_id = $1 AND username LIKE 'gen%a'`, inst.ID); err != nil {
		return err
	}
	type parent struct {
		cl       *http.Client
		children []int64
	}
	rng := mrand.New(mrand.NewPCG(uint64(time.Now().UnixNano()), 11))
	perm := rng.Perm(families)
	linkRe := regexp.MustCompile(`/` + regexp.QuoteMeta(code) + `/presenze/(\d+)/` + strconv.FormatInt(mensa, 10) + `\b`)
	var ps []parent
	var psMu sync.Mutex
	fmt.Fprintf(os.Stderr, "rush-meals: signing in %d parents of %s...\n", *parents, code)
	next := atomic.Int64{}
	var sw sync.WaitGroup
	for w := 0; w < *conc; w++ {
		sw.Add(1)
		go func() {
			defer sw.Done()
			for {
				psMu.Lock()
				enough := len(ps) >= *parents
				psMu.Unlock()
				i := int(next.Add(1)) - 1
				if enough || i >= len(perm) || ctx.Err() != nil {
					return
				}
				cl := newClient()
				user := db.SyntheticUsername(1+perm[i], i%2 == 1)
				if st, _, err := post(cl, "/"+code+"/accesso", url.Values{"username": {user}, "password": {*pw}}, false); err != nil || st != http.StatusSeeOther {
					continue
				}
				st, body, err := get(cl, "/"+code+"/famiglia", false)
				if err != nil || st != http.StatusOK {
					continue
				}
				seen := map[int64]bool{}
				var kids []int64
				for _, m := range linkRe.FindAllStringSubmatch(body, -1) {
					id, _ := strconv.ParseInt(m[1], 10, 64)
					if !seen[id] {
						seen[id] = true
						kids = append(kids, id)
					}
				}
				if len(kids) == 0 {
					continue // no mensa in this family
				}
				psMu.Lock()
				if len(ps) < *parents {
					ps = append(ps, parent{cl, kids})
				}
				psMu.Unlock()
			}
		}()
	}
	sw.Wait()
	if len(ps) == 0 {
		return errors.New("rush-meals: no parent with a mensa child signed in")
	}

	// later school days for the extra cancellations
	var later []time.Time
	for d := day.AddDate(0, 0, 1); len(later) < 8; d = d.AddDate(0, 0, 1) {
		var shut bool
		_ = q.GetContext(ctx, &shut, `SELECT EXISTS (SELECT 1 FROM closures WHERE installation_id = $1 AND day = $2)`, inst.ID, d)
		if calendar.ServiceWeekday(d) && !shut {
			later = append(later, d)
		}
	}

	// the cut-off: the first whole minute at least `window` ahead
	now, err = store.BookingNow(ctx)
	if err != nil {
		return err
	}
	cutoff := now.In(calendar.Rome).Add(*window).Truncate(time.Minute).Add(time.Minute)
	if calendar.DateOf(cutoff) != day {
		return fmt.Errorf("rush-meals: the cut-off %s would fall tomorrow: run it earlier in the day", cutoff.Format("15:04"))
	}
	// the meals of the children in play before anyone acts
	var touched []int64
	for _, p := range ps {
		touched = append(touched, p.children...)
	}
	type st struct {
		Child int64  `db:"child_id"`
		State string `db:"state"`
	}
	var baseRows []st
	if err := q.SelectContext(ctx, &baseRows, `SELECT child_id, state FROM meal_states($1, $2, $3, booking_now()) WHERE child_id = ANY($4)`,
		inst.ID, mensa, day, pq.Array(touched)); err != nil {
		return fmt.Errorf("rush-meals: states before: %w", err)
	}
	baseState := map[int64]string{}
	for _, r := range baseRows {
		baseState[r.Child] = r.State
	}
	var baseTotal int // the meals of the children nobody touches
	if err := q.GetContext(ctx, &baseTotal, `SELECT count(*) FROM meal_states($1, $2, $3, booking_now()) ms
		JOIN children c ON c.installation_id = $1 AND c.id = ms.child_id AND c.school_id IS NOT NULL
		WHERE ms.state IN ('booked', 'plain') AND ms.child_id <> ALL($4)`, inst.ID, mensa, day, pq.Array(touched)); err != nil {
		return err
	}
	if _, err := q.ExecContext(ctx, `UPDATE booking_settings SET cutoff_time = $3 WHERE installation_id = $1 AND service_id = $2`,
		inst.ID, mensa, cutoff.Format("15:04")); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "rush-meals: %d parents signed in; cut-off of today's mensa set to %s, %s from now\n", len(ps), cutoff.Format("15:04:05"), time.Until(cutoff).Round(time.Second))

	// the rush: parent i starts at began + i/len * (time to the cut-off + 2 s)
	type result struct {
		acked    map[int64]string // child: last state acknowledged for today
		unknown  map[int64]bool   // a change of today got no clear answer
		lat      []time.Duration
		fails    int
		refused  int // answered "too late" (after the cut-off): not an error
		failWhy  map[string]int
		kitchen  []time.Duration
		kfails   int
		beforeCO int    // changes of today acknowledged
		sample   string // an accepted change's answer
	}
	res := result{acked: map[int64]string{}, unknown: map[int64]bool{}, failWhy: map[string]int{}}
	var mu sync.Mutex
	began := time.Now()
	span := time.Until(cutoff) + 2*time.Second
	queue := make(chan int, len(ps))
	for i := range ps {
		queue <- i
	}
	close(queue)
	stopKitchen := make(chan struct{})
	var kw sync.WaitGroup
	for w := 0; w < *kitchenConc; w++ {
		kw.Add(1)
		go func(w int) {
			defer kw.Done()
			r := mrand.New(mrand.NewPCG(uint64(w), 5))
			for {
				select {
				case <-stopKitchen:
					return
				default:
				}
				path := fmt.Sprintf("/%s/operatori/conteggio-pasti?servizio=%d&giorno=%s&scuola=%d", code, mensa, day.Format(time.DateOnly), schools[r.IntN(len(schools))])
				t0 := time.Now()
				stc, body, err := get(clerk, path, true)
				el := time.Since(t0)
				mu.Lock()
				if err != nil || stc != http.StatusOK || !strings.Contains(body, `id="kitchen-day"`) {
					res.kfails++
					res.failWhy[fmt.Sprintf("kitchen fragment: %v %d", err, stc)]++
				} else if time.Now().Before(cutoff) {
					res.kitchen = append(res.kitchen, el)
				}
				mu.Unlock()
				time.Sleep(50 * time.Millisecond) // a clerk refreshing, not a flood
			}
		}(w)
	}
	change := func(p parent, child int64, d time.Time, state string) (ok, refused, unknown bool) {
		path := fmt.Sprintf("/%s/pasti/%d/%d/%s", code, child, mensa, d.Format(time.DateOnly))
		form := url.Values{"stato": {state}, "chiave": {rand.Text()}}
		t0 := time.Now()
		stc, body, err := post(p.cl, path, form, true)
		el := time.Since(t0)
		mu.Lock()
		defer mu.Unlock()
		switch {
		case err != nil:
			res.fails++
			res.failWhy["meal change: "+err.Error()]++
			return false, false, true
		case stc != http.StatusOK:
			res.fails++
			res.failWhy[fmt.Sprintf("meal change: status %d", stc)]++
			return false, false, stc >= 500
		}
		acked, late := mealAnswer(body)
		switch {
		case acked:
			res.lat = append(res.lat, el)
			if res.sample == "" {
				res.sample = body // served statically at the end, for the ratio
			}
			return true, false, false
		case late:
			res.refused++
			return false, true, false
		}
		res.fails++
		res.failWhy["meal change: refused for another reason"]++
		return false, false, false
	}
	var wg sync.WaitGroup
	for w := 0; w < *conc; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			r := mrand.New(mrand.NewPCG(uint64(w), 17))
			for i := range queue {
				time.Sleep(time.Until(began.Add(time.Duration(float64(span) * float64(i) / float64(len(ps))))))
				if ctx.Err() != nil {
					return
				}
				p := ps[i]
				child := p.children[r.IntN(len(p.children))]
				var states []string
				switch x := r.IntN(10); {
				case x < 6:
					states = []string{"cancelled"}
				case x < 8:
					states = []string{"plain"}
				default:
					states = []string{"cancelled", "booked"}
				}
				for _, s := range states {
					ok, _, unknown := change(p, child, day, s)
					mu.Lock()
					if ok {
						res.acked[child] = s
						res.beforeCO++
					}
					if unknown {
						res.unknown[child] = true
					}
					mu.Unlock()
				}
				for k := 0; k < 1+r.IntN(2); k++ {
					change(p, child, later[r.IntN(len(later))], "cancelled")
				}
			}
		}(w)
	}
	wg.Wait()
	time.Sleep(time.Until(cutoff.Add(time.Second)))
	close(stopKitchen)
	kw.Wait()
	elapsed := time.Since(began)

	// after the cut-off: the first read freezes the whole count (a clerk
	// whose page times out reloads it, up to three times)
	allPath := fmt.Sprintf("/%s/operatori/conteggio-pasti?servizio=%d&giorno=%s", code, mensa, day.Format(time.DateOnly))
	var freezeTook time.Duration
	var body string
	for try := 1; ; try++ {
		t0 := time.Now()
		stc, b, err := get(clerk, allPath, false)
		freezeTook = time.Since(t0)
		if err == nil && stc == http.StatusOK && strings.Contains(b, `data-state="frozen"`) {
			body = b
			break
		}
		res.failWhy[fmt.Sprintf("whole count after the cut-off: %v %d (frozen: %v)", err, stc, strings.Contains(b, `data-state="frozen"`))]++
		if try == 3 {
			break
		}
	}
	got := totalFromPage(body)
	var frozenLat []time.Duration
	for i := 0; i < 200; i++ {
		path := fmt.Sprintf("/%s/operatori/conteggio-pasti?servizio=%d&giorno=%s&scuola=%d", code, mensa, day.Format(time.DateOnly), schools[i%len(schools)])
		t0 := time.Now()
		stc, _, err := get(clerk, path, true)
		if err == nil && stc == http.StatusOK {
			frozenLat = append(frozenLat, time.Since(t0))
		}
	}

	// what the count must be: every child's meal as the acknowledged changes left it
	meal := func(s string) bool { return s == "booked" || s == "plain" }
	want, ambiguous := baseTotal, 0
	var frozenIn []int64
	if err := q.SelectContext(ctx, &frozenIn, `SELECT child_id FROM kitchen_count_children WHERE installation_id = $1 AND service_id = $2 AND day = $3 AND child_id = ANY($4)`,
		inst.ID, mensa, day, pq.Array(touched)); err != nil {
		return err
	}
	inCount := map[int64]bool{}
	for _, c := range frozenIn {
		inCount[c] = true
	}
	mismatch := 0
	seen := map[int64]bool{}
	for _, c := range touched {
		if seen[c] {
			continue
		}
		seen[c] = true
		final, ok := res.acked[c]
		if !ok {
			final = baseState[c]
		}
		if res.unknown[c] {
			ambiguous++ // either way is right; counted as it is
			if inCount[c] {
				want++
			}
			continue
		}
		if meal(final) {
			want++
		}
		if meal(final) != inCount[c] {
			mismatch++
		}
	}
	correct := got == want && mismatch == 0 && body != ""

	host, _ := os.Hostname()
	pct := func(l []time.Duration, p int) float64 {
		if len(l) == 0 {
			return 0
		}
		slices.Sort(l)
		return ms(l[min(len(l)-1, len(l)*p/100)])
	}
	var load string
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		load = strings.Join(strings.Fields(string(b))[:3], " ")
	}
	fmt.Printf("\n`genitori rush-meals` (the minutes before the cut-off) — %s, installation %s, %d parents (one per family), %d in flight, paced over %.0f s up to the cut-off %s, %d clerk(s) reading the count\n",
		time.Now().Format("2006-01-02 15:04"), code, len(ps), *conc, elapsed.Seconds(), cutoff.Format("15:04"), *kitchenConc)
	fmt.Printf("Machine: %s, %d CPUs (%s), load average %s, Go %s, PostgreSQL %s; server: a separate `genitori serve` process\n\n", host, runtime.NumCPU(), cpuModel(), load,
		strings.TrimPrefix(runtime.Version(), "go"), pgVersion(ctx, store))
	fmt.Println("| step | requests | errors | p50 ms | p95 ms | p99 ms | budget p95 |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---|")
	row := func(name string, l []time.Duration, fails int, budget time.Duration) {
		ok := "ok"
		if pct(l, 95) > ms(budget) {
			ok = "OVER"
		}
		b := "–"
		if budget > 0 {
			b = fmt.Sprintf("≤ %d ms %s", budget.Milliseconds(), ok)
		}
		fmt.Printf("| %s | %d | %d | %.1f | %.1f | %.1f | %s |\n", name, len(l), fails, pct(l, 50), pct(l, 95), pct(l, 99), b)
	}
	row("meal change (POST, htmx), accepted", res.lat, res.fails, 100*time.Millisecond)
	peak := procStatusBytes(srv.Process.Pid, "VmHWM")
	staticRPS, staticP95, serr := staticThroughput(ctx, &http.Client{Transport: tr, Timeout: 10 * time.Second}, base, "meal-change",
		[]byte(res.sample), "text/html; charset=utf-8", "", *conc, 5*time.Second)
	defer func() {
		fmt.Printf("\nServer memory: %.0f MB peak (VmHWM). The accepted change's answer (%d bytes) served statically by the same server: %.0f req/s, p95 %.1f ms; the rush is paced, so its ratio is of the offered load: %.0f changes/s / %.0f = %.3f; p95 ratio %.1f× the static p95%s.\n",
			float64(peak)/(1<<20), len(res.sample), staticRPS, ms(staticP95), float64(len(res.lat))/elapsed.Seconds(), staticRPS,
			ratio(float64(len(res.lat))/elapsed.Seconds(), staticRPS), ratio(pct(res.lat, 95), ms(staticP95)), errText(serr))
	}()
	row("kitchen count, one school, live (htmx day fragment)", res.kitchen, res.kfails, 50*time.Millisecond)
	row("kitchen count, one school, frozen (htmx day fragment)", frozenLat, 200-len(frozenLat), 50*time.Millisecond)
	fmt.Printf("\nChanges refused as after the cut-off (answered in words, not errors): %d. Read of the whole city's count after the cut-off (the first freezes it; the last try): %.0f ms.\n",
		res.refused, ms(freezeTook))
	verdict := "CORRECT"
	if !correct {
		verdict = "WRONG"
	}
	fmt.Printf("Count at the cut-off: %d meals on the page; expected %d from the %d changes of today acknowledged before it (%d children in play, %d with an unanswered change, %d children whose frozen meal differs from their last acknowledged state): %s\n",
		got, want, res.beforeCO, len(seen), ambiguous, mismatch, verdict)
	if len(res.failWhy) > 0 {
		fmt.Println("\nErrors:")
		for k, v := range res.failWhy {
			fmt.Printf("  %d × %s\n", v, k)
		}
	}
	if !correct {
		return errors.New("rush-meals: the count at the cut-off is not the acknowledged changes")
	}
	return nil
}

// mealAnswer reads the htmx answer to a meal change (the day's box,
// fragments/partials/booking.html): acknowledged (a message that is not a
// refusal: the receipt, or "already so"), or refused because the cut-off
// has passed ("… si accettano fino alle …").
func mealAnswer(body string) (acked, late bool) {
	if strings.Contains(body, "meal-refused") {
		return false, strings.Contains(body, "si accettano fino")
	}
	return strings.Contains(body, "meal-message"), false
}

var totalRE = regexp.MustCompile(`data-total="(\d+)"`)

func totalFromPage(body string) int {
	m := totalRE.FindStringSubmatch(body)
	if m == nil {
		return -1
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// ensureBenchKitchenClerk creates the bench's clerk of the synthetic city,
// enrolled with the demo clerk's published TOTP secret.
func ensureBenchKitchenClerk(ctx context.Context, store *db.Store, inst int64) error {
	var exists bool
	if err := store.DB().GetContext(ctx, &exists, `SELECT EXISTS (SELECT 1 FROM accounts WHERE installation_id = $1 AND lower(username) = $2)`, inst, benchKitchenUser); err != nil {
		return err
	}
	if exists {
		// each run's server has keys of its own (benchServerKeys): the
		// secret sealed by the last run's is given back unsealed, and
		// sealed again at this run's first sign-in
		_, err := store.DB().ExecContext(ctx, `UPDATE staff_totp t SET secret = $3, last_step = 0 FROM accounts a
			WHERE a.installation_id = $1 AND lower(a.username) = $2 AND t.installation_id = a.installation_id AND t.account_id = a.id`,
			inst, benchKitchenUser, "v0:"+db.DemoStaffTOTPSecret)
		return err
	}
	hash, err := password.Hash(benchKitchenPassword)
	if err != nil {
		return err
	}
	var id int64
	if err := store.DB().GetContext(ctx, &id, `INSERT INTO accounts (installation_id, username, password_hash, role, display_name, password_changed_at)
		VALUES ($1, $2, $3, 'staff', 'Cucina (prova di carico)', now()) RETURNING id`, inst, benchKitchenUser, hash); err != nil {
		return fmt.Errorf("rush-meals: clerk: %w", err)
	}
	_, err = store.DB().ExecContext(ctx, `INSERT INTO staff_totp (installation_id, account_id, secret, enrolled_at) VALUES ($1, $2, $3, now())`,
		inst, id, "v0:"+db.DemoStaffTOTPSecret)
	return err
}
