package handlers_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	altcha "github.com/altcha-org/altcha-lib-go"

	"portalegenitori/db"
	"portalegenitori/delivery"
	"portalegenitori/internal/notify"
	"portalegenitori/internal/notify/smtptest"
)

// smsGateway is an HTTP test server standing in for the SMS gateway.
type smsGateway struct {
	srv  *httptest.Server
	mu   sync.Mutex
	sent []map[string]string
	auth []string
}

func newSMSGateway(t *testing.T) *smsGateway {
	g := &smsGateway{}
	g.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]string
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			http.Error(w, "bad json", http.StatusBadRequest)
			return
		}
		g.mu.Lock()
		g.sent = append(g.sent, m)
		g.auth = append(g.auth, r.Header.Get("Authorization"))
		g.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(g.srv.Close)
	return g
}

func (g *smsGateway) wait(t *testing.T, n int) []map[string]string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		g.mu.Lock()
		got := append([]map[string]string(nil), g.sent...)
		g.mu.Unlock()
		if len(got) >= n {
			return got
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("SMS gateway received fewer than %d messages", n)
	return nil
}

// delivery is a running worker with a real SMTP listener and an HTTP SMS gateway.
type deliveryEnv struct {
	smtp *smtptest.Server
	sms  *smsGateway
}

func startDelivery(t *testing.T, e *env) *deliveryEnv {
	t.Helper()
	s, err := smtptest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	g := newSMSGateway(t)
	mailer, err := notify.NewSMTPMailer(notify.SMTPConfig{Host: "127.0.0.1", Port: s.Port(), From: "Portale Genitori <noreply@example.it>", TLS: "none"})
	if err != nil {
		t.Fatal(err)
	}
	w, err := delivery.NewWorker(e.store, delivery.Senders{
		Mail:    mailer,
		SMS:     &notify.HTTPGateway{URL: g.srv.URL, Token: "test-token", Sender: "Comune"},
		BaseURL: "https://portale.example.it",
	}, slog.New(slog.NewTextHandler(io.Discard, nil)), delivery.Options{FetchPollInterval: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := w.Stop(ctx); err != nil {
			t.Errorf("stop the worker: %v", err)
		}
	})
	return &deliveryEnv{smtp: s, sms: g}
}

const (
	annaCF      = "VRDNNA87H43L219D"
	strongPass  = "Merenda-Sul-Prato-77"
	customEmail = "anna.altra@example.org"
)

var (
	challengeRE = regexp.MustCompile(`data-altcha-challenge="([^"]+)"`)
	tokenRE     = regexp.MustCompile(`name="captcha_token" value="([^"]+)"`)
)

// solveCaptcha solves the ALTCHA challenge of a form page, as the worker
// script does in the browser.
func solveCaptcha(t *testing.T, body string) string {
	t.Helper()
	m := challengeRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no captcha challenge in page")
	}
	var ch altcha.Challenge
	if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &ch); err != nil {
		t.Fatal(err)
	}
	sol, err := altcha.SolveChallenge(ch.Challenge, ch.Salt, altcha.Algorithm(ch.Algorithm), int(ch.MaxNumber), 0, nil)
	if err != nil || sol == nil {
		t.Fatalf("solve: %v", err)
	}
	js, _ := json.Marshal(altcha.Payload{Algorithm: ch.Algorithm, Challenge: ch.Challenge, Number: int64(sol.Number), Salt: ch.Salt, Signature: ch.Signature})
	return base64.StdEncoding.EncodeToString(js)
}

func annaForm(captcha string) url.Values {
	return url.Values{
		"first_name": {"Anna"}, "last_name": {"Verdi"}, "fiscal_code": {strings.ToLower(annaCF) + " "},
		"email": {customEmail}, "mobile": {"333 9998877"}, "contacts_locked": {"1"},
		"username": {"anna.verdi"}, "password": {strongPass}, "confirm": {strongPass},
		"security_question": {"sq.pet"}, "security_answer": {"  Fido  "}, "privacy": {"1"}, "altcha": {captcha},
	}
}

