package e2e

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp/kb"

	"portalegenitori/db"
	"portalegenitori/delivery"
	"portalegenitori/internal/notify"
	"portalegenitori/internal/notify/smtptest"
)

// regServer is the portal with a delivery worker, a real SMTP listener and
// an HTTP SMS gateway.
type regServer struct {
	base string
	smtp *smtptest.Server
	mu   sync.Mutex
	sms  []string
}

func (s *regServer) smsTexts() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.sms...)
}

func startRegServer(t *testing.T) *regServer {
	t.Helper()
	srv, store := startServerWith(t, nil)
	rs := &regServer{base: srv.URL}
	var err error
	rs.smtp, err = smtptest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rs.smtp.Close)
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]string
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		rs.mu.Lock()
		rs.sms = append(rs.sms, m["text"])
		rs.mu.Unlock()
	}))
	t.Cleanup(gw.Close)
	mailer, _ := notify.NewSMTPMailer(notify.SMTPConfig{Host: "127.0.0.1", Port: rs.smtp.Port(), From: "noreply@example.it", TLS: "none"})
	w, err := delivery.NewWorker(store, delivery.Senders{Mail: mailer, SMS: &notify.HTTPGateway{URL: gw.URL}, BaseURL: srv.URL},
		slog.New(slog.NewTextHandler(io.Discard, nil)), delivery.Options{FetchPollInterval: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := w.Stop(context.Background()); err != nil {
			t.Errorf("stop the worker: %v", err)
		}
	})
	return rs
}

