package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"portalegenitori/internal/codicefiscale"
	"portalegenitori/internal/password"
)

func TestStaffSecondFactor(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	p := b.login("demo", "operatore", "Ufficio-Scuola-2026")
	wantStatus(t, p, http.StatusSeeOther)
	// password alone: not signed in, every staff page leads to the code page
	for _, path := range []string{"/demo/operatori", "/demo/operatori/cerca?q=rossi", "/demo/sessioni"} {
		p = b.get(path)
		wantStatus(t, p, http.StatusSeeOther)
		if !strings.HasPrefix(p.loc, "/demo/operatori/codice") {
			t.Fatalf("%s before the code: sent to %q", path, p.loc)
		}
	}
	p = b.get("/demo/operatori/codice")
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, `autocomplete="one-time-code"`)
	mustNotContain(t, p, "PORTALEGENITORI") // enrolled: the secret is never shown again
	// a wrong code
	p = b.post("/demo/operatori/codice", url.Values{"code": {"000000"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, `aria-invalid="true"`, "code-error")
	before := b.sessionCookie()
	p = b.secondFactor("demo", "PORTALEGENITORIDEMOOPERATOREUFFI")
	wantStatus(t, p, http.StatusSeeOther)
	if p.loc != "/demo/operatori" {
		t.Fatalf("after the code: %q", p.loc)
	}
	if b.sessionCookie() == before {
		t.Fatal("the session ID must change when the sign-in completes")
	}
	wantStatus(t, b.get("/demo/operatori"), http.StatusOK)
	if auditCount(t, e.store, "login_second_factor", "success") != 1 || auditCount(t, e.store, "login_second_factor", "failure") != 1 {
		t.Fatal("second-factor outcomes not audited")
	}
	// the same code again, in a new sign-in: refused (each code works once)
	var last int64
	mustGet(t, e.store.DB(), &last, `SELECT last_step FROM staff_totp t JOIN accounts a ON a.id = t.account_id WHERE a.username = 'operatore'`)
	replay, _ := totp.GenerateCode("PORTALEGENITORIDEMOOPERATOREUFFI", time.Unix(last*30, 0))
	b2 := e.browser()
	b2.login("demo", "operatore", "Ufficio-Scuola-2026")
	wantStatus(t, b2.post("/demo/operatori/codice", url.Values{"code": {replay}}), http.StatusUnprocessableEntity)
}

func TestStaffEnrolmentAtFirstSignIn(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.store.DB().MustExec(`DELETE FROM staff_totp WHERE account_id = (SELECT id FROM accounts WHERE username = 'operatore')`)
	b := e.browser()
	b.login("demo", "operatore", "Ufficio-Scuola-2026")
	p := b.get("/demo/operatori/codice")
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, "Attiva il codice di verifica", `src="data:image/png;base64,`, "otpauth://totp/")
	m := regexp.MustCompile(`id="secret">([A-Z2-7 ]+)<`).FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no secret as text:\n%s", p.body)
	}
	secret := strings.ReplaceAll(m[1], " ", "")
	// a reload shows the same secret until it is confirmed
	mustContain(t, b.get("/demo/operatori/codice"), m[1])
	var stored string
	mustGet(t, e.store.DB(), &stored, `SELECT secret FROM staff_totp t JOIN accounts a ON a.id = t.account_id WHERE a.username = 'operatore'`)
	if stored == "" {
		t.Fatal("secret not stored")
	}
	p = b.secondFactor("demo", secret)
	wantStatus(t, p, http.StatusSeeOther)
	wantStatus(t, b.get("/demo/operatori"), http.StatusOK)
	// enrolled: another sign-in never shows the secret
	b2 := e.browser()
	b2.login("demo", "operatore", "Ufficio-Scuola-2026")
	mustNotContain(t, b2.get("/demo/operatori/codice"), m[1], "otpauth://")
}

