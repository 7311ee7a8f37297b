package e2e

import (
	"strings"
	"testing"

	"portalegenitori/db"
)

// TestLoginMethodLinks: "Registrati" and "Problemi con l'accesso" on the
// login page lead, by keyboard, to their pages, which pass axe.
func TestLoginMethodLinks(t *testing.T) {
	t.Parallel()
	p := newPage(t, startServer(t))
	for _, m := range []struct{ slug, label, h1 string }{
		{"registrazione", "Registrati", "Registrazione"},
		{"recupero-accesso", "Problemi con l'accesso", "Problemi con l'accesso"},
		// spid, cie: spid_test.go; cns: cns_test.go
	} {
		p.open("/demo/accesso")
		f := p.tabTo(`main a[href="/demo/` + m.slug + `"]`)
		if f.Text != m.label {
			t.Errorf("link to /demo/%s reads %q, want %q", m.slug, f.Text, m.label)
		}
		resp := p.enter()
		if resp.Status != 200 || p.path() != "/demo/"+m.slug {
			t.Errorf("%s: page %s status %d, want /demo/%s with 200", m.label, p.path(), resp.Status, m.slug)
		}
		p.expectText("main h1", m.h1)
		axeCheck(p, "«"+m.label+"» page")
	}
}

// TestInformationPages: privacy notice and accessibility statement from the
// footer links; the 404 pages.
func TestInformationPages(t *testing.T) {
	t.Parallel()
	p := newPage(t, startServer(t))
	for _, pg := range []struct{ path, h1 string }{
		{"/demo/privacy", "Informativa Privacy"},
		{"/demo/accessibilita", "Dichiarazione di accessibilità"},
	} {
		p.open("/demo/accesso")
		p.tabTo(`footer a[href="` + pg.path + `"]`)
		if resp := p.enter(); resp.Status != 200 || p.path() != pg.path {
			t.Errorf("footer link: page %s status %d, want %s", p.path(), resp.Status, pg.path)
		}
		p.expectText("main h1", pg.h1)
		p.expectSkipLinkFirst()
		axeCheck(p, pg.h1)
	}

	for _, path := range []string{"/demo/nonesiste", "/nessuncomune/accesso", "/demo/accesso/di/piu"} {
		if status := p.open(path); status != 404 {
			t.Errorf("%s: status %d, want 404", path, status)
		}
		p.expectText("main h1", "Pagina non trovata")
		axeCheck(p, "404 page "+path)
	}
}

// TestEnglish: the language switch in the header, by keyboard, gives the
// English login page, also with errors; and back to Italian.
func TestEnglish(t *testing.T) {
	t.Parallel()
	p := newPage(t, startServer(t))
	p.open("/demo/accesso")
	f := p.tabTo(`header a[hreflang="en"]`)
	if f.Text != "English" {
		t.Errorf("language link reads %q", f.Text)
	}
	resp := p.enter()
	if resp.Status != 200 || p.path() != "/demo/accesso" {
		t.Fatalf("English: page %s status %d, want /demo/accesso", p.path(), resp.Status)
	}
	if lang := p.attr("html", "lang"); lang != "en" {
		t.Errorf("English login page: <html lang=%q>", lang)
	}
	p.expectText("main h1", "Sign in")
	if p.attr(`header a[hreflang="en"]`, "aria-current") != "true" {
		t.Errorf("English login page: the English link is not marked aria-current")
	}
	p.tab()
	if f := p.focused(); !strings.Contains(f.Text, "Skip to main content") {
		t.Errorf("English login page: first Tab focuses %s, want the skip link «Skip to main content»", f)
	}
	axeCheck(p, "login page (English)")

	p.login(marioUser, "Wrong-Password-2026", false)
	p.expectText("#login-error", "Wrong username or password")
	axeCheck(p, "login page with error (English)")

	p.tabTo(`footer a[href="/demo/privacy"]`)
	p.enter()
	p.expectText("main h1", "Privacy notice")
	axeCheck(p, "privacy notice (English)")
	p.tabTo(`footer a[href="/demo/accessibilita"]`)
	p.enter()
	p.expectText("main h1", "Accessibility statement")
	axeCheck(p, "accessibility statement (English)")
	p.open("/demo/nonesiste")
	p.expectText("main h1", "Page not found")
	axeCheck(p, "404 page (English)")

	p.open("/demo/accesso")
	p.tabTo(`header a[hreflang="it"]`)
	p.enter()
	if lang := p.attr("html", "lang"); lang != "it" {
		t.Errorf("back to Italian: <html lang=%q>", lang)
	}
	p.expectText("main h1", "Accesso")
}

// TestCSTLogin: the second Comune signs in only through the Territorial
// Services Centre: no username and password boxes, a link to the CST site.
func TestCSTLogin(t *testing.T) {
	t.Parallel()
	p := newPage(t, startServer(t))
	if status := p.open("/valle/accesso"); status != 200 {
		t.Fatalf("/valle/accesso: status %d", status)
	}
	for _, sel := range []string{"#username", "#password", "form[action$='/accesso']"} {
		if p.exists(sel) {
			t.Errorf("CST login page has %s", sel)
		}
	}
	p.expectSkipLinkFirst()
	f := p.tabTo(`main a[href="https://cst.valleserena.example/accesso"]`)
	if !strings.Contains(f.Text, "Accedi con le credenziali CST") || !strings.Contains(f.Text, "sito esterno") {
		t.Errorf("CST button reads %q, want «Accedi con le credenziali CST (sito esterno)»", f.Text)
	}
	p.expectText("header", "Comune di Valle Serena")
	axeCheck(p, "CST login page (valle)")
}

// TestStaffArea: the staff account lands on the audit log; a parent may not
// open it.
func TestStaffArea(t *testing.T) {
	t.Parallel()
	base := startServer(t)
	p := newPage(t, base)
	p.staffLogin(staffUser, staffPass, db.DemoStaffTOTPSecret) // staff_test.go
	p.expectText("main h1", "Area operatori")
	if !p.exists("main table") {
		t.Fatalf("staff page: no audit table")
	}
	p.expectText("main table", staffUser)
	p.expectSkipLinkFirst()
	axeCheck(p, "staff page")
	budgetCheck(p, "staff page", "/demo/operatori")

	parent := newPage(t, base)
	parent.freshLogin(marioUser, marioPass, false, "/demo/famiglia")
	if status := parent.open("/demo/operatori"); status != 403 {
		t.Errorf("parent on /demo/operatori: status %d, want 403", status)
	}
	parent.expectText("main h1", "Accesso non consentito")
	axeCheck(parent, "403 page (parent on the staff area)")
}
