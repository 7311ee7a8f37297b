package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"portalegenitori/db"
)

// secondFactor gives the TOTP code of secret at the code page of inst,
// after the password; the next step of the clock, so two sign-ins in the
// same 30 seconds do not replay a code.
func (b *browser) secondFactor(inst, secret string) page {
	b.e.t.Helper()
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		b.e.t.Fatal(err)
	}
	p := b.post("/"+inst+"/operatori/codice", url.Values{"code": {code}})
	if p.status == http.StatusUnprocessableEntity && strings.Contains(p.body, "già stato usato") {
		// the code of this step was spent by an earlier sign-in of the test
		next, _ := totp.GenerateCode(secret, time.Now().Add(30*time.Second))
		p = b.post("/"+inst+"/operatori/codice", url.Values{"code": {next}})
	}
	return p
}

// staffSignedIn signs in a demo staff account with password and code.
func staffSignedIn(t *testing.T, e *env, user, pass string) *browser {
	t.Helper()
	b := e.browser()
	if p := b.login("demo", user, pass); p.status != http.StatusSeeOther {
		t.Fatalf("login %s: status %d", user, p.status)
	}
	secret := db.DemoStaffTOTPSecret
	if user == "amministratore" {
		secret = db.DemoAdminTOTPSecret
	}
	if p := b.secondFactor("demo", secret); p.status != http.StatusSeeOther {
		t.Fatalf("second factor %s: status %d\n%s", user, p.status, p.body)
	}
	return b
}
