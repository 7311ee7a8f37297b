package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"portalegenitori/db"
)

var linkCodeRE = regexp.MustCompile(`[Cc]odice di verifica:? (\d{6})`)

const (
	intruderEmail  = "intruso@altrove.example"
	intruderMobile = "+393339998877"
)

// waitFor polls until cond holds, failing the test after 30 seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// mailCode waits for the n-th (1-based) e-mail with a link code to addr and
// returns the code.
func (d *deliveryEnv) mailCode(t *testing.T, addr string, n int) string {
	t.Helper()
	var codes []string
	waitFor(t, fmt.Sprintf("link code mail #%d to %s", n, addr), func() bool {
		codes = codes[:0]
		for _, m := range d.smtp.Messages() {
			if len(m.To) > 0 && m.To[0] == addr {
				if c := linkCodeRE.FindStringSubmatch(m.Text()); c != nil {
					codes = append(codes, c[1])
				}
			}
		}
		return len(codes) >= n
	})
	return codes[n-1]
}

// smsMatching waits until n SMS match re and returns their first groups.
func (d *deliveryEnv) smsMatching(t *testing.T, re *regexp.Regexp, n int) []string {
	t.Helper()
	var out []string
	waitFor(t, fmt.Sprintf("%d SMS matching %s", n, re), func() bool {
		d.sms.mu.Lock()
		defer d.sms.mu.Unlock()
		out = out[:0]
		for _, m := range d.sms.sent {
			if g := re.FindStringSubmatch(m["text"]); g != nil {
				out = append(out, g[1])
			}
		}
		return len(out) >= n
	})
	return out
}

// smsTo are the texts the SMS gateway received for a number.
func (d *deliveryEnv) smsTo(to string) []string {
	d.sms.mu.Lock()
	defer d.sms.mu.Unlock()
	var out []string
	for _, m := range d.sms.sent {
		if m["to"] == to {
			out = append(out, m["text"])
		}
	}
	return out
}

// jobsSettled waits until the delivery queue has nothing left to work.
func jobsSettled(t *testing.T, e *env) {
	t.Helper()
	waitFor(t, "the delivery queue to settle", func() bool {
		var n int
		if err := e.store.DB().Get(&n, `SELECT count(*) FROM river_job WHERE state NOT IN ('completed', 'cancelled', 'discarded')`); err != nil {
			t.Fatal(err)
		}
		return n == 0
	})
}

// marcoPaths are the family pages of Marco Verdi (Anna Verdi's child in
// demo): his calendar, the payer's ledger, its CSV and statement.
func marcoPaths(t *testing.T, e *env) (paths, secrets []string) {
	t.Helper()
	var child, service int64
	var school, class, diet string
	if err := e.store.DB().QueryRow(`
		SELECT c.id, en.service_id, coalesce(s.name, ''), c.class_name, coalesce(d.name, '')
		FROM children c JOIN enrollments en ON en.installation_id = c.installation_id AND en.child_id = c.id
		LEFT JOIN schools s ON s.installation_id = c.installation_id AND s.id = c.school_id
		LEFT JOIN diets d ON d.installation_id = en.installation_id AND d.id = en.diet_id
		WHERE c.first_name = 'Marco' AND c.last_name = 'Verdi' ORDER BY d.name NULLS LAST LIMIT 1`).Scan(&child, &service, &school, &class, &diet); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"Marco", school, class, diet} {
		if s != "" {
			secrets = append(secrets, s)
		}
	}
	return []string{
		fmt.Sprintf("/demo/presenze/%d/%d", child, service),
		fmt.Sprintf("/demo/presenze/%d/%d?mese=2026-10", child, service),
		"/demo/pagamenti", "/demo/pagamenti?tipo=topup",
		"/demo/pagamenti/movimenti.csv", "/demo/pagamenti/estratto",
	}, secrets
}

