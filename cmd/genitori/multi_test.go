package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"portalegenitori/db/dbtest"
	"portalegenitori/internal/notify/smtptest"
)

var tempPassRE = regexp.MustCompile(`(?i)password temporanea:?\s*(\S+)`)

// TestTwoServeProcesses runs two real `genitori serve` processes on two
// ports against one PostgreSQL, each with its own delivery worker, as the
// docs/deployment.md does behind nginx: a session made on one is valid on
// the other (and ended on both by a logout on either), the sign-in limits
// are shared, and every registration's message is sent once per channel
// although both workers poll the same queue.
func TestTwoServeProcesses(t *testing.T) {
	t.Parallel()
	store, dbURL := dbtest.New(t)
	smtp, err := smtptest.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer smtp.Close()
	gw := &smsGateway{}
	gs := httptest.NewServer(gw)
	defer gs.Close()
	// lago (no captcha, generated password) sends by e-mail and SMS here
	store.DB().MustExec(`UPDATE installations SET delivery_channel = 'both' WHERE code = 'lago'`)
	env := []string{"DATABASE_URL=" + dbURL, "GENITORI_SMTP_HOST=127.0.0.1", "GENITORI_SMTP_PORT=" + strconv.Itoa(smtp.Port()),
		"GENITORI_SMS_ADAPTER=http", "GENITORI_SMS_URL=" + gs.URL, "GENITORI_TRUSTED_PROXIES=127.0.0.1",
		"GENITORI_SECRET_KEY=the-same-secret-key-on-every-app-server-0123456789",
		"GENITORI_REQUEST_TIMEOUT=20s"} // argon2id at its production cost, on a busy machine
	a := startGenitori(t, "serve", env...)
	b := startGenitori(t, "serve", env...)
	servers := []*proc{a, b}

	// a session made on A is valid on B; a logout on B ends it on A
	mario := newClient("")
	if p, err := mario.do(http.MethodPost, a.base+"/demo/accesso", url.Values{"username": {"mario.rossi"}, "password": {"Mensa-Scuola-2026"}}); err != nil || p.status != http.StatusSeeOther {
		t.Fatalf("sign-in on A: %v %d", err, p.status)
	}
	p, err := mario.do(http.MethodGet, b.base+"/demo/famiglia", nil) // the jar's cookie is for 127.0.0.1, any port
	if err != nil || p.status != http.StatusOK || !strings.Contains(p.body, "Luca Rossi") {
		t.Fatalf("session of A on B: %v %d", err, p.status)
	}
	if p, err := mario.do(http.MethodPost, b.base+"/demo/esci", url.Values{}); err != nil || p.status != http.StatusSeeOther {
		t.Fatalf("logout on B: %v %d", err, p.status)
	}
	if p, err := mario.do(http.MethodGet, a.base+"/demo/famiglia", nil); err != nil || p.status != http.StatusSeeOther {
		t.Fatalf("after the logout on B, A still serves the family page: %v %d", err, p.status)
	}

	// 3 failures on A and 2 on B: the fifth is refused as blocked, on both
	laura := newClient("")
	form := url.Values{"username": {"laura.rossi"}, "password": {"sbagliata-sbagliata"}}
	for i, want := range []int{422, 422, 422, 422, 429} {
		s := servers[min(i/3, 1)]
		if p, err := laura.do(http.MethodPost, s.base+"/demo/accesso", form); err != nil || p.status != want {
			t.Fatalf("failure %d: %v %d, want %d", i+1, err, p.status, want)
		}
	}
	if p, _ := laura.do(http.MethodPost, a.base+"/demo/accesso", url.Values{"username": {"laura.rossi"}, "password": {"Diario-Scuola-2026"}}); p.status != http.StatusTooManyRequests {
		t.Fatalf("right password while blocked on A: %d", p.status)
	}

	// registrations spread over both servers; both workers poll the queue
	n := 12
	if longFaults() {
		n = 150
	}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	sem := make(chan struct{}, 4)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			form, user, _ := registration(i)
			form.Set("email", user+"@example.it")
			c := newClient(fmt.Sprintf("10.9.%d.%d", i/250, 1+i%250))
			p, err := c.do(http.MethodPost, servers[i%2].base+"/lago/registrazione", form)
			if err != nil || p.status != http.StatusOK {
				errs <- fmt.Errorf("registration %d: %v %d\n%.400s", i, err, p.status, p.body)
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for (gw.count() < n || len(smtp.Messages()) < n) && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(3 * time.Second) // both workers poll every second: time for a duplicate to show up
	sms := gw.byRecipient()
	mails := map[string][]smtptest.Message{}
	for _, m := range smtp.Messages() {
		mails[m.To[0]] = append(mails[m.To[0]], m)
	}
	for i := 0; i < n; i++ {
		_, user, mobile := registration(i)
		email := user + "@example.it"
		if len(sms[mobile]) != 1 || len(mails[email]) != 1 {
			t.Fatalf("%s: %d SMS and %d e-mails, want exactly one each", user, len(sms[mobile]), len(mails[email]))
		}
		// the same generated password on both channels, and it works
		ms, mm := tempPassRE.FindStringSubmatch(sms[mobile][0]), tempPassRE.FindStringSubmatch(mails[email][0].Text())
		if ms == nil || mm == nil || ms[1] != mm[1] {
			t.Fatalf("%s: temporary passwords %q and %q", user, ms, mm)
		}
		if i < 3 { // sign in with it (argon2id: a few are enough)
			c := newClient("")
			p, err := c.do(http.MethodPost, servers[(i+1)%2].base+"/lago/accesso", url.Values{"username": {user}, "password": {ms[1]}})
			if err != nil || p.status != http.StatusSeeOther || p.loc != "/lago/cambio-password" {
				t.Fatalf("%s: the password sent does not sign in: %v %d %q", user, err, p.status, p.loc)
			}
		}
	}
	var workers, jobs, done int
	dbtest.Get(t, store.DB(), &workers, `SELECT count(DISTINCT attempted_by[array_length(attempted_by, 1)]) FROM river_job`)
	// the registrations' jobs (the periodic meal_charges job runs too)
	dbtest.Get(t, store.DB(), &jobs, `SELECT count(*) FROM river_job WHERE kind = 'credentials'`)
	// River marks a job completed a moment after its sends
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		dbtest.Get(t, store.DB(), &done, `SELECT count(*) FROM river_job WHERE kind = 'credentials' AND state = 'completed'`)
		if done >= n || time.Now().After(deadline) {
			break
		}
	}
	if jobs != n || done != n {
		t.Fatalf("%d jobs, %d completed, want %d", jobs, done, n)
	}
	// and none sent again while completing
	if gw.count() != n || len(smtp.Messages()) != n {
		t.Fatalf("%d SMS and %d e-mails for %d registrations, want one each", gw.count(), len(smtp.Messages()), n)
	}
	t.Logf("%d registrations on two servers: %d SMS, %d e-mails, jobs worked by %d worker processes", n, gw.count(), len(smtp.Messages()), workers)
}
