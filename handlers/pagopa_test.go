package handlers_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"portalegenitori/internal/pdftext"
	"regexp"
	"strings"
	"testing"

	"portalegenitori/db"
	"portalegenitori/db/dbtest"
	"portalegenitori/handlers"
	"portalegenitori/internal/config"
	"portalegenitori/internal/pagopa"
	"portalegenitori/internal/pagopa/emulator"
)

func noticePDFText(t *testing.T, pdf []byte) string {
	t.Helper()
	text, err := pdftext.Shown(pdf)
	if err != nil {
		t.Fatalf("PDF: %v", err)
	}
	return text
}

// pagopaEnv is a portal with the pagoPA emulator mounted
// (GENITORI_DEMO_PAGOPA=true), which the portal reaches over real HTTPS.
type pagopaEnv struct {
	*env
	emu *emulator.Emulator
	org string // the demo Comune's fiscal code
}

func newPagoPAEnv(t *testing.T) *pagopaEnv {
	t.Helper()
	store, dbURL := dbtest.New(t)
	cfg, err := config.FromEnv(func(k string) string {
		if k == "DATABASE_URL" {
			return dbURL
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg.InstallationCacheTTL = 0
	cfg.PagoPA.DemoEmulator = true
	cfg.SecretKey = "pagopa-test-secret-key-0123456789abcdef" // seals the API key
	srv := httptest.NewUnstartedServer(nil)
	cfg.BaseURL = "https://" + srv.Listener.Addr().String()
	logs := &syncBuffer{}
	h, err := handlers.New(cfg, store, slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = h.Routes()
	srv.StartTLS()
	t.Cleanup(srv.Close)
	h.Billing().HTTPClient = srv.Client()
	e := &pagopaEnv{env: &env{t: t, store: store, srv: srv, logs: logs, cfg: cfg},
		emu: emulator.New(emulator.Options{DB: store.DB()})}
	mustGet(t, store.DB(), &e.org, `SELECT creditor_fiscal_code FROM pagopa_settings s JOIN installations i ON i.id = s.installation_id WHERE i.code = 'demo'`)
	return e
}

var reToken = regexp.MustCompile(`name="tentativo" value="([A-Z2-7]+)"`)

func attemptToken(t *testing.T, p page) string {
	t.Helper()
	m := reToken.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no attempt token in the page:\n%s", p.body)
	}
	return m[1]
}

func positionsOf(t *testing.T, e *pagopaEnv, adult int64) []db.Position {
	t.Helper()
	var inst int64
	mustGet(t, e.store.DB(), &inst, `SELECT installation_id FROM adults WHERE id = $1`, adult)
	list, err := e.store.Positions(context.Background(), inst, db.PositionFilter{AdultID: adult}, 0)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func TestPagoPATopUpOutcomeReadFromGPD(t *testing.T) {
	t.Parallel()
	e := newPagoPAEnv(t)
	f := demoFamily(t, e.env)
	mario := signedIn(t, e.env, "mario.rossi", "Mensa-Scuola-2026")
	p := mario.get("/demo/pagamenti")
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, "Paga con pagoPA", "Ricarica € 20,00", "Ricarica € 50,00", "Ricarica € 100,00",
		"Altro importo (euro)", "Da € 5,00 a € 500,00", "Crea l&#39;avviso di pagamento")
	token := attemptToken(t, p)
	before := balanceOf(t, e.env, f.mario)

	// a double click: one position, both sent to Checkout
	form := url.Values{"tentativo": {token}, "taglio": {"2000"}}
	first := mario.post("/demo/pagamenti/ricarica", form)
	wantStatus(t, first, http.StatusSeeOther)
	if !strings.HasPrefix(first.loc, e.srv.URL+emulator.DefaultPrefix+emulator.PayPath+"/") {
		t.Fatalf("sent to %q, not to Checkout", first.loc)
	}
	second := mario.post("/demo/pagamenti/ricarica", form)
	wantStatus(t, second, http.StatusSeeOther)
	list := positionsOf(t, e, f.mario)
	if len(list) != 1 || list[0].AmountCents != 2000 || list[0].Status != db.PositionPending || list[0].Kind != db.PositionTopUp {
		t.Fatalf("positions after a double click: %+v", list)
	}
	pos := list[0]
	status := fmt.Sprintf("/demo/pagamenti/pagopa/%d", pos.ID)

	// the return URL says ok, GPD says not paid: waiting, nothing booked
	p = mario.get(status + "?esito=ok")
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, "In attesa della conferma di pagoPA", `hx-get="`+status+`?esito=ok"`, "Aggiorna la pagina", "3010 0000")
	if balanceOf(t, e.env, f.mario) != before {
		t.Fatal("the return URL alone changed the balance")
	}
	// the htmx poll gets only the state block
	frag := mario.get(status+"?esito=ok", "HX-Request", "true")
	mustContain(t, frag, `id="pagopa-state"`)
	mustNotContain(t, frag, "<html")

	// paid at the PSP: the next look at the page reads GPD and books it once
	if _, err := e.emu.Pay(context.Background(), e.org, pos.NoticeNumber); err != nil {
		t.Fatal(err)
	}
	p = mario.get(status + "?esito=ok")
	mustContain(t, p, "Pagamento ricevuto", "Il tuo saldo")
	mustNotContain(t, p, "hx-get=")
	mario.get(status + "?esito=ok") // once more: nothing booked twice
	if got := balanceOf(t, e.env, f.mario); got != before+2000 {
		t.Fatalf("balance %d, want %d", got, before+2000)
	}
	var n int
	mustGet(t, e.store.DB(), &n, `SELECT count(*) FROM ledger_entries WHERE idempotency_key = $1 AND channel = 'pagoPA' AND kind = 'topup'`, db.PaymentKey(pos.IUV))
	if n != 1 {
		t.Fatalf("%d ledger entries for one payment", n)
	}
	// a replay of the paid attempt goes to the status page, not to Checkout again
	p = mario.post("/demo/pagamenti/ricarica", form)
	wantStatus(t, p, http.StatusSeeOther)
	if p.loc != status {
		t.Fatalf("replay sent to %q", p.loc)
	}
	if auditCount(t, e.store, "pagopa_topup", "success") < 1 {
		t.Fatal("the top-up is not in the audit log")
	}
}

func TestPagoPATopUpBadAmountAndGPDDown(t *testing.T) {
	t.Parallel()
	e := newPagoPAEnv(t)
	f := demoFamily(t, e.env)
	mario := signedIn(t, e.env, "mario.rossi", "Mensa-Scuola-2026")
	token := attemptToken(t, mario.get("/demo/pagamenti"))
	for _, c := range []struct{ amount, msg string }{
		{"venti", "L&#39;importo non è valido"},
		{"12,345", "L&#39;importo non è valido"},
		{"1000", "L&#39;importo deve essere tra € 5,00 e € 500,00"},
		{"", "Scrivi l&#39;importo"},
	} {
		p := mario.post("/demo/pagamenti/ricarica", url.Values{"tentativo": {token}, "importo": {c.amount}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		mustContain(t, p, c.msg, `id="importo-error"`, `aria-invalid="true"`, `value="`+c.amount+`"`, `value="`+token+`"`)
	}
	p := mario.post("/demo/pagamenti/ricarica", url.Values{"tentativo": {token}, "taglio": {"1234"}})
	mustContain(t, p, "Scegli uno degli importi proposti")
	wantStatus(t, mario.post("/demo/pagamenti/ricarica", url.Values{"taglio": {"2000"}}), http.StatusBadRequest)
	if n := len(positionsOf(t, e, f.mario)); n != 0 {
		t.Fatalf("%d positions from refused forms", n)
	}

	// GPD answers 500: a clear page, nothing payable, nothing paid
	if err := e.emu.SetSwitches(context.Background(), emulator.Switches{FailNext: 3}); err != nil {
		t.Fatal(err)
	}
	before := balanceOf(t, e.env, f.mario)
	p = mario.post("/demo/pagamenti/ricarica", url.Values{"tentativo": {token}, "importo": {"35,50"}})
	wantStatus(t, p, http.StatusServiceUnavailable)
	mustContain(t, p, "pagoPA non risponde, riprova tra qualche minuto", "Non è stato addebitato nulla")
	p = mario.get("/demo/pagamenti")
	mustNotContain(t, p, "€ 35,50")
	if balanceOf(t, e.env, f.mario) != before {
		t.Fatal("balance changed")
	}
	// the same attempt once GPD is back: one position, now payable
	if err := e.emu.SetSwitches(context.Background(), emulator.Switches{}); err != nil {
		t.Fatal(err)
	}
	p = mario.post("/demo/pagamenti/ricarica", url.Values{"tentativo": {token}, "importo": {"35,50"}})
	wantStatus(t, p, http.StatusSeeOther)
	list := positionsOf(t, e, f.mario)
	if len(list) != 1 || list[0].Status != db.PositionPending || list[0].AmountCents != 3550 {
		t.Fatalf("after the retry: %+v", list)
	}
	// 30 new attempts an hour per account; replays are free
	for i := 0; i < 10; i++ {
		wantStatus(t, mario.post("/demo/pagamenti/ricarica", url.Values{"tentativo": {token}, "importo": {"35,50"}}), http.StatusSeeOther)
	}
	for i := 0; i < 29; i++ { // one counted so far
		wantStatus(t, mario.post("/demo/pagamenti/avviso", url.Values{"tentativo": {token + "N" + strings.Repeat("A", i+1)}, "importo_avviso": {"10"}}), http.StatusSeeOther)
	}
	p = mario.post("/demo/pagamenti/avviso", url.Values{"tentativo": {token + "LAST"}, "importo_avviso": {"10"}})
	wantStatus(t, p, http.StatusTooManyRequests)
	mustContain(t, p, "Hai chiesto troppe ricariche o avvisi", `id="importo_avviso-error"`)
	if n := len(positionsOf(t, e, f.mario)); n != 30 {
		t.Fatalf("%d positions", n)
	}
}

func TestPagoPAGuardianAndOtherFamilies(t *testing.T) {
	t.Parallel()
	e := newPagoPAEnv(t)
	f := demoFamily(t, e.env)
	mario := signedIn(t, e.env, "mario.rossi", "Mensa-Scuola-2026")
	token := attemptToken(t, mario.get("/demo/pagamenti"))
	p := mario.post("/demo/pagamenti/avviso", url.Values{"tentativo": {token}, "importo_avviso": {"42"}})
	wantStatus(t, p, http.StatusSeeOther)
	list := positionsOf(t, e, f.mario)
	if len(list) != 1 || list[0].Kind != db.PositionNotice || list[0].AmountCents != 4200 {
		t.Fatalf("notice: %+v", list)
	}
	notice := list[0]
	status := fmt.Sprintf("/demo/pagamenti/pagopa/%d", notice.ID)
	if p.loc != status {
		t.Fatalf("after the notice: %q", p.loc)
	}
	p = mario.get(status)
	mustContain(t, p, "Avviso di pagamento creato", "Da pagare entro il", "Scarica l&#39;avviso di pagamento (PDF)", "Paga online con pagoPA")
	mustNotContain(t, p, "hx-get=") // a notice does not poll until its payer comes back from Checkout

	// Laura guards the children Mario pays for: she sees his notice, cannot make debt in his name
	laura := signedIn(t, e.env, "laura.rossi", "Diario-Scuola-2026")
	p = laura.get("/demo/pagamenti")
	mustContain(t, p, "Da pagare", "€ 42,00", "Solo l&#39;adulto pagante può ricaricare")
	mustNotContain(t, p, `name="tentativo"`)
	wantStatus(t, laura.get(status), http.StatusOK)
	for _, b := range []*browser{mario, laura} { // the notice PDF carries the number and the amount
		pdf := b.get(status + "/avviso.pdf")
		wantStatus(t, pdf, http.StatusOK)
		if ct := pdf.header.Get("Content-Type"); ct != "application/pdf" {
			t.Fatalf("content type %q", ct)
		}
		text := noticePDFText(t, []byte(pdf.body))
		for _, want := range []string{pagopa.FormatNoticeNumber(notice.NoticeNumber), "42,00", "00000000001"} {
			if !strings.Contains(text, want) {
				t.Fatalf("the notice PDF lacks %q:\n%s", want, text)
			}
		}
	}
	for _, path := range []string{"/demo/pagamenti/ricarica", "/demo/pagamenti/avviso"} {
		p := laura.post(path, url.Values{"tentativo": {token + "LAURA"}, "taglio": {"2000"}, "importo_avviso": {"20"}})
		wantStatus(t, p, http.StatusForbidden)
	}
	wantStatus(t, laura.get("/demo/pagamenti/ricarica"), http.StatusForbidden)
	if n := len(positionsOf(t, e, f.mario)); n != 1 {
		t.Fatalf("the guardian made debt: %d positions", n)
	}

	// another family: 404, whatever the action
	e.store.DB().MustExec(`UPDATE accounts SET must_change_password = false WHERE username = 'giulia.bianchi'`)
	giulia := signedIn(t, e.env, "giulia.bianchi", "Primo-Accesso-2026")
	for _, path := range []string{status, status + "/avviso.pdf", "/demo/pagamenti/pagopa/999999", "/demo/pagamenti/pagopa/abc"} {
		p := giulia.get(path)
		wantStatus(t, p, http.StatusNotFound)
		mustNotContain(t, p, "Mario", "42,00")
	}
	wantStatus(t, giulia.post(status+"/paga", nil), http.StatusNotFound)
	// another Comune: Anna of Valle Serena, with the demo position's ID
	anna := e.browser()
	e.store.DB().MustExec(`UPDATE installations SET cst_mode = false, login_local = true WHERE code = 'valle'`)
	wantStatus(t, anna.login("valle", "anna.valle", "Valle-Serena-2026"), http.StatusSeeOther)
	for _, path := range []string{fmt.Sprintf("/valle/pagamenti/pagopa/%d", notice.ID), fmt.Sprintf("/valle/pagamenti/pagopa/%d/avviso.pdf", notice.ID)} {
		wantStatus(t, anna.get(path), http.StatusNotFound)
	}
	// Mario's session does not reach the other Comune
	p = mario.get(fmt.Sprintf("/valle/pagamenti/pagopa/%d", notice.ID))
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.loc, "/valle/accesso") {
		t.Fatalf("demo session at valle: %d %q", p.status, p.loc)
	}
}

func TestPagoPAStaffPositionsCancelAndSettings(t *testing.T) {
	t.Parallel()
	e := newPagoPAEnv(t)
	f := demoFamily(t, e.env)
	mario := signedIn(t, e.env, "mario.rossi", "Mensa-Scuola-2026")
	token := attemptToken(t, mario.get("/demo/pagamenti"))
	wantStatus(t, mario.post("/demo/pagamenti/avviso", url.Values{"tentativo": {token}, "importo_avviso": {"64,20"}}), http.StatusSeeOther)
	pos := positionsOf(t, e, f.mario)[0]

	staff := staffSignedIn(t, e.env, "operatore", "Ufficio-Scuola-2026")
	p := staff.get("/demo/operatori/pagopa?stato=pending")
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, "Posizioni pagoPA", "Mario Rossi", "€ 64,20", "Da pagare", "Riconciliazione con pagoPA", "Annulla l&#39;avviso")
	p = staff.get("/demo/operatori/pagopa?stato=furto")
	wantStatus(t, p, http.StatusUnprocessableEntity)
	csv := staff.get("/demo/operatori/pagopa/posizioni.csv?cerca=" + pos.NoticeNumber)
	wantStatus(t, csv, http.StatusOK)
	if lines := strings.Split(strings.TrimSpace(csv.body), "\n"); len(lines) != 2 || !strings.Contains(lines[1], pos.IUV) || !strings.Contains(lines[1], "64,20") {
		t.Fatalf("CSV:\n%s", csv.body)
	}
	// cancel: GPD no longer takes the payment, the parent sees it cancelled
	p = staff.post(fmt.Sprintf("/demo/operatori/pagopa/%d/annulla", pos.ID), nil)
	wantStatus(t, p, http.StatusSeeOther)
	if _, err := e.emu.Pay(context.Background(), e.org, pos.NoticeNumber); err == nil {
		t.Fatal("a cancelled notice was paid")
	}
	mustContain(t, mario.get(fmt.Sprintf("/demo/pagamenti/pagopa/%d", pos.ID)), "Avviso annullato")
	if auditCount(t, e.store, "pagopa_cancel", "success") != 1 {
		t.Fatal("cancel not audited")
	}
	// the positions page is for staff only, the settings for the administrator
	wantStatus(t, staff.get("/demo/operatori/impostazioni/pagopa"), http.StatusForbidden)
	wantStatus(t, mario.get("/demo/operatori/pagopa"), http.StatusForbidden)

	admin := staffSignedIn(t, e.env, "amministratore", "Impostazioni-Comune-2026")
	p = admin.get("/demo/operatori/impostazioni/pagopa")
	wantStatus(t, p, http.StatusOK)
	good := url.Values{"enabled": {"1"}, "creditor_fiscal_code": {"00000000001"}, "segregation_code": {"01"},
		"iban": {"IT60X0542811101000000123456"}, "min": {"5"}, "max": {"300"}, "presets": {"10; 25"},
		"billing": {"after"}, "notice_days": {"20"}, "api_key": {"chiave-del-partner"}}
	bad := url.Values{}
	for k, v := range good {
		bad[k] = v
	}
	bad.Set("iban", "IT00 123")
	bad.Set("max", "1")
	p = admin.post("/demo/operatori/impostazioni/pagopa", bad)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, "L&#39;IBAN non è valido", "la minima non superiore alla massima", `value="IT00123"`)
	wantStatus(t, admin.post("/demo/operatori/impostazioni/pagopa", good), http.StatusSeeOther)
	var sealed string
	var presets string
	mustGet(t, e.store.DB(), &sealed, `SELECT api_key_sealed FROM pagopa_settings s JOIN installations i ON i.id = s.installation_id WHERE i.code = 'demo'`)
	mustGet(t, e.store.DB(), &presets, `SELECT presets_cents::text FROM pagopa_settings s JOIN installations i ON i.id = s.installation_id WHERE i.code = 'demo'`)
	if strings.Contains(sealed, "chiave-del-partner") || !strings.HasPrefix(sealed, "v1:") || presets != "{1000,2500}" {
		t.Fatalf("stored key %q, presets %s", sealed, presets)
	}
	if auditCount(t, e.store, "pagopa_settings_update", "success") != 1 {
		t.Fatal("settings not audited")
	}
	var detail string
	mustGet(t, e.store.DB(), &detail, `SELECT detail::text FROM audit_log WHERE action = 'pagopa_settings_update'`)
	if strings.Contains(detail, "chiave-del-partner") || !strings.Contains(detail, "api_key") {
		t.Fatalf("audit detail %s", detail)
	}
	// billing after the month: the monthly bills can be issued (as a job)
	p = admin.get("/demo/operatori/pagopa")
	mustContain(t, p, "Avvisi mensili")
	wantStatus(t, admin.post("/demo/operatori/pagopa/mensile", url.Values{"mese": {"2026-10"}}), http.StatusSeeOther)
	var jobs int
	mustGet(t, e.store.DB(), &jobs, `SELECT count(*) FROM river_job WHERE kind = 'pagopa_monthly'`)
	if jobs != 1 {
		t.Fatalf("%d monthly jobs", jobs)
	}
}
