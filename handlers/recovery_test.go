package handlers_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"portalegenitori/db"
	"portalegenitori/internal/i18n"
	"portalegenitori/internal/password"
)

var (
	recoveryLinkRE = regexp.MustCompile(`https://portale\.example\.it(/demo/recupero-accesso/link/([A-Z2-7]+))`)
	recoveryTempRE = regexp.MustCompile(`password temporanea (\S+)`)
)

func recoverStart(b *browser, inst, key, value string) page {
	return b.post("/"+inst+"/recupero-accesso", url.Values{"key": {key}, "value": {value}})
}

func recoverAnswer(b *browser, inst, key, value, answer string) page {
	return b.post("/"+inst+"/recupero-accesso", url.Values{"step": {"risposta"}, "key": {key}, "value": {value}, "answer": {answer}})
}

func linkedCF(t *testing.T, s *db.Store, username string) string {
	t.Helper()
	var cf string
	if err := s.DB().Get(&cf, `SELECT linked_fiscal_code FROM accounts WHERE username = $1`, username); err != nil {
		t.Fatal(err)
	}
	return cf
}

func jobCount(t *testing.T, s *db.Store, kind string) int {
	t.Helper()
	var n int
	if err := s.DB().Get(&n, `SELECT count(*) FROM river_job WHERE kind = $1`, kind); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestRecoveryLookupKeys: the form offers the seed's three keys; each finds
// the profile, shows its question, refuses a wrong answer and accepts the
// right one however it is capitalised or spaced.
func TestRecoveryLookupKeys(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	p := b.get("/demo/accesso")
	mustContain(t, p, `href="/demo/recupero-accesso"`, "Problemi con l&#39;accesso")
	p = b.get("/demo/recupero-accesso")
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, "Problemi con l&#39;accesso", `<select id="key" name="key">`, "Codice fiscale", "Username", "Indirizzo e-mail",
		"così come comunicato all&#39;iscrizione", `<label for="value">`)

	cf := linkedCF(t, e.store, "mario.rossi")
	for key, value := range map[string]string{
		db.RecoverByFiscalCode: " " + strings.ToLower(cf[:8]) + " " + cf[8:],
		db.RecoverByUsername:   "Mario.Rossi",
		db.RecoverByEmail:      "MARIO.ROSSI@example.it",
	} {
		p := recoverStart(b, "demo", key, value)
		wantStatus(t, p, http.StatusOK)
		mustContain(t, p, "Come si chiamava il tuo primo animale domestico?", `name="step" value="risposta"`)
		p = recoverAnswer(b, "demo", key, value, "Pluto")
		wantStatus(t, p, http.StatusUnprocessableEntity)
		mustContain(t, p, "La risposta non è corretta", `id="answer-error"`, `aria-invalid="true"`)
		p = recoverAnswer(b, "demo", key, value, "  FIDO ")
		wantStatus(t, p, http.StatusOK)
		mustContain(t, p, "Abbiamo inviato un collegamento per accedere all&#39;indirizzo e-mail m•••i@example.it",
			"Abbiamo inviato una password temporanea via SMS al cellulare", "entro 24 ore")
	}
	if n := jobCount(t, e.store, "recovery"); n != 6 {
		t.Fatalf("%d recovery jobs, want 6 (e-mail and SMS, three times)", n)
	}
	// a job carries no secret and no contact
	var args string
	mustGet(t, e.store.DB(), &args, `SELECT string_agg(args::text, ' ') FROM river_job WHERE kind = 'recovery'`)
	if strings.Contains(args, "@") || strings.Contains(args, "+39") || strings.Contains(args, "password") {
		t.Fatalf("job args: %s", args)
	}
	// the form in English
	p = b.get("/demo/recupero-accesso", "Accept-Language", "en")
	mustContain(t, p, "Problems signing in", "Fiscal code", "E-mail address")
}