// noFamilyData: a signed-in profile that is not linked sees no data of
// Marco's family on any family route; each one leads to the family home,
// which says what it is waiting for.
func noFamilyData(t *testing.T, e *env, b *browser, paths, secrets []string) {
	t.Helper()
	p := b.get("/demo/famiglia")
	wantStatus(t, p, http.StatusOK)
	mustNotContain(t, p, secrets...)
	mustNotContain(t, p, "Saldo", "Pagamenti e ricariche")
	if !strings.Contains(p.body, "non è ancora collegato") {
		t.Fatalf("family home does not say what the profile waits for:\n%s", p.body)
	}
	for _, path := range paths {
		for _, hx := range [][]string{nil, {"HX-Request", "true"}} {
			p := b.get(path, hx...)
			if p.status == http.StatusOK || strings.Contains(p.body, "Marco") || strings.Contains(p.body, "Ricarica") ||
				strings.Contains(p.header.Get("Content-Type"), "csv") {
				t.Fatalf("GET %s (htmx %v): status %d, family data reachable:\n%s", path, hx != nil, p.status, p.body)
			}
			if target := p.loc + p.header.Get("HX-Redirect"); target != "/demo/famiglia" {
				t.Fatalf("GET %s: goes to %q, want the family home", path, target)
			}
		}
	}
}

// TestLinkReproductionEveryInstallationSetting is the finding of issue 12:
// Anna Verdi's codice fiscale with someone else's e-mail and mobile. For
// every combination of the settings that matter (contacts locked, password
// chosen or generated, CFs outside the registry allowed) the intruder's
// profile sees no family data, and no secret (password, link code) goes to
// a contact the registry does not hold for Anna.
func TestLinkReproductionEveryInstallationSetting(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	d := startDelivery(t, e)
	e.store.DB().MustExec(`UPDATE installations SET captcha = false WHERE code = 'demo'`)
	paths, secrets := marcoPaths(t, e)
	if len(secrets) < 3 {
		t.Fatalf("Marco's school and class not found: %v", secrets)
	}
	n := 0
	for _, lock := range []bool{true, false} {
		for _, chosen := range []bool{true, false} {
			for _, unlinked := range []bool{true, false} {
				n++
				name := fmt.Sprintf("lock=%v/chosen_password=%v/unlinked=%v", lock, chosen, unlinked)
				e.store.DB().MustExec(`UPDATE installations SET lock_registry_contacts = $1, password_required = $2,
					allow_unlinked_accounts = $3 WHERE code = 'demo'`, lock, chosen, unlinked)
				user := fmt.Sprintf("intruso%d", n)
				f := url.Values{
					"first_name": {"Anna"}, "last_name": {"Verdi"}, "fiscal_code": {annaCF},
					"email": {intruderEmail}, "mobile": {intruderMobile}, "contacts_locked": {"1"},
					"username": {user}, "security_question": {"sq.pet"}, "security_answer": {"Fido"}, "privacy": {"1"},
				}
				if chosen {
					f.Set("password", strongPass)
					f.Set("confirm", strongPass)
				}
				b := e.browser()
				p := b.post("/demo/registrazione", f)
				if p.status != http.StatusOK {
					t.Fatalf("%s: registration status %d\n%s", name, p.status, p.body)
				}
				mustContain(t, p, "Registrazione completata", "codice di verifica")
				mustNotContain(t, p, "Marco")
				acc, err := e.store.AccountByUsername(context.Background(), 1, user)
				if err != nil {
					t.Fatal(err)
				}
				if acc.AdultID.Valid || acc.LinkedFiscalCode.Valid || acc.LinkProof.Valid {
					t.Fatalf("%s: the registration linked the account: %+v", name, acc)
				}
				// the code goes to Anna's registry e-mail, and nowhere else
				code := d.mailCode(t, "anna.verdi@example.it", n)
				jobsSettled(t, e)
				for _, m := range d.smtp.Messages() {
					if len(m.To) > 0 && m.To[0] == intruderEmail &&
						(strings.Contains(m.Raw, code) || strings.Contains(m.Text(), "Password temporanea") || strings.Contains(m.Text(), "password temporanea:")) {
						t.Fatalf("%s: a secret went to the intruder's e-mail:\n%s", name, m.Text())
					}
				}
				for _, s := range d.smsTo(intruderMobile) {
					if strings.Contains(s, code) || tempPassRE.MatchString(s) || strings.Contains(s, "password temporanea") {
						t.Fatalf("%s: a secret went to the intruder's mobile: %q", name, s)
					}
				}
				if !chosen {
					// the generated password went to the registry only: the intruder cannot sign in at all
					if acc.Email != "anna.verdi@example.it" || acc.Mobile != "+393401112233" {
						t.Fatalf("%s: generated password would go to %q / %q", name, acc.Email, acc.Mobile)
					}
					e.store.DB().MustExec(`DELETE FROM link_requests WHERE account_id = $1`, acc.ID)
					e.store.DB().MustExec(`DELETE FROM accounts WHERE id = $1`, acc.ID)
					continue
				}
				if p := b.login("demo", user, strongPass); p.status != http.StatusSeeOther {
					t.Fatalf("%s: login status %d", name, p.status)
				}
				noFamilyData(t, e, b, paths, secrets)
				// guessing the code: five wrong ones, then even the right one is refused
				for i := 0; i < 5; i++ {
					wrong := fmt.Sprintf("%06d", (i+1)*111111%1000000)
					if wrong == code {
						wrong = "000000"
					}
					p := b.post("/demo/collegamento", url.Values{"codice": {wrong}})
					wantStatus(t, p, http.StatusUnprocessableEntity)
				}
				p = b.post("/demo/collegamento", url.Values{"codice": {code}})
				wantStatus(t, p, http.StatusTooManyRequests)
				mustContain(t, p, "Troppi codici sbagliati")
				noFamilyData(t, e, b, paths, secrets)
				e.store.DB().MustExec(`DELETE FROM link_requests WHERE account_id = $1`, acc.ID)
				e.store.DB().MustExec(`DELETE FROM accounts WHERE id = $1`, acc.ID)
			}
		}
	}
}

