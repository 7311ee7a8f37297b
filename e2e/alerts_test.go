package e2e

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"portalegenitori/db"
	"portalegenitori/delivery"
	"portalegenitori/internal/appio"
	"portalegenitori/internal/calendar"
	"portalegenitori/internal/config"
	"portalegenitori/internal/notify"
	"portalegenitori/internal/notify/smtptest"
)

const marioCF = "RSSMRA82D12F205L"

// TestAlertsJourney: Mario sets his alerts on "Avvisi" with JavaScript
// (the live preview of a threshold in meals) and without (an error next to
// the field, the input kept, then saved); a charge then takes his balance
// below the threshold, and the alert arrives by e-mail and on App IO, as
// the local emulator's page shows.
func TestAlertsJourney(t *testing.T) {
	t.Parallel()
	srv, store := startServerWith(t, func(cfg *config.Config, base string) {
		cfg.CookieSecure = true
		cfg.AppIO.Demo, cfg.AppIO.BaseURL = true, base+"/_appio/api/v1"
	})
	ctx := context.Background()
	smtp, err := smtptest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(smtp.Close)
	sealer, _ := appio.NewKeySealer("") // as the server: no GENITORI_SECRET_KEY
	var inst, adult int64
	if err := store.DB().Get(&inst, `SELECT id FROM installations WHERE code = 'demo'`); err != nil {
		t.Fatal(err)
	}
	if err := store.DB().Get(&adult, `SELECT id FROM adults WHERE installation_id = $1 AND fiscal_code = $2`, inst, marioCF); err != nil {
		t.Fatal(err)
	}
	key, _ := sealer.Seal("0123456789abcdef0123456789abcdef", inst)
	if err := store.SetAppIOService(ctx, inst, key, "cdef", 0); err != nil {
		t.Fatal(err)
	}
	addEntry := func(kind string, cents int64) {
		t.Helper()
		if _, _, err := store.AddEntry(ctx, db.NewEntry{InstallationID: inst, AdultID: adult, Kind: kind, AmountCents: cents,
			EntryDate: calendar.DateOf(time.Now().In(calendar.Rome)), IdempotencyKey: "e2e-alerts-" + kind}); err != nil {
			t.Fatal(err)
		}
	}
	bal, err := store.Balances(ctx, inst, []int64{adult})
	if err != nil {
		t.Fatal(err)
	}
	addEntry(db.KindTopUp, 1500-bal[adult]) // 15,00 € before the journey

	mailer, _ := notify.NewSMTPMailer(notify.SMTPConfig{Host: "127.0.0.1", Port: smtp.Port(), From: "noreply@example.it", TLS: "none"})
	w, err := delivery.NewWorker(store, delivery.Senders{Mail: mailer, BaseURL: srv.URL,
		AppIO: &delivery.AppIOClients{BaseURL: srv.URL + "/_appio/api/v1", Sealer: sealer, Store: store}},
		slog.New(slog.NewTextHandler(io.Discard, nil)), delivery.Options{FetchPollInterval: 100 * time.Millisecond, AlertScanEvery: 250 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := w.Stop(context.Background()); err != nil {
			t.Errorf("stop the worker: %v", err)
		}
	})

	// with JavaScript, by keyboard, at 360 px
	p := newPage(t, srv.URL)
	p.emulatePhone(360, 740)
	p.freshLogin(marioUser, marioPass, false, "/demo/famiglia")
	p.tabTo(`a[href="/demo/avvisi"]`)
	if resp := p.enter(); resp.Status != 200 || p.path() != "/demo/avvisi" {
		t.Fatalf("alerts: landed on %s (status %d)", p.path(), resp.Status)
	}
	p.expectText("main h1", "Avvisi")
	axeCheck(p, "alerts page, 360 px")
	p.expectNoHorizontalScroll("alerts page", 360, false)
	p.tabTo("#low_enabled")
	p.space()
	p.tabTo("#low_meals")
	p.typeText("300")
	p.waitFor("the live check of 300 meals", `document.querySelector('#meals-preview').innerText.includes('tra 1 e 100')`)
	p.tabTo("#low_meals")
	p.typeText("3")
	// what 3 meals cost today, or that no per-meal service runs today (summer)
	p.waitFor("the live preview of 3 meals", `/3 pasti|pasto attivo/.test(document.querySelector('#meals-preview').innerText)`)
	if v := p.value("#low_meals"); v != "3" {
		t.Fatalf("meals field holds %q, want 3 (focus by keyboard selects the old value)", v)
	}
	p.tabTo("#via_appio")
	p.space()
	p.tabTo("#quiet_start")
	p.typeText("00:00")
	p.tabTo("#quiet_end")
	p.typeText("00:00")
	p.tabTo(`form.alerts-form button[type="submit"]`)
	if resp := p.enter(); resp.Status != 200 || p.path() != "/demo/avvisi" {
		t.Fatalf("save: landed on %s (status %d)", p.path(), resp.Status)
	}
	p.expectText("main", "Gli avvisi sono stati salvati.")

	// without JavaScript: a wrong amount is refused next to the field
	q := newPage(t, srv.URL)
	q.disableJS()
	q.freshLogin(marioUser, marioPass, false, "/demo/famiglia")
	q.open("/demo/avvisi")
	if mp := q.text("#meals-preview"); !strings.Contains(mp, "3 pasti") && !strings.Contains(mp, "pasto attivo") {
		t.Errorf("the saved threshold in meals is not described without JavaScript: %q", q.text("#meals-preview"))
	}
	q.tabTo("#low_amount")
	q.typeText("dieci")
	q.tabTo(`form.alerts-form button[type="submit"]`)
	if resp := q.enter(); resp.Status != 422 {
		t.Fatalf("wrong amount: status %d", resp.Status)
	}
	q.expectText("#low_amount-error", "Scrivi un importo in euro")
	if v := q.value("#low_amount"); v != "dieci" {
		t.Errorf("the typed amount was not kept: %q", v)
	}
	axeCheck(q, "alerts page with an error, no JavaScript")
	q.tabTo("#low_amount")
	q.typeText("10,00")
	q.tabTo(`form.alerts-form button[type="submit"]`)
	if resp := q.enter(); resp.Status != 200 {
		t.Fatalf("save without JavaScript: status %d", resp.Status)
	}
	q.expectText("main", "Gli avvisi sono stati salvati.")

	// the office charges 8,00 €: 7,00 € is below the 10,00 € threshold
	addEntry(db.KindCharge, -800)
	p.open("/_appio/?cf=" + marioCF)
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(p.text("main"), "Saldo quasi esaurito") {
		if time.Now().After(deadline) {
			t.Fatalf("no alert on the App IO emulator's page:\n%s", p.text("main"))
		}
		time.Sleep(200 * time.Millisecond)
		p.open("/_appio/?cf=" + marioCF)
	}
	main := p.text("main")
	for _, want := range []string{"7,00", "10,00", srv.URL + "/demo/pagamenti", "consegnato all'app"} {
		if !strings.Contains(main, want) {
			t.Errorf("the IO alert lacks %q:\n%s", want, main)
		}
	}
	axeCheck(p, "App IO emulator with a message")
	mails := smtp.Wait(1, 30*time.Second)
	if len(mails) != 1 || mails[0].To[0] != "mario.rossi@example.it" || !strings.Contains(mails[0].Text(), "7,00") {
		t.Fatalf("alert e-mails %d: %+v", len(mails), mails)
	}
}
