package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"portalegenitori/db"
	"portalegenitori/db/dbtest"
	"portalegenitori/internal/pagopa/emulator"
)

// TestNothingLostPagoPA drives top-ups and notices through two `genitori
// serve` processes with the pagoPA emulator, paying most of them on the
// emulator's Checkout page (then returning to the portal, or closing the
// browser) or at a "tabaccheria" (the emulator's PSP), while the database
// restarts, the worker is killed with SIGKILL and started again, the
// emulator fails every few API calls and its PSP submits every payment
// twice. Then: every position GPD holds as paid is in the ledger exactly
// once, with its amount; no unpaid one is; one position per attempt; the
// paying adult's balance moved by exactly the payments.
func TestNothingLostPagoPA(t *testing.T) {
	t.Parallel()
	setupStart := time.Now()
	cluster := dbtest.NewCluster(t, "test-nlp")
	ctx := context.Background()
	store := cluster.DemoStore(t)
	demo, err := store.InstallationByCode(ctx, "demo")
	if err != nil {
		t.Fatal(err)
	}
	var mario int64
	dbtest.Get(t, store.DB(), &mario, `SELECT id FROM adults WHERE installation_id = $1 AND first_name = 'Mario' AND last_name = 'Rossi'`, demo.ID)
	st, err := store.PagoPASettingsOf(ctx, demo.ID)
	if err != nil || !st.Enabled {
		t.Fatalf("demo pagoPA settings: %v", err)
	}
	balances, _ := store.Balances(ctx, demo.ID, []int64{mario})
	balanceBefore := balances[mario]
	emu := emulator.New(emulator.Options{DB: store.DB()})
	if err := emu.SetSwitches(ctx, emulator.Switches{PayTwice: true, FailEvery: 6}); err != nil {
		t.Fatal(err)
	}

	env := []string{"DATABASE_URL=" + cluster.URL, "GENITORI_DEMO_PAGOPA=true", "GENITORI_PAGOPA_RECONCILE_EVERY=1s",
		"GENITORI_REQUEST_TIMEOUT=5s", "GENITORI_JOB_RESCUE_AFTER=5s", "GENITORI_SMTP_HOST=127.0.0.1", "GENITORI_SMTP_PORT=1"}
	a := startServeAt(t, env, "GENITORI_WORKER=false")
	b := startServeAt(t, env, "GENITORI_WORKER=false")
	// the worker reaches the emulator through server A
	workerEnv := append(append([]string{}, env...), "GENITORI_BASE_URL="+a.base)
	var workerMu sync.Mutex
	worker := startGenitori(t, "worker", workerEnv...)

	// at least traffic long, and on a busy machine until minAttempts were
	// acknowledged (capped): the faults must meet real payments
	traffic, minAttempts := 6*time.Second, 12
	start := time.Now()
	stopTraffic, hardStop := start.Add(traffic), start.Add(90*time.Second)
	giveUp := hardStop.Add(20 * time.Second)

	var faults sync.WaitGroup
	var faultLog []string
	faults.Add(1)
	go func() {
		defer faults.Done()
		time.Sleep(traffic / 4)
		t0 := time.Now()
		if err := cluster.Stop(); err != nil {
			t.Errorf("stop the database: %v", err)
		}
		time.Sleep(time.Second)
		if err := cluster.Start(); err != nil {
			t.Errorf("start the database: %v", err)
		}
		faultLog = append(faultLog, fmt.Sprintf("database down %.1fs at +%.1fs", time.Since(t0).Seconds(), t0.Sub(start).Seconds()))
		time.Sleep(time.Second)
		workerMu.Lock()
		worker.kill()
		faultLog = append(faultLog, fmt.Sprintf("worker killed at +%.1fs", time.Since(start).Seconds()))
		time.Sleep(1500 * time.Millisecond)
		worker = startGenitori(t, "worker", workerEnv...)
		workerMu.Unlock()
	}()

	reToken := regexp.MustCompile(`name="tentativo" value="([A-Z2-7]+)"`)
	var mu sync.Mutex
	attempts := map[string]bool{} // tokens acknowledged (a redirect to Checkout or to the notice)
	var paidOnPage, paidAtPSP, returned, unanswered int
	keepGoing := func() bool {
		if time.Now().Before(stopTraffic) {
			return true
		}
		mu.Lock()
		defer mu.Unlock()
		return len(attempts) < minAttempts && time.Now().Before(hardStop)
	}
	var wg sync.WaitGroup
	for i, srv := range []*proc{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := newClient("")
			login := func() bool {
				p, err := c.do(http.MethodPost, srv.base+"/demo/accesso", url.Values{"username": {"mario.rossi"}, "password": {"Mensa-Scuola-2026"}})
				return err == nil && p.status == http.StatusSeeOther
			}
			for !login() {
				if time.Now().After(giveUp) {
					t.Error("cannot sign in")
					return
				}
				time.Sleep(200 * time.Millisecond)
			}
			for n := 0; keepGoing(); n++ {
				p, err := c.do(http.MethodGet, srv.base+"/demo/pagamenti", nil)
				m := reToken.FindStringSubmatch(p.body)
				if err != nil || m == nil {
					if err == nil && p.status == http.StatusSeeOther {
						login()
					}
					time.Sleep(200 * time.Millisecond)
					continue
				}
				token := m[1]
				notice := n%4 == 3
				path, form := "/demo/pagamenti/ricarica", url.Values{"tentativo": {token}}
				if notice {
					path = "/demo/pagamenti/avviso"
					form.Set("importo_avviso", fmt.Sprintf("%d,%02d", 5+rand.IntN(40), rand.IntN(100)))
				} else if n%2 == 0 {
					form.Set("taglio", "2000")
				} else {
					form.Set("importo", fmt.Sprintf("%d,%02d", 5+rand.IntN(80), rand.IntN(100)))
				}
				// as people do: the same form again until the portal answers
				var ans answer
				for {
					ans, err = c.do(http.MethodPost, srv.base+path, form)
					if err == nil && (ans.status == http.StatusSeeOther || ans.status == http.StatusTooManyRequests) {
						break
					}
					mu.Lock()
					unanswered++
					mu.Unlock()
					if time.Now().After(giveUp) {
						return
					}
					time.Sleep(time.Duration(100+rand.IntN(300)) * time.Millisecond)
				}
				if ans.status != http.StatusSeeOther {
					continue // refused: too many attempts this hour
				}
				mu.Lock()
				attempts[fmt.Sprint(i)+token] = true
				mu.Unlock()
				switch {
				case strings.Contains(ans.loc, emulator.PayPath+"/") && rand.IntN(10) < 8:
					// pays on Checkout's page; half come back, half close the browser
					pay, err := c.do(http.MethodPost, ans.loc, url.Values{"carta": {"4111 1111 1111 1111"}, "azione": {"paga"}})
					if err != nil || pay.status != http.StatusSeeOther {
						continue // not paid (the database was down): the notice stays to pay
					}
					mu.Lock()
					paidOnPage++
					mu.Unlock()
					if rand.IntN(2) == 0 {
						_, _ = c.do(http.MethodGet, pay.loc, nil) // the status page reads GPD; an error is a closed browser
						mu.Lock()
						returned++
						mu.Unlock()
					}
				case notice && rand.IntN(3) < 2:
					// a notice paid at a tabaccheria
					id := ans.loc[strings.LastIndex(ans.loc, "/")+1:]
					var nav string
					if err := store.DB().Get(&nav, `SELECT notice_number FROM pagopa_positions WHERE id = $1`, id); err == nil {
						if _, err := emu.Pay(ctx, st.CreditorFiscalCode, nav); err == nil {
							mu.Lock()
							paidAtPSP++
							mu.Unlock()
						}
					}
				}
			}
		}()
	}
	wg.Wait()
	trafficEnd := time.Now()
	faults.Wait()
	if err := emu.SetSwitches(ctx, emulator.Switches{}); err != nil {
		t.Fatal(err)
	}

	// every payment GPD holds is booked, within the reconciliation's backoff
	type row struct {
		IUPD   string    `db:"iupd"`
		Amount int64     `db:"amount_cents"`
		Status string    `db:"status"`
		Booked int       `db:"booked"`
		Sum    int64     `db:"booked_sum"`
		Paid   bool      `db:"paid"`
		Checks int       `db:"checks"`
		Next   time.Time `db:"next_check_at"`
		Err    string    `db:"last_error"`
	}
	var rows []row
	var checkErr error
	check := func() (missing int) {
		rows = nil
		if err := store.DB().Select(&rows, `
			SELECT p.iupd, p.amount_cents, p.status, p.checks, p.next_check_at, p.last_error, e.payment_date IS NOT NULL AS paid,
			       (SELECT count(*) FROM ledger_entries l WHERE l.installation_id = p.installation_id AND l.idempotency_key = 'pagopa:' || p.iuv) AS booked,
			       (SELECT coalesce(sum(amount_cents), 0) FROM ledger_entries l WHERE l.installation_id = p.installation_id AND l.idempotency_key = 'pagopa:' || p.iuv) AS booked_sum
			FROM pagopa_positions p
			LEFT JOIN pagopa_emulator_positions e ON e.organization_fiscal_code = $2 AND e.iupd = p.iupd
			WHERE p.installation_id = $1`, demo.ID, st.CreditorFiscalCode); err != nil {
			checkErr = err
			return -1
		}
		for _, r := range rows {
			if r.Paid && r.Booked == 0 {
				missing++
			}
		}
		return missing
	}
	deadline := time.Now().Add(30 * time.Second)
	for check() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("payments not booked within 30 s of the traffic's end\nfaults: %v\n%v\n%+v", faultLog, checkErr, rows)
		}
		time.Sleep(250 * time.Millisecond)
	}
	bookedAfter := time.Since(trafficEnd)
	var paidSum int64
	var paid int
	for _, r := range rows {
		switch {
		case r.Paid && (r.Booked != 1 || r.Sum != r.Amount || r.Status != db.PositionPaid):
			t.Errorf("paid position %s: %d ledger entries for %d, status %s", r.IUPD, r.Booked, r.Sum, r.Status)
		case !r.Paid && r.Booked != 0:
			t.Errorf("unpaid position %s is in the ledger", r.IUPD)
		case !r.Paid && r.Status == db.PositionPaid:
			t.Errorf("unpaid position %s shows as paid", r.IUPD)
		}
		if r.Paid {
			paid++
			paidSum += r.Amount
		}
	}
	var stray int
	dbtest.Get(t, store.DB(), &stray, `SELECT count(*) FROM ledger_entries l WHERE installation_id = $1 AND idempotency_key LIKE 'pagopa:%'
		AND NOT EXISTS (SELECT 1 FROM pagopa_positions p WHERE p.installation_id = l.installation_id AND 'pagopa:' || p.iuv = l.idempotency_key)`, demo.ID)
	if stray != 0 {
		t.Errorf("%d pagoPA entries without a position", stray)
	}
	// one position per acknowledged attempt, one GPD position per portal position
	var positions, gpdPositions int
	dbtest.Get(t, store.DB(), &positions, `SELECT count(*) FROM pagopa_positions WHERE installation_id = $1 AND status <> 'cancelled'`, demo.ID)
	dbtest.Get(t, store.DB(), &gpdPositions, `SELECT count(*) FROM pagopa_emulator_positions WHERE organization_fiscal_code = $1`, st.CreditorFiscalCode)
	mu.Lock()
	acked := len(attempts)
	mu.Unlock()
	if positions < acked || gpdPositions > positions+countCancelled(t, store, demo.ID) {
		t.Errorf("%d attempts acknowledged, %d live positions in the portal, %d in GPD", acked, positions, gpdPositions)
	}
	var dup int
	dbtest.Get(t, store.DB(), &dup, `SELECT count(*) FROM (SELECT attempt_key FROM pagopa_positions GROUP BY attempt_key HAVING count(*) > 1) d`)
	if dup != 0 {
		t.Errorf("%d attempts made more than one position", dup)
	}
	balances, err = store.Balances(ctx, demo.ID, []int64{mario})
	if err != nil {
		t.Fatal(err)
	}
	if balances[mario] != balanceBefore+paidSum {
		t.Errorf("balance %d, want %d + %d paid", balances[mario], balanceBefore, paidSum)
	}
	var twice int
	dbtest.Get(t, store.DB(), &twice, `SELECT count(*) FROM pagopa_emulator_positions WHERE payment_attempts > 1`)
	if paid < 3 || twice == 0 {
		t.Errorf("too little to prove anything: %d paid, %d paid twice by the PSP", paid, twice)
	}
	t.Logf("setup %.1fs, all booked %.1fs after the traffic", start.Sub(setupStart).Seconds(), bookedAfter.Seconds())
	t.Logf("%d attempts, %d paid (%d on Checkout, %d returned, %d at a PSP, %d paid twice), %d unanswered requests; faults: %v",
		acked, paid, paidOnPage, returned, paidAtPSP, twice, unanswered, faultLog)
}

func countCancelled(t *testing.T, store *db.Store, inst int64) int {
	var n int
	dbtest.Get(t, store.DB(), &n, `SELECT count(*) FROM pagopa_positions WHERE installation_id = $1 AND status = 'cancelled'`, inst)
	return n
}

// startServeAt is startGenitori("serve") with GENITORI_BASE_URL set to the
// process's own address: the portal reaches the emulator it serves there.
func startServeAt(t *testing.T, env []string, more ...string) *proc {
	t.Helper()
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	p := &proc{t: t, logs: &lockedBuffer{}, base: "http://127.0.0.1:" + strconv.Itoa(port)}
	full := append(processEnv("serve"), "GENITORI_ADDR=127.0.0.1:"+strconv.Itoa(port), "GENITORI_BASE_URL="+p.base)
	full = append(append(full, env...), more...)
	p.cmd = exec.Command(os.Args[0], "-test.run=^$")
	p.cmd.Env = full
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.stop() })
	if err := waitHTTP(p.base+"/healthz", 30*time.Second); err != nil {
		t.Fatalf("genitori serve did not start: %v\n%s", err, p.logs)
	}
	return p
}