// TestLinkCodeJourney: Anna registers (demo), sees that her profile waits
// for the code and where it went, mistypes it once, enters it, and sees
// Marco; the code is single use, hashed at rest and nowhere in clear.
func TestLinkCodeJourney(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	d := startDelivery(t, e)
	b := e.browser()
	p := b.get("/demo/registrazione")
	p = b.post("/demo/registrazione", annaForm(solveCaptcha(t, p.body)))
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, "Registrazione completata", "codice di verifica", "a•••i@example.it, &#43;39•••••••233", "Collega il profilo")
	code := d.mailCode(t, "anna.verdi@example.it", 1)
	waitFor(t, "the code by SMS to the registry mobile", func() bool {
		for _, s := range d.smsTo("+393401112233") {
			if strings.Contains(s, code) {
				return true
			}
		}
		return false
	})

	// at rest: only the argon2id hash, in the request; nothing in the queue
	var hash, args string
	mustGet(t, e.store.DB(), &hash, `SELECT code_hash FROM link_requests`)
	mustGet(t, e.store.DB(), &args, `SELECT string_agg(args::text || coalesce(errors::text, ''), ' ') FROM river_job`)
	if !strings.HasPrefix(hash, "$argon2id$") || strings.Contains(hash, code) || strings.Contains(args, code) {
		t.Fatalf("code not hashed at rest: %q / %q", hash, args)
	}

	p = b.login("demo", "anna.verdi", strongPass)
	wantStatus(t, p, http.StatusSeeOther)
	p = b.get(p.loc)
	mustContain(t, p, "non è ancora collegato ai profili dei bambini", "a•••i@example.it", `href="/demo/collegamento"`)
	mustNotContain(t, p, "Marco")

	p = b.get("/demo/collegamento")
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, "Codice di verifica", "a•••i@example.it, &#43;39•••••••233", "Invia un nuovo codice", `autocomplete="one-time-code"`)
	p = b.get("/demo/collegamento", "Accept-Language", "en")
	mustContain(t, p, "Link the profile to the children&#39;s profiles", "Verification code", "Send a new code")
	p = b.post("/demo/collegamento", url.Values{"codice": {"12a"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, "Scrivi le 6 cifre", `aria-invalid="true"`, `value="12a"`)
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	p = b.post("/demo/collegamento", url.Values{"codice": {wrong}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, "non è giusto", "Tentativi rimasti con questo codice: 4")
	// htmx: the same page, swapped with 200
	p = b.post("/demo/collegamento", url.Values{"codice": {wrong}}, "HX-Request", "true")
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, `id="link-page"`, "Tentativi rimasti con questo codice: 3")
	mustNotContain(t, p, "<html")

	p = b.post("/demo/collegamento", url.Values{"codice": {code[:3] + " " + code[3:]}})
	wantStatus(t, p, http.StatusSeeOther)
	if p.loc != "/demo/famiglia" {
		t.Fatalf("after the code: %q", p.loc)
	}
	p = b.get(p.loc)
	mustContain(t, p, "Il profilo è stato collegato", "Marco")
	p = b.get("/demo/pagamenti/movimenti.csv")
	wantStatus(t, p, http.StatusOK)
	acc, _ := e.store.AccountByUsername(context.Background(), 1, "anna.verdi")
	if !acc.AdultID.Valid || acc.LinkProof.String != db.ProofContactCode || acc.LinkedFiscalCode.String != annaCF {
		t.Fatalf("account after the code: %+v", acc)
	}
	// single use: the page now leads home, the code does nothing more
	p = b.post("/demo/collegamento", url.Values{"codice": {code}})
	wantStatus(t, p, http.StatusSeeOther)
	if n := auditCount(t, e.store, "link_code", "success"); n != 1 {
		t.Fatalf("%d link_code successes audited", n)
	}
	// a second registration for the same CF is refused once the link is proven
	b2 := e.browser()
	p = b2.get("/demo/registrazione")
	f := annaForm(solveCaptcha(t, p.body))
	f.Set("username", "anna.bis")
	p = b2.post("/demo/registrazione", f)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, "Esiste già un profilo per questo codice fiscale")
}

