package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"portalegenitori/internal/config"
	"portalegenitori/internal/pagopa"
	"portalegenitori/internal/pagopa/emulator"
)

// The emulator is served by the portal only with GENITORI_DEMO_PAGOPA, and
// the pagopa client reaches it through the portal's own middleware (cross-
// origin protection, security headers) as the demo does.
func TestDemoPagoPAMount(t *testing.T) {
	t.Parallel()
	off := newEnv(t)
	if p := off.browser().get(emulator.DefaultPrefix + emulator.AdminPath); p.status != http.StatusNotFound {
		t.Errorf("emulator served without GENITORI_DEMO_PAGOPA: %d", p.status)
	}

	e := newEnvWith(t, func(cfg *config.Config, _ string) { cfg.PagoPA.DemoEmulator = true })
	if !strings.Contains(e.logs.String(), "GENITORI_DEMO_PAGOPA=true") {
		t.Error("no warning that the emulator is on")
	}
	base := e.srv.URL + emulator.DefaultPrefix
	c, err := pagopa.New(pagopa.Config{GPDBaseURL: base + emulator.GPDPath, CheckoutBaseURL: base + emulator.CheckoutPath,
		APIKey: "demo", CreditorFiscalCode: "01199250158", CompanyName: "Comune di Prova", SegregationCode: "47",
		IBAN: "IT60X0542811101000000123456", TransferCategory: "9/0201133IM/", HTTPClient: e.srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	nav, iuv, _ := pagopa.NoticeNumber("3", "47", "0000000000077")
	np := pagopa.NewPosition{IUPD: "demo-1", IUV: iuv, NoticeNumber: nav, Payer: pagopa.Debtor{FiscalCode: "RSSMRA60D20F205R", FullName: "Mario Rossi"},
		AmountCents: 2000, Description: "Ricarica", DueDate: time.Now().Add(24 * time.Hour)}
	if _, err := c.CreatePosition(ctx, np); err != nil {
		t.Fatal(err)
	}
	payURL, err := c.StartCheckout(ctx, pagopa.Cart{Notices: []pagopa.CartNotice{{NoticeNumber: nav, FiscalCode: "01199250158", AmountCents: 2000,
		CompanyName: "Comune di Prova", Description: "Ricarica"}}, ReturnOK: e.srv.URL + "/ok", ReturnCancel: e.srv.URL + "/ko", ReturnError: e.srv.URL + "/err"})
	if err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	page := b.get(strings.TrimPrefix(payURL, e.srv.URL))
	wantStatus(t, page, http.StatusOK)
	mustContain(t, page, "Paga 20,00 €", emulator.DefaultPrefix+"/style.css")
	if page.header.Get("Content-Security-Policy") == "" {
		t.Error("the emulator's page lacks the portal's security headers")
	}
	paid := b.post(strings.TrimPrefix(payURL, e.srv.URL), url.Values{"azione": {"paga"}, "carta": {"4242424242424242"}},
		"Origin", e.srv.URL, "Sec-Fetch-Site", "same-origin")
	if paid.status != http.StatusSeeOther || paid.loc != e.srv.URL+"/ok" {
		t.Fatalf("pay: %d to %q", paid.status, paid.loc)
	}
	if got, err := c.GetPosition(ctx, "demo-1"); err != nil || !got.Paid() {
		t.Errorf("after paying: %+v, %v", got, err)
	}
}
