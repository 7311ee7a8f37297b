package handlers_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
)

func TestStaffSecondFactor(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	p := b.login("demo", "operatore", "Ufficio-Scuola-2026")
	wantStatus(t, p, http.StatusSeeOther)
	// password alone: not signed in, every staff page leads to the code page
	for _, path := range []string{"/demo/operatori", "/demo/operatori/cerca?q=rossi", "/demo/sessioni"} {
		p = b.get(path)
		wantStatus(t, p, http.StatusSeeOther)
		if !strings.HasPrefix(p.loc, "/demo/operatori/codice") {
			t.Fatalf("%s before the code: sent to %q", path, p.loc)
		}
	}
	p = b.get("/demo/operatori/codice")
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, `autocomplete="one-time-code"`)
	mustNotContain(t, p, "PORTALEGENITORI") // enrolled: the secret is never shown again
	// a wrong code
	p = b.post("/demo/operatori/codice", url.Values{"code": {"000000"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, `aria-invalid="true"`, "code-error")
	before := b.sessionCookie()
	p = b.secondFactor("demo", "PORTALEGENITORIDEMOOPERATOREUFFI")
	wantStatus(t, p, http.StatusSeeOther)
	if p.loc != "/demo/operatori" {
		t.Fatalf("after the code: %q", p.loc)
	}
	if b.sessionCookie() == before {
		t.Fatal("the session ID must change when the sign-in completes")
	}
	wantStatus(t, b.get("/demo/operatori"), http.StatusOK)
	if auditCount(t, e.store, "login_second_factor", "success") != 1 || auditCount(t, e.store, "login_second_factor", "failure") != 1 {
		t.Fatal("second-factor outcomes not audited")
	}
	// the same code again, in a new sign-in: refused (each code works once)
	var last int64
	e.store.DB().Get(&last, `SELECT last_step FROM staff_totp t JOIN accounts a ON a.id = t.account_id WHERE a.username = 'operatore'`)
	replay, _ := totp.GenerateCode("PORTALEGENITORIDEMOOPERATOREUFFI", time.Unix(last*30, 0))
	b2 := e.browser()
	b2.login("demo", "operatore", "Ufficio-Scuola-2026")
	wantStatus(t, b2.post("/demo/operatori/codice", url.Values{"code": {replay}}), http.StatusUnprocessableEntity)
}

func TestStaffEnrolmentAtFirstSignIn(t *testing.T) {
	e := newEnv(t)
	e.store.DB().MustExec(`DELETE FROM staff_totp WHERE account_id = (SELECT id FROM accounts WHERE username = 'operatore')`)
	b := e.browser()
	b.login("demo", "operatore", "Ufficio-Scuola-2026")
	p := b.get("/demo/operatori/codice")
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, "Attiva il codice di verifica", `src="data:image/png;base64,`, "otpauth://totp/")
	m := regexp.MustCompile(`id="secret">([A-Z2-7 ]+)<`).FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no secret as text:\n%s", p.body)
	}
	secret := strings.ReplaceAll(m[1], " ", "")
	// a reload shows the same secret until it is confirmed
	mustContain(t, b.get("/demo/operatori/codice"), m[1])
	var stored string
	e.store.DB().Get(&stored, `SELECT secret FROM staff_totp t JOIN accounts a ON a.id = t.account_id WHERE a.username = 'operatore'`)
	if stored == "" {
		t.Fatal("secret not stored")
	}
	p = b.secondFactor("demo", secret)
	wantStatus(t, p, http.StatusSeeOther)
	wantStatus(t, b.get("/demo/operatori"), http.StatusOK)
	// enrolled: another sign-in never shows the secret
	b2 := e.browser()
	b2.login("demo", "operatore", "Ufficio-Scuola-2026")
	mustNotContain(t, b2.get("/demo/operatori/codice"), m[1], "otpauth://")
}
