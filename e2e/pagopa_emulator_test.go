package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"portalegenitori/internal/config"
	"portalegenitori/internal/pagopa"
	"portalegenitori/internal/pagopa/emulator"
)

// TestPagoPAEmulatorPages: the demo pagoPA's pages (GENITORI_DEMO_PAGOPA),
// which the demo parent goes through, meet the same bar as the portal's:
// axe, and the layout checks at 320 and 360 px and 200% text; and the
// payment page works with the keyboard and without JavaScript.
func TestPagoPAEmulatorPages(t *testing.T) {
	t.Parallel()
	srv, _ := startServerWith(t, func(cfg *config.Config, _ string) { cfg.PagoPA.DemoEmulator = true })
	base := srv.URL + emulator.DefaultPrefix
	c, err := pagopa.New(pagopa.Config{GPDBaseURL: base + emulator.GPDPath, CheckoutBaseURL: base + emulator.CheckoutPath,
		APIKey: "demo", CreditorFiscalCode: "01199250158", CompanyName: "Comune di Prova", SegregationCode: "47",
		IBAN: "IT60X0542811101000000123456", TransferCategory: "9/0201133IM/"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	nav, iuv, _ := pagopa.NoticeNumber("3", "47", "0000000000042")
	if _, err := c.CreatePosition(ctx, pagopa.NewPosition{IUPD: "e2e-1", IUV: iuv, NoticeNumber: nav,
		Payer:       pagopa.Debtor{FiscalCode: "RSSMRA60D20F205R", FullName: "Mario Rossi"},
		AmountCents: 2000, Description: "Ricarica del credito mensa scolastica", DueDate: time.Now().Add(24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	payURL, err := c.StartCheckout(ctx, pagopa.Cart{Notices: []pagopa.CartNotice{{NoticeNumber: nav, FiscalCode: "01199250158",
		AmountCents: 2000, CompanyName: "Comune di Prova", Description: "Ricarica del credito mensa scolastica"}},
		ReturnOK: srv.URL + "/demo/accesso?esito=ok", ReturnCancel: srv.URL + "/demo/accesso?esito=annullato", ReturnError: srv.URL + "/demo/accesso?esito=errore"})
	if err != nil {
		t.Fatal(err)
	}
	payPath := strings.TrimPrefix(payURL, srv.URL)

	p := newLongPage(t, srv.URL)
	for i, m := range layoutModes {
		m.apply(p)
		r := &layoutRun{p: p, mode: m}
		r.visit("pagoPA demo payment", payPath)
		if i == 1 {
			axeCheck(p, "pagoPA demo payment")
		}
		if i == 1 {
			r.visit("pagoPA demo payment, English", payPath+"?lang=en")
		}
		r.visit("pagoPA demo switches", emulator.DefaultPrefix+emulator.AdminPath)
		if i == 1 {
			axeCheck(p, "pagoPA demo switches")
		}
	}

	// Keyboard only, no JavaScript: a wrong card number, then the right one.
	// (The pages have no scripts; the layout checks above need the tab's.)
	p.disableJS()
	p.open(payPath)
	replaceField := func(text string) {
		p.tabTo("#carta")
		p.key("a", chromedp.KeyModifiers(chromedp.ModifierCtrl))
		p.typeText(text)
	}
	replaceField("4242 abcd")
	if resp := p.enter(); resp.Status != 422 { // Enter submits with the first button: Paga
		t.Errorf("wrong card: status %d, want 422", resp.Status)
	}
	p.waitFor("the card error", `!!document.querySelector('#carta-error')`)
	if got := evalJS[string](p, `document.querySelector('#carta').value`); got != "4242 abcd" {
		t.Errorf("the card number typed was not kept: %q", got)
	}
	axeCheck(p, "pagoPA demo payment, card error")
	replaceField("4242 4242 4242 4242")
	p.enter()
	p.waitFor("back on the portal", `location.search.includes('esito=ok')`)
	if got, err := c.GetPosition(ctx, "e2e-1"); err != nil || !got.Paid() {
		t.Errorf("after paying in the browser: %+v, %v", got, err)
	}
}
