package handlers_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"portalegenitori/db"
	"portalegenitori/delivery"
	"portalegenitori/internal/config"
	"portalegenitori/internal/identity/cns/cnsca"
	"portalegenitori/internal/password"
	"portalegenitori/internal/throttle"
)

// tryDo is do without t.Fatal, for goroutines.
func tryDo(cl *http.Client, req *http.Request) (page, error) {
	resp, err := cl.Do(req)
	if err != nil {
		return page{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return page{status: resp.StatusCode, header: resp.Header, body: string(body), loc: resp.Header.Get("Location")}, err
}

func (b *browser) tryPost(path string, form url.Values) (page, error) {
	req, _ := http.NewRequest(http.MethodPost, b.e.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return tryDo(b.client, req)
}

// atOnce runs f(0), ..., f(n-1) in goroutines released together and returns
// their pages.
func atOnce(t *testing.T, n int, f func(i int) (page, error)) []page {
	t.Helper()
	pages, errs := make([]page, n), make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			pages[i], errs[i] = f(i)
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	return pages
}

func statusCount(ps []page) map[int]int {
	m := map[int]int{}
	for _, p := range ps {
		m[p.status]++
	}
	return m
}

func auditCountOf(t *testing.T, s *db.Store, actor, action, outcome string) int {
	t.Helper()
	var n int
	if err := s.DB().Get(&n, `SELECT count(*) FROM audit_log WHERE actor = $1 AND action = $2 AND outcome = $3`, actor, action, outcome); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestParallelPasswordGuesses: wrong passwords sent at once for one username
// get exactly the limit of checks (counted as argon2id verifications), and
// the right one sent after them is refused; sent among them, it is checked
// only if it falls within the limit, and the wrong ones checked never exceed
// it.
func TestParallelPasswordGuesses(t *testing.T) {
	e := newEnv(t)
	limit := throttle.LoginUsername.Limit
	ops := password.Computations()
	ps := atOnce(t, 20, func(i int) (page, error) {
		return e.browser().tryPost("/demo/accesso", url.Values{"username": {"mario.rossi"}, "password": {fmt.Sprintf("sbagliata-%02d", i)}})
	})
	st := statusCount(ps)
	if st[http.StatusUnprocessableEntity] != limit-1 || st[http.StatusTooManyRequests] != 20-limit+1 {
		t.Fatalf("answers %v, want %d wrong and the rest refused", st, limit-1)
	}
	if n := password.Computations() - ops; n != int64(2*limit) {
		t.Fatalf("%d argon2id verifications for 20 parallel guesses, want %d (%d checked)", n, 2*limit, limit)
	}
	if n := auditCountOf(t, e.store, "mario.rossi", "login", "failure"); n != limit {
		t.Fatalf("%d failures audited, want %d", n, limit)
	}
	if auditCountOf(t, e.store, "mario.rossi", "login", "lock") != 1 || auditCountOf(t, e.store, "mario.rossi", "login", "throttled") != 20-limit {
		t.Fatal("lock and refusals not audited")
	}
	p := e.browser().login("demo", "mario.rossi", "Mensa-Scuola-2026")
	wantStatus(t, p, http.StatusTooManyRequests)
	mustContain(t, p, "riprova tra 15 minuti")
	if p.header.Get("Retry-After") != "900" {
		t.Fatalf("Retry-After %q", p.header.Get("Retry-After"))
	}

	// the right password among 20 wrong ones, all at once
	ops = password.Computations()
	ps = atOnce(t, 21, func(i int) (page, error) {
		pw := fmt.Sprintf("sbagliata-%02d", i)
		if i == 20 {
			pw = "Diario-Scuola-2026"
		}
		return e.browser().tryPost("/demo/accesso", url.Values{"username": {"laura.rossi"}, "password": {pw}})
	})
	wrong := auditCountOf(t, e.store, "laura.rossi", "login", "failure")
	right := auditCountOf(t, e.store, "laura.rossi", "login", "success")
	if wrong > limit {
		t.Fatalf("%d wrong passwords checked, limit %d", wrong, limit)
	}
	if n := password.Computations() - ops; n != int64(2*(wrong+right)) {
		t.Fatalf("%d verifications for %d checks", n, wrong+right)
	}
	if refused := statusCount(ps)[http.StatusTooManyRequests]; refused < 21-limit-1 {
		t.Fatalf("only %d refused", refused)
	}
	if right == 1 && ps[20].status != http.StatusSeeOther || right == 0 && ps[20].status != http.StatusTooManyRequests {
		t.Fatalf("right password: status %d, %d successes audited", ps[20].status, right)
	}
	t.Logf("right password among the guesses: status %d, %d wrong checked", ps[20].status, wrong)
}

// TestParallelStaffCodes: 99 wrong TOTP codes at once get 5 checks; the
// right code after them is refused.
func TestParallelStaffCodes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	wantStatus(t, b.login("demo", "operatore", "Ufficio-Scuola-2026"), http.StatusSeeOther)
	valid := map[string]bool{}
	for d := -2; d <= 3; d++ {
		c, _ := totp.GenerateCode(db.DemoStaffTOTPSecret, time.Now().Add(time.Duration(d)*30*time.Second))
		valid[c] = true
	}
	var codes []string
	for i := 0; len(codes) < 99; i++ {
		if c := fmt.Sprintf("%06d", i*7919%1000000); !valid[c] {
			codes = append(codes, c)
		}
	}
	ps := atOnce(t, 99, func(i int) (page, error) {
		return b.tryPost("/demo/operatori/codice", url.Values{"code": {codes[i]}})
	})
	limit := throttle.StaffCode.Limit
	st := statusCount(ps)
	if st[http.StatusUnprocessableEntity] != limit-1 || st[http.StatusTooManyRequests] != 99-limit+1 {
		t.Fatalf("answers %v", st)
	}
	if n := auditCountOf(t, e.store, "operatore", "login_second_factor", "failure"); n != limit {
		t.Fatalf("%d codes checked, want %d", n, limit)
	}
	p := b.secondFactor("demo", db.DemoStaffTOTPSecret)
	wantStatus(t, p, http.StatusTooManyRequests)
	mustContain(t, p, "Troppi codici sbagliati")
	if p.header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After")
	}
	wantStatus(t, b.get("/demo/operatori"), http.StatusSeeOther)
}

// TestParallelRecoveryAnswers: 20 wrong security answers at once get 5
// checks (argon2id verifications); the right answer after them is refused
// and nothing is sent.
func TestParallelRecoveryAnswers(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	wantStatus(t, recoverStart(b, "demo", db.RecoverByUsername, "mario.rossi"), http.StatusOK)
	limit := throttle.RecoveryAnswer.Limit
	ops := password.Computations()
	ps := atOnce(t, 20, func(i int) (page, error) {
		return e.browser().tryPost("/demo/recupero-accesso", url.Values{"step": {"risposta"}, "key": {db.RecoverByUsername},
			"value": {"mario.rossi"}, "answer": {fmt.Sprintf("gatto-%d", i)}})
	})
	st := statusCount(ps)
	if st[http.StatusUnprocessableEntity] != limit-1 || st[http.StatusTooManyRequests] != 20-limit+1 {
		t.Fatalf("answers %v", st)
	}
	if n := password.Computations() - ops; n != int64(limit) {
		t.Fatalf("%d answers checked, want %d", n, limit)
	}
	p := recoverAnswer(b, "demo", db.RecoverByUsername, "mario.rossi", "Fido")
	wantStatus(t, p, http.StatusTooManyRequests)
	mustContain(t, p, "Troppe risposte non corrette", "riprova tra 60 minuti")
	if jobCount(t, e.store, "recovery") != 0 {
		t.Fatal("a recovery was sent")
	}
}

// TestRecoveryAnswerLockPerTypedValue: the lock of wrong answers is keyed on
// the value typed, like the username at sign-in: five wrong answers by
// username do not lock the same profile's codice fiscale or e-mail (which
// would tell that they belong together).
func TestRecoveryAnswerLockPerTypedValue(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	for i := range 5 {
		p := recoverAnswer(b, "demo", db.RecoverByUsername, "mario.rossi", "gatto")
		if want := map[bool]int{false: http.StatusUnprocessableEntity, true: http.StatusTooManyRequests}[i == 4]; p.status != want {
			t.Fatalf("wrong answer %d: status %d, want %d", i+1, p.status, want)
		}
	}
	wantStatus(t, recoverAnswer(b, "demo", db.RecoverByUsername, "Mario.Rossi", "Fido"), http.StatusTooManyRequests)
	cf := linkedCF(t, e.store, "mario.rossi")
	p := recoverAnswer(b, "demo", db.RecoverByFiscalCode, cf, "gatto")
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, "La risposta non è corretta")
	p = recoverAnswer(b, "demo", db.RecoverByEmail, "mario.rossi@example.it", "Fido")
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, "Abbiamo inviato")
}