// TestRecoveryLinkJourney: by codice fiscale, the e-mail link (real SMTP
// listener) and the temporary password (HTTP gateway) arrive; the old
// password keeps working meanwhile; the link's GET does not spend it, its
// POST signs in once to the forced change; the change ends the other
// sessions, voids the temporary password and sends a notice without secret.
func TestRecoveryLinkJourney(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	d := startDelivery(t, e)
	other := e.browser()
	wantStatus(t, other.login("demo", "mario.rossi", "Mensa-Scuola-2026"), http.StatusSeeOther)

	b := e.browser()
	cf := linkedCF(t, e.store, "mario.rossi")
	wantStatus(t, recoverStart(b, "demo", db.RecoverByFiscalCode, cf), http.StatusOK)
	wantStatus(t, recoverAnswer(b, "demo", db.RecoverByFiscalCode, cf, "fido"), http.StatusOK)

	mails := d.smtp.Wait(1, 20*time.Second)
	if mails[0].To[0] != "mario.rossi@example.it" {
		t.Fatalf("mail to %v", mails[0].To)
	}
	m := recoveryLinkRE.FindStringSubmatch(mails[0].Text())
	if m == nil {
		t.Fatalf("no link in mail:\n%s", mails[0].Text())
	}
	linkPath, token := m[1], m[2]
	if !strings.Contains(mails[0].Text(), "sostituisce quelli") || !strings.Contains(mails[0].HTML(), linkPath) {
		t.Fatalf("mail text:\n%s", mails[0].Text())
	}
	// greeted by name, as the registration e-mail does, not by username
	if !strings.Contains(mails[0].Text(), "Gentile Mario Rossi,") || strings.Contains(mails[0].Text(), "Gentile mario.rossi") {
		t.Fatalf("mail greeting:\n%s", mails[0].Text())
	}
	sms := d.sms.wait(t, 1)
	tm := recoveryTempRE.FindStringSubmatch(sms[0]["text"])
	if sms[0]["to"] != "+393331234567" || tm == nil {
		t.Fatalf("sms: %+v", sms)
	}
	temp := tm[1]
	msgs := waitMessages(t, e.store, 1, accountID(t, e.store, "mario.rossi"), 2)
	for _, msg := range msgs {
		if msg.Kind != "recovery" || msg.Outcome != "sent" {
			t.Fatalf("message record: %+v", msg)
		}
	}
	// no secret in clear anywhere: queue, records, accounts, tokens, logs
	var dump string
	mustGet(t, e.store.DB(), &dump, `SELECT coalesce(string_agg(args::text || coalesce(errors::text, ''), ' '), '') FROM river_job`)
	var rest string
	mustGet(t, e.store.DB(), &rest, `SELECT (SELECT string_agg(m::text, ' ') FROM messages m) || (SELECT string_agg(a::text, ' ') FROM accounts a)
		|| (SELECT string_agg(r::text, ' ') FROM recovery_tokens r) || (SELECT string_agg(l::text, ' ') FROM audit_log l)`)
	for _, secret := range []string{token, temp} {
		if strings.Contains(dump, secret) || strings.Contains(rest, secret) || strings.Contains(e.logs.String(), secret) {
			t.Fatalf("secret %q stored or logged in clear", secret)
		}
	}

	// the old password still works until the change
	old := e.browser()
	p := old.login("demo", "mario.rossi", "Mensa-Scuola-2026")
	wantStatus(t, p, http.StatusSeeOther)
	if p.loc != "/demo/famiglia" {
		t.Fatalf("old password leads to %q", p.loc)
	}

	// a preview or a scanner fetching the link does not spend it
	scanner := e.browser()
	for range 2 {
		p = scanner.get(linkPath)
		wantStatus(t, p, http.StatusOK)
		mustContain(t, p, "Accedi e scegli una nuova password", `method="post"`)
	}
	if p.header.Get("Referrer-Policy") != "no-referrer" {
		t.Fatalf("referrer policy %q", p.header.Get("Referrer-Policy"))
	}
	p = b.post(linkPath, nil)
	wantStatus(t, p, http.StatusSeeOther)
	if p.loc != "/demo/cambio-password" {
		t.Fatalf("link leads to %q", p.loc)
	}
	p = b.get("/demo/famiglia")
	if p.loc != "/demo/cambio-password" {
		t.Fatalf("must change first, got %q", p.loc)
	}
	p = b.get("/demo/cambio-password")
	mustContain(t, p, "Prima di continuare devi scegliere una nuova password")
	mustNotContain(t, p, `id="current"`)
	// used: once only
	p = e.browser().post(linkPath, nil)
	wantStatus(t, p, http.StatusGone)
	mustContain(t, p, "non è più valido", "/demo/recupero-accesso")
	wantStatus(t, e.browser().get(linkPath), http.StatusGone)

	// the change: other sessions end, secrets void, a notice without secret
	p = b.post("/demo/cambio-password", url.Values{"password": {"Nuova-Merenda-2027"}, "confirm": {"Nuova-Merenda-2027"}})
	wantStatus(t, p, http.StatusSeeOther)
	if p = other.get("/demo/famiglia"); p.status != http.StatusSeeOther || !strings.HasPrefix(p.loc, "/demo/accesso") {
		t.Fatalf("other session still alive: %d %q", p.status, p.loc)
	}
	if p = old.get("/demo/famiglia"); !strings.HasPrefix(p.loc, "/demo/accesso") {
		t.Fatalf("old-password session still alive: %q", p.loc)
	}
	wantStatus(t, b.get("/demo/famiglia"), http.StatusOK)
	wantStatus(t, e.browser().login("demo", "mario.rossi", temp), http.StatusUnprocessableEntity)
	wantStatus(t, e.browser().login("demo", "mario.rossi", "Mensa-Scuola-2026"), http.StatusUnprocessableEntity)
	wantStatus(t, e.browser().login("demo", "mario.rossi", "Nuova-Merenda-2027"), http.StatusSeeOther)

	mails = d.smtp.Wait(2, 20*time.Second)
	notice := mails[1]
	if !strings.Contains(notice.Header("Subject"), "password è stata cambiata") || strings.Contains(notice.Raw, "Nuova-Merenda-2027") {
		t.Fatalf("notice:\n%s", notice.Raw)
	}
	sms = d.sms.wait(t, 2)
	if !strings.Contains(sms[1]["text"], "è stata cambiata") || strings.Contains(sms[1]["text"], "Nuova-Merenda-2027") {
		t.Fatalf("notice sms: %+v", sms[1])
	}
	if auditCount(t, e.store, "recovery", "sent") != 1 || auditCount(t, e.store, "recovery_answer", "success") != 1 {
		t.Fatal("audit rows missing")
	}
	// the link was fetched, used, refused: the request log names the route, never the token
	logs := e.logs.String()
	if strings.Contains(logs, token) || strings.Contains(logs, temp) {
		t.Fatalf("a secret is in the request log:\n%s", logs)
	}
	if !strings.Contains(logs, `"path":"/demo/recupero-accesso/link/[redacted]","status":410`) {
		t.Fatalf("the link's requests are not logged as expected:\n%s", logs)
	}
	var details string
	mustGet(t, e.store.DB(), &details, `SELECT string_agg(actor || detail::text, ' ') FROM audit_log WHERE action LIKE 'recovery%'`)
	if strings.Contains(strings.ToLower(details), "fido") || strings.Contains(details, cf) {
		t.Fatalf("audit holds the answer or the whole CF: %s", details)
	}
}

