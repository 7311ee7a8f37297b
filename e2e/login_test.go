package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// TestLoginKeyboard: wrong credentials, then the right ones, with the
// keyboard only; the family page lists the children.
func TestLoginKeyboard(t *testing.T) {
	t.Parallel()
	p := newPage(t, startServer(t))

	if status := p.open("/demo/accesso"); status != 200 {
		t.Fatalf("login page: status %d", status)
	}
	p.expectSkipLinkFirst()
	axeCheck(p, "login page")
	budgetCheck(p, "login page", "/demo/accesso")

	// Wrong password: the generic error, tied to both fields.
	resp := p.login(marioUser, "Password-Sbagliata-1", false)
	if resp.Status != 422 {
		t.Errorf("wrong credentials: status %d, want 422", resp.Status)
	}
	if got := p.path(); got != "/demo/accesso" {
		t.Errorf("wrong credentials: page %s, want /demo/accesso", got)
	}
	if !p.exists(".alert-danger[role=alert]#login-error") {
		t.Fatalf("wrong credentials: no .alert-danger[role=alert]#login-error")
	}
	p.expectText("#login-error", "Username o password non corretti")
	for _, sel := range []string{"#username", "#password"} {
		ids := strings.Fields(p.attr(sel, "aria-describedby"))
		if !containsStr(ids, "login-error") {
			t.Errorf("wrong credentials: %s aria-describedby=%q, want it to name login-error", sel, strings.Join(ids, " "))
		}
	}
	if got := p.value("#username"); got != marioUser {
		t.Errorf("wrong credentials: username %q, want it kept as %q", got, marioUser)
	}
	if got := p.value("#password"); got != "" {
		t.Errorf("wrong credentials: password field keeps %d characters, want it empty", len(got))
	}
	// The password field has the focus, so the user types it again at once.
	p.expectFocus("#password")
	axeCheck(p, "login page with the wrong-credentials error")

	// Right password, typed in the focused field, Enter submits the form.
	p.typeText(marioPass)
	resp = p.enter()
	if resp.Status != 200 || p.path() != "/demo/famiglia" {
		t.Fatalf("login: landed on %s (status %d), want /demo/famiglia", p.path(), resp.Status)
	}
	p.expectSkipLinkFirst()
	main := p.text("main")
	for _, child := range []string{"Luca", "Sofia"} {
		if !strings.Contains(main, child) {
			t.Errorf("family page does not list %s:\n%s", child, main)
		}
	}
	axeCheck(p, "family page")
	budgetCheck(p, "family page", "/demo/famiglia")

	// The skip link moves the focus to the main content.
	p.open("/demo/famiglia")
	p.tab()
	p.key("\r")
	p.expectFocus("main#main")
	if got := p.path(); got != "/demo/famiglia#main" {
		t.Errorf("skip link: page %s, want /demo/famiglia#main", got)
	}

	// Active sessions, from the navigation.
	p.tabTo(`nav a[href="/demo/sessioni"]`)
	if resp := p.enter(); resp.Status != 200 || p.path() != "/demo/sessioni" {
		t.Fatalf("sessions: landed on %s (status %d)", p.path(), resp.Status)
	}
	p.expectText("main table", "Questo dispositivo")
	axeCheck(p, "sessions page")
}

// TestLoginEmptyFields: submitting an empty form gives one error per field.
func TestLoginEmptyFields(t *testing.T) {
	t.Parallel()
	p := newPage(t, startServer(t))
	p.open("/demo/accesso")
	p.tabTo("button[type=submit]")
	resp := p.enter()
	if resp.Status != 422 {
		t.Errorf("empty form: status %d, want 422", resp.Status)
	}
	for _, f := range []string{"username", "password"} {
		sel := "#" + f
		if got := p.attr(sel, "aria-invalid"); got != "true" {
			t.Errorf("empty form: %s aria-invalid=%q, want true", sel, got)
		}
		if ids := strings.Fields(p.attr(sel, "aria-describedby")); !containsStr(ids, f+"-error") {
			t.Errorf("empty form: %s aria-describedby=%q, want %s-error", sel, strings.Join(ids, " "), f)
		}
		if !p.exists("#" + f + "-error") {
			t.Errorf("empty form: no #%s-error", f)
		}
	}
	p.expectFocus("#username")
	axeCheck(p, "login page with empty-field errors")
}

// TestStaleProfile: paolo.neri's registry CF changed, the family page warns.
func TestStaleProfile(t *testing.T) {
	t.Parallel()
	p := newPage(t, startServer(t))
	p.freshLogin(paoloUser, paoloPass, false, "/demo/famiglia")
	if !p.exists("main .alert-warning[role=alert]") {
		t.Errorf("stale profile: no warning alert on the family page:\n%s", p.text("main"))
	}
	p.expectText("main .alert-warning", "codice fiscale")
	if p.exists("main .card") {
		t.Errorf("stale profile: children are shown although the profile must be regenerated")
	}
	axeCheck(p, "family page with the stale-profile warning")
}

// TestSessionCookie documents that Chromium keeps the production cookie
// (__Host-genitori: Secure, HttpOnly, SameSite=Lax, Path=/) over plain
// http://127.0.0.1: loopback is a secure context, so the e2e tests run with
// CookieSecure = true.
func TestSessionCookie(t *testing.T) {
	t.Parallel()
	p := newPage(t, startServer(t))
	p.freshLogin(marioUser, marioPass, false, "/demo/famiglia")
	res, err := chromedp.Call(p.ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{p.base + "/"}})
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, c := range res.Cookies {
		if c.Name != "__Host-genitori" {
			continue
		}
		found = true
		if !c.Secure || !c.HTTPOnly || c.SameSite != network.CookieSameSiteLax || c.Path != "/" || !c.Session {
			t.Errorf("session cookie: secure=%v httpOnly=%v sameSite=%q path=%q session=%v; want Secure, HttpOnly, Lax, /, a session cookie",
				c.Secure, c.HTTPOnly, c.SameSite, c.Path, c.Session)
		}
		if evalJS[bool](p, `document.cookie.includes('__Host-genitori')`) {
			t.Errorf("session cookie readable from JavaScript")
		}
	}
	if !found {
		t.Fatalf("no __Host-genitori cookie after sign-in; cookies: %v", res.Cookies)
	}
}

func containsStr(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