// TestThrottleStoreFailureBlocks: when the attempt cannot be counted (the
// counters refuse writes), the password, the TOTP code and the security
// answer are not checked at all: the right ones do not sign in or send.
func TestThrottleStoreFailureBlocks(t *testing.T) {
	e := newEnv(t)
	staff := e.browser()
	wantStatus(t, staff.login("demo", "operatore", "Ufficio-Scuola-2026"), http.StatusSeeOther)
	breakThrottles(t, e.store)
	ops := password.Computations()

	b := e.browser()
	p := b.login("demo", "mario.rossi", "Mensa-Scuola-2026")
	wantStatus(t, p, http.StatusServiceUnavailable)
	if p.header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After")
	}
	mustNotContain(t, p, "throttle", "pq:")
	if p = b.get("/demo/famiglia"); !strings.HasPrefix(p.loc, "/demo/accesso") {
		t.Fatalf("signed in although the attempt was not counted: %d %q", p.status, p.loc)
	}
	wantStatus(t, staff.secondFactor("demo", db.DemoStaffTOTPSecret), http.StatusServiceUnavailable)
	if p = staff.get("/demo/operatori"); !strings.HasPrefix(p.loc, "/demo/operatori/codice") {
		t.Fatalf("second factor passed although not counted: %d %q", p.status, p.loc)
	}
	wantStatus(t, recoverAnswer(e.browser(), "demo", db.RecoverByUsername, "mario.rossi", "Fido"), http.StatusServiceUnavailable)
	if jobCount(t, e.store, "recovery") != 0 {
		t.Fatal("a recovery was sent")
	}
	if n := password.Computations() - ops; n != 0 {
		t.Fatalf("%d secrets checked without counting", n)
	}

	e.store.DB().MustExec(`DROP TRIGGER throttles_broken ON throttles`)
	wantStatus(t, b.login("demo", "mario.rossi", "Mensa-Scuola-2026"), http.StatusSeeOther)
}