// TestRegisterLinkedLockedAdult: the demo paying adult with no account
// registers; the contacts are the registry's whatever the browser sent; the
// reminder goes by e-mail and SMS without the password; she signs in and
// sees her child.
func TestRegisterLinkedLockedAdult(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	d := startDelivery(t, e)
	b := e.browser()

	p := b.get("/demo/accesso")
	mustContain(t, p, `href="/demo/registrazione"`, "Registrati")
	p = b.get("/demo/registrazione")
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, "Registrazione di una nuova utenza", "Codice Fiscale", "Verifica disponibilità", "Digita ancora la password",
		"Domanda di sicurezza", "– Scrivi la tua domanda –", "Risposta", "Leggi e accetta l&#39;informativa sulla Privacy",
		"captcha", "Conferma", `role="status"`, `aria-live="polite"`, "js/register.", `<dialog id="privacy-dialog"`)

	p = b.post("/demo/registrazione", annaForm(solveCaptcha(t, p.body)))
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, "Registrazione completata", "anna.verdi", "a•••i@example.it", "&#43;39•••••••233")
	mustNotContain(t, p, customEmail, strongPass)

	acc, err := e.store.AccountByUsername(context.Background(), 1, "ANNA.VERDI")
	if err != nil {
		t.Fatal(err)
	}
	if acc.AdultID.Valid || acc.Email != "anna.verdi@example.it" || acc.Mobile != "+393401112233" || acc.MustChangePassword ||
		acc.SecurityQuestion != "sq.pet" || !acc.SecurityAnswerHash.Valid || strings.Contains(acc.SecurityAnswerHash.String, "fido") {
		t.Fatalf("account not as expected: %+v", acc)
	}

	// the reminder, and the code that links the profile (link_test.go)
	msgs := d.smtp.Wait(2, 20*time.Second)
	if len(msgs) != 2 || msgs[0].To[0] != "anna.verdi@example.it" || msgs[1].To[0] != "anna.verdi@example.it" {
		t.Fatalf("mails: %+v", msgs)
	}
	if linkCodeRE.MatchString(msgs[0].Text()) {
		msgs[0], msgs[1] = msgs[1], msgs[0]
	}
	code := linkCodeRE.FindStringSubmatch(msgs[1].Text())
	if code == nil {
		t.Fatalf("no link code mail:\n%s", msgs[1].Text())
	}
	text := msgs[0].Text()
	for _, want := range []string{"anna.verdi", "https://portale.example.it/demo/accesso", "Comune di Esempio"} {
		if !strings.Contains(text, want) {
			t.Fatalf("mail text lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(msgs[0].Raw, strongPass) || !strings.Contains(msgs[0].HTML(), "anna.verdi") {
		t.Fatalf("mail must carry the username, never the chosen password:\n%s", msgs[0].Raw)
	}
	sms := d.sms.wait(t, 2)
	for _, m := range sms {
		if m["to"] != "+393401112233" || !strings.Contains(m["text"], "anna.verdi") || strings.Contains(m["text"], strongPass) {
			t.Fatalf("sms: %+v", sms)
		}
	}
	if d.sms.auth[0] != "Bearer test-token" {
		t.Fatalf("gateway auth %q", d.sms.auth[0])
	}
	waitMessages(t, e.store, 1, acc.ID, 4)

	p = b.login("demo", "anna.verdi", strongPass)
	wantStatus(t, p, http.StatusSeeOther)
	p = b.get(p.loc)
	mustNotContain(t, p, "Marco")
	wantStatus(t, b.post("/demo/collegamento", url.Values{"codice": {code[1]}}), http.StatusSeeOther)
	p = b.get("/demo/famiglia")
	mustContain(t, p, "Marco")

	// a second registration for the same CF is refused with guidance
	b2 := e.browser()
	p = b2.get("/demo/registrazione")
	f := annaForm(solveCaptcha(t, p.body))
	f.Set("username", "anna.bis")
	p = b2.post("/demo/registrazione", f)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, "Esiste già un profilo per questo codice fiscale", "Problemi con l&#39;accesso")
}