// staffRoutesForTest are every staff route with a method (IDs of demo rows
// or 1; what matters is who may reach them).
func staffRoutesForTest(f famIDs) [][2]string {
	adult, child := fmt.Sprint(f.mario), fmt.Sprint(f.luca)
	return [][2]string{
		{"GET", "/operatori"}, {"GET", "/operatori/cerca?q=rossi"}, {"GET", "/operatori/adulti/nuovo"}, {"POST", "/operatori/adulti"},
		{"GET", "/operatori/adulti/" + adult}, {"POST", "/operatori/adulti/" + adult}, {"POST", "/operatori/adulti/" + adult + "/movimenti"},
		{"POST", "/operatori/adulti/" + adult + "/movimenti/1/storno"}, {"GET", "/operatori/adulti/" + adult + "/come-famiglia"},
		{"POST", "/operatori/utenze/1/blocca"}, {"GET", "/operatori/bambini/nuovo"}, {"POST", "/operatori/bambini"},
		{"GET", "/operatori/bambini/" + child}, {"POST", "/operatori/bambini/" + child}, {"POST", "/operatori/bambini/" + child + "/adulti"},
		{"POST", "/operatori/bambini/" + child + "/adulti/" + adult + "/rimuovi"}, {"POST", "/operatori/bambini/" + child + "/iscrizioni"},
		{"GET", "/operatori/presenze"}, {"POST", "/operatori/presenze"}, {"POST", "/operatori/presenze/segna"},
		{"GET", "/operatori/registro"}, {"GET", "/operatori/importa"}, {"POST", "/operatori/importa"},
		{"GET", "/operatori/catalogo"}, {"POST", "/operatori/catalogo"},
		{"GET", "/operatori/impostazioni"}, {"POST", "/operatori/impostazioni"},
		{"GET", "/operatori/sicurezza"}, {"POST", "/operatori/sicurezza/codici-recupero"},
		{"POST", "/operatori/impostazioni/operatori"}, {"POST", "/operatori/impostazioni/operatori/1/ruolo"},
		{"GET", "/operatori/rimborsi"}, {"POST", "/operatori/rimborsi/1/approva"},
		{"POST", "/operatori/presenze/tutti-presenti"}, {"POST", "/operatori/presenze/registro/chiudi"},
		{"POST", "/operatori/bambini/" + child + "/iscrizioni/1"}, {"POST", "/operatori/catalogo/voce/diet/1/ritira"},
		{"POST", "/operatori/catalogo/chiusure"}, {"POST", "/operatori/catalogo/chiusure/2026-12-24/elimina"},
		{"GET", "/operatori/messaggi"}, {"POST", "/operatori/messaggi"}, {"GET", "/operatori/messaggi/1"}, // staff_messages.go
		{"GET", "/operatori/attestazioni"}, {"POST", "/operatori/attestazioni"}, {"POST", "/operatori/attestazioni/dati-comune"},
		{"GET", "/operatori/attestazioni/elaborazioni/1"}, {"GET", "/operatori/attestazioni/elaborazioni/1/attestazioni.zip"},
		{"POST", "/operatori/attestazioni/elaborazioni/1/riprendi"},
	}
}

func TestStaffRoutesRefuseOthers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := demoFamily(t, e)
	addLocalInstallation(t, e)
	hash, _ := password.Hash("Altro-Operatore-2026")
	e.store.DB().MustExec(`INSERT INTO accounts (installation_id, username, password_hash, role)
		SELECT id, 'op.terzo', $1, 'admin' FROM installations WHERE code = 'terzo'`, hash)
	var before int
	mustGet(t, e.store.DB(), &before, `SELECT count(*) FROM ledger_entries`)

	parent := signedIn(t, e, "mario.rossi", "Mensa-Scuola-2026")
	other := e.browser() // an administrator of another Comune, fully signed in there
	wantStatus(t, other.login("terzo", "op.terzo", "Altro-Operatore-2026"), http.StatusSeeOther)
	p := other.get("/terzo/operatori/codice")
	m := regexp.MustCompile(`id="secret">([A-Z2-7 ]+)<`).FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("enrolment page:\n%s", p.body)
	}
	wantStatus(t, other.secondFactor("terzo", strings.ReplaceAll(m[1], " ", "")), http.StatusSeeOther)
	wantStatus(t, other.get("/terzo/operatori"), http.StatusOK)
	pending := e.browser() // demo staff with the password only
	pending.login("demo", "operatore", "Ufficio-Scuola-2026")
	clerk := staffSignedIn(t, e, "operatore", "Ufficio-Scuola-2026")

	for _, r := range staffRoutesForTest(f) {
		do := func(b *browser) page {
			if r[0] == "GET" {
				return b.get("/demo" + r[1])
			}
			return b.post("/demo"+r[1], url.Values{"reason": {"x"}, "status": {"present"}, "child": {fmt.Sprint(f.luca)}})
		}
		if p := do(parent); p.status != http.StatusForbidden {
			t.Errorf("parent %s %s: status %d, want 403", r[0], r[1], p.status)
		}
		if p := do(other); p.status != http.StatusSeeOther || !strings.HasPrefix(p.loc, "/demo/accesso") {
			t.Errorf("staff of another Comune %s %s: status %d to %q, want the login page", r[0], r[1], p.status, p.loc)
		}
		if p := do(pending); p.status != http.StatusSeeOther || !strings.HasPrefix(p.loc, "/demo/operatori/codice") {
			t.Errorf("staff without the code %s %s: status %d to %q", r[0], r[1], p.status, p.loc)
		}
		if strings.HasPrefix(r[1], "/operatori/impostazioni") {
			if p := do(clerk); p.status != http.StatusForbidden {
				t.Errorf("clerk (not admin) %s %s: status %d, want 403", r[0], r[1], p.status)
			}
		}
	}
	var after int
	mustGet(t, e.store.DB(), &after, `SELECT count(*) FROM ledger_entries`)
	if after != before {
		t.Fatal("a refused request changed the ledger")
	}
}

