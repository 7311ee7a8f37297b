package handlers_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func TestNewSessionIDAtLoginAndLogout(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	// a session exists before login (flash after preferences, say): plant one
	wantStatus(t, b.login("demo", "mario.rossi", "Mensa-Scuola-2026"), http.StatusSeeOther)
	first := b.sessionCookie()
	if first == "" {
		t.Fatal("no session cookie after login")
	}
	// signing in again from the same browser issues a different ID and drops the old row
	wantStatus(t, b.login("demo", "mario.rossi", "Mensa-Scuola-2026"), http.StatusSeeOther)
	second := b.sessionCookie()
	if second == "" || second == first {
		t.Fatalf("session ID not renewed at login: %q → %q", first, second)
	}
	var rows int
	mustGet(t, e.store.DB(), &rows, `SELECT count(*) FROM sessions`)
	if rows != 1 {
		t.Fatalf("%d session rows, want 1 (old one deleted)", rows)
	}
	// the token itself is not stored
	var stored int
	mustGet(t, e.store.DB(), &stored, `SELECT count(*) FROM sessions WHERE encode(token_hash, 'escape') LIKE '%' || $1 || '%'`, second)
	if stored != 0 {
		t.Fatal("raw session token stored in the database")
	}

	// a stolen copy of the old cookie does not work
	old := e.browser()
	u, _ := url.Parse(e.srv.URL)
	old.client.Jar.SetCookies(u, []*http.Cookie{{Name: "__Host-genitori", Value: first, Path: "/", Secure: true}})
	wantStatus(t, old.get("/demo/famiglia"), http.StatusSeeOther)

	p := b.post("/demo/esci", nil)
	wantStatus(t, p, http.StatusSeeOther)
	if p.loc != "/demo/accesso?uscito=1" {
		t.Fatalf("logout went to %q", p.loc)
	}
	mustContain(t, b.get(p.loc), "Sei uscito dal portale")
	mustGet(t, e.store.DB(), &rows, `SELECT count(*) FROM sessions`)
	if rows != 0 {
		t.Fatal("logout left the session row")
	}
	wantStatus(t, b.get("/demo/famiglia"), http.StatusSeeOther)
	if n := auditCount(t, e.store, "logout", "success"); n != 1 {
		t.Fatalf("logout audit rows = %d", n)
	}
}

func TestSessionCookieAttributes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	p := b.login("demo", "mario.rossi", "Mensa-Scuola-2026")
	var setCookie string
	for _, c := range p.header.Values("Set-Cookie") {
		if regexp.MustCompile(`^__Host-genitori=`).MatchString(c) {
			setCookie = c
		}
	}
	for _, attr := range []string{"Path=/", "HttpOnly", "Secure", "SameSite=Lax"} {
		if !regexp.MustCompile(regexp.QuoteMeta(attr)).MatchString(setCookie) {
			t.Fatalf("session cookie %q lacks %s", setCookie, attr)
		}
	}
	if regexp.MustCompile(`(?i)domain=|max-age|expires`).MatchString(setCookie) {
		t.Fatalf("session cookie must be host-only and end with the browser: %q", setCookie)
	}
}

func TestIdleAndAbsoluteExpiry(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	wantStatus(t, b.login("demo", "mario.rossi", "Mensa-Scuola-2026"), http.StatusSeeOther)
	wantStatus(t, b.get("/demo/famiglia"), http.StatusOK)
	// 29 idle minutes: still in
	e.store.DB().MustExec(`UPDATE sessions SET last_seen_at = now() - interval '29 minutes'`)
	wantStatus(t, b.get("/demo/famiglia"), http.StatusOK)
	// 31 idle minutes: out
	e.store.DB().MustExec(`UPDATE sessions SET last_seen_at = now() - interval '31 minutes'`)
	wantStatus(t, b.get("/demo/famiglia"), http.StatusSeeOther)

	// absolute: active all the time, but created 12 hours ago
	wantStatus(t, b.login("demo", "mario.rossi", "Mensa-Scuola-2026"), http.StatusSeeOther)
	wantStatus(t, b.get("/demo/famiglia"), http.StatusOK)
	e.store.DB().MustExec(`UPDATE sessions SET created_at = now() - interval '12 hours', expires_at = now() - interval '1 second'`)
	wantStatus(t, b.get("/demo/famiglia"), http.StatusSeeOther)
}