func waitMessages(t *testing.T, s *db.Store, inst, account int64, n int) []db.Message {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		msgs, err := s.MessagesOfAccount(context.Background(), inst, account)
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) >= n || time.Now().After(deadline) {
			if len(msgs) < n {
				t.Fatalf("%d messages recorded, want %d", len(msgs), n)
			}
			return msgs
		}
		time.Sleep(50 * time.Millisecond)
	}
}

var tempPassRE = regexp.MustCompile(`Password temporanea: (\S+)`)

// TestRegisterGeneratedPassword: "password not required" (lago): no password
// fields, a random password generated by the job at send time and sent by
// SMS, stored only as a hash; first sign-in ends at the forced change.
func TestRegisterGeneratedPassword(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	d := startDelivery(t, e)
	b := e.browser()
	p := b.get("/lago/registrazione")
	wantStatus(t, p, http.StatusOK)
	mustNotContain(t, p, `id="password"`, `id="confirm"`, "captcha", `id="privacy"`)
	mustContain(t, p, "genera una casuale")

	p = b.post("/lago/registrazione", url.Values{
		"first_name": {"Carla"}, "last_name": {"Galli"}, "fiscal_code": {db.DemoRegistrationCF["lago"]},
		"mobile": {"+39 347 1234567"}, "username": {"carla.galli"},
		"security_question": {"custom"}, "custom_question": {"Colore della prima bici?"}, "security_answer": {"Rosso"},
	})
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, "password temporanea", "&#43;39•••••••567", "codice di verifica")

	// the temporary password and the link code, both to the registry's mobile
	sms := d.sms.wait(t, 2)
	var temp, code string
	for _, s := range sms {
		if s["to"] != "+393471234567" {
			t.Fatalf("SMS to %q, not the registry's mobile", s["to"])
		}
		if m := tempPassRE.FindStringSubmatch(s["text"]); m != nil {
			temp = m[1]
		}
		if m := linkCodeRE.FindStringSubmatch(s["text"]); m != nil {
			code = m[1]
		}
	}
	if temp == "" || code == "" {
		t.Fatalf("SMS lack the temporary password or the code: %+v", sms)
	}
	if len(d.smtp.Messages()) != 0 {
		t.Fatalf("lago sends by SMS only")
	}
	// no secret in clear anywhere: queue, record of messages, accounts
	var dump string
	if err := e.store.DB().Get(&dump, `SELECT coalesce(string_agg(args::text || coalesce(errors::text, ''), ' '), '') FROM river_job`); err != nil {
		t.Fatal(err)
	}
	var msgs string
	mustGet(t, e.store.DB(), &msgs, `SELECT coalesce(string_agg(m::text, ' '), '') FROM messages m`)
	var accs string
	mustGet(t, e.store.DB(), &accs, `SELECT string_agg(a::text, ' ') FROM accounts a`)
	for what, s := range map[string]string{"river_job": dump, "messages": msgs, "accounts": accs} {
		if strings.Contains(s, temp) {
			t.Fatalf("temporary password in clear in %s", what)
		}
	}
	if !strings.Contains(msgs, "t") || !strings.Contains(dump, `"generate_password": true`) && !strings.Contains(dump, `"generate_password":true`) {
		t.Fatalf("job args: %s", dump)
	}

	p = b.login("lago", "carla.galli", temp)
	wantStatus(t, p, http.StatusSeeOther)
	if p.loc != "/lago/cambio-password" {
		t.Fatalf("first sign-in goes to %q, want the forced change", p.loc)
	}
	p = b.get(p.loc)
	mustContain(t, p, "Prima di continuare devi scegliere una nuova password")
	p = b.post("/lago/cambio-password", url.Values{"password": {"Bici-Rossa-9"}, "confirm": {"Bici-Rossa-9"}})
	wantStatus(t, p, http.StatusSeeOther)
	p = b.get("/lago/famiglia")
	mustContain(t, p, "non è ancora collegato", "&#43;39•••••••567")
	mustNotContain(t, p, "Tommaso")
	wantStatus(t, b.post("/lago/collegamento", url.Values{"codice": {code}}), http.StatusSeeOther)
	mustContain(t, b.get("/lago/famiglia"), "Tommaso")
}