// waitText waits until the element's text contains want.
func (p *Page) waitText(sel, want string) {
	p.t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for time.Now().Before(deadline) {
		if strings.Contains(p.text(sel), want) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	p.t.Fatalf("%s never read %q (reads %q)", sel, want, p.text(sel))
}

// fillField tabs to a field and types into it.
func (p *Page) fillField(sel, text string) {
	p.t.Helper()
	p.tabTo(sel)
	p.typeText(text)
}

// TestRegisterJourney: a newcomer registers the demo paying adult with no
// account by keyboard only (contacts locked, captcha solved by the worker,
// privacy notice in a dialog), reads the mail and signs in. axe after each
// htmx swap.
func TestRegisterJourney(t *testing.T) {
	t.Parallel()
	rs := startRegServer(t)
	p := newPage(t, rs.base)
	p.open("/demo/accesso")
	p.tabTo(`main a[href="/demo/registrazione"]`)
	if resp := p.enter(); resp.Status != 200 {
		t.Fatalf("registration page status %d", resp.Status)
	}
	axeCheck(p, "registration form")

	p.fillField("#first_name", "Anna")
	p.fillField("#last_name", "Verdi")
	p.fillField("#fiscal_code", "VRDNNA87H43L219B")
	p.waitText("#cf-status", "carattere di controllo")
	axeCheck(p, "CF wrong check letter")
	p.key(kb.Backspace)
	p.typeText("D")
	p.waitText("#cf-status", "adulto pagante")
	if p.attr("#email", "readonly") == "" && !evalJS[bool](p, `document.getElementById('email').readOnly`) {
		t.Fatal("e-mail not locked")
	}
	axeCheck(p, "contacts locked")

	p.fillField("#username", "Mario.Rossi")
	p.tab()
	p.expectFocus(`button[name=verifica]`)
	p.key(kb.Enter)
	p.waitText("#username-status", "Username NON disponibile!")
	p.expectFocus(`button[name=verifica]`)
	axeCheck(p, "username taken")
	p.shiftTab()
	p.expectFocus("#username")
	for range len("Mario.Rossi") {
		p.key(kb.Backspace)
	}
	p.typeText("anna.verdi")
	p.tab()
	p.key(kb.Enter)
	p.waitText("#username-status", "Username disponibile")

	p.fillField("#password", "Merenda-Sul-Prato-77")
	p.waitText("#strength", "Livello di protezione")
	p.expectFocus("#password")
	axeCheck(p, "strength meter")
	p.fillField("#confirm", "Merenda-Sul-Prato-77")

	p.tabTo("#security_question")
	p.key(kb.ArrowDown) // first proposed question
	p.fillField("#security_answer", "Fido")

	p.tabTo("#privacy-link")
	p.key(kb.Enter)
	deadline := time.Now().Add(stepTimeout)
	for !evalJS[bool](p, `document.getElementById('privacy-dialog').open`) {
		if time.Now().After(deadline) {
			t.Fatal("privacy dialog did not open")
		}
		time.Sleep(100 * time.Millisecond)
	}
	p.expectFocus("[data-dialog-close]")
	axeCheck(p, "privacy dialog")
	p.key(kb.Escape)
	p.expectFocus("#privacy-link")
	p.tabTo("#privacy")
	p.space()

	p.waitText("#captcha-status", "completata")
	p.tabTo("main form button.btn-primary")
	if resp := p.enter(); resp.Status != 200 {
		t.Fatalf("Conferma: status %d (%s)", resp.Status, p.text("main"))
	}
	p.expectText("main h1", "Registrazione completata")
	axeCheck(p, "registration done")

	p.expectText("#link-next", "codice di verifica")
	// the reminder and the verification code, both to the registry's e-mail
	msgs := rs.smtp.Wait(2, 30*time.Second)
	for _, m := range msgs {
		if m.To[0] != "anna.verdi@example.it" || !strings.Contains(m.Text(), "anna.verdi") {
			t.Fatalf("mail: %+v", msgs)
		}
	}
	code := rs.linkCode(t, "anna.verdi@example.it")
	p.tabTo(`main a[href="/demo/accesso"]`)
	p.enter()
	p.login("anna.verdi", "Merenda-Sul-Prato-77", false)
	p.waitPath("family page", func(s string) bool { return s == "/demo/famiglia" })
	p.expectText("#link-wait", "a•••i@example.it")
	if strings.Contains(p.text("main"), "Marco") {
		t.Fatal("the family page shows Marco before the verification code")
	}
	axeCheck(p, "family page waiting for the code")
	p.enterLinkCode("/demo", code)
	p.expectText("main", "Marco")
}

var linkCodeRE = regexp.MustCompile(`[Cc]odice di verifica:? (\d{6})`)

// linkCode waits for the verification code sent to a registry contact
// (an e-mail address, or a mobile number for the SMS).
func (s *regServer) linkCode(t *testing.T, to string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(to, "@") {
			for _, m := range s.smtp.Messages() {
				if c := linkCodeRE.FindStringSubmatch(m.Text()); c != nil && m.To[0] == to {
					return c[1]
				}
			}
		} else {
			for _, txt := range s.smsTexts() {
				if c := linkCodeRE.FindStringSubmatch(txt); c != nil {
					return c[1]
				}
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no verification code sent to %s", to)
	return ""
}

// enterLinkCode goes from the family page to «Collega il profilo» and
// enters the code, by keyboard; it ends on the family page, linked.
func (p *Page) enterLinkCode(prefix, code string) {
	p.t.Helper()
	p.tabTo(`main a[href="` + prefix + `/collegamento"]`)
	if resp := p.enter(); resp.Status != 200 {
		p.t.Fatalf("link page: status %d", resp.Status)
	}
	axeCheck(p, "link page")
	p.fillField("#codice", "000000x")
	p.tab()
	p.expectFocus(`main form button.btn-primary`)
	if resp := p.enter(); resp.Status != 422 {
		p.t.Fatalf("malformed code: status %d", resp.Status)
	}
	p.expectText("#codice-error", "6 cifre")
	p.expectFocus("#codice")
	if got := p.attr("#codice", "aria-invalid"); got != "true" {
		p.t.Errorf("wrong code: #codice aria-invalid=%q", got)
	}
	axeCheck(p, "link page with an error")
	p.key(kb.End)
	for range len("000000x") {
		p.key(kb.Backspace)
	}
	p.typeText(code)
	p.tab()
	p.expectFocus(`main form button.btn-primary`)
	p.enter()
	p.waitPath("family page after the code", func(s string) bool { return s == prefix+"/famiglia" })
	p.expectText("main", "collegato ai profili dei bambini")
}

var tempPassword = regexp.MustCompile(`Password temporanea: (\S+)`)

// TestRegisterGeneratedJourney: lago (no password to choose, SMS) ends at
// the forced change at first sign-in.
func TestRegisterGeneratedJourney(t *testing.T) {
	t.Parallel()
	rs := startRegServer(t)
	p := newPage(t, rs.base)
	p.open("/lago/registrazione")
	p.fillField("#first_name", "Carla")
	p.fillField("#last_name", "Galli")
	p.fillField("#fiscal_code", db.DemoRegistrationCF["lago"])
	p.waitText("#cf-status", "trovato")
	p.fillField("#mobile", "3471234567")
	p.fillField("#username", "carla.galli")
	p.tabTo("#security_question")
	p.key(kb.ArrowDown)
	p.fillField("#security_answer", "Rosso")
	p.tabTo("main form button.btn-primary")
	if resp := p.enter(); resp.Status != 200 {
		t.Fatalf("Conferma: status %d (%s)", resp.Status, p.text("main"))
	}
	axeCheck(p, "generated password: done")
	var temp string
	deadline := time.Now().Add(30 * time.Second)
	for temp == "" && time.Now().Before(deadline) {
		for _, s := range rs.smsTexts() {
			if m := tempPassword.FindStringSubmatch(s); m != nil {
				temp = m[1]
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	if temp == "" {
		t.Fatal("no SMS with a temporary password")
	}
	code := rs.linkCode(t, "+393471234567")
	p.open("/lago/accesso")
	p.login("carla.galli", temp, false)
	p.waitPath("forced change", func(s string) bool { return s == "/lago/cambio-password" })
	axeCheck(p, "forced change after generated password")
	p.fillField("#password", "Bici-Rossa-9")
	p.fillField("#confirm", "Bici-Rossa-9")
	p.enter()
	p.waitPath("family page", func(s string) bool { return s == "/lago/famiglia" })
	if strings.Contains(p.text("main"), "Tommaso") {
		t.Fatal("the family page shows Tommaso before the verification code")
	}
	p.enterLinkCode("/lago", code)
	p.expectText("main", "Tommaso")
}

// TestRegisterLinkWithoutJavaScript: the demo journey with scripts off:
// registration (the no-JS captcha question), sign-in, the code page and its
// errors, the family.
func TestRegisterLinkWithoutJavaScript(t *testing.T) {
	t.Parallel()
	rs := startRegServer(t)
	p := newPage(t, rs.base)
	p.disableJS()
	p.open("/lago/registrazione")
	p.fillField("#first_name", "Carla")
	p.fillField("#last_name", "Galli")
	p.fillField("#fiscal_code", db.DemoRegistrationCF["lago"])
	p.fillField("#username", "carla.galli")
	p.tabTo("#security_question")
	p.key(kb.ArrowDown)
	p.fillField("#security_answer", "Rosso")
	p.tabTo("main form button.btn-primary")
	if resp := p.enter(); resp.Status != 200 {
		t.Fatalf("no JS, Conferma: status %d (%s)", resp.Status, p.text("main"))
	}
	p.expectText("main h1", "Registrazione completata")
	p.expectText("#link-next", "•••567")
	var temp string
	deadline := time.Now().Add(30 * time.Second)
	for temp == "" && time.Now().Before(deadline) {
		for _, s := range rs.smsTexts() {
			if m := tempPassword.FindStringSubmatch(s); m != nil {
				temp = m[1]
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	if temp == "" {
		t.Fatal("no SMS with a temporary password")
	}
	code := rs.linkCode(t, "+393471234567")
	p.open("/lago/accesso")
	p.login("carla.galli", temp, false)
	p.waitPath("forced change", func(s string) bool { return s == "/lago/cambio-password" })
	p.fillField("#password", "Bici-Rossa-9")
	p.fillField("#confirm", "Bici-Rossa-9")
	p.enter()
	p.waitPath("family page", func(s string) bool { return s == "/lago/famiglia" })
	if evalJS[string](p, `typeof window.htmx`) != "undefined" {
		t.Fatalf("htmx ran although JavaScript is disabled")
	}
	p.enterLinkCode("/lago", code)
	p.expectText("main", "Tommaso")
	axeCheck(p, "family page after the code, without JavaScript")
}