// TestLinkCodeResend: a new code replaces the old one; the requests per
// profile are limited.
func TestLinkCodeResend(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	d := startDelivery(t, e)
	e.store.DB().MustExec(`UPDATE installations SET captcha = false, delivery_channel = 'email' WHERE code = 'demo'`)
	b := e.browser()
	f := annaForm("")
	p := b.post("/demo/registrazione", f)
	wantStatus(t, p, http.StatusOK)
	first := d.mailCode(t, "anna.verdi@example.it", 1)
	b.login("demo", "anna.verdi", strongPass)
	p = b.post("/demo/collegamento/nuovo-codice", url.Values{})
	wantStatus(t, p, http.StatusSeeOther)
	p = b.get(p.loc)
	mustContain(t, p, "Abbiamo inviato un nuovo codice di verifica a: a•••i@example.it")
	second := d.mailCode(t, "anna.verdi@example.it", 2)
	if first != second {
		p = b.post("/demo/collegamento", url.Values{"codice": {first}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
	}
	// one request at a time, each code awaited: the newest code is the valid one
	last := second
	for i := 0; i < 4; i++ {
		wantStatus(t, b.post("/demo/collegamento/nuovo-codice", url.Values{}), http.StatusSeeOther)
		last = d.mailCode(t, "anna.verdi@example.it", 3+i)
	}
	p = b.post("/demo/collegamento/nuovo-codice", url.Values{})
	wantStatus(t, p, http.StatusTooManyRequests)
	mustContain(t, p, "Hai chiesto troppi codici")
	jobsSettled(t, e)
	p = b.post("/demo/collegamento", url.Values{"codice": {last}})
	wantStatus(t, p, http.StatusSeeOther)
	mustContain(t, b.get("/demo/famiglia"), "Marco")
}

// TestLinkCodeParallelGuesses: guesses sent at once are counted before they
// are checked, so no more than five are ever checked.
func TestLinkCodeParallelGuesses(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	d := startDelivery(t, e)
	e.store.DB().MustExec(`UPDATE installations SET captcha = false WHERE code = 'demo'`)
	b := e.browser()
	wantStatus(t, b.post("/demo/registrazione", annaForm("")), http.StatusOK)
	code := d.mailCode(t, "anna.verdi@example.it", 1)
	b.login("demo", "anna.verdi", strongPass)
	var wg sync.WaitGroup
	statuses := make([]int, 20)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			guess := fmt.Sprintf("%06d", i)
			if guess == code {
				guess = "999999"
			}
			statuses[i] = b.post("/demo/collegamento", url.Values{"codice": {guess}}).status
		}()
	}
	wg.Wait()
	if n := auditCount(t, e.store, "link_code", "failure"); n != 5 {
		t.Fatalf("%d wrong codes checked, want 5 (statuses %v)", n, statuses)
	}
	var attempts int
	mustGet(t, e.store.DB(), &attempts, `SELECT code_attempts FROM link_requests`)
	if attempts != 5 {
		t.Fatalf("%d attempts recorded", attempts)
	}
	wantStatus(t, b.post("/demo/collegamento", url.Values{"codice": {code}}), http.StatusTooManyRequests)
}