func TestStaffRelinkAfterCFChange(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	demoFamily(t, e)
	var paolo int64
	mustGet(t, e.store.DB(), &paolo, `SELECT adult_id FROM accounts WHERE username = 'paolo.neri'`)
	parent := signedIn(t, e, "paolo.neri", "Profilo-Vecchio-2026")
	mustContain(t, parent.get("/demo/famiglia"), "codice fiscale registrato")
	b := staffSignedIn(t, e, "operatore", "Ufficio-Scuola-2026")
	p := b.get(fmt.Sprintf("/demo/operatori/adulti/%d", paolo))
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, "Profilo da rigenerare", "Rigenera il profilo")
	var acc int64
	mustGet(t, e.store.DB(), &acc, `SELECT id FROM accounts WHERE username = 'paolo.neri'`)
	wantStatus(t, b.post(fmt.Sprintf("/demo/operatori/utenze/%d/rigenera", acc), url.Values{}), http.StatusSeeOther)
	p = parent.get("/demo/famiglia")
	mustContain(t, p, "Pietro")
	mustNotContain(t, p, "codice fiscale registrato")
	if auditCount(t, e.store, "account_relink", "success") != 1 {
		t.Fatal("relink not audited")
	}
	// the office corrects the CF again: the link goes stale at once
	var cf string
	mustGet(t, e.store.DB(), &cf, `SELECT fiscal_code FROM adults WHERE id = $1`, paolo)
	newCF := "NREPLA79S22D612" // the registry corrects the birth day; + check letter
	newCF += string(codicefiscale.CheckChar(newCF))
	p = b.post(fmt.Sprintf("/demo/operatori/adulti/%d", paolo), url.Values{"first_name": {"Paolo"}, "last_name": {"Neri"},
		"fiscal_code": {newCF}, "email": {"paolo.neri@example.it"}})
	wantStatus(t, p, http.StatusSeeOther)
	mustGet(t, e.store.DB(), &cf, `SELECT fiscal_code FROM adults WHERE id = $1`, paolo)
	if cf != newCF {
		t.Fatalf("CF %s, want %s", cf, newCF)
	}
	mustContain(t, parent.get("/demo/famiglia"), "codice fiscale registrato")
	// an invalid CF is refused with the error tied to the field
	p = b.post(fmt.Sprintf("/demo/operatori/adulti/%d", paolo), url.Values{"first_name": {"Paolo"}, "last_name": {"Neri"}, "fiscal_code": {"NREPLA79S22D612X"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, `id="fiscal_code-error"`, `aria-describedby="fiscal_code-error"`)
}

func TestStaffRegisterChargesOncePerMeal(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := demoFamily(t, e)
	b := staffSignedIn(t, e, "operatore", "Ufficio-Scuola-2026")
	// a school day of the demo year with no closure, in the future so the
	// demo activity has not recorded it yet
	day := "2027-03-03"
	mark := func(status string) page {
		return b.post("/demo/operatori/presenze/segna", url.Values{"child": {fmt.Sprint(f.luca)}, "service": {fmt.Sprint(f.mensa)},
			"day": {day}, "status": {status}}, "HX-Request", "true", "HX-Target", fmt.Sprintf("st-%d", f.luca))
	}
	net := func() (n int, sum int64) {
		mustGet(t, e.store.DB(), &n, `SELECT count(*) FROM ledger_entries WHERE child_id = $1 AND service_id = $2 AND attendance_day = $3`, f.luca, f.mensa, day)
		mustGet(t, e.store.DB(), &sum, `SELECT coalesce(sum(amount_cents), 0) FROM ledger_entries WHERE child_id = $1 AND service_id = $2 AND attendance_day = $3`, f.luca, f.mensa, day)
		return
	}
	balance0 := balanceOf(t, e, f.mario)
	p := mark("present")
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, `data-stored="present"`, "Salvato")
	mark("present") // a replay
	if n, sum := net(); n != 1 || sum != -480 {
		t.Fatalf("present twice: %d entries, %d cents", n, sum)
	}
	mark("absent") // a correction: the charge is reversed, not deleted
	if n, sum := net(); n != 2 || sum != 0 {
		t.Fatalf("after the correction: %d entries, %d cents", n, sum)
	}
	mark("absent")
	mark("present") // present again: charged again, once
	mark("present")
	if n, sum := net(); n != 3 || sum != -480 {
		t.Fatalf("present again: %d entries, %d cents", n, sum)
	}
	if got := balanceOf(t, e, f.mario); got != balance0-480 {
		t.Fatalf("balance %d, want %d", got, balance0-480)
	}
	// the bulk charge of the day (the nightly run) adds nothing
	if _, err := e.store.ChargeAttendance(t.Context(), 1, mustDay(day), mustDay(day)); err != nil {
		t.Fatal(err)
	}
	if n, _ := net(); n != 3 {
		t.Fatalf("bulk charge after the register: %d entries", n)
	}
	if auditCount(t, e.store, "attendance_mark", "success") != 1 || auditCount(t, e.store, "attendance_mark", "correction") != 2 {
		t.Fatal("marks and corrections not audited")
	}
	// a child not enrolled that day: refused on the row, 200 for htmx
	p = b.post("/demo/operatori/presenze/segna", url.Values{"child": {fmt.Sprint(f.luca)}, "service": {fmt.Sprint(f.pre)},
		"day": {day}, "status": {"present"}}, "HX-Request", "true")
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, "Non salvato")
	mustNotContain(t, p, "data-stored")
	// the parent's calendar shows the day as recorded by the office
	parent := signedIn(t, e, "mario.rossi", "Mensa-Scuola-2026")
	p = parent.get(f.cal(f.luca, f.mensa, "mese=2027-03&giorno="+day))
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, "Ufficio Servizi Scolastici")
}

