package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"portalegenitori/db"
	"portalegenitori/internal/appio"
	"portalegenitori/internal/config"
)

func adminPassword() string {
	for _, a := range db.DemoAccounts {
		if a.Installation == "demo" && a.Username == "amministratore" {
			return a.Password
		}
	}
	return ""
}

// TestAlertsPage: the adult's "Avvisi" page refuses bad input next to each
// field, keeping what was typed, and a saved choice applies at once (a
// balance already in debt is told).
func TestAlertsPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	wantStatus(t, b.login("demo", "mario.rossi", "Mensa-Scuola-2026"), http.StatusSeeOther)
	p := b.get("/demo/famiglia")
	mustContain(t, p, `href="/demo/avvisi"`)
	p = b.get("/demo/avvisi")
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, "Avvisi", "Saldo attuale", "impostazioni predefinite del Comune", `id="via_email"`, "mario.rossi@example.it",
		"App IO: Il Comune non invia ancora messaggi con App IO.")

	bad := url.Values{"low_enabled": {"1"}, "low_mode": {"amount"}, "low_amount": {"dieci"}, "low_meals": {"5"},
		"debt_enabled": {"1"}, "via_appio": {"1"}, "quiet_start": {"25:00"}, "quiet_end": {"08:00"}}
	p = b.post("/demo/avvisi", bad)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, `id="low_amount-error"`, "Scrivi un importo in euro tra 0,01 e 1.000,00", `value="dieci"`,
		`id="quiet_start-error"`, "Scrivi un orario come 21:00.", `value="25:00"`,
		"Il Comune non invia ancora messaggi con App IO: scegli un altro modo.", `href="#low_amount"`)
	var n int
	mustGet(t, e.store.DB(), &n, `SELECT count(*) FROM alert_prefs`)
	if n != 0 {
		t.Fatalf("invalid alerts saved")
	}

	good := url.Values{"low_enabled": {"1"}, "low_mode": {"amount"}, "low_amount": {"12,50"}, "low_meals": {"5"},
		"debt_enabled": {"1"}, "via_email": {"1"}, "quiet_start": {"21:30"}, "quiet_end": {"7:00"}}
	p = b.post("/demo/avvisi", good)
	wantStatus(t, p, http.StatusSeeOther)
	p = b.get("/demo/avvisi")
	mustContain(t, p, "Gli avvisi sono stati salvati.", `value="12,50"`, `value="21:30"`, `value="07:00"`)
	mustNotContain(t, p, "impostazioni predefinite del Comune")
	if auditCount(t, e.store, "alerts_update", "success") != 1 {
		t.Errorf("the change is not in the audit log")
	}
	// Mario's balance is negative: both alerts fired at the save, by e-mail
	mustGet(t, e.store.DB(), &n, `SELECT count(*) FROM river_job WHERE kind = 'alert' AND args->>'channel' = 'email'`)
	if n != 2 {
		t.Errorf("alert jobs after saving in debt = %d, want 2 (low balance and debt)", n)
	}
	mustContain(t, p, "L&#39;avviso di debito è stato inviato", "42,40): il prossimo")
	// the live preview of a threshold in meals (htmx)
	p = b.post("/demo/avvisi/soglia", url.Values{"low_meals": {"4"}}, "HX-Request", "true")
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, `id="meals-preview"`)
	if !strings.Contains(p.body, "4 pasti corrispondono oggi a") && !strings.Contains(p.body, "pasto attivo") {
		t.Errorf("the preview says neither the cost of 4 meals nor that none is served today:\n%s", p.body)
	}

	// an adult who is not a payer is told why there is nothing to set
	g := e.browser()
	wantStatus(t, g.login("demo", "laura.rossi", "Diario-Scuola-2026"), http.StatusSeeOther)
	mustContain(t, g.get("/demo/avvisi"), "Non risulti l&#39;adulto pagante")
	wantStatus(t, g.post("/demo/avvisi", good), http.StatusUnprocessableEntity)
}