// breakThrottles makes every write to the counters fail, as a database
// that times out would.
func breakThrottles(t *testing.T, s *db.Store) {
	t.Helper()
	s.DB().MustExec(`CREATE OR REPLACE FUNCTION throttles_broken() RETURNS trigger LANGUAGE plpgsql AS
		$$ BEGIN RAISE EXCEPTION 'counter unavailable'; END $$`)
	s.DB().MustExec(`CREATE TRIGGER throttles_broken BEFORE INSERT OR UPDATE ON throttles
		FOR EACH ROW EXECUTE FUNCTION throttles_broken()`)
}

// TestParallelCNSRefusals: 40 unreadable cards at once from one address get
// 20 checks; a valid card after them is refused; and a card that cannot be
// counted is not checked.
func TestParallelCNSRefusals(t *testing.T) {
	t.Parallel()
	e := newCNSEnv(t, cnsOpts{proxy: true, trusted: "127.0.0.1/32, ::1"})
	entra := e.srv.URL + "/demo/cns/entra"
	cl := e.fromAddr("127.0.0.1")
	ps := atOnce(t, 40, func(int) (page, error) {
		req, _ := http.NewRequest(http.MethodGet, entra, nil)
		req.Header.Set(cnsHeader, "garbage")
		return tryDo(cl, req)
	})
	limit := throttle.CNSRefusal.Limit
	st := statusCount(ps)
	if st[http.StatusBadRequest] != limit || st[http.StatusTooManyRequests] != 40-limit {
		t.Fatalf("answers %v", st)
	}
	if n := auditCount(t, e.store, "login", "rejected"); n != limit {
		t.Fatalf("%d cards checked, want %d", n, limit)
	}
	good := url.PathEscape(string(e.card(cnsca.Card{FiscalCode: marioCF}).CertPEM()))
	p := fetch(t, cl, entra, cnsHeader, good)
	wantStatus(t, p, http.StatusTooManyRequests)
	if p.header.Get("Retry-After") != "900" {
		t.Fatalf("Retry-After %q", p.header.Get("Retry-After"))
	}

	e.store.DB().MustExec(`DELETE FROM throttles`)
	breakThrottles(t, e.store)
	wantStatus(t, fetch(t, cl, entra, cnsHeader, good), http.StatusServiceUnavailable)
	if n := auditCount(t, e.store, "login", "success"); n != 0 {
		t.Fatalf("%d sign-ins although the attempt was not counted", n)
	}
	e.store.DB().MustExec(`DROP TRIGGER throttles_broken ON throttles`)
	// counted again: the card is checked and its data shown for confirmation
	wantStatus(t, fetch(t, cl, entra, cnsHeader, good), http.StatusOK)
}