func TestStaffReversal(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := demoFamily(t, e)
	b := staffSignedIn(t, e, "operatore", "Ufficio-Scuola-2026")
	path := fmt.Sprintf("/demo/operatori/adulti/%d", f.mario)
	page0 := b.get(path)
	wantStatus(t, page0, http.StatusOK)
	token := regexp.MustCompile(`name="token" value="([A-Z2-7]+)"`).FindStringSubmatch(page0.body)[1]
	balance0 := balanceOf(t, e, f.mario)
	topup := url.Values{"token": {token}, "kind": {"topup"}, "amount": {"25,50"}, "channel": {"contanti"}, "receipt": {"R-2027-001"}}
	wantStatus(t, b.post(path+"/movimenti", topup), http.StatusSeeOther)
	wantStatus(t, b.post(path+"/movimenti", topup), http.StatusSeeOther) // double submit
	if got := balanceOf(t, e, f.mario); got != balance0+2550 {
		t.Fatalf("top-up twice: balance moved by %d", got-balance0)
	}
	// a top-up needs its receipt; a refund or adjustment its reason
	p := b.post(path+"/movimenti", url.Values{"token": {token + "B"}, "kind": {"topup"}, "amount": {"5"}, "channel": {"POS"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, `id="receipt-error"`)
	p = b.post(path+"/movimenti", url.Values{"token": {token + "C"}, "kind": {"adjustment"}, "amount": {"5"}, "direction": {"debit"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, `id="reason-error"`)
	var id int64
	mustGet(t, e.store.DB(), &id, `SELECT id FROM ledger_entries WHERE receipt_ref = 'R-2027-001'`)
	// reversing needs a reason, and happens once
	wantStatus(t, b.post(fmt.Sprintf("%s/movimenti/%d/storno", path, id), url.Values{"reason": {""}}), http.StatusUnprocessableEntity)
	wantStatus(t, b.post(fmt.Sprintf("%s/movimenti/%d/storno", path, id), url.Values{"reason": {"Ricevuta annullata"}}), http.StatusSeeOther)
	wantStatus(t, b.post(fmt.Sprintf("%s/movimenti/%d/storno", path, id), url.Values{"reason": {"di nuovo"}}), http.StatusSeeOther)
	if got := balanceOf(t, e, f.mario); got != balance0 {
		t.Fatalf("after the reversal the balance moved by %d", got-balance0)
	}
	var n int
	mustGet(t, e.store.DB(), &n, `SELECT count(*) FROM ledger_entries WHERE reverses_id = $1`, id)
	if n != 1 {
		t.Fatalf("%d reversals", n)
	}
	// the ledger is append-only in the database too
	if _, err := e.store.DB().Exec(`UPDATE ledger_entries SET amount_cents = 0 WHERE id = $1`, id); err == nil {
		t.Fatal("a ledger entry was modified")
	}
	if auditCount(t, e.store, "ledger_entry", "success") != 1 || auditCount(t, e.store, "ledger_reversal", "success") != 1 {
		t.Fatal("ledger actions not audited")
	}
}

func mustDay(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestStaffSearchAndPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := demoFamily(t, e)
	b := staffSignedIn(t, e, "amministratore", "Impostazioni-Comune-2026")
	// a typo, live (htmx: only the results, the count out of band)
	p := b.get("/demo/operatori/cerca?q=rosi", "HX-Request", "true", "HX-Target", "search-results")
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, "Rossi Mario", "Rossi Luca", `id="search-status"`, `hx-swap-oob="true"`)
	mustNotContain(t, p, "<html", "Verdi")
	p = b.get("/demo/operatori/cerca?q=" + url.QueryEscape("VRDNNA87H43"))
	mustContain(t, p, "Verdi Anna", "<html")
	mustContain(t, b.get("/demo/operatori/cerca?q=zzzzqqq"), "Nessun adulto o bambino")
	// every page renders
	for _, path := range []string{"/operatori", "/operatori/adulti/nuovo", "/operatori/bambini/nuovo",
		fmt.Sprintf("/operatori/adulti/%d", f.mario), fmt.Sprintf("/operatori/bambini/%d", f.luca),
		fmt.Sprintf("/operatori/adulti/%d/come-famiglia", f.mario), "/operatori/registro?azione=login",
		"/operatori/importa", "/operatori/catalogo", "/operatori/impostazioni",
		fmt.Sprintf("/operatori/presenze?scuola=1&servizio=%d&giorno=2026-10-14", f.mensa)} {
		p := b.get("/demo" + path)
		wantStatus(t, p, http.StatusOK)
	}
	// view as family: what Mario sees, diet included; the read is audited
	p = b.get(fmt.Sprintf("/demo/operatori/adulti/%d/come-famiglia", f.mario))
	mustContain(t, p, "Luca", "Sofia", "Senza glutine", "sola lettura")
	if auditCount(t, e.store, "view_as_family", "success") != 2 || auditCount(t, e.store, "diet_read", "success") < 1 {
		t.Fatal("view as family / diet read not audited")
	}
	// settings: validated, preview without saving, then saved
	p = b.post("/demo/operatori/impostazioni", url.Values{"name": {"Comune di Esempio"}, "password_min": {"20"}, "password_max": {"10"},
		"delivery_channel": {"email"}, "login_local": {"1"}, "azione": {"salva"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, "set-password_min-error")
	p = b.post("/demo/operatori/impostazioni", url.Values{"name": {"Comune di Prova"}, "password_min": {"12"}, "password_max": {"64"},
		"delivery_channel": {"email"}, "login_local": {"1"}, "azione": {"anteprima"}})
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, "login-preview")
	mustNotContain(t, b.get("/demo/accesso"), "Comune di Prova")
	wantStatus(t, b.post("/demo/operatori/impostazioni", url.Values{"name": {"Comune di Prova"}, "password_min": {"12"}, "password_max": {"64"},
		"delivery_channel": {"email"}, "login_local": {"1"}, "login_spid": {"1"}, "azione": {"salva"}}), http.StatusSeeOther)
	mustContain(t, e.browser().get("/demo/accesso"), "Comune di Prova")
	if auditCount(t, e.store, "settings_update", "success") != 1 {
		t.Fatal("settings not audited")
	}
}

const importHeader = "cf_bambino;nome_bambino;cognome_bambino;data_nascita;scuola;classe;cf_adulto;nome_adulto;cognome_adulto;email;cellulare;ruolo;servizio;dal;al;dieta;tariffa;importo;addebito\n"

func cf(surname, name, birth string, female bool, place string) string {
	return codicefiscale.Compute(surname, name, mustDay(birth), female, place)
}

func TestStaffImportAllOrNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := staffSignedIn(t, e, "operatore", "Ufficio-Scuola-2026")
	good1 := fmt.Sprintf("%s;Giorgio;Galli;2018-05-04;\"Scuola primaria \"\"Gianni Rodari\"\"\";2ª A;%s;Carla;Galli;carla@example.it;+393330001111;pagante;mensa;2026-09-07;2027-06-30;;Tariffa intera;4,80;giornaliero\n",
		cf("Galli", "Giorgio", "2018-05-04", false, "F205"), cf("Galli", "Carla", "1985-03-21", true, "F205"))
	bad := fmt.Sprintf("%s;Bruno;Ferri;2017-01-02;Scuola inesistente;3ª B;NOTACF;Elisa;Ferri;non-una-mail;;pagante;mensa;2026-09-07;2027-06-30;Vegana;Tariffa;x;;\n",
		cf("Ferri", "Bruno", "2017-01-02", false, "F205"))
	good2 := fmt.Sprintf("%s;Marta;Galli;2020-11-30;\"Scuola dell'infanzia \"\"Arcobaleno\"\"\";Sezione Rossa;%s;Carla;Galli;;;pagante;mensa;07/09/2026;30/06/2027;Senza glutine;Tariffa ridotta;3,20;\n",
		cf("Galli", "Marta", "2020-11-30", true, "F205"), cf("Galli", "Carla", "1985-03-21", true, "F205"))
	count := func() (n int) {
		mustGet(t, e.store.DB(), &n, `SELECT count(*) FROM children WHERE last_name IN ('Galli', 'Ferri')
			AND installation_id = (SELECT id FROM installations WHERE code = 'demo')`)
		return
	}
	// the check lists every problem of the bad line (line 3) and saves nothing
	p := b.post("/demo/operatori/importa", url.Values{"csv": {importHeader + good1 + bad + good2}, "azione": {"verifica"}})
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, "Scuola sconosciuta", "Codice fiscale dell&#39;adulto non valido", "E-mail non valida", "Dieta sconosciuta", "Importo non valido")
	if count() != 0 {
		t.Fatal("the check saved something")
	}
	// the import refuses the whole file
	p = b.post("/demo/operatori/importa", url.Values{"csv": {importHeader + good1 + bad + good2}, "azione": {"importa"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if count() != 0 {
		t.Fatal("a refused import saved something")
	}
	// fixed, it goes in
	fixed := strings.NewReplacer("Scuola inesistente", "\"Scuola primaria \"\"Gianni Rodari\"\"\"", "NOTACF", cf("Ferri", "Elisa", "1988-08-08", true, "F205"),
		"non-una-mail", "elisa@example.it", "Vegana", "Senza glutine", ";x;", ";4,80;").Replace(bad)
	p = b.post("/demo/operatori/importa", url.Values{"csv": {importHeader + good1 + fixed + good2}, "azione": {"verifica"}})
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, "Verifica superata")
	p = b.post("/demo/operatori/importa", url.Values{"csv": {importHeader + good1 + fixed + good2}, "azione": {"importa"}})
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, "Importazione completata: 2 adulti, 3 bambini, 3 nuove iscrizioni")
	if count() != 3 {
		t.Fatalf("%d children imported", count())
	}
	if auditCount(t, e.store, "import", "success") != 1 || auditCount(t, e.store, "import", "refused") != 1 {
		t.Fatal("imports not audited")
	}
}
