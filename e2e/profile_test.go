package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp/kb"
)

const lauraUser, lauraPass = "laura.rossi", "Diario-Scuola-2026"

// TestProfileJourneyKeyboard: "Il mio profilo" from the navigation, by
// keyboard, at 360 px: the paying adult's locked contacts, the language
// saved on the account, a guardian's contact form with a wrong address.
func TestProfileJourneyKeyboard(t *testing.T) {
	t.Parallel()
	base := startServer(t)
	p := newPage(t, base)
	p.emulatePhone(360, 740)
	p.freshLogin(marioUser, marioPass, false, "/demo/famiglia")
	p.tabTo(`nav a[href="/demo/profilo"]`)
	if resp := p.enter(); resp.Status != 200 || p.path() != "/demo/profilo" {
		t.Fatalf("profile: landed on %s (status %d)", p.path(), resp.Status)
	}
	p.expectText("main h1", "Il mio profilo")
	p.expectText("#contacts-locked", "non puoi cambiarli qui")
	axeCheck(p, "profile of a paying adult, 360 px")
	p.expectNoHorizontalScroll("profile page", 360, false)

	p.tabTo("#lang-it") // a radio group is one tab stop: the checked one
	p.key(kb.ArrowDown)
	p.tabTo(`form[action$="/profilo/lingua"] button`)
	if resp := p.enter(); resp.Status != 200 {
		t.Fatalf("language: status %d", resp.Status)
	}
	p.expectText("main h1", "My profile")
	p.expectText("main", "Language saved.")
	axeCheck(p, "profile in English")

	l := newPage(t, base)
	l.emulatePhone(360, 740)
	l.freshLogin(lauraUser, lauraPass, false, "/demo/famiglia")
	l.open("/demo/profilo")
	l.tabTo("#email")
	l.typeText("laura@@example")
	l.tabTo(`form[action$="/profilo/email"] button`)
	if resp := l.enter(); resp.Status != 422 {
		t.Fatalf("bad e-mail: status %d", resp.Status)
	}
	l.expectText("#email-error", "Scrivi un indirizzo e-mail valido")
	if v := l.value("#email"); v != "laura@@example" {
		t.Errorf("the typed value was not kept: %q", v)
	}
	axeCheck(l, "profile with an error, 360 px")
	l.expectNoHorizontalScroll("profile with an error", 360, false)
}

// TestProfileWithoutJavaScript: the forms of the profile work as plain
// HTML posts; the closure request reaches the office's list.
func TestProfileWithoutJavaScript(t *testing.T) {
	t.Parallel()
	base := startServer(t)
	p := newPage(t, base)
	p.emulatePhone(360, 740)
	p.disableJS()
	p.freshLogin(lauraUser, lauraPass, true, "/demo/famiglia")
	p.open("/demo/profilo")
	p.tabTo("#reason")
	p.typeText("Trasferimento")
	p.tabTo("#confirm")
	p.space()
	p.tabTo(`form[action$="/profilo/chiusura"] button`)
	if resp := p.enter(); resp.Status != 200 || p.path() != "/demo/profilo" {
		t.Fatalf("closure request: %s (status %d)", p.path(), resp.Status)
	}
	if !strings.Contains(p.text("main"), "attende la conferma") {
		t.Errorf("no pending request shown: %q", p.text("main"))
	}
	axeCheck(p, "profile with a closure request, no JavaScript")
}

// TestChildCardsWithoutBullets: at desktop width the children's cards carry
// no list bullets.
func TestChildCardsWithoutBullets(t *testing.T) {
	t.Parallel()
	p := newPage(t, startServer(t))
	p.emulatePhone(1280, 900)
	p.freshLogin(marioUser, marioPass, false, "/demo/famiglia")
	if got := evalJS[string](p, `getComputedStyle(document.querySelector('ul.child-list > li')).listStyleType`); got != "none" {
		t.Errorf("child cards list-style-type %q, want none", got)
	}
}
