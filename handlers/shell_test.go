package handlers_test

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func TestCrossOriginPostRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	form := url.Values{"username": {"mario.rossi"}, "password": {"Mensa-Scuola-2026"}}
	p := b.post("/demo/accesso", form, "Sec-Fetch-Site", "cross-site")
	wantStatus(t, p, http.StatusForbidden)
	p = b.post("/demo/accesso", form, "Origin", "https://evil.example")
	wantStatus(t, p, http.StatusForbidden)
	if n := auditCount(t, e.store, "login", "success"); n != 0 {
		t.Fatal("a cross-origin login went through")
	}
	p = b.post("/demo/accesso", form, "Sec-Fetch-Site", "same-origin")
	wantStatus(t, p, http.StatusSeeOther)
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.browser().get("/demo/accesso")
	csp := p.header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Fatalf("weak CSP %q", csp)
	}
	for h, want := range map[string]string{
		"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin",
		"Cache-Control": "no-store", "Strict-Transport-Security": "max-age=31536000",
	} {
		if got := p.header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if !regexp.MustCompile(`HX-Request`).MatchString(strings.Join(p.header.Values("Vary"), ",")) {
		t.Error("no Vary: HX-Request")
	}
	// no inline script or style anywhere in the page
	if regexp.MustCompile(`<script>|<script [^>]*>[^<]|<style|style="|\son[a-z]+=`).MatchString(p.body) {
		t.Fatal("inline script or style in the page")
	}
}

func TestFragmentOrFullPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	full := b.get("/demo/privacy")
	mustContain(t, full, "<!DOCTYPE html>", "<main", "Titolare del trattamento", "Comune di Esempio")
	frag := b.get("/demo/privacy", "HX-Request", "true")
	mustContain(t, frag, "Titolare del trattamento")
	mustNotContain(t, frag, "<!DOCTYPE html>", "<main", "<footer")
	boosted := b.get("/demo/privacy", "HX-Request", "true", "HX-Boosted", "true")
	mustContain(t, boosted, "<!DOCTYPE html>")
	restore := b.get("/demo/privacy", "HX-Request", "true", "HX-History-Restore-Request", "true")
	mustContain(t, restore, "<!DOCTYPE html>")
	// an htmx request for a protected page gets HX-Redirect, not a login page inside a region
	p := b.get("/demo/famiglia", "HX-Request", "true")
	if p.header.Get("HX-Redirect") != "/demo/accesso?next=/demo/famiglia" {
		t.Fatalf("HX-Redirect = %q", p.header.Get("HX-Redirect"))
	}
}

func TestStaticAssetsHashedAndCompressed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	page := b.get("/demo/accesso")
	css := regexp.MustCompile(`href="(/static/css/app\.[0-9a-f]{12}\.css)"`).FindStringSubmatch(page.body)
	js := regexp.MustCompile(`src="(/static/js/htmx\.min\.[0-9a-f]{12}\.js)"`).FindStringSubmatch(page.body)
	if css == nil || js == nil {
		t.Fatal("hashed asset URLs not in the page")
	}
	for _, path := range []string{css[1], js[1]} {
		req, _ := http.NewRequest(http.MethodGet, e.srv.URL+path, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := b.client.Transport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
			t.Fatalf("%s: encoding %q cache %q", path, resp.Header.Get("Content-Encoding"), resp.Header.Get("Cache-Control"))
		}
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(zr)
		resp.Body.Close()
		if len(body) < 1000 {
			t.Fatalf("%s: %d bytes", path, len(body))
		}
	}
	wantStatus(t, b.get("/static/css/app.000000000000.css"), http.StatusNotFound)
}

func TestNotFoundPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	p := b.get("/nessuno/accesso")
	wantStatus(t, p, http.StatusNotFound)
	mustContain(t, p, italian("error.notfound.title"))
	p = b.get("/demo/non-esiste")
	wantStatus(t, p, http.StatusNotFound)
	mustContain(t, p, italian("error.notfound.title"))
	p = b.get("/")
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, "Comune di Esempio", "Comune di Valle Serena", `href="/demo/accesso"`)
	p = b.get("/demo")
	wantStatus(t, p, http.StatusSeeOther)
}

