package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"portalegenitori/db"
	"portalegenitori/db/dbtest"
	"portalegenitori/internal/booking"
	"portalegenitori/internal/notify/smtptest"
	"portalegenitori/internal/password"
)

// TestNothingLost drives registrations (lago: e-mail and SMS with a
// generated password), staff top-ups (over HTTP, with the form's idempotency
// token) and attendance saves (the store's MarkAttendance, which the staff
// register will call: its HTTP page is not written yet) against two
// `genitori serve` processes and a separate `genitori worker`, while the
// database is restarted and the worker is killed with SIGKILL and started
// again. Clients retry what got no answer, as people do. Then: every write
// acknowledged is stored exactly once, nothing is stored twice, every
// message enqueued reached its recipient exactly once per channel with a
// password that works, and the paying adult's balance moved by exactly the
// stored top-ups and the charges of the days marked.
func TestNothingLost(t *testing.T) {
	t.Parallel()
	cluster := dbtest.NewCluster(t, "test-nl")
	dbURL := cluster.URL
	ctx := context.Background()
	store := cluster.DemoStore(t)
	store.DB().MustExec(`UPDATE installations SET delivery_channel = 'both' WHERE code = 'lago'`)
	demo, err := store.InstallationByCode(ctx, "demo")
	if err != nil {
		t.Fatal(err)
	}
	lago, err := store.InstallationByCode(ctx, "lago")
	if err != nil {
		t.Fatal(err)
	}
	var mario int64
	if err := store.DB().Get(&mario, `SELECT id FROM adults WHERE installation_id = $1 AND first_name = 'Mario' AND last_name = 'Rossi'`, demo.ID); err != nil {
		t.Fatal(err)
	}
	var operatore int64
	dbtest.Get(t, store.DB(), &operatore, `SELECT id FROM accounts WHERE installation_id = $1 AND username = 'operatore'`, demo.ID)

	// the days the "register" marks: past school days of Mario's children, billed daily
	type dayKey struct {
		Child   int64     `db:"child_id"`
		Service int64     `db:"service_id"`
		Day     time.Time `db:"day"`
	}
	var days []dayKey
	if err := store.DB().Select(&days, `
		SELECT a.child_id, a.service_id, a.day FROM attendance a
		JOIN enrollments e ON e.installation_id = a.installation_id AND e.child_id = a.child_id AND e.service_id = a.service_id
		     AND a.day BETWEEN e.starts_on AND e.ends_on AND e.billing = 'daily' AND e.tariff_cents > 0
		WHERE a.installation_id = $1 AND a.day < current_date - 1
		  AND a.child_id IN (SELECT child_id FROM ledger_entries WHERE installation_id = $1 AND adult_id = $2 AND kind = 'charge')
		  AND NOT EXISTS (SELECT 1 FROM closures c WHERE c.installation_id = a.installation_id AND c.day = a.day)
		ORDER BY a.day DESC LIMIT 6`, demo.ID, mario); err != nil || len(days) == 0 {
		t.Fatalf("no day to mark: %v", err)
	}
	netOf := func(k dayKey) (net int64, live int) {
		dbtest.Get(t, store.DB(), &net, `SELECT coalesce(sum(amount_cents), 0) FROM ledger_entries WHERE installation_id = $1 AND child_id = $2 AND service_id = $3 AND attendance_day = $4`,
			demo.ID, k.Child, k.Service, k.Day)
		dbtest.Get(t, store.DB(), &live, `SELECT count(*) FROM ledger_entries l WHERE installation_id = $1 AND child_id = $2 AND service_id = $3 AND attendance_day = $4 AND kind = 'charge'
			AND NOT EXISTS (SELECT 1 FROM ledger_entries r WHERE r.installation_id = l.installation_id AND r.reverses_id = l.id)`, demo.ID, k.Child, k.Service, k.Day)
		return
	}
	netBefore := map[dayKey]int64{}
	for _, k := range days {
		netBefore[k], _ = netOf(k)
	}
	balances, err := store.Balances(ctx, demo.ID, []int64{mario})
	if err != nil {
		t.Fatal(err)
	}
	balanceBefore := balances[mario]

	smtp, err := smtptest.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer smtp.Close()
	gw := &smsGateway{}
	gs := httptest.NewServer(gw)
	defer gs.Close()
	env := []string{"DATABASE_URL=" + dbURL, "GENITORI_SMTP_HOST=127.0.0.1", "GENITORI_SMTP_PORT=" + strconv.Itoa(smtp.Port()),
		"GENITORI_SMS_ADAPTER=http", "GENITORI_SMS_URL=" + gs.URL, "GENITORI_TRUSTED_PROXIES=127.0.0.1",
		"GENITORI_SECRET_KEY=the-same-secret-key-on-every-app-server-0123456789", "GENITORI_REQUEST_TIMEOUT=3s",
		"GENITORI_JOB_RESCUE_AFTER=5s"} // also the job timeout: not shorter, or a slow send under load times out after the server accepted it
	a := startGenitori(t, "serve", append(env, "GENITORI_WORKER=false")...)
	b := startGenitori(t, "serve", append(env, "GENITORI_WORKER=false")...)
	servers := []*proc{a, b}
	var serversMu sync.Mutex
	// server(i) is the base URL of app server i%2: one of them is killed
	// and started again (on another port) under the traffic
	server := func(i int) string {
		serversMu.Lock()
		defer serversMu.Unlock()
		return servers[i%2].base
	}
	var workerMu sync.Mutex
	worker := startGenitori(t, "worker", env...)

	// the staff member signs in on A (password, then the TOTP code)
	staff := newClient("")
	if p, err := staff.do(http.MethodPost, a.base+"/demo/accesso", url.Values{"username": {"operatore"}, "password": {"Ufficio-Scuola-2026"}}); err != nil || p.status != http.StatusSeeOther {
		t.Fatalf("staff sign-in: %v %d", err, p.status)
	}
	code, _ := totp.GenerateCode(db.DemoStaffTOTPSecret, time.Now())
	if p, err := staff.do(http.MethodPost, a.base+"/demo/operatori/codice", url.Values{"code": {code}}); err != nil || p.status != http.StatusSeeOther {
		t.Fatalf("staff second factor: %v %d\n%.500s", err, p.status, p.body)
	}

	// the parent who changes meals (booking, issue 15): Mario, for Luca and
	// Sofia, on the next school days still open by the rules (the real clock)
	parent := newClient("10.9.0.1")
	if p, err := parent.do(http.MethodPost, a.base+"/demo/accesso", url.Values{"username": {"mario.rossi"}, "password": {"Mensa-Scuola-2026"}}); err != nil || p.status != http.StatusSeeOther {
		t.Fatalf("parent sign-in: %v %d", err, p.status)
	}
	var mensa int64
	dbtest.Get(t, store.DB(), &mensa, `SELECT id FROM services WHERE installation_id = $1 AND kind = 'mensa'`, demo.ID)
	var mealKids []int64
	dbtest.Select(t, store.DB(), &mealKids, `SELECT g.child_id FROM guardianships g JOIN enrollments e ON e.installation_id = g.installation_id
		AND e.child_id = g.child_id AND e.service_id = $3 WHERE g.installation_id = $1 AND g.adult_id = $2 ORDER BY g.child_id`, demo.ID, mario, mensa)
	mealDays := openMealDays(t, store, demo.ID, mensa, 3)
	if len(mealKids) == 0 || len(mealDays) == 0 {
		t.Fatalf("no meal to change: children %v, days %v", mealKids, mealDays)
	}

	traffic, cycles := 14*time.Second, 1
	if longFaults() {
		traffic, cycles = 75*time.Second, 4
	}
	start := time.Now()
	stopTraffic := start.Add(traffic)
	giveUp := stopTraffic.Add(20 * time.Second) // retries of unanswered requests may run past the traffic

	// faults: each cycle restarts PostgreSQL under the traffic, then kills
	// the worker (SIGKILL) and starts a new one once the rescue delay passed
	var faults sync.WaitGroup
	var faultLog []string
	var kills []time.Time // read after faults.Wait
	var killedMidSend bool
	faults.Add(1)
	go func() {
		defer faults.Done()
		step := traffic / time.Duration(cycles)
		for c := 0; c < cycles; c++ {
			time.Sleep(time.Until(start.Add(time.Duration(c)*step + step/6)))
			t0 := time.Now()
			if err := cluster.Stop(); err != nil {
				t.Errorf("stop the database: %v", err)
			}
			time.Sleep(time.Second)
			if err := cluster.Start(); err != nil {
				t.Errorf("start the database: %v", err)
			}
			faultLog = append(faultLog, fmt.Sprintf("database down %.1fs at +%.1fs", time.Since(t0).Seconds(), t0.Sub(start).Seconds()))
			time.Sleep(time.Duration(500+rand.IntN(1500)) * time.Millisecond)
			workerMu.Lock()
			how := "at a random moment"
			if c == 0 { // the first time, in the middle of an SMTP DATA
				hold := make(chan struct{})
				smtp.SetStall(hold)
				select {
				case <-smtp.Stalled:
					how = "in the middle of sending an e-mail"
					killedMidSend = true
				case <-time.After(5 * time.Second):
				}
				worker.kill()
				smtp.SetStall(nil)
				close(hold) // the held message is dropped, not accepted
			} else {
				worker.kill()
			}
			kills = append(kills, time.Now())
			faultLog = append(faultLog, fmt.Sprintf("worker killed %s at +%.1fs", how, time.Since(start).Seconds()))
			// an app server dies (SIGKILL) in the middle of the parents'
			// meal changes; a new one takes its place
			serversMu.Lock()
			victim := servers[1]
			serversMu.Unlock()
			victim.kill()
			faultLog = append(faultLog, fmt.Sprintf("app server killed at +%.1fs", time.Since(start).Seconds()))
			killedServerAt := time.Now()
			fresh := startGenitori(t, "serve", append(env, "GENITORI_WORKER=false")...)
			serversMu.Lock()
			servers[1] = fresh
			serversMu.Unlock()
			faultLog = append(faultLog, fmt.Sprintf("app server back after %.1fs", time.Since(killedServerAt).Seconds()))
			time.Sleep(time.Until(kills[len(kills)-1].Add(5500 * time.Millisecond))) // the killed worker's running jobs become "stuck" for the next one
			worker = startGenitori(t, "worker", env...)
			workerMu.Unlock()
		}
	}()

	// registrations
	type regResult struct {
		user, mobile, email string
		acked, tried        bool
	}
	var regMu sync.Mutex
	var regs []regResult
	var next atomic.Int64
	var unanswered atomic.Int64
	var wg sync.WaitGroup
	for g := 0; g < 3; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(stopTraffic) {
				i := int(next.Add(1))
				form, user, mobile := registration(i)
				email := user + "@example.it"
				form.Set("email", email)
				c := newClient(fmt.Sprintf("10.7.%d.%d", i/250, 1+i%250))
				r := regResult{user: user, mobile: mobile, email: email}
				for attempt := 0; time.Now().Before(giveUp); attempt++ {
					p, err := c.do(http.MethodPost, server(i+attempt)+"/lago/registrazione", form)
					r.tried = true
					if err == nil && p.status == http.StatusOK {
						r.acked = true
						break
					}
					if err == nil && p.status == http.StatusUnprocessableEntity && attempt > 0 && strings.Contains(p.body, "NON disponibile") {
						break // an earlier unanswered attempt went through
					}
					if err == nil && p.status != http.StatusServiceUnavailable {
						t.Errorf("registration %d: status %d\n%.600s", i, p.status, p.body)
						break
					}
					unanswered.Add(1)
					time.Sleep(300 * time.Millisecond)
				}
				regMu.Lock()
				regs = append(regs, r)
				regMu.Unlock()
				time.Sleep(150 * time.Millisecond) // a steady trickle, not a flood
			}
		}()
	}

	// top-ups by the staff member, over HTTP, each with its form token
	type topUp struct {
		token string
		cents int64
		acked bool
	}
	var topMu sync.Mutex
	var topUps []topUp
	var nextTop atomic.Int64
	for g := 0; g < 2; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(stopTraffic) {
				i := int(nextTop.Add(1))
				tu := topUp{token: fmt.Sprintf("nothing-lost-token-%06d", i), cents: int64(100 * (1 + i%7))}
				form := url.Values{"kind": {"topup"}, "amount": {fmt.Sprintf("%d,00", 1+i%7)}, "channel": {"contanti"},
					"receipt": {fmt.Sprintf("R-%06d", i)}, "token": {tu.token}}
				for attempt := 0; time.Now().Before(giveUp); attempt++ {
					p, err := staff.do(http.MethodPost, fmt.Sprintf("%s/demo/operatori/adulti/%d/movimenti", server(i+attempt), mario), form)
					if err == nil && p.status == http.StatusSeeOther && strings.Contains(p.loc, "/operatori/adulti/") {
						tu.acked = true
						break
					}
					if err == nil && p.status == http.StatusSeeOther {
						t.Errorf("top-up %d: sent to %q", i, p.loc)
						return
					}
					if err == nil && p.status != http.StatusServiceUnavailable {
						t.Errorf("top-up %d: status %d\n%.600s", i, p.status, p.body)
						break
					}
					unanswered.Add(1)
					time.Sleep(300 * time.Millisecond)
				}
				topMu.Lock()
				topUps = append(topUps, tu)
				topMu.Unlock()
				time.Sleep(100 * time.Millisecond)
			}
		}()
	}

	// attendance saves: each day toggled present/absent; the last answered mark wins
	lastMark := map[dayKey]string{}
	var marks atomic.Int64
	var markMu sync.Mutex
	wg.Add(1)
	go func() {
		defer wg.Done()
		for n := 0; time.Now().Before(stopTraffic); n++ {
			k := days[n%len(days)]
			status := []string{"absent", "present"}[(n/len(days))%2]
			for time.Now().Before(giveUp) {
				mctx, cancel := context.WithTimeout(ctx, 3*time.Second)
				_, err := store.MarkAttendance(mctx, db.Mark{InstallationID: demo.ID, ChildID: k.Child, ServiceID: k.Service, Day: k.Day,
					Status: status, AccountID: operatore, RecordedByName: "Prova di carico", Today: time.Now()})
				cancel()
				if err == nil {
					markMu.Lock()
					lastMark[k] = status
					markMu.Unlock()
					marks.Add(1)
					break
				}
				if errors.Is(err, db.ErrNotEnrolled) || errors.Is(err, db.ErrClosed) {
					t.Errorf("mark %v: %v", k, err)
					break
				}
				unanswered.Add(1)
				time.Sleep(300 * time.Millisecond)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()

	// parents' meal changes over HTTP (htmx), to either app server, each
	// form sent again with its key when it got no answer, as a browser
	// resubmits it; the last answered change of a day must be its meal
	type mealDay struct {
		child int64
		day   time.Time
	}
	type mealTry struct {
		state         string
		acked, answer bool // acknowledged; answered at all (acknowledged or refused)
	}
	mealTries := map[mealDay][]mealTry{}
	var mealCount atomic.Int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		for n := 0; time.Now().Before(stopTraffic); n++ {
			k := mealDay{mealKids[n%len(mealKids)], mealDays[(n/len(mealKids))%len(mealDays)]}
			state := []string{"cancelled", "booked"}[(n/(len(mealKids)*len(mealDays)))%2]
			form := url.Values{"stato": {state}, "chiave": {fmt.Sprintf("nothing-lost-meal-%06d", n)}}
			try := mealTry{state: state}
			for attempt := 0; time.Now().Before(giveUp); attempt++ {
				p, err := parent.doHX(http.MethodPost, fmt.Sprintf("%s/demo/pasti/%d/%d/%s", server(n+attempt), k.child, mensa, k.day.Format(time.DateOnly)), form)
				if err == nil && p.status == http.StatusOK {
					try.acked, _ = mealAnswer(p.body)
					try.answer = true
					if !try.acked {
						t.Errorf("meal change %d (%s on %s): refused: %.300s", n, state, k.day.Format(time.DateOnly), p.body)
					}
					break
				}
				if err == nil && p.status != http.StatusServiceUnavailable && p.status != http.StatusInternalServerError {
					t.Errorf("meal change %d: status %d\n%.600s", n, p.status, p.body)
					break
				}
				unanswered.Add(1)
				time.Sleep(300 * time.Millisecond)
			}
			mealTries[k] = append(mealTries[k], try)
			mealCount.Add(1)
			time.Sleep(60 * time.Millisecond)
		}
	}()
	wg.Wait()
	faults.Wait()
	if t.Failed() {
		return
	}

	// 1. registrations: acknowledged ones stored once; none stored twice; each with one job
	type accRow struct {
		ID       int64  `db:"id"`
		Username string `db:"username"`
		Jobs     int    `db:"jobs"`
	}
	var accs []accRow
	if err := store.DB().Select(&accs, `SELECT a.id, lower(a.username) AS username,
		(SELECT count(*) FROM river_job j WHERE j.kind = 'credentials' AND (j.args->>'account_id')::bigint = a.id) AS jobs
		FROM accounts a WHERE a.installation_id = $1 AND a.username LIKE 'genitore.%'`, lago.ID); err != nil {
		t.Fatal(err)
	}
	stored := map[string]int{}
	for _, a := range accs {
		stored[a.Username]++
		if a.Jobs != 1 {
			t.Errorf("account %s has %d credentials jobs, want 1", a.Username, a.Jobs)
		}
	}
	acked := 0
	for _, r := range regs {
		if r.acked {
			acked++
		}
		if r.acked && stored[r.user] != 1 {
			t.Errorf("acknowledged registration %s stored %d times", r.user, stored[r.user])
		}
		if stored[r.user] > 1 {
			t.Errorf("registration %s stored %d times", r.user, stored[r.user])
		}
	}

	// 2. messages: every account created got exactly one e-mail and one SMS
	// with the same working password. Exactly once is what a parent sees:
	// one SMS at the gateway, which honours the Idempotency-Key, and one
	// e-mail Message-ID. The only copy allowed beyond that is the SMTP
	// window's (the server accepted the mail, the sender died or timed out
	// before it knew): the same Message-ID, the same password, and explained
	// by a worker killed just after the first copy was accepted or by a
	// failed e-mail attempt in the record.
	deadline := time.Now().Add(150 * time.Second)
	if longFaults() {
		deadline = time.Now().Add(5 * time.Minute)
	}
	var unfinished int
	for time.Now().Before(deadline) {
		// a job that ended sends nothing more: no time to wait "for a duplicate to show up"
		unfinished = -1
		dbtest.Get(t, store.DB(), &unfinished, `SELECT count(*) FROM river_job WHERE kind = 'credentials' AND state NOT IN ('completed', 'cancelled', 'discarded')`)
		if unfinished == 0 {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if unfinished != 0 {
		var states string
		dbtest.Get(t, store.DB(), &states, `SELECT coalesce(string_agg(state::text || ' ' || n, ', '), '') FROM (SELECT state, count(*) AS n FROM river_job WHERE kind = 'credentials' GROUP BY state) s`)
		t.Errorf("credentials jobs still unfinished after the traffic: %s; worker's log:\n%.3000s", states, worker.logs)
	}
	sms := gw.byRecipient()
	mails := map[string][]smtptest.Message{}
	for _, m := range smtp.Messages() {
		mails[m.To[0]] = append(mails[m.To[0]], m)
	}
	recordOf := func(user string) string { // what the worker recorded, to tell which window it was
		var record string
		dbtest.Get(t, store.DB(), &record, `SELECT coalesce(string_agg(format('attempt %s %s %s %s', m.attempt, m.channel, m.outcome, m.error), '; ' ORDER BY m.id), '')
			FROM messages m JOIN accounts a ON a.installation_id = m.installation_id AND a.id = m.account_id WHERE lower(a.username) = $1`, user)
		return record
	}
	checked, windowCopies, mailIDs := 0, 0, 0
	for _, r := range regs {
		if stored[r.user] == 0 {
			if len(sms[r.mobile])+len(mails[r.email]) != 0 {
				t.Errorf("%s: message sent for an account that does not exist", r.user)
			}
			continue
		}
		copies := mails[r.email]
		ids := map[string]bool{}
		for _, m := range copies {
			ids[m.Header("Message-ID")] = true
		}
		mailIDs += len(ids)
		if len(sms[r.mobile]) != 1 || len(ids) != 1 {
			t.Errorf("%s: %d SMS and %d e-mails (%d copies), want exactly one each; recorded: %s", r.user, len(sms[r.mobile]), len(ids), len(copies), recordOf(r.user))
			continue
		}
		ms := tempPassRE.FindStringSubmatch(sms[r.mobile][0])
		if ms == nil {
			t.Errorf("%s: no temporary password in the SMS %q", r.user, sms[r.mobile][0])
			continue
		}
		mismatch := false
		for _, m := range copies {
			if mm := tempPassRE.FindStringSubmatch(m.Text()); mm == nil || mm[1] != ms[1] {
				t.Errorf("%s: the e-mail %s carries %q, the SMS %q", r.user, m.Header("Message-ID"), mm, ms[1])
				mismatch = true
			}
		}
		if mismatch {
			continue
		}
		if extra := len(copies) - 1; extra > 0 {
			windowCopies += extra
			var why string
			var failedAfter bool // the attempt that sent the first copy recorded a failure (e.g. its timeout cut the reply)
			dbtest.Get(t, store.DB(), &failedAfter, `SELECT EXISTS (SELECT 1 FROM messages m JOIN accounts a ON a.installation_id = m.installation_id AND a.id = m.account_id
				WHERE lower(a.username) = $1 AND m.channel = 'email' AND m.outcome = 'failed' AND m.created_at >= $2)`, r.user, copies[0].At.Add(-100*time.Millisecond))
			if failedAfter {
				why = "an e-mail attempt failed after the server had accepted it"
			}
			for _, k := range kills { // the first kill after the first copy
				if !k.Before(copies[0].At) && k.Sub(copies[0].At) < 30*time.Second {
					why = fmt.Sprintf("the worker was killed %.1fs after the first copy", k.Sub(copies[0].At).Seconds())
					break
				}
			}
			if why == "" {
				t.Errorf("%s: %d copies of e-mail %s, but no worker was killed after the first nor did an attempt fail; recorded: %s",
					r.user, len(copies), copies[0].Header("Message-ID"), recordOf(r.user))
			} else {
				t.Logf("%s: %d copies of e-mail %s (same password): %s; recorded: %s", r.user, len(copies), copies[0].Header("Message-ID"), why, recordOf(r.user))
			}
		}
		if checked < 3 {
			checked++
			var hash string
			dbtest.Get(t, store.DB(), &hash, `SELECT coalesce(temp_password_hash, '') FROM accounts WHERE installation_id = $1 AND lower(username) = $2`, lago.ID, r.user)
			if ok, _ := password.Verify(ms[1], hash); !ok {
				t.Errorf("%s: the password sent is not the account's temporary password", r.user)
				continue
			}
			for attempt := 1; ; attempt++ {
				p, err := newClient("").do(http.MethodPost, a.base+"/lago/accesso", url.Values{"username": {r.user}, "password": {ms[1]}})
				if err == nil && p.status == http.StatusSeeOther {
					break
				}
				var spent bool
				dbtest.Get(t, store.DB(), &spent, `SELECT temp_password_hash IS NULL FROM accounts WHERE installation_id = $1 AND lower(username) = $2`, lago.ID, r.user)
				if err == nil && p.status == http.StatusServiceUnavailable && spent {
					// the request timeout (3 s) ran out after the sign-in went through: two argon2id checks on a busy machine
					t.Logf("%s: signed in, but answered 503 (request timeout)", r.user)
					break
				}
				if err == nil && p.status == http.StatusServiceUnavailable && attempt < 5 {
					time.Sleep(time.Second) // unanswered: a person tries again
					continue
				}
				t.Errorf("%s: the password sent does not sign in: %v %d", r.user, err, p.status)
				break
			}
		}
	}
	if gw.count() != len(accs) || mailIDs != len(accs) {
		var states string
		dbtest.Get(t, store.DB(), &states, `SELECT coalesce(string_agg(state::text || ' ' || n, ', '), '') FROM (SELECT state, count(*) AS n FROM river_job GROUP BY state) s`)
		t.Errorf("%d accounts, %d SMS, %d e-mails; jobs: %s; worker's log:\n%.3000s", len(accs), gw.count(), mailIDs, states, worker.logs)
	}
	gwRequests, gwReplays, gwMissing, gwConflicts := gw.stats()
	if gwMissing != 0 || len(gwConflicts) != 0 {
		t.Errorf("SMS gateway: %d requests without an Idempotency-Key, keys sent again with another text: %v", gwMissing, gwConflicts)
	}
	var sealed int
	dbtest.Get(t, store.DB(), &sealed, `SELECT count(*) FROM delivery_secrets`)
	if unfinished == 0 && sealed != 0 {
		t.Errorf("%d sealed passwords kept after every channel sent them", sealed)
	}

	// 3. top-ups: acknowledged ones stored once, nothing unknown stored
	type entry struct {
		Key   string `db:"idempotency_key"`
		Cents int64  `db:"amount_cents"`
	}
	var entries []entry
	dbtest.Select(t, store.DB(), &entries, `SELECT idempotency_key, amount_cents FROM ledger_entries WHERE installation_id = $1 AND idempotency_key LIKE 'staff:nothing-lost-token-%'`, demo.ID)
	byKey := map[string]int{}
	var topSum int64
	for _, e := range entries {
		byKey[strings.TrimPrefix(e.Key, "staff:")]++
		topSum += e.Cents
	}
	sent := map[string]topUp{}
	ackedTop := 0
	for _, tu := range topUps {
		sent[tu.token] = tu
		if tu.acked {
			ackedTop++
			if byKey[tu.token] != 1 {
				t.Errorf("acknowledged top-up %s stored %d times", tu.token, byKey[tu.token])
			}
		}
	}
	for k, n := range byKey {
		tu, ok := sent[k]
		if !ok || n != 1 {
			t.Errorf("top-up %s stored %d times (sent: %v)", k, n, ok)
		}
		_ = tu
	}

	// 4. attendance: the last answered mark is stored, with exactly one live charge when present
	var dayDelta int64
	for k, status := range lastMark {
		var got string
		dbtest.Get(t, store.DB(), &got, `SELECT status FROM attendance WHERE installation_id = $1 AND child_id = $2 AND service_id = $3 AND day = $4`,
			demo.ID, k.Child, k.Service, k.Day)
		net, live := netOf(k)
		if got != status {
			t.Errorf("%v: status %q, last acknowledged %q", k, got, status)
		}
		if (status == "present") != (live == 1) || live > 1 || (status == "absent" && net != 0) || (status == "present" && net >= 0) {
			t.Errorf("%v %s: %d live charges, net %d", k, status, live, net)
		}
		dayDelta += net - netBefore[k]
	}

	// 5. the balance moved by exactly the stored top-ups and the days' charges
	balances, err = store.Balances(ctx, demo.ID, []int64{mario})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := balances[mario], balanceBefore+topSum+dayDelta; got != want {
		t.Errorf("balance %d, want %d (before %d, top-ups %d, attendance %d)", got, want, balanceBefore, topSum, dayDelta)
	}

	// 6. meals: each day's meal is its last acknowledged change, or the
	// target of a later one that got no answer (there whole or absent
	// whole: the change and the attendance it mirrors), and the kitchen's
	// live count of the day counts exactly the meals the states give
	mealAcked := 0
	for k, tries := range mealTries {
		var st, att string
		dbtest.Get(t, store.DB(), &st, `SELECT state FROM meal_states($1, $2, $3, booking_now()) WHERE child_id = $4`, demo.ID, mensa, k.day, k.child)
		dbtest.Get(t, store.DB(), &att, `SELECT coalesce((SELECT status FROM attendance WHERE installation_id = $1 AND child_id = $2 AND service_id = $3 AND day = $4), '')`,
			demo.ID, k.child, mensa, k.day)
		allowed := map[string]bool{}
		for i := len(tries) - 1; i >= 0; i-- {
			allowed[tries[i].state] = true
			if tries[i].acked {
				mealAcked++
				break
			}
			if i == 0 {
				allowed["booked"] = true // nothing acknowledged: the day as it was (presumed presence)
			}
		}
		if !allowed[st] {
			t.Errorf("child %d on %s: meal %q, the answered changes allow %v (tries %+v)", k.child, k.day.Format(time.DateOnly), st, allowed, tries)
		}
		if want := map[string]string{"cancelled": "absence_notified", "booked": "booked"}[st]; att != want && !(st == "booked" && att == "") {
			t.Errorf("child %d on %s: meal %q but attendance %q: a change stored in part", k.child, k.day.Format(time.DateOnly), st, att)
		}
	}
	for _, d := range mealDays {
		cutoff, err := store.BookingCutoff(ctx, demo.ID, mensa, d)
		if err != nil {
			t.Fatal(err)
		}
		k, err := store.KitchenCount(ctx, demo.ID, mensa, d, cutoff, 0)
		if err != nil {
			t.Fatal(err)
		}
		var want int
		dbtest.Get(t, store.DB(), &want, `SELECT count(*) FROM meal_states($1, $2, $3, booking_now()) ms JOIN children c ON c.installation_id = $1 AND c.id = ms.child_id
			AND c.school_id IS NOT NULL WHERE ms.state IN ('booked', 'plain')`, demo.ID, mensa, d)
		if got, _, _, _ := k.Totals(); got != want || k.Frozen {
			t.Errorf("kitchen count of %s: %d meals (frozen %v), the meal states give %d", d.Format(time.DateOnly), got, k.Frozen, want)
		}
	}
	t.Logf("%d meal changes on %d child-days (%d days ending acknowledged)", mealCount.Load(), len(mealTries), mealAcked)
	var retried int
	dbtest.Get(t, store.DB(), &retried, `SELECT count(*) FROM river_job WHERE attempt > 1`)
	if killedMidSend && retried == 0 {
		t.Errorf("the worker was killed mid-send, yet no job was retried")
	}
	t.Logf("faults: %s; %d jobs needed more than one attempt", strings.Join(faultLog, "; "), retried)
	t.Logf("%d registrations (%d acknowledged, %d accounts), %d top-ups (%d acknowledged, %d stored, € %.2f), %d attendance saves on %d days; %d requests unanswered and retried",
		len(regs), acked, len(accs), len(topUps), ackedTop, len(entries), float64(topSum)/100, marks.Load(), len(lastMark), unanswered.Load())
	t.Logf("%d SMS sent (%d requests to the gateway, %d repeats recognised by their Idempotency-Key), %d e-mails (%d copies, %d of them a repeat in the SMTP window)",
		gw.count(), gwRequests, gwReplays, mailIDs, len(smtp.Messages()), windowCopies)
}

// openMealDays are the next n school days whose meals the rules still let a
// parent change (after today: today's cut-off may have passed).
func openMealDays(t *testing.T, store *db.Store, inst, service int64, n int) []time.Time {
	t.Helper()
	ctx := context.Background()
	settings, err := store.BookingSettingsOf(ctx, inst, service)
	if err != nil {
		t.Fatal(err)
	}
	now, err := store.BookingNow(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out []time.Time
	for d := booking.Today(now).AddDate(0, 0, 1); len(out) < n && d.Before(now.AddDate(0, 0, 30)); d = d.AddDate(0, 0, 1) {
		var closed bool
		dbtest.Get(t, store.DB(), &closed, `SELECT EXISTS (SELECT 1 FROM closures WHERE installation_id = $1 AND day = $2)`, inst, d)
		cal := booking.Calendar{Closed: map[time.Time]bool{}}
		if closed {
			cal.Closed[d] = true
		}
		if cal.SchoolDay(d) && settings.Rules().Check(cal, d, now) == "" {
			out = append(out, d)
		}
	}
	return out
}
