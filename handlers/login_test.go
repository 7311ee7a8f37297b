package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestLoginPageShowsEnabledMethods(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	p := b.get("/demo/accesso")
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, `<html lang="it">`, "Username", "Password", ">OK<", "Controllo dimensioni",
		"Registrati", "Problemi con l&#39;accesso", "Entra con SPID", "Entra con CIE", "Entra con CNS/CRS",
		">Dichiarazione di accessibilità</a>", `href="/demo/privacy"`)

	// CST mode: no username/password boxes, the external button, registration outside.
	p = b.get("/valle/accesso")
	wantStatus(t, p, http.StatusOK)
	mustNotContain(t, p, `id="username"`, `id="password"`, `href="/valle/recupero-accesso"`, `href="/valle/registrazione"`)
	mustContain(t, p, "Problemi con l&#39;accesso? Rivolgiti agli uffici comunali") // recovery: the seed's CST note
	mustContain(t, p, "https://cst.valleserena.example/accesso", "https://cst.valleserena.example/registrazione", "Centro Servizi Territoriali")

	// each link leads to a page, never a dead end
	// (recupero-accesso: recovery_test.go; cns: TestCNSExplanationPage; spid, cie: saml_test.go)
	// a method the installation does not enable says so with 404
	p = b.get("/valle/cie")
	wantStatus(t, p, http.StatusNotFound)
	mustContain(t, p, "non è attivo per questo Comune")
	// a local login POST where the Comune has only CST is refused
	p = b.login("valle", "anna.valle", "Valle-Serena-2026")
	wantStatus(t, p, http.StatusNotFound)
}

func TestLoginSuccessAndGenericFailure(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	before := b.get("/demo/accesso")
	wantStatus(t, before, http.StatusOK)

	wrongPw := b.login("demo", "mario.rossi", "sbagliata-davvero")
	noUser := b.login("demo", "nessuno.tale", "sbagliata-davvero")
	wantStatus(t, wrongPw, http.StatusUnprocessableEntity)
	wantStatus(t, noUser, http.StatusUnprocessableEntity)
	mustContain(t, wrongPw, "Username o password non corretti", `value="mario.rossi"`)
	mustContain(t, noUser, "Username o password non corretti", `value="nessuno.tale"`)
	mustNotContain(t, wrongPw, "sbagliata-davvero")
	// the two answers differ only in the echoed username
	if strings.ReplaceAll(wrongPw.body, "mario.rossi", "X") != strings.ReplaceAll(noUser.body, "nessuno.tale", "X") {
		t.Fatal("wrong password and unknown username give different pages")
	}

	empty := b.post("/demo/accesso", url.Values{"username": {" "}, "password": {""}})
	wantStatus(t, empty, http.StatusUnprocessableEntity)
	mustContain(t, empty, `id="username-error"`, italian("login.error.username"), `id="password-error"`, italian("login.error.password"))

	ok := b.login("demo", "MARIO.ROSSI", "Mensa-Scuola-2026") // usernames are case-insensitive
	wantStatus(t, ok, http.StatusSeeOther)
	if ok.loc != "/demo/famiglia" {
		t.Fatalf("redirect to %q", ok.loc)
	}
	fam := b.get("/demo/famiglia")
	wantStatus(t, fam, http.StatusOK)
	mustContain(t, fam, "Buongiorno, Mario.", "Luca Rossi", "Sofia Rossi", "Adulto pagante")
	mustNotContain(t, fam, "Marco Verdi", "Elena Bianchi")

	if n := auditCount(t, e.store, "login", "failure"); n != 2 {
		t.Fatalf("audit failures = %d, want 2", n)
	}
	if n := auditCount(t, e.store, "login", "success"); n != 1 {
		t.Fatalf("audit successes = %d, want 1", n)
	}
	// no secret in the logs or in the database
	if strings.Contains(e.logs.String(), "Mensa-Scuola-2026") || strings.Contains(e.logs.String(), "sbagliata-davvero") {
		t.Fatal("a password reached the logs")
	}
	var leaks int
	mustGet(t, e.store.DB(), &leaks, `SELECT count(*) FROM audit_log WHERE detail::text LIKE '%sbagliata%' OR actor LIKE '%sbagliata%'`)
	var hashes int
	mustGet(t, e.store.DB(), &hashes, `SELECT count(*) FROM accounts WHERE password_hash NOT LIKE '$argon2id$%'`)
	if leaks != 0 || hashes != 0 {
		t.Fatalf("secrets stored: %d audit leaks, %d non-argon2id hashes", leaks, hashes)
	}
}