// TestStaffAlertsSettings: administrators set the Comune's defaults and the
// IO service key, which is stored sealed and never shown or logged.
func TestStaffAlertsSettings(t *testing.T) {
	t.Parallel()
	secret := strings.Repeat("x", 40)
	e := newEnvWith(t, func(cfg *config.Config, _ string) { cfg.SecretKey = secret })
	s := staffSignedIn(t, e, "amministratore", adminPassword())
	mustContain(t, s.get("/demo/operatori/impostazioni"), `href="/demo/operatori/impostazioni/avvisi"`)
	p := s.get("/demo/operatori/impostazioni/avvisi")
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, "Nessuna chiave impostata", `id="reminder_enabled"`)

	p = s.post("/demo/operatori/impostazioni/avvisi/app-io", url.Values{"appio_key": {"non-una-chiave"}, "azione": {"salva"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, "32 caratteri tra 0-9 e a-f")
	mustNotContain(t, p, "non-una-chiave")

	key := "0123456789abcdef0123456789abcd42"
	wantStatus(t, s.post("/demo/operatori/impostazioni/avvisi/app-io", url.Values{"appio_key": {key}, "azione": {"salva"}}), http.StatusSeeOther)
	p = s.get("/demo/operatori/impostazioni/avvisi")
	mustContain(t, p, "La chiave del servizio App IO è stata salvata.", "termina con …cd42")
	mustNotContain(t, p, key)
	var sealed string
	var inst int64
	mustGet(t, e.store.DB(), &inst, `SELECT id FROM installations WHERE code = 'demo'`)
	mustGet(t, e.store.DB(), &sealed, `SELECT key_sealed FROM installation_appio WHERE installation_id = $1`, inst)
	sealer, _ := appio.NewKeySealer(secret)
	if got, err := sealer.Open(sealed, inst); !strings.HasPrefix(sealed, "v1:") || strings.Contains(sealed, key) || err != nil || got != key {
		t.Fatalf("stored key %q opens as %q, %v", sealed, got, err)
	}
	var leaks int
	mustGet(t, e.store.DB(), &leaks, `SELECT count(*) FROM audit_log WHERE detail::text LIKE '%' || $1 || '%'`, key)
	if leaks != 0 || strings.Contains(e.logs.String(), key) || auditCount(t, e.store, "appio_key_set", "success") != 1 {
		t.Fatalf("the key is in the audit log or the logs, or its change is not audited")
	}

	// defaults: bad input kept next to the field, then saved and audited
	form := url.Values{"low_enabled": {"1"}, "low_mode": {"meals"}, "low_amount": {"10,00"}, "low_meals": {"500"},
		"debt_enabled": {"1"}, "via_email": {"1"}, "via_appio": {"1"}, "quiet_start": {"21:00"}, "quiet_end": {"08:00"},
		"reminder_enabled": {"1"}}
	p = s.post("/demo/operatori/impostazioni/avvisi", form)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, "Scrivi un numero di pasti tra 1 e 100.", `value="500"`)
	form.Set("low_meals", "3")
	wantStatus(t, s.post("/demo/operatori/impostazioni/avvisi", form), http.StatusSeeOther)
	d, err := e.store.AlertDefaults(context.Background(), inst)
	if err != nil || !d.LowEnabled || d.LowMode != "meals" || d.LowMeals != 3 || !d.ViaAppIO || d.ViaSMS || !d.ReminderEnabled {
		t.Fatalf("defaults %+v, %v", d, err)
	}
	if auditCount(t, e.store, "alert_defaults_update", "success") != 1 {
		t.Errorf("the defaults' change is not audited")
	}
	// a parent now sees App IO offered, and the Comune's defaults
	b := e.browser()
	wantStatus(t, b.login("demo", "mario.rossi", "Mensa-Scuola-2026"), http.StatusSeeOther)
	mustContain(t, b.get("/demo/avvisi"), `id="via_appio"`, "al codice fiscale RSSMRA82D12F205L", `id="low_mode-meals" name="low_mode" value="meals" checked`)

	wantStatus(t, s.post("/demo/operatori/impostazioni/avvisi/app-io", url.Values{"azione": {"rimuovi"}}), http.StatusSeeOther)
	mustContain(t, s.get("/demo/operatori/impostazioni/avvisi"), "Nessuna chiave impostata")
}