// TestRegisterValidation: every field error next to its field, tied to it,
// input kept but never the password; 422.
func TestRegisterValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	p := b.post("/demo/registrazione", url.Values{
		"first_name": {"Anna"}, "last_name": {"V3rdi"}, "fiscal_code": {"VRDNNA87H43L219B"},
		"email": {"not-an-email"}, "mobile": {"12"}, "username": {"a"}, "password": {"password"}, "confirm": {"other"},
		"security_question": {"nope"}, "security_answer": {""},
	})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, `value="Anna"`, `value="V3rdi"`, `value="VRDNNA87H43L219B"`, `value="not-an-email"`,
		`aria-describedby="fiscal_code-hint cf-status fiscal_code-error"`, `id="fiscal_code-error"`, "carattere di controllo",
		`id="last_name-error"`, `id="email-error"`, `id="mobile-error"`, `id="username-error"`, `id="password-error"`,
		`id="confirm-error"`, `id="security_question-error"`, `id="security_answer-error"`, `id="privacy-error"`, `id="captcha-error"`,
		`aria-invalid="true"`, `href="#fiscal_code"`)
	mustNotContain(t, p, `value="password"`, `value="other"`)

	// CF mistakes, each with its own message
	for cf, want := range map[string]string{
		"VRDNNA87H43":      "16",
		"VRD1NA87H43L219D": "4",
		"VRDNNA87H43L219B": "carattere di controllo",
	} {
		p := b.post("/demo/registrazione/codice-fiscale", url.Values{"fiscal_code": {cf}}, "HX-Request", "true")
		wantStatus(t, p, http.StatusOK)
		mustContain(t, p, want)
	}
	// omocodia is a valid code (not in the registry)
	p = b.post("/demo/registrazione/codice-fiscale", url.Values{"fiscal_code": {"CCCFBA85D03L21VE"}}, "HX-Request", "true")
	mustContain(t, p, "non risulta nell&#39;anagrafica del Comune")
	// a wrong character is reported while typing, before 16 characters
	p = b.post("/demo/registrazione/codice-fiscale", url.Values{"fiscal_code": {"VR1"}}, "HX-Request", "true")
	mustContain(t, p, "notice-error")
	p = b.post("/demo/registrazione/codice-fiscale", url.Values{"fiscal_code": {"VRDNN"}}, "HX-Request", "true")
	mustContain(t, p, "5 caratteri su 16")
}