func accountID(t *testing.T, s *db.Store, username string) int64 {
	t.Helper()
	acc, err := s.AccountByUsername(context.Background(), 1, username)
	if err != nil {
		t.Fatal(err)
	}
	return acc.ID
}

// TestRecoveryTempPassword: by username, the SMS temporary password signs in
// straight to the forced change, as often as needed until it expires or a
// new password is chosen (a parent who leaves the change page can come
// back); expired it fails; the old password keeps working meanwhile.
func TestRecoveryTempPassword(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	d := startDelivery(t, e)
	b := e.browser()
	wantStatus(t, recoverStart(b, "demo", db.RecoverByUsername, "mario.rossi"), http.StatusOK)
	wantStatus(t, recoverAnswer(b, "demo", db.RecoverByUsername, "mario.rossi", "Fido"), http.StatusOK)
	sms := d.sms.wait(t, 1)
	temp := recoveryTempRE.FindStringSubmatch(sms[0]["text"])[1]
	if !strings.Contains(sms[0]["text"], "24 ore") || !strings.Contains(sms[0]["text"], "sostituisce") {
		t.Fatalf("sms text: %s", sms[0]["text"])
	}
	waitMessages(t, e.store, 1, accountID(t, e.store, "mario.rossi"), 2)

	wantStatus(t, e.browser().login("demo", "mario.rossi", "Mensa-Scuola-2026"), http.StatusSeeOther)
	p := b.login("demo", "mario.rossi", temp)
	wantStatus(t, p, http.StatusSeeOther)
	if p.loc != "/demo/cambio-password" {
		t.Fatalf("temporary password leads to %q", p.loc)
	}
	p = e.browser().login("demo", "mario.rossi", temp)
	wantStatus(t, p, http.StatusSeeOther)
	if p.loc != "/demo/cambio-password" {
		t.Fatalf("temporary password, second time, leads to %q", p.loc)
	}
	if auditCount(t, e.store, "login", "success") != 3 {
		t.Fatal("sign-ins not audited")
	}

	// expiry: a temporary password older than 24 hours no longer works
	hash, _ := password.Hash("Scaduta-Temporanea-1")
	e.store.DB().MustExec(`UPDATE accounts SET temp_password_hash = $1, temp_password_expires_at = now() - interval '1 second'
		WHERE username = 'mario.rossi'`, hash)
	wantStatus(t, e.browser().login("demo", "mario.rossi", "Scaduta-Temporanea-1"), http.StatusUnprocessableEntity)
	e.store.DB().MustExec(`UPDATE accounts SET temp_password_expires_at = now() + interval '1 hour' WHERE username = 'mario.rossi'`)
	wantStatus(t, e.browser().login("demo", "mario.rossi", "Scaduta-Temporanea-1"), http.StatusSeeOther)

	// an expired link is refused too
	mails := d.smtp.Wait(1, 20*time.Second)
	linkPath := recoveryLinkRE.FindStringSubmatch(mails[0].Text())[1]
	e.store.DB().MustExec(`UPDATE recovery_tokens SET expires_at = now() - interval '1 second'`)
	wantStatus(t, e.browser().get(linkPath), http.StatusGone)
	wantStatus(t, e.browser().post(linkPath, nil), http.StatusGone)
}