// TestSignInSameWorkEveryPath: every password sign-in does exactly two
// argon2id verifications, whether the username exists, has a temporary
// password pending, has no permanent password, or the password is right.
func TestSignInSameWorkEveryPath(t *testing.T) {
	e := newEnv(t)
	temp, _ := password.Hash("Temporanea-Prova-1")
	e.store.DB().MustExec(`UPDATE accounts SET temp_password_hash = $1, temp_password_expires_at = now() + interval '1 hour'
		WHERE username = 'laura.rossi'`, temp)
	e.store.DB().MustExec(`UPDATE accounts SET password_hash = NULL WHERE username = 'giulia.bianchi'`)
	var wrongPlain, wrongTemp page
	for _, c := range []struct {
		what, user, pw string
		status         int
	}{
		{"unknown username", "nessuno.tale", "sbagliata-davvero", http.StatusUnprocessableEntity},
		{"wrong password", "mario.rossi", "sbagliata-davvero", http.StatusUnprocessableEntity},
		{"wrong password, temporary pending", "laura.rossi", "sbagliata-davvero", http.StatusUnprocessableEntity},
		{"no permanent password", "giulia.bianchi", "sbagliata-davvero", http.StatusUnprocessableEntity},
		{"overlong password", "mario.rossi", strings.Repeat("x", 300), http.StatusUnprocessableEntity},
		{"right temporary password", "laura.rossi", "Temporanea-Prova-1", http.StatusSeeOther},
		{"right permanent password, temporary pending", "laura.rossi", "Diario-Scuola-2026", http.StatusSeeOther},
		{"right password", "mario.rossi", "Mensa-Scuola-2026", http.StatusSeeOther},
	} {
		ops := password.Computations()
		p := e.browser().login("demo", c.user, c.pw)
		if p.status != c.status {
			t.Fatalf("%s: status %d, want %d", c.what, p.status, c.status)
		}
		if n := password.Computations() - ops; n != 2 {
			t.Fatalf("%s: %d argon2id verifications, want 2", c.what, n)
		}
		switch c.what {
		case "wrong password":
			wrongPlain = p
		case "wrong password, temporary pending":
			wrongTemp = p
		}
	}
	if strings.ReplaceAll(wrongPlain.body, "mario.rossi", "X") != strings.ReplaceAll(wrongTemp.body, "laura.rossi", "X") {
		t.Fatal("a pending temporary password changes the failure page")
	}
}

// TestTempPasswordValidAfterLeaving: a parent who signs in with the
// temporary password and leaves the forced change ("Esci") can come back
// with it until it expires, as the change page says; the change voids it.
func TestTempPasswordValidAfterLeaving(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hash, _ := password.Hash("Temporanea-Prova-1")
	e.store.DB().MustExec(`UPDATE accounts SET temp_password_hash = $1, temp_password_expires_at = now() + interval '20 hours'
		WHERE username = 'mario.rossi'`, hash)
	var expires time.Time
	mustGet(t, e.store.DB(), &expires, `SELECT temp_password_expires_at FROM accounts WHERE username = 'mario.rossi'`)
	rome, _ := time.LoadLocation("Europe/Rome")
	b := e.browser()
	p := b.login("demo", "mario.rossi", "Temporanea-Prova-1")
	if p.loc != "/demo/cambio-password" {
		t.Fatalf("temporary password leads to %q", p.loc)
	}
	p = b.get("/demo/cambio-password")
	mustContain(t, p, "Prima di continuare devi scegliere una nuova password",
		"La password temporanea resta valida fino al "+expires.In(rome).Format("02/01/2006 alle 15:04"), "potrai rientrare con la stessa password")
	p = b.get("/demo/cambio-password", "Accept-Language", "en")
	mustContain(t, p, "The temporary password stays valid until")

	wantStatus(t, b.post("/demo/esci", nil), http.StatusSeeOther)
	p = b.login("demo", "mario.rossi", "Temporanea-Prova-1")
	if p.loc != "/demo/cambio-password" {
		t.Fatalf("after Esci the temporary password leads to %d %q", p.status, p.loc)
	}
	wantStatus(t, b.post("/demo/cambio-password", url.Values{"password": {"Nuova-Merenda-2027"}, "confirm": {"Nuova-Merenda-2027"}}), http.StatusSeeOther)
	wantStatus(t, e.browser().login("demo", "mario.rossi", "Temporanea-Prova-1"), http.StatusUnprocessableEntity)
	wantStatus(t, e.browser().login("demo", "mario.rossi", "Nuova-Merenda-2027"), http.StatusSeeOther)
}