// TestRegisterMalformed: oversized, invalid UTF-8, repeated and missing
// fields get a clear answer, never a 500.
func TestRegisterMalformed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	p := b.post("/demo/registrazione", url.Values{"first_name": {strings.Repeat("x", 70<<10)}})
	if p.status != http.StatusRequestEntityTooLarge && p.status != http.StatusBadRequest {
		t.Fatalf("huge form: status %d", p.status)
	}
	mustContain(t, p, "troppo grande")
	p = b.post("/demo/registrazione", url.Values{"first_name": {"An\xffna"}, "username": {"x\xfe"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, "caratteri non validi")
	p = b.post("/demo/registrazione", url.Values{"username": {"a.b", "c.d"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, "campi ripetuti")
	p = b.post("/demo/registrazione", url.Values{})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, "Scrivi il nome", "Scegli uno Username")
	p = b.post("/demo/registrazione", url.Values{"first_name": {strings.Repeat("é", 61)}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, "al massimo 60 caratteri")
	p = b.post("/demo/registrazione/username", url.Values{"username": {"a", "b"}}, "HX-Request", "true")
	wantStatus(t, p, http.StatusOK)
	p = b.post("/demo/registrazione/codice-fiscale", url.Values{"fiscal_code": {"\xff\xfe"}}, "HX-Request", "true")
	wantStatus(t, p, http.StatusOK)
	if strings.Contains(e.logs.String(), `"status":500`) {
		t.Fatalf("a 500 was logged")
	}
}

// TestRegisterUsernameAvailability: live check (htmx fragment, 200) and the
// no-JS full POST; case-insensitive.
func TestRegisterUsernameAvailability(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	p := b.post("/demo/registrazione/username", url.Values{"username": {"Mario.Rossi"}}, "HX-Request", "true")
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, "Username NON disponibile!")
	mustNotContain(t, p, "<html", "<form")
	p = b.post("/demo/registrazione/username", url.Values{"username": {"nuovo.genitore"}}, "HX-Request", "true")
	mustContain(t, p, "Username disponibile")
	mustNotContain(t, p, "NON")
	// without JavaScript: the button posts the whole form
	p = b.post("/demo/registrazione", url.Values{"username": {"MARIO.ROSSI"}, "first_name": {"Mario"}, "verifica": {"1"}, "password": {"secret-secret"}})
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, "Username NON disponibile!", `value="Mario"`, `value="MARIO.ROSSI"`)
	mustNotContain(t, p, "secret-secret", `id="first_name-error"`)
	// another installation's usernames do not count
	p = b.post("/lago/registrazione/username", url.Values{"username": {"mario.rossi"}}, "HX-Request", "true")
	mustContain(t, p, "Username disponibile")
}

// TestRegisterUsernameRace: many people race for the same username: exactly
// one wins, the others get "Username NON disponibile!", never an error page.
func TestRegisterUsernameRace(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const n = 8
	cfs := []string{"RSSMRA80A01F205X", "BNCLRA81B42F205X", "VRDGPP82C03F205X", "NRILCU83D04F205X",
		"GLLFNC84E05F205X", "CLMSRA85H46F205X", "FRRLSS86L07F205X", "RCCMTT87M08F205X"}
	var wg sync.WaitGroup
	statuses := make([]page, n)
	for i := 0; i < n; i++ {
		cf := fixCF(cfs[i])
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			b := e.browser()
			statuses[i] = b.post("/lago/registrazione", url.Values{
				"first_name": {"Uno"}, "last_name": {"Qualunque"}, "fiscal_code": {cf}, "mobile": {fmt.Sprintf("+3934700000%02d", i)},
				"username": {"Nome.Conteso"}, "security_question": {"sq.dish"}, "security_answer": {"pizza"},
			})
		}(i)
	}
	wg.Wait()
	wins := 0
	for _, p := range statuses {
		switch p.status {
		case http.StatusOK:
			wins++
		case http.StatusUnprocessableEntity, http.StatusConflict:
			mustContain(t, p, "Username NON disponibile!")
		default:
			t.Fatalf("status %d:\n%s", p.status, p.body)
		}
	}
	if wins != 1 {
		t.Fatalf("%d registrations won the race, want exactly 1", wins)
	}
	var count int
	mustGet(t, e.store.DB(), &count, `SELECT count(*) FROM accounts WHERE lower(username) = 'nome.conteso'`)
	if count != 1 {
		t.Fatalf("%d accounts", count)
	}
}

// fixCF replaces the last character with the right check letter.
func fixCF(s string) string {
	return s[:15] + string(checkChar(s[:15]))
}

