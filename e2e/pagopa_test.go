package e2e

import (
	"context"
	"encoding/base64"
	"portalegenitori/internal/pdftext"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"portalegenitori/internal/config"
	"portalegenitori/internal/pagopa"
)

// TestPagoPAJourney (issue 16): on a 360 px phone, keyboard only, a parent
// tops up 20 € in the demo, pays on the emulator's Checkout page, comes
// back and sees the balance change; then creates a notice and downloads its
// PDF, which carries the notice number and the amount. Without JavaScript:
// a wrong amount is refused next to the field with the input kept, and a
// free amount goes the same way to the new balance. axe on every portal
// page of the way.
func TestPagoPAJourney(t *testing.T) {
	t.Parallel()
	srv, _ := startServerWith(t, func(cfg *config.Config, base string) {
		cfg.CookieSecure = true
		cfg.PagoPA.DemoEmulator = true
		cfg.BaseURL = base
	})

	// with JavaScript
	p := newPage(t, srv.URL)
	p.emulatePhone(360, 740)
	p.freshLogin("mario.rossi", "Mensa-Scuola-2026", false, "/demo/famiglia")
	p.open("/demo/pagamenti")
	axeCheck(p, "payments with pagoPA")
	before := p.text(".balance-amount")
	p.tabTo(`button[name="taglio"][value="2000"]`)
	p.enter()
	if !strings.Contains(p.path(), "/_demo-pagopa/paga/") {
		t.Fatalf("the top-up led to %s, not to Checkout", p.path())
	}
	p.tabTo("#carta")
	p.typeText("4111111111111111")
	p.tabTo(`button[value="paga"]`)
	p.enter()
	if !strings.Contains(p.path(), "/demo/pagamenti/pagopa/") {
		t.Fatalf("Checkout returned to %s", p.path())
	}
	p.waitFor("the payment confirmed", `document.querySelector('#pagopa-state').innerText.includes('Pagamento ricevuto')`)
	after := p.text(".pagopa-balance")
	if after == "" || after == before {
		t.Fatalf("balance before %q, after %q", before, after)
	}
	axeCheck(p, "top-up paid")
	p.open("/demo/pagamenti")
	if got := p.text(".balance-amount"); got != after {
		t.Fatalf("payments page balance %q, status page said %q", got, after)
	}
	mustTextContain(t, p, "main", "pagato con pagoPA")

	// a notice, and its PDF
	p.tabTo("#importo_avviso")
	p.typeText("12,34")
	p.enter()
	p.expectText("main", "Avviso di pagamento creato")
	axeCheck(p, "notice to pay")
	href := p.attr(`a[href$="/avviso.pdf"]`, "href")
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	b64, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(`+jsString(href)+`).then(r => r.arrayBuffer()).then(b => { let s = ''; new Uint8Array(b).forEach(c => s += String.fromCharCode(c)); return btoa(s); })`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("download the notice: %v", err)
	}
	pdf, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	nav := regexp.MustCompile(`\d{4} \d{4} \d{4} \d{4} \d{2}`).FindString(p.text("main"))
	text := pdfShown(t, pdf)
	for _, want := range []string{nav, pagopa.FormatNoticeNumber(strings.ReplaceAll(nav, " ", "")), "12,34"} {
		if want == "" || !strings.Contains(text, want) {
			t.Fatalf("the notice PDF lacks %q (notice %q):\n%s", want, nav, text)
		}
	}

	// without JavaScript
	q := newPage(t, srv.URL)
	q.disableJS()
	q.emulatePhone(360, 740)
	q.freshLogin("mario.rossi", "Mensa-Scuola-2026", false, "/demo/famiglia")
	q.open("/demo/pagamenti")
	before = q.text(".balance-amount")
	q.tabTo("#importo")
	q.typeText("mille")
	q.enter()
	q.expectText("#importo-error", "L'importo non è valido")
	if v := q.value("#importo"); v != "mille" {
		t.Fatalf("the amount typed was not kept: %q", v)
	}
	axeCheck(q, "top-up with a wrong amount")
	q.tabTo("#importo")
	q.key("\b\b\b\b\b")
	q.typeText("35,50")
	q.enter()
	if !strings.Contains(q.path(), "/_demo-pagopa/paga/") {
		t.Fatalf("the top-up led to %s, not to Checkout", q.path())
	}
	q.tabTo("#carta")
	q.typeText("4111111111111111")
	q.tabTo(`button[value="paga"]`)
	q.enter()
	for i := 0; !strings.Contains(q.text("#pagopa-state"), "Pagamento ricevuto"); i++ {
		if i == 20 {
			t.Fatalf("not paid after 20 reloads: %s", q.text("#pagopa-state"))
		}
		q.tabTo(`#pagopa-state a`) // «Aggiorna la pagina»
		q.enter()
	}
	if got := q.text(".pagopa-balance"); got == before {
		t.Fatalf("balance unchanged without JavaScript: %q", got)
	}
	axeCheck(q, "top-up paid without JavaScript")
}

func mustTextContain(t *testing.T, p *Page, sel, want string) {
	t.Helper()
	if got := p.text(sel); !strings.Contains(got, want) {
		t.Fatalf("%s lacks %q:\n%s", sel, want, got)
	}
}

func pdfShown(t *testing.T, pdf []byte) string {
	t.Helper()
	text, err := pdftext.Shown(pdf)
	if err != nil {
		t.Fatalf("PDF: %v", err)
	}
	return text
}