func TestLanguage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	mustContain(t, b.get("/demo/accesso", "Accept-Language", "en-GB,en;q=0.9"), `<html lang="en">`, "Sign in", "Problems signing in")
	mustContain(t, b.get("/demo/accesso", "Accept-Language", "de,it;q=0.5"), `<html lang="it">`, "Accesso")
	p := b.get("/lingua/en?next=/demo/privacy")
	wantStatus(t, p, http.StatusSeeOther)
	if p.loc != "/demo/privacy" {
		t.Fatalf("language switch went to %q", p.loc)
	}
	mustContain(t, b.get("/demo/privacy"), `<html lang="en">`, "Data controller")
	if p := b.get("/lingua/en?next=//evil.example"); p.loc != "/" {
		t.Fatalf("open redirect through the language switch: %q", p.loc)
	}
	wantStatus(t, b.get("/lingua/xx"), http.StatusNotFound)
}

func TestFitTablesRememberedPerBrowserAndAccount(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	p := b.post("/demo/accesso", url.Values{"username": {"mario.rossi"}, "password": {"Mensa-Scuola-2026"}, "fit": {"1"}})
	wantStatus(t, p, http.StatusSeeOther)
	mustContain(t, b.get("/demo/famiglia"), `<body class="fit-tables">`)
	// the browser remembers it on the login page after logout
	b.post("/demo/esci", nil)
	mustContain(t, b.get("/demo/accesso"), `id="fit" name="fit" value="1" checked`)
	// the account remembers it on another browser
	other := e.browser()
	mustContain(t, other.get("/demo/accesso"), `name="fit_shown" value="0"`)
	other.login("demo", "mario.rossi", "Mensa-Scuola-2026")
	// that login form showed the box unticked and the person left it so:
	// the account's setting stands (issue 13: it used to be overwritten)
	mustContain(t, other.get("/demo/famiglia"), `<body class="fit-tables">`)
	fitOn := func() (on bool) {
		t.Helper()
		if err := e.store.DB().Get(&on, `SELECT fit_tables FROM accounts WHERE username = 'mario.rossi'`); err != nil {
			t.Fatal(err)
		}
		return on
	}
	// unticking a box shown ticked is a choice: the account follows it
	fourth := e.browser()
	wantStatus(t, fourth.post("/demo/accesso", url.Values{"username": {"mario.rossi"}, "password": {"Mensa-Scuola-2026"}, "fit_shown": {"1"}}), http.StatusSeeOther)
	if fitOn() {
		t.Fatal("the box unticked at sign-in did not switch the account's setting off")
	}
	mustNotContain(t, other.get("/demo/famiglia"), `class="fit-tables"`)
	// the footer form switches it on for the account
	p = other.post("/demo/preferenze", url.Values{"fit": {"1"}, "next": {"/demo/sessioni"}})
	if p.loc != "/demo/sessioni" {
		t.Fatalf("preferences went to %q", p.loc)
	}
	s := other.get("/demo/sessioni")
	mustContain(t, s, `<body class="fit-tables">`, italian("fit.saved.on"))
	third := e.browser()
	wantStatus(t, third.post("/demo/accesso", url.Values{"username": {"mario.rossi"}, "password": {"Mensa-Scuola-2026"}, "fit": {"1"}}), http.StatusSeeOther)
	var on bool
	mustGet(t, e.store.DB(), &on, `SELECT fit_tables FROM accounts WHERE username = 'mario.rossi'`)
	if !on {
		t.Fatal("preference not stored on the account")
	}
}

func TestOversizedAndMalformedForms(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	huge := strings.Repeat("a", 100<<10)
	p := b.post("/demo/accesso", url.Values{"username": {huge}, "password": {"x"}})
	if p.status >= 500 {
		t.Fatalf("oversized form: %d", p.status)
	}
	p = b.post("/demo/accesso", url.Values{"username": {strings.Repeat("u", 500)}, "password": {strings.Repeat("p", 5000)}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	p = b.post("/demo/accesso", url.Values{"username": {"\xff\xfe"}, "password": {"\xff"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/demo/accesso", strings.NewReader("%zz=%%%"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	p = b.do(req)
	if p.status >= 500 {
		t.Fatalf("malformed form: %d", p.status)
	}
}