func checkChar(s string) byte {
	odd := []int{1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23}
	sum := 0
	for i := 0; i < 15; i++ {
		c := s[i]
		v := 0
		if c >= '0' && c <= '9' {
			v = int(c - '0')
		} else {
			v = int(c - 'A')
		}
		if i%2 == 0 {
			sum += odd[v]
		} else {
			sum += v
		}
	}
	return byte('A' + sum%26)
}

// TestRegisterContactsLock: the CF check locks the contacts of a paying
// adult (out-of-band swap), says why and what to do; other CFs per setting.
func TestRegisterContactsLock(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	p := b.post("/demo/registrazione/codice-fiscale", url.Values{"fiscal_code": {annaCF}}, "HX-Request", "true")
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, `hx-swap-oob="true"`, `name="contacts_locked" value="1"`, "readonly", "a•••i@example.it",
		"comunicali prima a", "ripeti la registrazione")
	mustNotContain(t, p, "anna.verdi@example.it", "+393401112233")
	// already locked: no swap of the inputs the user may be in
	p = b.post("/demo/registrazione/codice-fiscale", url.Values{"fiscal_code": {annaCF}, "contacts_locked": {"1"}}, "HX-Request", "true")
	mustNotContain(t, p, "hx-swap-oob")
	// lago locks no contacts, but generates the password, which goes only
	// to the registry's contacts: locked all the same
	p = b.post("/lago/registrazione/codice-fiscale", url.Values{"fiscal_code": {db.DemoRegistrationCF["lago"]}}, "HX-Request", "true")
	mustContain(t, p, "trovato nell&#39;anagrafica", "readonly", "la password generata sarà inviata solo")
	// locking off and a password to choose: the adult is found, nothing locked
	e.store.DB().MustExec(`UPDATE installations SET password_required = true WHERE code = 'lago'`)
	p = b.post("/lago/registrazione/codice-fiscale", url.Values{"fiscal_code": {db.DemoRegistrationCF["lago"]}}, "HX-Request", "true")
	mustContain(t, p, "trovato nell&#39;anagrafica")
	mustNotContain(t, p, "readonly")
	// unknown CF: refused in demo, allowed with a warning in lago
	p = b.post("/lago/registrazione/codice-fiscale", url.Values{"fiscal_code": {"CCCFBA85D03L219P"}}, "HX-Request", "true")
	mustContain(t, p, "puoi registrarti, però il profilo non sarà collegato")

	// without JS the server enforces the lock and says so before using other contacts
	p = b.get("/demo/registrazione")
	f := annaForm(solveCaptcha(t, p.body))
	f.Del("contacts_locked")
	p = b.post("/demo/registrazione", f)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, "solo ai recapiti registrati dal Comune", "readonly")
	mustNotContain(t, p, customEmail, "anna.verdi@example.it")

	// a locked adult whose registry lacks the needed contact cannot register yet
	e.store.DB().MustExec(`UPDATE adults SET email = '' WHERE fiscal_code = $1`, annaCF)
	p = b.post("/demo/registrazione/codice-fiscale", url.Values{"fiscal_code": {annaCF}}, "HX-Request", "true")
	mustContain(t, p, "mancano l&#39;e-mail o il cellulare")
}

// TestRegisterOff: no link and a clear 404 when self-registration is off;
// CST mode points to the external site.
func TestRegisterOff(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	e.store.DB().MustExec(`UPDATE installations SET self_registration = false WHERE code = 'demo'`)
	p := b.get("/demo/accesso")
	mustNotContain(t, p, `href="/demo/registrazione"`)
	p = b.get("/demo/registrazione")
	wantStatus(t, p, http.StatusNotFound)
	mustContain(t, p, "non è possibile registrarsi autonomamente")
	p = b.post("/demo/registrazione", url.Values{"username": {"x.y.z"}})
	wantStatus(t, p, http.StatusNotFound)
	p = b.get("/valle/registrazione")
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, `href="https://cst.valleserena.example/registrazione"`)
	mustNotContain(t, p, `<form method="post" action="/valle/registrazione"`)
}