// TestLinkOfficeQueue: where the registry holds no contact for the adult,
// and for a CF outside the registry, the profile waits for the office; the
// queue shows what the parent typed, when and from where; Link and Refuse
// are audited.
func TestLinkOfficeQueue(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	d := startDelivery(t, e)
	e.store.DB().MustExec(`UPDATE installations SET captcha = false, lock_registry_contacts = false, allow_unlinked_accounts = true WHERE code = 'demo'`)
	e.store.DB().MustExec(`UPDATE adults SET email = '', mobile = '' WHERE fiscal_code = $1`, annaCF)
	b := e.browser()
	f := annaForm("")
	// a browser name that is not UTF-8 is kept as evidence, made safe
	p := b.post("/demo/registrazione", f, "User-Agent", "Navigatore \xff\xfe/1.0")
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, "l&#39;ufficio del Comune lo collegherà")
	// a CF outside the registry: allowed, no family
	b2 := e.browser()
	f2 := annaForm("")
	f2.Set("fiscal_code", "CCCFBA85D03L219P")
	f2.Set("username", "fuori.anagrafe")
	f2.Set("email", "fuori@example.org")
	wantStatus(t, b2.post("/demo/registrazione", f2), http.StatusOK)
	jobsSettled(t, e)
	for _, m := range d.smtp.Messages() {
		if linkCodeRE.MatchString(m.Text()) {
			t.Fatalf("a code was sent although the registry has no contact: %s", m.To)
		}
	}

	b.login("demo", "anna.verdi", strongPass)
	p = b.get("/demo/famiglia")
	mustContain(t, p, "il collegamento sarà fatto dall&#39;ufficio")
	mustNotContain(t, p, "Marco")
	p = b.get("/demo/collegamento")
	mustNotContain(t, p, `name="codice"`)
	wantStatus(t, b.post("/demo/collegamento", url.Values{"codice": {"123456"}}), http.StatusConflict)
	wantStatus(t, b.post("/demo/collegamento/nuovo-codice", url.Values{}), http.StatusConflict)

	// parents cannot reach the queue
	wantStatus(t, b.get("/demo/operatori/collegamenti"), http.StatusForbidden)

	s := staffSignedIn(t, e, "operatore", "Ufficio-Scuola-2026")
	p = s.get("/demo/operatori")
	mustContain(t, p, "Profili in attesa di collegamento: 2")
	p = s.get("/demo/operatori/collegamenti")
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, "anna.verdi", customEmail, "&#43;393339998877", "127.0.0.1", "Navigatore", "Nessun recapito in anagrafica",
		"fuori.anagrafe", "fuori@example.org", "Il codice fiscale non è nell&#39;anagrafica")
	var annaReq, otherReq int64
	mustGet(t, e.store.DB(), &annaReq, `SELECT r.id FROM link_requests r JOIN accounts a ON a.id = r.account_id WHERE a.username = 'anna.verdi'`)
	mustGet(t, e.store.DB(), &otherReq, `SELECT r.id FROM link_requests r JOIN accounts a ON a.id = r.account_id WHERE a.username = 'fuori.anagrafe'`)

	var annaID int64
	mustGet(t, e.store.DB(), &annaID, `SELECT id FROM adults WHERE fiscal_code = $1`, annaCF)
	mustContain(t, s.get(fmt.Sprintf("/demo/operatori/adulti/%d", annaID)), "Profili in attesa di collegamento a questo adulto: 1")
	// a CF the registry does not have cannot be linked
	p = s.post(fmt.Sprintf("/demo/operatori/collegamenti/%d/collega", otherReq), url.Values{"codice_fiscale": {"CCCFBA85D03L219P"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, "Nessun adulto dell&#39;anagrafica con questo codice fiscale", `value="CCCFBA85D03L219P"`)
	p = s.post(fmt.Sprintf("/demo/operatori/collegamenti/%d/rifiuta", otherReq), url.Values{})
	wantStatus(t, p, http.StatusSeeOther)
	p = s.post(fmt.Sprintf("/demo/operatori/collegamenti/%d/collega", annaReq), url.Values{"codice_fiscale": {annaCF}})
	wantStatus(t, p, http.StatusSeeOther)
	p = s.get(p.loc)
	mustContain(t, p, "Il profilo «anna.verdi» è stato collegato", "Nessun profilo in attesa")
	if auditCount(t, e.store, "link_approve", "success") != 1 || auditCount(t, e.store, "link_refuse", "success") != 1 {
		t.Fatal("decisions not audited")
	}
	acc, _ := e.store.AccountByUsername(context.Background(), 1, "anna.verdi")
	if acc.LinkProof.String != db.ProofOffice || !acc.AdultID.Valid {
		t.Fatalf("approved account: %+v", acc)
	}
	mustContain(t, b.get("/demo/famiglia"), "Marco")
	p = s.get(fmt.Sprintf("/demo/operatori/adulti/%d", annaID))
	mustContain(t, p, "anna.verdi", "Collegamento dimostrato con", "conferma dell&#39;ufficio")
	mustNotContain(t, p, "Profili in attesa di collegamento a questo adulto")
	b2.login("demo", "fuori.anagrafe", strongPass)
	p = b2.get("/demo/famiglia")
	mustContain(t, p, "non è collegato a nessun adulto")
}

// TestLinkIdentityClosesRequests: SPID/CIE/CNS prove the codice fiscale:
// the identity account is linked with its method, and a pending request on
// the same adult can no longer succeed.
func TestLinkIdentityClosesRequests(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	startDelivery(t, e)
	e.store.DB().MustExec(`UPDATE installations SET captcha = false WHERE code = 'demo'`)
	wantStatus(t, e.browser().post("/demo/registrazione", annaForm("")), http.StatusOK)
	acc, _, created, err := e.store.IdentityAccount(context.Background(), 1, annaCF, "cie")
	if err != nil || !created || acc.LinkProof.String != "cie" {
		t.Fatalf("identity account: %+v %v %v", acc, created, err)
	}
	var status string
	mustGet(t, e.store.DB(), &status, `SELECT status FROM link_requests`)
	if status != "closed" {
		t.Fatalf("request on the adult is %q after the identity sign-in", status)
	}
}

// TestLinkReproductionLago: the finding as observed in lago (contacts not
// locked, generated password by SMS): an intruder with Carla Galli's codice
// fiscale and their own mobile gets nothing; the temporary password and the
// code go to Carla's registry mobile only, and the account has no family.
func TestLinkReproductionLago(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	d := startDelivery(t, e)
	b := e.browser()
	f := url.Values{
		"first_name": {"Carla"}, "last_name": {"Galli"}, "fiscal_code": {db.DemoRegistrationCF["lago"]},
		"mobile": {intruderMobile}, "username": {"intruso"},
		"security_question": {"sq.pet"}, "security_answer": {"Fido"},
	}
	// without the live check the form says first that the registry's contacts are used
	p := b.post("/lago/registrazione", f)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, "solo ai recapiti registrati dal Comune")
	f.Set("contacts_locked", "1") // "Conferma" again, as the re-rendered form posts it
	p = b.post("/lago/registrazione", f)
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, "&#43;39•••••••567")
	mustNotContain(t, p, "877")
	d.smsMatching(t, tempPassRE, 1)
	d.smsMatching(t, linkCodeRE, 1)
	jobsSettled(t, e)
	if got := d.smsTo(intruderMobile); len(got) != 0 {
		t.Fatalf("SMS to the intruder's mobile: %q", got)
	}
	if got := d.smsTo("+393471234567"); len(got) != 2 {
		t.Fatalf("SMS to the registry mobile: %q", got)
	}
	var lago int64
	mustGet(t, e.store.DB(), &lago, `SELECT id FROM installations WHERE code = 'lago'`)
	acc, err := e.store.AccountByUsername(context.Background(), lago, "intruso")
	if err != nil {
		t.Fatal(err)
	}
	if acc.AdultID.Valid || acc.Mobile != "+393471234567" {
		t.Fatalf("intruder's account: %+v", acc)
	}
	// only the holder of the registry's mobile can sign in
	if p := b.login("lago", "intruso", "Indovinata-1"); p.status == http.StatusSeeOther {
		t.Fatal("signed in without the temporary password")
	}
}