// TestRecoveryErrorCases: the seed's errors appear only after the right
// answer, with what to do; nothing is enqueued.
func TestRecoveryErrorCases(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	// giulia.bianchi: the registry has her e-mail but no mobile (demo sends both)
	p := recoverStart(b, "demo", db.RecoverByUsername, "giulia.bianchi")
	wantStatus(t, p, http.StatusOK)
	mustNotContain(t, p, "anagrafica del Comune manca")
	p = recoverAnswer(b, "demo", db.RecoverByUsername, "giulia.bianchi", "fido")
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, "nell&#39;anagrafica del Comune manca il numero di cellulare dell&#39;adulto pagante",
		"Ufficio Servizi Scolastici", "ripeti il recupero", `role="alert"`)

	// paolo.neri: the registry's CF changed, the profile was not regenerated;
	// found by the old (linked) CF and by the registry's current one
	var newCF string
	mustGet(t, e.store.DB(), &newCF, `SELECT ad.fiscal_code FROM adults ad JOIN accounts a ON a.adult_id = ad.id WHERE a.username = 'paolo.neri'`)
	for _, cf := range []string{linkedCF(t, e.store, "paolo.neri"), newCF} {
		p = recoverStart(b, "demo", db.RecoverByFiscalCode, cf)
		mustContain(t, p, "primo animale domestico")
		mustNotContain(t, p, "rigenera")
		p = recoverAnswer(b, "demo", db.RecoverByFiscalCode, cf, "Fido")
		wantStatus(t, p, http.StatusUnprocessableEntity)
		mustContain(t, p, "il codice fiscale dell&#39;adulto pagante è stato modificato", "rigenerare (ricollegare) il tuo profilo")
	}
	// only e-mail in lago-like settings: giulia then gets her link
	e.store.DB().MustExec(`UPDATE installations SET delivery_channel = 'email' WHERE code = 'demo'`)
	p = recoverAnswer(b, "demo", db.RecoverByUsername, "giulia.bianchi", "fido")
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, "g•••i@example.it")
	mustNotContain(t, p, "SMS")
	if n := jobCount(t, e.store, "recovery"); n != 1 {
		t.Fatalf("%d recovery jobs, want only giulia's e-mail", n)
	}
	if auditCount(t, e.store, "recovery", "missing_contact") != 1 || auditCount(t, e.store, "recovery", "stale_link") != 2 {
		t.Fatal("error cases not audited")
	}
}