// TestRegisterRateLimits: live checks and submissions per address.
func TestRegisterRateLimits(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	var p page
	for i := 0; i < 61; i++ {
		p = b.post("/demo/registrazione/username", url.Values{"username": {"abc.def"}}, "HX-Request", "true")
	}
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, "Troppe verifiche")
	for i := 0; i < 21; i++ {
		p = b.post("/lago/registrazione", url.Values{"username": {"x"}})
	}
	wantStatus(t, p, http.StatusTooManyRequests)
	mustContain(t, p, "Troppe registrazioni")
}

// TestRegisterCaptcha: wrong or replayed solutions are refused; the no-JS
// question works.
func TestRegisterCaptcha(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	startDelivery(t, e)
	b := e.browser()
	p := b.get("/demo/registrazione")
	sol := solveCaptcha(t, p.body)
	f := annaForm(sol)
	f.Set("altcha", base64.StdEncoding.EncodeToString([]byte(`{"algorithm":"SHA-256","challenge":"x","number":1,"salt":"y","signature":"z"}`)))
	p = b.post("/demo/registrazione", f)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, `id="captcha-error"`)
	// the real solution works once...
	p = b.post("/demo/registrazione", annaForm(sol))
	wantStatus(t, p, http.StatusOK)
	// ...and is refused when replayed
	f = annaForm(sol)
	f.Set("fiscal_code", "CCCFBA85D03L219P")
	f.Set("username", "altro.nome")
	e.store.DB().MustExec(`UPDATE installations SET allow_unlinked_accounts = true WHERE code = 'demo'`)
	p = b.post("/demo/registrazione", f)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, `id="captcha-error"`)

	// no JS: answer the question in words
	p = b.get("/demo/registrazione")
	q := regexp.MustCompile(`Quanto fa (\w+) più (\w+)\?`).FindStringSubmatch(p.body)
	tok := tokenRE.FindStringSubmatch(p.body)
	if q == nil || tok == nil {
		t.Fatal("no fallback question")
	}
	words := map[string]int{"uno": 1, "due": 2, "tre": 3, "quattro": 4, "cinque": 5, "sei": 6, "sette": 7, "otto": 8, "nove": 9}
	f = annaForm("")
	f.Set("fiscal_code", "CCCFBA85D03L219P")
	f.Set("username", "altro.nome")
	f.Set("captcha_token", html.UnescapeString(tok[1]))
	f.Set("captcha_answer", fmt.Sprint(words[q[1]]+words[q[2]]+1))
	p = b.post("/demo/registrazione", f)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	f.Set("captcha_answer", fmt.Sprint(words[q[1]]+words[q[2]]))
	p = b.post("/demo/registrazione", f)
	wantStatus(t, p, http.StatusOK)
}

// TestRegisterStrength: the meter answers while typing.
func TestRegisterStrength(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	p := b.post("/demo/registrazione/robustezza", url.Values{"password": {"password123"}}, "HX-Request", "true")
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, "Livello di protezione:", "molto basso", `<meter`, `value="0"`)
	p = b.post("/demo/registrazione/robustezza", url.Values{"password": {"Cavallo-Batteria-Graffetta-91"}}, "HX-Request", "true")
	mustContain(t, p, "molto alto", `value="4"`)
	p = b.post("/lago/registrazione/robustezza", url.Values{"password": {"abc"}}, "HX-Request", "true")
	mustContain(t, p, "almeno 8 caratteri")
}

// TestRegisterEnglish: the form in English.
func TestRegisterEnglish(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	p := b.get("/demo/registrazione", "Accept-Language", "en")
	mustContain(t, p, "Register a new account", "Check availability", "Type the password again", "Confirm")
	p = b.post("/demo/registrazione/codice-fiscale", url.Values{"fiscal_code": {"VRDNNA87H43L219B"}}, "HX-Request", "true", "Accept-Language", "en")
	mustContain(t, p, "check")
}
