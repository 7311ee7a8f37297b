package handlers_test

import (
	"archive/zip"
	"bytes"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

var (
	contactLinkRE = regexp.MustCompile(`https://portale\.example\.it(/demo/profilo/email/conferma/([A-Z2-7]+))`)
	contactCodeRE = regexp.MustCompile(`è (\d{6}) \(vale`)
)

func TestProfilePageFromEveryPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := signedIn(t, e, "mario.rossi", "Mensa-Scuola-2026")
	for _, path := range []string{"/demo/famiglia", "/demo/pagamenti", "/demo/sessioni"} {
		mustContain(t, b.get(path), `<a href="/demo/profilo">Il mio profilo</a>`)
	}
	p := b.get("/demo/profilo")
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, `aria-current="page">Il mio profilo`, "mario.rossi", "Username e password", "ultimo accesso il",
		"Collegati al codice fiscale "+linkedCF(t, e.store, "mario.rossi"),
		"mario.rossi@example.it", "&#43;393331234567", "Controllo dimensioni", `id="fit-profile"`, "Scarica i miei dati (ZIP)",
		// demo locks a paying adult's contacts to the registry: the page says so, no fields
		"non puoi cambiarli qui", "Ufficio Servizi Scolastici")
	mustNotContain(t, p, `id="email"`, `id="mobile"`, `id="fit-footer"`)
	// changing them anyway is refused
	wantStatus(t, b.post("/demo/profilo/email", url.Values{"email": {"altro@example.it"}}), http.StatusForbidden)
	// a guardian who does not pay may change them
	l := signedIn(t, e, "laura.rossi", "Diario-Scuola-2026")
	mustContain(t, l.get("/demo/profilo"), `id="email"`, `id="mobile"`, "laura.rossi@example.it")
	// English
	mustContain(t, l.get("/demo/profilo", "Accept-Language", "en"), "My profile", "Send the link", "Download my data (ZIP)")
	// staff: sign-in and preferences only, no family data to download
	s := staffSignedIn(t, e, "operatore", "Ufficio-Scuola-2026")
	mustContain(t, s.get("/demo/operatori"), `<a href="/demo/profilo">Il mio profilo</a>`)
	sp := s.get("/demo/profilo")
	wantStatus(t, sp, http.StatusOK)
	mustContain(t, sp, "operatore", "Controllo dimensioni")
	mustNotContain(t, sp, "Scarica i miei dati", `id="email"`, "Chiudi il profilo")
	wantStatus(t, s.get("/demo/profilo/dati.zip"), http.StatusNotFound)
}