// TestRecoveryNoEnumeration: the first answer and the wrong-answer answer
// are the same, byte for byte but the value typed, whether or not a profile
// exists; every answer step does exactly one argon2 operation and the first
// step none; the cool-down reads the same. A profile without a question
// gets the neutral message, which says what happens and whom to contact.
// Not parallel: the argon2 count is per process.
func TestRecoveryNoEnumeration(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	const ghost = "nessuno.qui"
	ops := password.Computations()
	pg := recoverStart(b, "demo", db.RecoverByUsername, ghost)
	wantStatus(t, pg, http.StatusOK)
	if n := password.Computations() - ops; n != 0 {
		t.Fatalf("first step did %d argon2 operations", n)
	}
	decoy := ""
	for _, k := range []string{"sq.pet", "sq.school", "sq.grandparents", "sq.dish", "sq.friend"} {
		if strings.Contains(pg.body, strings.ReplaceAll(i18n.T("it", k), "'", "&#39;")) {
			decoy = k
		}
	}
	if decoy == "" {
		t.Fatalf("no decoy question:\n%s", pg.body)
	}
	if again := recoverStart(b, "demo", db.RecoverByUsername, ghost); again.body != pg.body {
		t.Fatal("the decoy question must be stable for a value")
	}
	// give laura the same question: her page must equal the ghost's
	hash, _ := password.Hash("micio")
	e.store.DB().MustExec(`UPDATE accounts SET security_question = $1, security_answer_hash = $2 WHERE username = 'laura.rossi'`, decoy, hash)
	pl := recoverStart(b, "demo", db.RecoverByUsername, "laura.rossi")
	same := func(a, b page, what string) {
		t.Helper()
		if a.status != b.status || strings.ReplaceAll(a.body, ghost, "X") != strings.ReplaceAll(b.body, "laura.rossi", "X") {
			t.Fatalf("%s differs between a missing and an existing profile:\n%s\n----\n%s", what, a.body, b.body)
		}
	}
	same(pg, pl, "first answer")

	ops = password.Computations()
	wg := recoverAnswer(b, "demo", db.RecoverByUsername, ghost, "fido")
	if n := password.Computations() - ops; n != 1 {
		t.Fatalf("answer for a missing profile did %d argon2 operations", n)
	}
	wl := recoverAnswer(b, "demo", db.RecoverByUsername, "laura.rossi", "fido")
	if n := password.Computations() - ops; n != 2 {
		t.Fatalf("answer for an existing profile did %d argon2 operations", n-1)
	}
	same(wg, wl, "wrong answer")
	// cool-down at the 5th wrong answer, the same for both; then even the
	// right answer waits
	for range 3 {
		recoverAnswer(b, "demo", db.RecoverByUsername, ghost, "fido")
		recoverAnswer(b, "demo", db.RecoverByUsername, "laura.rossi", "fido")
	}
	cg := recoverAnswer(b, "demo", db.RecoverByUsername, ghost, "fido")
	cl := recoverAnswer(b, "demo", db.RecoverByUsername, "laura.rossi", "fido")
	wantStatus(t, cg, http.StatusTooManyRequests)
	mustContain(t, cg, "Troppe risposte non corrette", "riprova tra 60 minuti")
	same(cg, cl, "cool-down")
	same(recoverAnswer(b, "demo", db.RecoverByUsername, ghost, "micio"),
		recoverAnswer(b, "demo", db.RecoverByUsername, "laura.rossi", "micio"), "cool-down, right answer")
	if jobCount(t, e.store, "recovery") != 0 {
		t.Fatal("nothing may be sent")
	}

	// without a question: the neutral message, and the recovery goes out
	e.store.DB().MustExec(`UPDATE accounts SET security_question = '', security_answer_hash = NULL WHERE username = 'laura.rossi'`)
	p := recoverStart(b, "demo", db.RecoverByEmail, "laura.rossi@example.it")
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, "Richiesta ricevuta. Se i dati corrispondono a un profilo", "entro 24 ore",
		"Ufficio Servizi Scolastici, tel. 02 0000000 (scuola@comune.esempio.it)", `role="status"`)
	mustNotContain(t, p, "laura.rossi@example.it", "l•••i@")
	if jobCount(t, e.store, "recovery") != 2 {
		t.Fatal("laura's recovery not enqueued")
	}
	// ...and the same neutral message when the registry lacks her mobile
	e.store.DB().MustExec(`UPDATE adults SET mobile = '' WHERE email = 'laura.rossi@example.it'`)
	p2 := recoverStart(b, "demo", db.RecoverByEmail, "laura.rossi@example.it")
	if p2.body != p.body {
		t.Fatal("the neutral message must not reveal the missing contact")
	}
	if jobCount(t, e.store, "recovery") != 2 || auditCount(t, e.store, "recovery", "missing_contact") != 1 {
		t.Fatal("missing contact: nothing sent, audited")
	}
	if auditCount(t, e.store, "recovery_request", "no_account") != 2 || auditCount(t, e.store, "recovery_answer", "failure") < 8 {
		t.Fatal("requests not audited")
	}
}