func TestGuardianSeesChildren(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	wantStatus(t, b.login("demo", "laura.rossi", "Diario-Scuola-2026"), http.StatusSeeOther)
	fam := b.get("/demo/famiglia")
	mustContain(t, fam, "Luca Rossi", "Sofia Rossi", "Genitore / tutore")
}

func TestStaleLinkHidesChildren(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	wantStatus(t, b.login("demo", "paolo.neri", "Profilo-Vecchio-2026"), http.StatusSeeOther)
	fam := b.get("/demo/famiglia")
	wantStatus(t, fam, http.StatusOK)
	mustContain(t, fam, "non è ancora stato rigenerato")
	mustNotContain(t, fam, "Pietro Neri")
}

func TestThrottlePerAccountAndIP(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	for i := 0; i < 4; i++ {
		wantStatus(t, b.login("demo", "mario.rossi", "tentativo-sbagliato"), http.StatusUnprocessableEntity)
	}
	p := b.login("demo", "mario.rossi", "tentativo-sbagliato") // the fifth failure blocks
	wantStatus(t, p, http.StatusTooManyRequests)
	mustContain(t, p, "Troppi tentativi", "riprova tra 15 minuti")
	if p.header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After")
	}
	// even the right password is refused while blocked
	wantStatus(t, b.login("demo", "mario.rossi", "Mensa-Scuola-2026"), http.StatusTooManyRequests)
	// an unknown username is throttled the same way (no enumeration)
	for i := 0; i < 4; i++ {
		b.login("demo", "fantasma", "x-y-z")
	}
	wantStatus(t, b.login("demo", "fantasma", "x-y-z"), http.StatusTooManyRequests)
	if n := auditCount(t, e.store, "login", "lock"); n != 2 {
		t.Fatalf("lock audit rows = %d, want 2", n)
	}
	// another account from the same address still works (below the IP limit)
	wantStatus(t, b.login("demo", "laura.rossi", "Diario-Scuola-2026"), http.StatusSeeOther)

	// per-IP limit: many usernames from one address
	e2 := newEnv(t)
	b2 := e2.browser()
	blocked := false
	for i := 0; i < 31 && !blocked; i++ {
		p := b2.login("demo", "utente"+string(rune('a'+i%26))+string(rune('a'+i/26)), "nope-nope")
		blocked = p.status == http.StatusTooManyRequests
	}
	if !blocked {
		t.Fatal("30 failures from one address did not block it")
	}
	wantStatus(t, b2.login("demo", "laura.rossi", "Diario-Scuola-2026"), http.StatusTooManyRequests)
}

func TestLockedAccount(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	if _, err := e.store.DB().Exec(`UPDATE accounts SET locked_at = now() WHERE username = 'mario.rossi'`); err != nil {
		t.Fatal(err)
	}
	wrong := b.login("demo", "mario.rossi", "sbagliata-davvero")
	wantStatus(t, wrong, http.StatusUnprocessableEntity) // a wrong password does not reveal the lock
	p := b.login("demo", "mario.rossi", "Mensa-Scuola-2026")
	wantStatus(t, p, http.StatusForbidden)
	mustContain(t, p, "bloccato")
	if n := auditCount(t, e.store, "login", "locked"); n != 1 {
		t.Fatalf("locked audit rows = %d", n)
	}
}

func TestNextParameterStaysInside(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	p := b.get("/demo/sessioni")
	wantStatus(t, p, http.StatusSeeOther)
	if p.loc != "/demo/accesso?next=/demo/sessioni" {
		t.Fatalf("redirect %q", p.loc)
	}
	p = b.post("/demo/accesso", url.Values{"username": {"mario.rossi"}, "password": {"Mensa-Scuola-2026"}, "next": {"/demo/sessioni"}})
	if p.loc != "/demo/sessioni" {
		t.Fatalf("next ignored: %q", p.loc)
	}
	for _, next := range []string{"https://evil.example/", "//evil.example/x", "/valle/famiglia", "/demo/..//evil"} {
		b := e.browser()
		p := b.post("/demo/accesso", url.Values{"username": {"mario.rossi"}, "password": {"Mensa-Scuola-2026"}, "next": {next}})
		if p.loc != "/demo/famiglia" {
			t.Fatalf("next %q led to %q", next, p.loc)
		}
	}
}
