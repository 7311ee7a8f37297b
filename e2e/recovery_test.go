package e2e

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp/kb"

	"portalegenitori/db"
	"portalegenitori/internal/codicefiscale"
)

var (
	recoveryLink = regexp.MustCompile(`https?://[^/\s]+(/demo/recupero-accesso/link/[A-Z2-7]+)`)
	recoveryTemp = regexp.MustCompile(`password temporanea (\S+)`)
)

// startRecovery goes from the login page to «Problemi con l'accesso» and
// types the value, by keyboard; downs is how many times ArrowDown moves the
// menu from «Codice fiscale» (1: Username, 2: Indirizzo e-mail).
func (p *Page) startRecovery(downs int, value string) {
	p.t.Helper()
	p.open("/demo/accesso")
	p.tabTo(`main a[href="/demo/recupero-accesso"]`)
	if resp := p.enter(); resp.Status != 200 {
		p.t.Fatalf("recovery page status %d", resp.Status)
	}
	axeCheck(p, "recovery form")
	p.tabTo("#key")
	for range downs {
		p.key(kb.ArrowDown)
	}
	p.fillField("#value", value)
	p.tab()
	p.expectFocus("main form button[type=submit]")
	if resp := p.enter(); resp.Status != 200 {
		p.t.Fatalf("Continua: status %d (%s)", resp.Status, p.text("main"))
	}
	p.expectText("main label[for=answer]", "primo animale domestico")
	p.expectFocus("#answer") // autofocus on the question
	axeCheck(p, "security question")
}

func (p *Page) answerRecovery(answer string, wantStatus int64) {
	p.t.Helper()
	p.expectFocus("#answer")
	p.typeText(answer)
	p.tab()
	p.expectFocus("main form button[type=submit]")
	if resp := p.enter(); resp.Status != wantStatus {
		p.t.Fatalf("Conferma: status %d, want %d (%s)", resp.Status, wantStatus, p.text("main"))
	}
}

// TestRecoveryEmailLinkJourney: by codice fiscale, keyboard only: a wrong
// answer first, then the right one; the e-mail link's page, its button, the
// forced change and the family page. axe on every state.
func TestRecoveryEmailLinkJourney(t *testing.T) {
	t.Parallel()
	rs := startRegServer(t)
	p := newPage(t, rs.base)
	p.startRecovery(0, strings.ToLower(codicefiscale.Compute("Rossi", "Mario", time.Date(1982, 4, 12, 0, 0, 0, 0, time.UTC), false, "F205")))
	p.answerRecovery("Pluto", 422)
	p.expectText("#answer-error", "non è corretta")
	axeCheck(p, "wrong answer")
	p.tabTo("#answer")
	p.answerRecovery("fido", 200)
	p.expectText("main [role=status]", "Abbiamo inviato un collegamento")
	axeCheck(p, "recovery sent")

	msgs := rs.smtp.Wait(1, 30*time.Second)
	m := recoveryLink.FindStringSubmatch(msgs[0].Text())
	if m == nil {
		t.Fatalf("no link in the mail:\n%s", msgs[0].Text())
	}
	if status := p.open(m[1]); status != 200 {
		t.Fatalf("link page status %d", status)
	}
	axeCheck(p, "recovery link page")
	p.tabTo("main form button[type=submit]")
	p.enter()
	p.waitPath("forced change", func(s string) bool { return s == "/demo/cambio-password" })
	axeCheck(p, "forced change after the link")
	p.fillField("#password", "Nuova-Merenda-2027")
	p.fillField("#confirm", "Nuova-Merenda-2027")
	p.tab()
	p.expectFocus("main form button[type=submit]")
	p.enter()
	p.waitPath("family page", func(s string) bool { return s == "/demo/famiglia" })
	p.expectText("main", "Luca")
}

// TestRecoveryTempPasswordJourney: by username (second entry of the menu),
// the SMS temporary password signs in straight to the forced change, which
// says until when it stays valid; after «Esci» it still signs in.
func TestRecoveryTempPasswordJourney(t *testing.T) {
	t.Parallel()
	rs := startRegServer(t)
	p := newPage(t, rs.base)
	p.startRecovery(1, marioUser)
	p.answerRecovery("Fido", 200)
	p.expectText("main [role=status]", "password temporanea via SMS")
	var temp string
	deadline := time.Now().Add(30 * time.Second)
	for temp == "" && time.Now().Before(deadline) {
		for _, s := range rs.smsTexts() {
			if m := recoveryTemp.FindStringSubmatch(s); m != nil {
				temp = m[1]
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	if temp == "" {
		t.Fatal("no SMS with a temporary password")
	}
	p.tabTo(`main a[href="/demo/accesso"]`)
	p.enter()
	p.login(marioUser, temp, false)
	p.waitPath("forced change", func(s string) bool { return s == "/demo/cambio-password" })
	p.expectText("main", "Prima di continuare devi scegliere una nuova password")
	p.expectText("main .alert-warning", "La password temporanea resta valida fino al")
	axeCheck(p, "forced change after the temporary password")

	// «Esci» without changing it: the temporary password still works, and
	// leads to the change again
	p.logout()
	p.waitPath("login page", func(s string) bool { return strings.HasPrefix(s, "/demo/accesso") })
	p.login(marioUser, temp, false)
	p.waitPath("forced change again", func(s string) bool { return s == "/demo/cambio-password" })
	p.expectText("main .alert-warning", "La password temporanea resta valida fino al")
}

// TestRecoveryMissingContactJourney: giulia.bianchi's paying adult has no
// mobile in the registry (demo sends by e-mail and SMS): after the right
// answer, the seed's error with whom to contact.
func TestRecoveryMissingContactJourney(t *testing.T) {
	t.Parallel()
	rs := startRegServer(t)
	p := newPage(t, rs.base)
	p.startRecovery(1, giuliaUser)
	p.answerRecovery(db.DemoSecurityAnswer, 422)
	got := p.text("main [role=alert]")
	if !strings.Contains(got, "manca il numero di cellulare") || !strings.Contains(got, "Ufficio Servizi Scolastici") {
		t.Fatalf("missing-contact message: %q", got)
	}
	axeCheck(p, "missing contact")
	p.tabTo(`main a[href="/demo/recupero-accesso"]`)
	p.tabTo(`main a[href="/demo/accesso"]`)
}
