package e2e

import (
	"strings"
	"testing"
)

// TestLoginWithoutJavaScript: with scripts disabled in the tab, the whole
// journey still works: wrong password, sign-in, family page, logout.
func TestLoginWithoutJavaScript(t *testing.T) {
	t.Parallel()
	p := newPage(t, startServer(t))
	p.disableJS()
	p.open("/demo/accesso")
	if evalJS[string](p, `typeof window.htmx`) != "undefined" {
		t.Fatalf("htmx ran although JavaScript is disabled")
	}
	p.expectSkipLinkFirst()
	axeCheck(p, "login page without JavaScript")

	resp := p.login(marioUser, "Password-Sbagliata-1", false)
	if resp.Status != 422 || !p.exists("#login-error") {
		t.Errorf("no JS, wrong password: status %d, want 422 with the error", resp.Status)
	}
	p.expectFocus("#password")
	p.typeText(marioPass)
	resp = p.enter()
	if resp.Status != 200 || p.path() != "/demo/famiglia" {
		t.Fatalf("no JS, sign-in: landed on %s (status %d), want /demo/famiglia", p.path(), resp.Status)
	}
	main := p.text("main")
	for _, child := range []string{"Luca", "Sofia"} {
		if !strings.Contains(main, child) {
			t.Errorf("no JS: family page does not list %s", child)
		}
	}
	if evalJS[string](p, `typeof window.htmx`) != "undefined" {
		t.Errorf("htmx ran on the family page although JavaScript is disabled")
	}
	axeCheck(p, "family page without JavaScript")
	if evalJS[string](p, `typeof window.htmx`) != "undefined" {
		t.Errorf("htmx ran on the family page after the axe check")
	}

	resp = p.logout()
	if resp.Status != 200 || p.path() != "/demo/accesso?uscito=1" {
		t.Fatalf("no JS, logout: landed on %s (status %d)", p.path(), resp.Status)
	}
	p.expectText("main [role=status]", "Sei uscito")
}