// useRecoveryLink makes a one-time link for username and spends it in b:
// the forced change follows.
func useRecoveryLink(t *testing.T, e *env, b *browser, username string) {
	t.Helper()
	token := rand.Text()
	if _, err := e.store.DB().ExecContext(context.Background(), `
		INSERT INTO recovery_tokens (installation_id, account_id, token_hash, expires_at) VALUES (1, $1, $2, $3)`,
		accountID(t, e.store, username), delivery.TokenHash(token), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	p := b.post("/demo/recupero-accesso/link/"+token, nil)
	if p.loc != "/demo/cambio-password" {
		t.Fatalf("link leads to %d %q", p.status, p.loc)
	}
}

// TestRecoveryLinkChangePageSaysNow: after a recovery link, the change page
// says the link is spent and the password must be chosen now.
func TestRecoveryLinkChangePageSaysNow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	useRecoveryLink(t, e, b, "mario.rossi")
	p := b.get("/demo/cambio-password")
	mustContain(t, p, "Prima di continuare devi scegliere una nuova password", "Il collegamento che hai usato vale una sola volta")
	mustNotContain(t, p, "password temporanea resta valida")
}

// TestIdentitySignInAfterRecoveryLink: after a used recovery link, signing
// in with SPID leads to the family page, not to "Cambia la password": a
// proven identity needs no local password change. A password sign-in
// still asks for it.
func TestIdentitySignInAfterRecoveryLink(t *testing.T) {
	t.Parallel()
	se := newSAMLEnv(t)
	useRecoveryLink(t, se.env, se.browser(), "mario.rossi")
	b := se.browser()
	s := se.start(b, "spid")
	p := se.post(b, "spid", se.spid, se.answer("spid", s, nil), s.relay)
	if p.loc != "/demo/famiglia" {
		t.Fatalf("SPID sign-in leads to %d %q", p.status, p.loc)
	}
	p = b.get("/demo/famiglia")
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, "Luca")
	p = b.get("/demo/cambio-password")
	wantStatus(t, p, http.StatusOK)
	mustNotContain(t, p, "Prima di continuare devi scegliere")

	p = se.browser().login("demo", "mario.rossi", "Mensa-Scuola-2026")
	if p.loc != "/demo/cambio-password" {
		t.Fatalf("password sign-in after the link leads to %q", p.loc)
	}
}

// TestThrottleTimeoutBlocks: a counter that does not answer in time (its
// row held by a stuck transaction) refuses the sign-in after the limiter's
// timeout; the right password is not checked and does not sign in.
func TestThrottleTimeoutBlocks(t *testing.T) {
	e := newEnvWith(t, func(cfg *config.Config, _ string) { cfg.RequestTimeout = 5 * time.Second })
	wantStatus(t, e.browser().login("demo", "mario.rossi", "sbagliata-davvero"), http.StatusUnprocessableEntity)
	tx := e.store.DB().MustBegin()
	defer tx.Rollback()
	tx.MustExec(`SELECT * FROM throttles WHERE key = 'login:user:1:mario.rossi' FOR UPDATE`)
	ops := password.Computations()
	b := e.browser()
	start := time.Now()
	p := b.login("demo", "mario.rossi", "Mensa-Scuola-2026")
	wantStatus(t, p, http.StatusServiceUnavailable)
	if took := time.Since(start); took > 20*time.Second {
		t.Fatalf("the refusal took %v", took)
	}
	if n := password.Computations() - ops; n != 0 {
		t.Fatalf("%d verifications without counting", n)
	}
	tx.Rollback()
	if p = b.get("/demo/famiglia"); !strings.HasPrefix(p.loc, "/demo/accesso") {
		t.Fatalf("signed in although the attempt was not counted: %d %q", p.status, p.loc)
	}
	wantStatus(t, b.login("demo", "mario.rossi", "Mensa-Scuola-2026"), http.StatusSeeOther)
}