// TestRecoveryRateLimits: per typed value and per address.
func TestRecoveryRateLimits(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	var p page
	for range 10 { // 10 an hour per value
		wantStatus(t, recoverStart(b, "demo", db.RecoverByUsername, "qualcuno"), http.StatusOK)
	}
	p = recoverStart(b, "demo", db.RecoverByUsername, "qualcuno")
	wantStatus(t, p, http.StatusTooManyRequests)
	mustContain(t, p, "Troppe richieste di recupero")
	if p.header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After")
	}
	wantStatus(t, recoverStart(b, "demo", db.RecoverByUsername, "altro.nome"), http.StatusOK)
	// invalid values are field errors, tied to the field
	p = recoverStart(b, "demo", db.RecoverByEmail, "non-una-mail")
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, `id="value-error"`, `aria-describedby="value-hint value-error"`, "indirizzo e-mail completo")
	p = recoverStart(b, "demo", db.RecoverByFiscalCode, "ABC")
	mustContain(t, p, "16 caratteri")
	p = recoverStart(b, "demo", "nonsense", "\xff\x00") // an unknown key is the first one, CF
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, "16 caratteri")
	// per address: 30 an hour, whatever the values
	for i := range 20 {
		p = recoverStart(b, "demo", db.RecoverByUsername, "nome"+strings.Repeat("x", i))
	}
	wantStatus(t, p, http.StatusTooManyRequests)
	wantStatus(t, recoverStart(b, "demo", db.RecoverByUsername, "ancora.diverso"), http.StatusTooManyRequests)
	if auditCount(t, e.store, "recovery_request", "throttled") < 2 {
		t.Fatal("throttling not audited")
	}
}

// TestRecoveryCSTMode: no link in CST mode; the login page and the route
// send parents to the Comune's office.
func TestRecoveryCSTMode(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	p := b.get("/valle/accesso")
	mustNotContain(t, p, "recupero-accesso")
	mustContain(t, p, "Problemi con l&#39;accesso? Rivolgiti agli uffici comunali: Ufficio Scuola")
	p = b.get("/valle/recupero-accesso")
	wantStatus(t, p, http.StatusNotFound)
	mustContain(t, p, "rivolgiti agli uffici comunali")
	mustNotContain(t, p, "<form method=\"post\" action=\"/valle/recupero-accesso\"")
	wantStatus(t, recoverStart(b, "valle", db.RecoverByUsername, "anna.valle"), http.StatusNotFound)
}

// TestTempPasswordRegistrationExpiry: the password generated at
// registration is a temporary password: it expires after 24 hours.
func TestTempPasswordRegistrationExpiry(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	d := startDelivery(t, e)
	b := e.browser()
	p := b.post("/lago/registrazione", url.Values{
		"first_name": {"Carla"}, "last_name": {"Galli"}, "fiscal_code": {db.DemoRegistrationCF["lago"]},
		"mobile": {"+39 347 1234567"}, "username": {"carla.galli"},
		"security_question": {"sq.dish"}, "security_answer": {"Pizza"},
	})
	wantStatus(t, p, http.StatusOK)
	temp := d.smsMatching(t, tempPassRE, 1)[0] // the link code goes by SMS too
	var hasPermanent bool
	mustGet(t, e.store.DB(), &hasPermanent, `SELECT password_hash IS NOT NULL FROM accounts WHERE username = 'carla.galli'`)
	if hasPermanent {
		t.Fatal("the generated password must be stored as a temporary one")
	}
	e.store.DB().MustExec(`UPDATE accounts SET temp_password_expires_at = now() - interval '1 second' WHERE username = 'carla.galli'`)
	wantStatus(t, b.login("lago", "carla.galli", temp), http.StatusUnprocessableEntity)
	// recovery (SMS only in lago): a new temporary password, to the contact given at registration
	wantStatus(t, recoverStart(b, "lago", db.RecoverByUsername, "carla.galli"), http.StatusOK)
	p = recoverAnswer(b, "lago", db.RecoverByUsername, "carla.galli", "pizza")
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, "via SMS al cellulare &#43;39•••••••567")
	temp2 := d.smsMatching(t, recoveryTempRE, 1)[0]
	p = b.login("lago", "carla.galli", temp2)
	wantStatus(t, p, http.StatusSeeOther)
	if p.loc != "/lago/cambio-password" {
		t.Fatalf("leads to %q", p.loc)
	}
}