func TestProfileLanguageOnAccount(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := signedIn(t, e, "mario.rossi", "Mensa-Scuola-2026")
	p := b.post("/demo/profilo/lingua", url.Values{"lang": {"en"}})
	wantStatus(t, p, http.StatusSeeOther)
	var lang string
	mustGet(t, e.store.DB(), &lang, `SELECT lang FROM accounts WHERE username = 'mario.rossi'`)
	if lang != "en" {
		t.Fatalf("account language %q", lang)
	}
	mustContain(t, b.get("/demo/profilo"), "Language saved.")
	// another browser, Italian by its header: the account's language wins once signed in
	o := signedIn(t, e, "mario.rossi", "Mensa-Scuola-2026")
	mustContain(t, o.get("/demo/famiglia", "Accept-Language", "it"), `<html lang="en">`, "My family")
	// the header switch, signed in, changes the account too
	wantStatus(t, o.get("/lingua/it?next=/demo/famiglia"), http.StatusSeeOther)
	mustGet(t, e.store.DB(), &lang, `SELECT lang FROM accounts WHERE username = 'mario.rossi'`)
	if lang != "it" {
		t.Fatalf("account language after the switch %q", lang)
	}
	// a language that does not exist: message next to the field
	p = b.post("/demo/profilo/lingua", url.Values{"lang": {"xx"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, "Scegli una delle lingue proposte.")
}

func TestProfileEmailChangeNeedsTheLink(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	d := startDelivery(t, e)
	b := signedIn(t, e, "laura.rossi", "Diario-Scuola-2026")
	// bad input: a specific message, the value kept
	p := b.post("/demo/profilo/email", url.Values{"email": {"laura@@example"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, "Scrivi un indirizzo e-mail valido", `value="laura@@example"`, `aria-invalid="true"`)
	p = b.post("/demo/profilo/email", url.Values{"email": {"laura.nuova@example.org"}})
	wantStatus(t, p, http.StatusSeeOther)
	mustContain(t, b.get("/demo/profilo"), "Ti abbiamo inviato un collegamento a laura.nuova@example.org")
	var email string
	mustGet(t, e.store.DB(), &email, `SELECT email FROM adults WHERE first_name = 'Laura'`)
	if email != "laura.rossi@example.it" {
		t.Fatalf("changed before the proof: %q", email)
	}
	mails := d.smtp.Wait(1, 30*time.Second)
	if len(mails) != 1 || mails[0].To[0] != "laura.nuova@example.org" {
		t.Fatalf("proof mail: %+v", mails)
	}
	m := contactLinkRE.FindStringSubmatch(mails[0].Text())
	if m == nil {
		t.Fatalf("no link in:\n%s", mails[0].Text())
	}
	if !strings.Contains(mails[0].Text(), "Gentile Laura Rossi,") {
		t.Fatalf("greeting:\n%s", mails[0].Text())
	}
	// the token is stored only as a hash
	var clear int
	mustGet(t, e.store.DB(), &clear, `SELECT count(*) FROM contact_changes WHERE encode(token_hash, 'escape') LIKE '%' || $1 || '%'`, m[2])
	if clear != 0 || strings.Contains(e.logs.String(), m[2]) {
		t.Fatal("link token stored or logged in clear")
	}
	// another profile's session cannot use the link
	other := signedIn(t, e, "mario.rossi", "Mensa-Scuola-2026")
	wantStatus(t, other.get(m[1]), http.StatusNotFound)
	// opening the link shows a button; only the button changes the address
	p = b.get(m[1])
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, "laura.nuova@example.org", "Conferma il nuovo indirizzo")
	mustGet(t, e.store.DB(), &email, `SELECT email FROM adults WHERE first_name = 'Laura'`)
	if email != "laura.rossi@example.it" {
		t.Fatal("a GET changed the address")
	}
	wantStatus(t, b.post(m[1], nil), http.StatusSeeOther)
	mustGet(t, e.store.DB(), &email, `SELECT email FROM adults WHERE first_name = 'Laura'`)
	if email != "laura.nuova@example.org" {
		t.Fatalf("address after the proof: %q", email)
	}
	mustContain(t, b.get("/demo/profilo"), "Il nuovo indirizzo e-mail è confermato", "laura.nuova@example.org")
	if strings.Contains(e.logs.String(), m[2]) {
		t.Fatal("the link token reached the request log when the link was opened or used")
	}
	// the old address gets a notice (masked new value, no link)
	mails = d.smtp.Wait(2, 30*time.Second)
	notice := mails[1]
	if notice.To[0] != "laura.rossi@example.it" || !strings.Contains(notice.Text(), "è stato cambiato") ||
		strings.Contains(notice.Text(), "laura.nuova@example.org") || strings.Contains(notice.Text(), "/conferma/") {
		t.Fatalf("notice to the old address: %v\n%s", notice.To, notice.Text())
	}
	// single use
	wantStatus(t, b.post(m[1], nil), http.StatusNotFound)
	if auditCount(t, e.store, "contact_change", "success") != 1 {
		t.Fatal("the change is not in the audit log")
	}
}

func TestProfileMobileChangeNeedsTheCode(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	d := startDelivery(t, e)
	b := signedIn(t, e, "laura.rossi", "Diario-Scuola-2026")
	wantStatus(t, b.post("/demo/profilo/cellulare", url.Values{"mobile": {"+39 347 000 1111"}}), http.StatusSeeOther)
	sms := d.sms.wait(t, 1)
	if sms[0]["to"] != "+393470001111" {
		t.Fatalf("code sent to %q", sms[0]["to"])
	}
	cm := contactCodeRE.FindStringSubmatch(sms[0]["text"])
	if cm == nil {
		t.Fatalf("no code in %q", sms[0]["text"])
	}
	p := b.get("/demo/profilo")
	mustContain(t, p, "Scrivi il codice di 6 cifre ricevuto per SMS al &#43;393470001111", `autocomplete="one-time-code"`)
	wrong := "000000"
	if cm[1] == wrong {
		wrong = "111111"
	}
	p = b.post("/demo/profilo/cellulare/codice", url.Values{"code": {wrong}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, "Il codice non è corretto")
	wantStatus(t, b.post("/demo/profilo/cellulare/codice", url.Values{"code": {cm[1]}}), http.StatusSeeOther)
	var mobile string
	mustGet(t, e.store.DB(), &mobile, `SELECT mobile FROM adults WHERE first_name = 'Laura'`)
	if mobile != "+393470001111" {
		t.Fatalf("mobile after the code: %q", mobile)
	}
	sms = d.sms.wait(t, 2)
	if sms[1]["to"] != "+393337654321" || !strings.Contains(sms[1]["text"], "è stato cambiato") {
		t.Fatalf("notice to the old mobile: %+v", sms[1])
	}
	// single use: the same code again finds no open change
	p = b.post("/demo/profilo/cellulare/codice", url.Values{"code": {cm[1]}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, "Il codice è scaduto o è stato sostituito")
}

func TestProfileContactChangeRateLimited(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := signedIn(t, e, "laura.rossi", "Diario-Scuola-2026")
	for i := range 5 {
		wantStatus(t, b.post("/demo/profilo/cellulare", url.Values{"mobile": {"+39347000111" + string(rune('0'+i))}}), http.StatusSeeOther)
	}
	p := b.post("/demo/profilo/email", url.Values{"email": {"ancora@example.org"}})
	wantStatus(t, p, http.StatusTooManyRequests)
	mustContain(t, p, "Hai chiesto troppi cambi di recapito oggi", `value="ancora@example.org"`)
	var n int
	mustGet(t, e.store.DB(), &n, `SELECT count(*) FROM contact_changes`)
	if n != 5 {
		t.Fatalf("%d changes recorded, want 5", n)
	}
	// wrong codes: the change closes after five
	for range 5 {
		b.post("/demo/profilo/cellulare/codice", url.Values{"code": {"999999"}})
	}
	p = b.post("/demo/profilo/cellulare/codice", url.Values{"code": {"999999"}})
	if p.status != http.StatusTooManyRequests && p.status != http.StatusUnprocessableEntity {
		t.Fatalf("sixth wrong code: status %d", p.status)
	}
}

func readZip(t *testing.T, body string) map[string]string {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader([]byte(body)), int64(len(body)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, f := range z.File {
		r, _ := f.Open()
		b, _ := io.ReadAll(r)
		r.Close()
		out[f.Name] = string(b)
	}
	return out
}

func TestProfileDataExport(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// Mario's ISEE declarations (one confirmed by the office, one it
	// replaced), the office's enrolment request for Luca on his behalf and
	// his diet request for Luca: Laura, Luca's other guardian, reads the
	// last two in the portal, not the first, nor Mario's certificate; the
	// clerk ("operatore") appears in none
	f := demoFamily(t, e)
	q := e.store.DB()
	const clerk = `(SELECT a.id FROM accounts a WHERE a.installation_id = c.installation_id AND a.username = 'operatore')`
	q.MustExec(`INSERT INTO isee_declarations (installation_id, adult_id, isee_cents, dsu_protocol, expires_on, status, applies_from, decided_at, decided_by)
		SELECT c.installation_id, c.id, 1234500, 'INPS-ISEE-2026-EXPORT-01', DATE '2026-12-31', 'confermata', DATE '2026-09-01', now(), `+clerk+`
		FROM adults c WHERE c.id = $1`, f.mario)
	q.MustExec(`INSERT INTO isee_declarations (installation_id, adult_id, isee_cents, dsu_protocol, expires_on, status, declared_at)
		SELECT installation_id, id, 999900, 'INPS-ISEE-2025-EXPORT-OLD', DATE '2026-01-15', 'sostituita', now() - interval '1 year'
		FROM adults WHERE id = $1`, f.mario)
	q.MustExec(`INSERT INTO enrolment_requests (installation_id, window_id, adult_id, child_id, fiscal_code, first_name, last_name,
			birth_date, school_id, class_name, answers, documents_ack, entered_by, by_office)
		SELECT c.installation_id, w.id, $2, c.id, c.fiscal_code, c.first_name, c.last_name, c.birth_date, c.school_id, c.class_name,
		       '[{"question": "Domanda di prova", "kind": "text", "answer": "Risposta di Mario"}]', true, `+clerk+`, true
		FROM children c JOIN enrolment_windows w ON w.installation_id = c.installation_id WHERE c.id = $1`, f.luca, f.mario)
	dietRequestBy(t, e, signedIn(t, e, "mario.rossi", "Mensa-Scuola-2026"), f.luca, "Senza lattosio", []byte("%PDF-1.4\n%%EOF\n"))
	for _, who := range [][2]string{{"mario.rossi", "Mensa-Scuola-2026"}, {"laura.rossi", "Diario-Scuola-2026"}} {
		b := signedIn(t, e, who[0], who[1])
		p := b.get("/demo/profilo/dati.zip")
		wantStatus(t, p, http.StatusOK)
		if p.header.Get("Content-Type") != "application/zip" || !strings.Contains(p.header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("headers %v", p.header)
		}
		files := readZip(t, p.body)
		for _, name := range []string{"profilo.json", "anagrafica.json", "bambini.json", "bambini.csv", "movimenti.json",
			"movimenti.csv", "iscrizioni.json", "diete.json", "isee.json", "accessi.json", "accessi.csv"} {
			if _, ok := files[name]; !ok {
				t.Fatalf("%s: no %s in the ZIP", who[0], name)
			}
		}
		var parts []string
		for _, part := range files {
			parts = append(parts, part)
		}
		all := strings.Join(parts, "\n")
		for _, want := range []string{who[0], `"first_name": "Luca"`, "Sofia", "Senza glutine", "Mensa scolastica", "login:success",
			`"restriction": "Senza lattosio"`, `"child_first_name": "Luca"`, "Risposta di Mario"} {
			if !strings.Contains(all, want) {
				t.Fatalf("%s: export lacks %q", who[0], want)
			}
		}
		// the ISEE declarations are their declarant's alone, the replaced one
		// too; the certificate is its sender's
		isMario := who[0] == "mario.rossi"
		if strings.Contains(files["isee.json"], "INPS-ISEE-2026-EXPORT-01") != isMario ||
			strings.Contains(files["isee.json"], "INPS-ISEE-2025-EXPORT-OLD") != isMario ||
			strings.Contains(files["iscrizioni.json"], `"sent_by_you": true`) != isMario ||
			strings.Contains(files["diete.json"], `"certificate": "application/pdf`) != isMario {
			t.Fatalf("%s: isee.json %s, iscrizioni.json %s, diete.json %s", who[0], files["isee.json"], files["iscrizioni.json"], files["diete.json"])
		}
		if strings.Contains(all, "operatore") || strings.Contains(all, "Ufficio Servizi Scolastici") { // its username, its name
			t.Fatalf("%s: export names the clerk", who[0])
		}
		// another family's children and payments never appear
		for _, never := range []string{"Elena", "Marco", "Pietro", "Bianchi", "Verdi", "Neri", "CRO 0123456789", "password_hash", "$argon2"} {
			if strings.Contains(all, never) {
				t.Fatalf("%s: export contains %q", who[0], never)
			}
		}
	}
	if auditCount(t, e.store, "data_export", "success") != 2 {
		t.Fatal("exports not audited")
	}
}

func TestProfileClosureConfirmedByOffice(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := signedIn(t, e, "laura.rossi", "Diario-Scuola-2026")
	p := b.post("/demo/profilo/chiusura", url.Values{"reason": {"Non uso più il portale"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, "Spunta la casella", "Non uso più il portale")
	wantStatus(t, b.post("/demo/profilo/chiusura", url.Values{"reason": {"Non uso più il portale"}, "confirm": {"1"}}), http.StatusSeeOther)
	mustContain(t, b.get("/demo/profilo"), "Richiesta inviata all&#39;ufficio", "attende la conferma")
	// still signed in until the office confirms
	wantStatus(t, b.get("/demo/famiglia"), http.StatusOK)

	s := staffSignedIn(t, e, "operatore", "Ufficio-Scuola-2026")
	list := s.get("/demo/operatori/chiusure")
	wantStatus(t, list, http.StatusOK)
	mustContain(t, list, "laura.rossi (Laura Rossi)", "Non uso più il portale")
	m := regexp.MustCompile(`action="(/demo/operatori/chiusure/\d+/conferma)"`).FindStringSubmatch(list.body)
	if m == nil {
		t.Fatal("no confirm form")
	}
	// a parent cannot confirm
	wantStatus(t, b.post(m[1], nil), http.StatusForbidden)
	wantStatus(t, s.post(m[1], nil), http.StatusSeeOther)
	mustContain(t, s.get("/demo/operatori/chiusure"), "Profilo laura.rossi chiuso", "Nessuna richiesta in attesa.")
	// the login is gone: the session ends, the password no longer works
	if p := b.get("/demo/famiglia"); p.status != http.StatusSeeOther || !strings.HasPrefix(p.loc, "/demo/accesso") {
		t.Fatalf("closed account still signed in: %d %q", p.status, p.loc)
	}
	wantStatus(t, e.browser().login("demo", "laura.rossi", "Diario-Scuola-2026"), http.StatusUnprocessableEntity)
	// the registry data stay
	var n int
	mustGet(t, e.store.DB(), &n, `SELECT count(*) FROM adults a JOIN guardianships g ON g.adult_id = a.id WHERE a.first_name = 'Laura'`)
	if n != 2 {
		t.Fatalf("registry rows of Laura: %d", n)
	}
	if auditCount(t, e.store, "account_closure", "requested") != 1 || auditCount(t, e.store, "account_closure", "closed") != 1 {
		t.Fatal("closure not audited")
	}
}