// TestAppIOEmulatorPage: with GENITORI_DEMO_APPIO the portal serves the
// emulator's API and its page shows what a codice fiscale received;
// without it, neither exists.
func TestAppIOEmulatorPage(t *testing.T) {
	t.Parallel()
	off := newEnv(t)
	wantStatus(t, off.browser().get("/_appio"), http.StatusNotFound)
	wantStatus(t, off.browser().get("/_appio/api/v1/profiles/RSSMRA82D12F205L", "Ocp-Apim-Subscription-Key", "k"), http.StatusNotFound)

	e := newEnvWith(t, func(cfg *config.Config, base string) {
		cfg.AppIO.Demo, cfg.AppIO.BaseURL = true, base+"/_appio/api/v1"
	})
	cl, err := appio.New(appio.Config{BaseURL: e.cfg.AppIO.BaseURL, Key: "demo-key-9876", HTTPClient: e.srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	const cf = "RSSMRA82D12F205L"
	subject := "Saldo quasi esaurito – prova"
	if _, err := appio.Send(context.Background(), cl, cf, subject, strings.Repeat("Il saldo dei servizi scolastici è sotto la soglia. ", 3)); err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	p := b.get("/_appio/?cf=" + cf)
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, "Emulatore App IO", "Messaggi ricevuti da "+cf, subject, "consegnato all&#39;app", "…9876")
	mustNotContain(t, b.get("/_appio/?cf=BNCGLI90A55H501S"), subject)

	// a switch: this codice fiscale turns the service's messages off
	p = b.post("/_appio/interruttori", url.Values{"fiscal_code": {"abc"}, "state": {"blocked"}, "fail_next": {"0"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, "Scrivi un codice fiscale valido", `value="ABC"`)
	wantStatus(t, b.post("/_appio/interruttori", url.Values{"fiscal_code": {cf}, "state": {"blocked"}, "fail_next": {"0"}}), http.StatusSeeOther)
	if allowed, err := cl.GetProfile(context.Background(), cf); err != nil || allowed {
		t.Fatalf("after the switch, profile allowed = %v, %v", allowed, err)
	}
}

// TestAlertsReminderPreference: the meal reminder is offered only to an
// adult of a child enrolled in an explicit-booking service; hidden, a
// posted choice is saved off.
func TestAlertsReminderPreference(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	b := e.browser()
	wantStatus(t, b.login("demo", "mario.rossi", "Mensa-Scuola-2026"), http.StatusSeeOther)
	p := b.get("/demo/avvisi")
	wantStatus(t, p, http.StatusOK)
	mustNotContain(t, p, `id="reminder_enabled"`, "Promemoria la sera prima")
	form := url.Values{"low_mode": {"amount"}, "low_amount": {"10,00"}, "low_meals": {"5"}, "via_email": {"1"},
		"quiet_start": {"21:00"}, "quiet_end": {"08:00"}, "reminder_enabled": {"1"}}
	wantStatus(t, b.post("/demo/avvisi", form), http.StatusSeeOther)
	var inst, adult, service, acc int64
	mustGet(t, e.store.DB(), &inst, `SELECT id FROM installations WHERE code = 'demo'`)
	mustGet(t, e.store.DB(), &adult, `SELECT adult_id FROM accounts WHERE installation_id = $1 AND username = 'mario.rossi'`, inst)
	mustGet(t, e.store.DB(), &acc, `SELECT id FROM accounts WHERE installation_id = $1 AND username = 'mario.rossi'`, inst)
	if a, own, err := e.store.AlertPrefs(ctx, inst, adult); err != nil || !own || a.ReminderEnabled {
		t.Fatalf("hidden reminder saved as %+v (own %v), %v; want off", a, own, err)
	}

	// the Comune asks for explicit booking of the mensa of Mario's children
	mustGet(t, e.store.DB(), &service, `SELECT DISTINCT e.service_id FROM enrollments e
		JOIN guardianships g ON g.installation_id = e.installation_id AND g.child_id = e.child_id
		JOIN services sv ON sv.installation_id = e.installation_id AND sv.id = e.service_id
		WHERE g.installation_id = $1 AND g.adult_id = $2 AND sv.kind = 'mensa' AND e.ends_on >= current_date LIMIT 1`, inst, adult)
	bs := db.DefaultBookingSettings("mensa")
	bs.ServiceID, bs.Mode = service, "explicit"
	if err := e.store.SaveBookingSettings(ctx, inst, acc, bs); err != nil {
		t.Fatal(err)
	}
	p = b.get("/demo/avvisi")
	mustContain(t, p, `id="reminder_enabled"`, "Promemoria la sera prima se un pasto non è ancora prenotato")
	wantStatus(t, b.post("/demo/avvisi", form), http.StatusSeeOther)
	if a, _, err := e.store.AlertPrefs(ctx, inst, adult); err != nil || !a.ReminderEnabled {
		t.Fatalf("reminder saved as %+v, %v; want on", a, err)
	}
	mustContain(t, b.get("/demo/avvisi"), `id="reminder_enabled" name="reminder_enabled" value="1" checked`)
	// the reminder needs a channel like the other alerts
	form.Del("via_email")
	p = b.post("/demo/avvisi", form)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, `id="via_email-error"`)
}
