package e2e

import (
	"strings"
	"testing"
)

// TestForcedPasswordChange: giulia.bianchi must choose a new password at
// her first sign-in. A common password is refused with a field error; a good
// one is saved, and from then on only the new password works.
func TestForcedPasswordChange(t *testing.T) {
	t.Parallel()
	p := newPage(t, startServer(t))
	const weak, good = "NuovaPassword", "Merenda-Al-Parco-2027"

	p.open("/demo/accesso")
	resp := p.login(giuliaUser, giuliaPass, false)
	if resp.Status != 200 || p.path() != "/demo/cambio-password" {
		t.Fatalf("first sign-in: landed on %s (status %d), want /demo/cambio-password", p.path(), resp.Status)
	}
	p.expectText("main .alert-warning", "nuova password")
	if p.exists("#current") {
		t.Errorf("forced change asks for the current password")
	}
	p.expectSkipLinkFirst()
	// The username for password managers must stay out of sight and out of
	// the Tab order: just before the new password there is only the nav.
	// Fails today: app.css gives input[type=text] display:block, which
	// overrides the hidden attribute ([hidden] { display: none !important }
	// in app.css fixes it).
	if evalJS[bool](p, `(() => { const u = document.querySelector('main form input[name=username]'); return !!u && getComputedStyle(u).display !== 'none'; })()`) {
		t.Errorf("password page: the hidden username field for password managers is displayed (an unlabelled text box with %q)", giuliaUser)
	}
	p.tabTo("#password")
	p.shiftTab()
	if p.focusMatches("main form input[name=username]") {
		t.Errorf("password page: Shift-Tab from the new password focuses the hidden username field")
	}
	axeCheck(p, "forced password change page")

	// Every other page sends her back here until she changes it.
	p.tabTo(`nav a[href="/demo/sessioni"]`)
	p.enter()
	if got := p.path(); got != "/demo/cambio-password" {
		t.Errorf("sessions before the forced change: page %s, want /demo/cambio-password", got)
	}

	// A common password: a field error, tied to the field, and a summary.
	p.tabTo("#password")
	p.typeText(weak)
	p.tab()
	p.expectFocus("#confirm")
	p.typeText(weak)
	resp = p.enter() // implicit submission from the last field
	if resp.Status != 422 || p.path() != "/demo/cambio-password" {
		t.Fatalf("common password: page %s status %d, want /demo/cambio-password with 422", p.path(), resp.Status)
	}
	if got := p.attr("#password", "aria-invalid"); got != "true" {
		t.Errorf("common password: #password aria-invalid=%q, want true", got)
	}
	if ids := strings.Fields(p.attr("#password", "aria-describedby")); !containsStr(ids, "password-error") {
		t.Errorf("common password: #password aria-describedby=%q, want password-error", strings.Join(ids, " "))
	}
	p.expectText("#password-error", "più usate")
	if !p.exists(`main .alert-danger[role=alert] a[href="#password"]`) {
		t.Errorf("common password: no error summary (role=alert) linking to #password")
	}
	if p.value("#password") != "" || p.value("#confirm") != "" {
		t.Errorf("common password: the password fields were sent back filled in")
	}
	axeCheck(p, "password change page with a field error")

	// A good password.
	p.tabTo("#password")
	p.typeText(good)
	p.tab()
	p.expectFocus("#confirm")
	p.typeText(good)
	p.tab()
	p.expectFocus("main button[type=submit]")
	resp = p.enter()
	if resp.Status != 200 || p.path() != "/demo/famiglia" {
		t.Fatalf("good password: landed on %s (status %d), want /demo/famiglia", p.path(), resp.Status)
	}
	if !p.exists("main [role=status]") {
		t.Errorf("after the change: no role=status message on the family page")
	}
	p.expectText("main [role=status]", "Password cambiata")
	p.expectText("main", "Elena")
	axeCheck(p, "family page after the password change")

	// Only the new password works now: the old one is refused, then the new
	// one is typed in the password field that has the focus.
	p.logout()
	resp = p.login(giuliaUser, giuliaPass, false)
	if resp.Status != 422 || !p.exists("#login-error") {
		t.Fatalf("old password after the change: status %d, page %s; want 422 with the error", resp.Status, p.path())
	}
	p.expectFocus("#password")
	p.typeText(good)
	resp = p.enter()
	if resp.Status != 200 || p.path() != "/demo/famiglia" {
		t.Errorf("new password: landed on %s (status %d), want /demo/famiglia", p.path(), resp.Status)
	}
}