func TestSessionsListAndRevoke(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	phone, laptop := e.browser(), e.browser()
	wantStatus(t, phone.login("demo", "mario.rossi", "Mensa-Scuola-2026"), http.StatusSeeOther)
	wantStatus(t, laptop.login("demo", "mario.rossi", "Mensa-Scuola-2026"), http.StatusSeeOther)
	other := e.browser()
	wantStatus(t, other.login("demo", "laura.rossi", "Diario-Scuola-2026"), http.StatusSeeOther)

	p := laptop.get("/demo/sessioni")
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, italian("sessions.current"), italian("sessions.end_others"))
	forms := regexp.MustCompile(`/demo/sessioni/(\d+)/termina`).FindAllStringSubmatch(p.body, -1)
	if len(forms) != 1 {
		t.Fatalf("want 1 other session listed, got %d", len(forms))
	}
	// Laura's session is not listed and cannot be revoked by Mario
	var lauraID string
	mustGet(t, e.store.DB(), &lauraID, `SELECT s.public_id::text FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE a.username = 'laura.rossi'`)
	p = laptop.post("/demo/sessioni/"+lauraID+"/termina", nil)
	wantStatus(t, p, http.StatusSeeOther)
	mustContain(t, laptop.get("/demo/sessioni"), italian("sessions.not_found"))
	wantStatus(t, other.get("/demo/famiglia"), http.StatusOK)

	wantStatus(t, laptop.post("/demo/sessioni/"+forms[0][1]+"/termina", nil), http.StatusSeeOther)
	mustContain(t, laptop.get("/demo/sessioni"), "Accesso terminato.")
	if again := laptop.get("/demo/sessioni"); strings.Contains(again.body, "Accesso terminato.") {
		t.Fatal("the flash message was shown a second time")
	}
	wantStatus(t, phone.get("/demo/famiglia"), http.StatusSeeOther)
	wantStatus(t, laptop.get("/demo/famiglia"), http.StatusOK)
	if n := auditCount(t, e.store, "session_revoke", "success"); n != 1 {
		t.Fatalf("revoke audit rows = %d", n)
	}
}

func TestForcedPasswordChange(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b, other := e.browser(), e.browser()
	wantStatus(t, other.login("demo", "giulia.bianchi", "Primo-Accesso-2026"), http.StatusSeeOther)
	p := b.login("demo", "giulia.bianchi", "Primo-Accesso-2026")
	wantStatus(t, p, http.StatusSeeOther)
	if p.loc != "/demo/cambio-password" {
		t.Fatalf("forced change not enforced at login: %q", p.loc)
	}
	// every other page sends back to the change page
	for _, path := range []string{"/demo/famiglia", "/demo/sessioni", "/demo/operatori"} {
		p := b.get(path)
		if p.status != http.StatusSeeOther || p.loc != "/demo/cambio-password" {
			t.Fatalf("%s: status %d to %q", path, p.status, p.loc)
		}
	}
	p = b.get("/demo/cambio-password")
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, "Prima di continuare", "Digita ancora la password")
	mustNotContain(t, p, `id="current"`)

	cases := []struct{ pw, confirm, want string }{
		{"corta", "corta", "troppo corta"},
		{"juventus", "juventus", "troppo corta"},
		{"password1234", "password1234", "più usate"},
		{"giulia.bianchi-2027", "giulia.bianchi-2027", "non deve contenere lo Username"},
		{"Primo-Accesso-2026", "Primo-Accesso-2026", "diversa da quella attuale"},
		{"Nuova-Chiave-Lunga", "Nuova-Chiave-Lunghissima", "non coincidono"},
	}
	for _, c := range cases {
		p := b.post("/demo/cambio-password", url.Values{"password": {c.pw}, "confirm": {c.confirm}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		mustContain(t, p, c.want, `aria-invalid="true"`)
	}
	p = b.post("/demo/cambio-password", url.Values{"password": {"Nuova-Chiave-Lunga"}, "confirm": {"Nuova-Chiave-Lunga"}})
	wantStatus(t, p, http.StatusSeeOther)
	fam := b.get("/demo/famiglia")
	wantStatus(t, fam, http.StatusOK)
	mustContain(t, fam, "Password cambiata", "Elena Bianchi")
	// the other session ended, the old password no longer works, the new one does
	wantStatus(t, other.get("/demo/famiglia"), http.StatusSeeOther)
	wantStatus(t, e.browser().login("demo", "giulia.bianchi", "Primo-Accesso-2026"), http.StatusUnprocessableEntity)
	p = e.browser().login("demo", "giulia.bianchi", "Nuova-Chiave-Lunga")
	if p.loc != "/demo/famiglia" {
		t.Fatalf("after the change login goes to %q", p.loc)
	}
	if n := auditCount(t, e.store, "password_change", "success"); n != 1 {
		t.Fatalf("password change audit rows = %d", n)
	}
}

func TestVoluntaryPasswordChangeNeedsCurrent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	b.login("demo", "mario.rossi", "Mensa-Scuola-2026")
	p := b.post("/demo/cambio-password", url.Values{"current": {"sbagliata"}, "password": {"Nuova-Chiave-Lunga"}, "confirm": {"Nuova-Chiave-Lunga"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, italian("password.current_wrong"))
	p = b.post("/demo/cambio-password", url.Values{"current": {"Mensa-Scuola-2026"}, "password": {"Nuova-Chiave-Lunga"}, "confirm": {"Nuova-Chiave-Lunga"}})
	wantStatus(t, p, http.StatusSeeOther)
}
