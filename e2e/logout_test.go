package e2e

import (
	"strings"
	"testing"
	"time"
)

// TestLogout: «Esci» in the navigation ends the session; the login page says
// so; neither the Back button nor the address of the family page shows the
// family again.
func TestLogout(t *testing.T) {
	t.Parallel()
	p := newPage(t, startServer(t))
	p.freshLogin(marioUser, marioPass, false, "/demo/famiglia")

	resp := p.logout()
	if resp.Status != 200 || p.path() != "/demo/accesso?uscito=1" {
		t.Fatalf("logout: landed on %s (status %d), want /demo/accesso?uscito=1", p.path(), resp.Status)
	}
	if !p.exists("main [role=status]") {
		t.Errorf("logout: no role=status message")
	}
	p.expectText("main [role=status]", "Sei uscito dal portale")
	if p.exists("nav.site-nav") {
		t.Errorf("logout: the signed-in navigation is still shown")
	}
	axeCheck(p, "login page after logout")

	// Back: the browser must not show the family page again. It has
	// Cache-Control: no-store, so it is fetched again and refused; a copy from
	// the back/forward cache must reload itself (and then be refused).
	// Fails today: Chromium 156 restores the family page from its
	// back/forward cache after logout (a pageshow handler that reloads
	// persisted pages fixes it; Clear-Site-Data on the logout does not).
	how := p.back()
	deadline := time.Now().Add(stepTimeout)
	for !strings.HasPrefix(p.path(), "/demo/accesso") && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	p.waitLoaded()
	if main := p.text("main"); !strings.HasPrefix(p.path(), "/demo/accesso") || strings.Contains(main, "Luca") || strings.Contains(main, "Sofia") {
		t.Errorf("Back after logout shows the family page again: %s (restored by %s), the children's data is on screen:\n%s",
			p.path(), how, oneLine(main, 300))
	}

	// The address of the family page leads to the login page.
	status := p.open("/demo/famiglia")
	if got := p.path(); status != 200 || got != "/demo/accesso?next=/demo/famiglia" {
		t.Errorf("/demo/famiglia after logout: page %s (status %d), want /demo/accesso?next=/demo/famiglia", got, status)
	}
	if !p.exists("#username") {
		t.Errorf("/demo/famiglia after logout: no login form")
	}
	// Signing in from there goes back to the page asked for.
	resp = p.login(marioUser, marioPass, false)
	if p.path() != "/demo/famiglia" || resp.Status != 200 {
		t.Errorf("sign-in with next: landed on %s (status %d), want /demo/famiglia", p.path(), resp.Status)
	}
}
