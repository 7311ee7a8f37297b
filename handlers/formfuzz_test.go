package handlers_test

import (
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"portalegenitori/db"
)

// hostile returns a random malformed or oversized value.
func hostile(r *rand.Rand) string {
	switch r.IntN(12) {
	case 0:
		return ""
	case 1:
		return strings.Repeat("A", 1+r.IntN(70<<10)) // up to past the 64 KiB form limit
	case 2:
		return "\xff\xfe\xfd" + string(rune(r.IntN(0x10FFFF)))
	case 3:
		return "'; DROP TABLE accounts; --"
	case 4:
		return "<script>alert(1)</script>\"><img src=x onerror=alert(1)>"
	case 5:
		return "\x00\x01\x02\r\n\t"
	case 6:
		return "%00%zz%"
	case 7:
		return strings.Repeat("è", 1+r.IntN(300))
	case 8:
		return "-1"
	case 9:
		return "99999999999999999999999"
	case 10:
		return "/demo/../../etc/passwd"
	default:
		b := make([]byte, 1+r.IntN(64))
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		return string(b)
	}
}

// TestHostileForms posts seeded random hostile input to every form of the
// foundation, signed in and not: never a 5xx, never a stored half-record.
func TestHostileForms(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := rand.New(rand.NewPCG(2026, 11))
	forms := []struct {
		path   string
		fields []string
	}{
		{"/demo/accesso", []string{"username", "password", "fit", "next"}},
		{"/demo/preferenze", []string{"fit", "next"}},
		{"/demo/cambio-password", []string{"current", "password", "confirm"}},
		{"/demo/primo-accesso", []string{"email", "mobile"}},
		{"/demo/sessioni/1/termina", nil},
		{"/demo/sessioni/termina-altre", nil},
		{"/demo/esci", nil},
	}
	var accountsBefore int
	mustGet(t, e.store.DB(), &accountsBefore, `SELECT count(*) FROM accounts`)
	var hashBefore string
	mustGet(t, e.store.DB(), &hashBefore, `SELECT password_hash FROM accounts WHERE username = 'laura.rossi'`)

	for i := 0; i < 300; i++ {
		b := e.browser()
		signedIn := i%2 == 0
		if signedIn {
			// throttling is not what this test is about: sign in as a fresh
			// browser each time from a clean counter
			e.store.DB().MustExec(`DELETE FROM throttles`)
			wantStatus(t, b.login("demo", "laura.rossi", "Diario-Scuola-2026"), http.StatusSeeOther)
		}
		f := forms[r.IntN(len(forms))]
		form := url.Values{}
		for _, name := range f.fields {
			if r.IntN(5) == 0 {
				continue // missing field
			}
			form.Add(name, hostile(r))
			if r.IntN(6) == 0 {
				form.Add(name, hostile(r)) // repeated field
			}
		}
		if r.IntN(8) == 0 {
			form.Add(hostile(r), hostile(r)) // unknown field
		}
		p := b.post(f.path, form)
		if p.status >= 500 {
			t.Fatalf("POST %s (signed in %v) with %q: status %d\n%s", f.path, signedIn, form.Encode()[:min(200, len(form.Encode()))], p.status, p.body)
		}
		if strings.Contains(p.body, "<script>alert(1)") || strings.Contains(p.body, "<img src=x") {
			i := strings.Index(p.body, "<img src=x")
			t.Fatalf("POST %s reflected markup unescaped: %q", f.path, p.body[max(0, i-200):min(len(p.body), i+100)])
		}
	}
	var accountsAfter int
	mustGet(t, e.store.DB(), &accountsAfter, `SELECT count(*) FROM accounts`)
	var hashAfter string
	mustGet(t, e.store.DB(), &hashAfter, `SELECT password_hash FROM accounts WHERE username = 'laura.rossi'`)
	if accountsAfter != accountsBefore || hashAfter != hashBefore {
		t.Fatalf("hostile input changed stored data: accounts %d→%d, password changed %v", accountsBefore, accountsAfter, hashAfter != hashBefore)
	}
	var badContacts int
	mustGet(t, e.store.DB(), &badContacts, `SELECT count(*) FROM accounts WHERE email LIKE '%<%' OR mobile !~ '^\+?[0-9]*$'`)
	if badContacts != 0 {
		t.Fatal("invalid contacts were stored")
	}
}

// TestHostileFormsEveryEndpoint posts seeded random hostile input, in the
// fields and in the path segments, to every other form of the portal — registration and its live checks (with and
// without captcha), account recovery, the staff second factor and every
// staff form (as the administrator, so that none is refused before its
// decoding) — and hostile query strings to the family pages' filters: never
// a 5xx, never unescaped markup, and no row added to or removed from any
// table of records (a half-written registration, person, enrollment or
// ledger entry would show up here).
func TestHostileFormsEveryEndpoint(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := rand.New(rand.NewPCG(2026, 12))
	var adminPW string
	for _, a := range db.DemoAccounts {
		if a.Installation == "demo" && a.Username == "amministratore" {
			adminPW = a.Password
		}
	}
	staff := staffSignedIn(t, e, "amministratore", adminPW)
	parent := e.browser()
	wantStatus(t, parent.login("demo", "mario.rossi", "Mensa-Scuola-2026"), http.StatusSeeOther)
	var adult, child, entry, account, window int64
	mustGet(t, e.store.DB(), &window, `SELECT min(id) FROM enrolment_windows`)
	mustGet(t, e.store.DB(), &adult, `SELECT id FROM adults WHERE first_name = 'Mario' AND last_name = 'Rossi'`)
	mustGet(t, e.store.DB(), &child, `SELECT id FROM children WHERE first_name = 'Luca'`)
	mustGet(t, e.store.DB(), &entry, `SELECT id FROM ledger_entries WHERE adult_id = $1 ORDER BY id LIMIT 1`, adult)
	mustGet(t, e.store.DB(), &account, `SELECT id FROM accounts WHERE username = 'giulia.bianchi'`)
	ids := func(s string) string {
		s = strings.ReplaceAll(s, "{adult}", strconv.FormatInt(adult, 10))
		s = strings.ReplaceAll(s, "{child}", strconv.FormatInt(child, 10))
		s = strings.ReplaceAll(s, "{entry}", strconv.FormatInt(entry, 10))
		s = strings.ReplaceAll(s, "{window}", strconv.FormatInt(window, 10))
		return strings.ReplaceAll(s, "{account}", strconv.FormatInt(account, 10))
	}
	register := []string{"first_name", "last_name", "fiscal_code", "email", "mobile", "username", "password", "confirm",
		"security_question", "custom_question", "security_answer", "privacy", "altcha", "captcha_answer", "captcha_token",
		"contacts_locked", "verifica", "lang"}
	type form struct {
		who    string // "anon", "parent", "staff"
		method string
		path   string
		fields []string
	}
	forms := []form{
		{"anon", "POST", "/demo/registrazione", register},
		{"anon", "POST", "/lago/registrazione", register},
		{"anon", "POST", "/lago/registrazione/username", []string{"username", "lang"}},
		{"anon", "POST", "/demo/registrazione/codice-fiscale", []string{"fiscal_code", "email", "mobile"}},
		{"anon", "POST", "/lago/registrazione/robustezza", []string{"password", "username", "first_name", "last_name"}},
		{"anon", "POST", "/demo/recupero-accesso", []string{"step", "what", "value", "username", "fiscal_code", "email", "answer", "key"}},
		{"anon", "POST", "/demo/recupero-accesso/link/{hostile}", []string{"password", "confirm"}},
		{"anon", "POST", "/demo/operatori/codice", []string{"code"}},
		{"staff", "POST", "/demo/operatori/adulti", []string{"fiscal_code", "first_name", "last_name", "email", "mobile"}},
		{"staff", "POST", "/demo/operatori/adulti/{adult}", []string{"fiscal_code", "first_name", "last_name", "email", "mobile"}},
		{"staff", "POST", "/demo/operatori/adulti/{adult}/movimenti", []string{"kind", "amount", "channel", "receipt", "reason", "direction", "child", "token"}},
		{"staff", "POST", "/demo/operatori/adulti/{adult}/movimenti/{entry}/storno", []string{"reason", "token"}},
		{"staff", "POST", "/demo/operatori/utenze/{account}/{hostile}", nil},
		{"staff", "POST", "/demo/operatori/bambini", []string{"fiscal_code", "first_name", "last_name", "birth_date", "school", "class_name"}},
		{"staff", "POST", "/demo/operatori/bambini/{child}", []string{"fiscal_code", "first_name", "last_name", "birth_date", "school", "class_name"}},
		{"staff", "POST", "/demo/operatori/bambini/{child}/adulti", []string{"adult_cf", "role"}},
		{"staff", "POST", "/demo/operatori/bambini/{child}/adulti/{hostile}/rimuovi", nil},
		{"staff", "POST", "/demo/operatori/bambini/{child}/iscrizioni", []string{"service", "from", "to", "tariff", "billing", "diet", "cost"}},
		{"staff", "POST", "/demo/operatori/presenze", []string{"scuola", "servizio", "classe", "giorno", "day", "status"}},
		{"staff", "POST", "/demo/operatori/presenze/segna", []string{"scuola", "servizio", "classe", "giorno", "status"}},
		{"staff", "POST", "/demo/operatori/importa", []string{"csv", "kind"}},
		{"staff", "POST", "/demo/operatori/catalogo", []string{"kind", "name", "code", "cost"}},
		{"staff", "POST", "/demo/operatori/collegamenti/{hostile}/collega", []string{"codice_fiscale"}},
		{"staff", "POST", "/demo/operatori/collegamenti/{hostile}/rifiuta", nil},
		{"parent", "POST", "/demo/collegamento", []string{"codice"}},
		{"staff", "POST", "/demo/operatori/impostazioni", []string{"password_min", "password_max", "delivery_channel", "azione"}},
		{"staff", "GET", "/demo/operatori/cerca", []string{"q"}},
		{"staff", "GET", "/demo/operatori/registro", []string{"dal", "al", "azione", "pagina"}},
		{"parent", "GET", "/demo/pagamenti", []string{"pagante", "dal", "al", "bambino", "servizio", "tipo", "pagina"}},
		{"parent", "GET", "/demo/pagamenti/movimenti.csv", []string{"pagante", "dal", "al", "bambino", "servizio", "tipo"}},
		{"parent", "GET", "/demo/pagamenti/estratto", []string{"pagante", "dal", "al"}},
		{"parent", "GET", "/demo/presenze/{child}/{hostile}", []string{"mese", "giorno"}},
		{"staff", "POST", "/demo/operatori/messaggi", []string{"title", "body", "link", "audience", "school", "class", "service", "channel", "action"}},
		{"staff", "POST", "/demo/operatori/attestazioni", []string{"year"}},
		{"parent", "GET", "/demo/attestazioni/{hostile}", nil},
		{"parent", "GET", "/demo/messaggi/{hostile}", nil},
		{"anon", "GET", "/demo/verifica", []string{"codice"}},
		{"parent", "POST", "/demo/avvisi", []string{"low_enabled", "low_mode", "low_amount", "low_meals", "debt_enabled", "via_email", "via_sms", "via_appio", "quiet_start", "quiet_end"}}, // alerts_*.go
		{"parent", "POST", "/demo/avvisi/soglia", []string{"low_meals"}},
		{"staff", "POST", "/demo/operatori/impostazioni/avvisi", []string{"low_enabled", "low_mode", "low_amount", "low_meals", "debt_enabled", "via_email", "via_sms", "via_appio", "quiet_start", "quiet_end"}},
		{"staff", "POST", "/demo/operatori/impostazioni/avvisi/app-io", []string{"appio_key", "azione"}},
		// the office's year (issue 19)
		{"staff", "POST", "/demo/operatori/bambini/{child}/iscrizioni/{hostile}", []string{"action", "from", "reason", "version", "service_id", "diet_id", "tariff", "cost", "billing"}},
		{"staff", "POST", "/demo/operatori/catalogo/voce/{hostile}/{hostile}/{hostile}", []string{"name"}},
		{"staff", "POST", "/demo/operatori/catalogo/chiusure", []string{"closure-day", "closure-description"}},
		{"staff", "POST", "/demo/operatori/catalogo/chiusure/{hostile}/elimina", nil},
		{"staff", "POST", "/demo/operatori/rimborsi/{hostile}/{hostile}", []string{"note"}},
		{"staff", "POST", "/demo/operatori/sicurezza/codici-recupero", []string{"password"}},
		{"staff", "POST", "/demo/operatori/impostazioni/operatori/{account}/ruolo", []string{"role"}},
		{"staff", "GET", "/demo/operatori/impostazioni/anno/anteprima", []string{"anno", "rinnova", "dal", "al"}},
		{"staff", "POST", "/demo/operatori/impostazioni/anno/scuole/{hostile}", []string{"last_class", "exit_age", "next_school"}},
		{"staff", "POST", "/demo/operatori/presenze/tutti-presenti", []string{"scuola", "servizio", "classe", "giorno"}},
		{"staff", "POST", "/demo/operatori/bambini/{child}/pasti/{hostile}/periodo", []string{"dal", "al", "stato", "motivo", "chiave"}},
		{"parent", "POST", "/demo/pagamenti/credito", []string{"kind", "amount", "iban", "holder", "to"}},
		{"parent", "POST", "/demo/pagamenti/credito/{hostile}/ritira", nil},
		// enrolment (issue 18)
		{"parent", "POST", "/demo/iscrizioni/finestre/{window}", []string{"child", "first_name", "last_name", "birth_date", "fiscal_code", "school", "class",
			"q0", "q1", "documents_ack", "plan_accepted", "isee", "dsu", "isee_expiry", "azione"}},
		{"parent", "GET", "/demo/iscrizioni/finestre/{window}", []string{"bambino"}},
		{"parent", "GET", "/demo/iscrizioni/{hostile}", nil},
		{"staff", "GET", "/demo/operatori/iscrizioni", []string{"finestra", "stato", "scuola", "q"}},
		{"staff", "POST", "/demo/operatori/iscrizioni/finestre", []string{"service", "year", "title", "opens_day", "opens_time", "closes_day", "closes_time",
			"starts_on", "ends_on", "debts", "school-1", "classes-1", "yesno", "text_questions", "documents"}},
		{"staff", "POST", "/demo/operatori/iscrizioni/finestre/{window}/domanda", []string{"adult_cf", "first_name", "last_name", "birth_date", "fiscal_code",
			"school", "class", "q0", "q1", "documents_ack", "isee", "dsu", "isee_expiry"}},
		{"staff", "POST", "/demo/operatori/iscrizioni/domande/{hostile}/{hostile}", []string{"starts_on", "ends_on", "tariff_name", "amount", "billing", "reason"}},
		// tariffs by ISEE (isee_*.go, staff_isee*.go, staff_tariffs.go)
		{"parent", "POST", "/demo/famiglia/isee", []string{"isee", "dsu", "scadenza"}},
		{"staff", "POST", "/demo/operatori/isee/dichiarazioni/{hostile}/{hostile}", []string{"from", "retroactive", "reason", "reject"}},
		{"staff", "POST", "/demo/operatori/tariffe/{hostile}", []string{"version", "max", "nonresident", "sibling", "b1-from", "b1-to", "b1-amount", "b2-from", "b2-to", "b2-amount"}},
		// special diets (docs/special-diets.md)
		{"parent", "POST", "/demo/diete", []string{"bambino", "tipo", "dieta", "dichiarazione"}},
		{"parent", "POST", "/demo/diete/{hostile}/ritira", nil},
		{"staff", "POST", "/demo/operatori/diete/{hostile}/{hostile}", []string{"dieta", "nuova_dieta", "dal", "al", "motivo"}},
		{"staff", "POST", "/demo/operatori/impostazioni/diete", []string{"giorni"}},
	}
	tables := []string{"accounts", "adults", "children", "guardianships", "enrollments", "ledger_entries", "attendance",
		"river_job", "messages", "installations", "services", "schools"}
	counts := func() map[string]int {
		m := map[string]int{}
		for _, tb := range tables {
			var n int
			if err := e.store.DB().Get(&n, `SELECT count(*) FROM `+tb); err != nil {
				t.Fatalf("%s: %v", tb, err)
			}
			m[tb] = n
		}
		return m
	}
	before := counts()
	var settingsBefore string
	mustGet(t, e.store.DB(), &settingsBefore, `SELECT string_agg(i::text, '|' ORDER BY id) FROM installations i`)

	failed := map[string]bool{}
	for i := 0; i < 500; i++ {
		f := forms[r.IntN(len(forms))]
		b := staff
		switch f.who {
		case "anon":
			b = e.browser()
			e.store.DB().MustExec(`DELETE FROM throttles`) // the limits are not what this test is about
		case "parent":
			b = parent
		}
		path := ids(f.path)
		if strings.Contains(path, "{hostile}") {
			seg := strconv.Itoa(r.IntN(1 << 20)) // a guessed ID, or garbage
			if r.IntN(2) == 0 {
				seg = truncateBytes(hostile(r), 200)
			}
			path = strings.ReplaceAll(path, "{hostile}", url.PathEscape(seg))
		}
		// any segment of the path may be hostile too, the installation
		// code first of all: a 404, never a query with those bytes
		if r.IntN(4) == 0 {
			segs := strings.Split(path, "/")
			k := 1
			if r.IntN(2) == 0 {
				k = 1 + r.IntN(len(segs)-1)
			}
			segs[k] = url.PathEscape(truncateBytes(hostile(r), 200))
			path = strings.Join(segs, "/")
		}
		vals := url.Values{}
		for _, name := range f.fields {
			if r.IntN(5) == 0 {
				continue
			}
			vals.Add(name, hostile(r))
			if r.IntN(6) == 0 {
				vals.Add(name, hostile(r))
			}
		}
		if r.IntN(8) == 0 {
			vals.Add(hostile(r), hostile(r))
		}
		var p page
		if f.method == "GET" {
			q := vals.Encode()
			if len(q) > 6000 {
				q = q[:6000] // a URL, not a body: nginx and Go refuse longer request lines anyway
			}
			p = b.get(path + "?" + q)
		} else if r.IntN(3) == 0 {
			p = b.post(path, vals, "HX-Request", "true")
		} else {
			p = b.post(path, vals)
		}
		if p.status >= 500 {
			enc := vals.Encode()
			if !failed[f.path] { // one report per endpoint
				t.Errorf("%s %s (%s) with %q: status %d", f.method, path, f.who, enc[:min(300, len(enc))], p.status)
				logs := e.logs.String()
				if k := strings.LastIndex(logs, `"err"`); k >= 0 {
					t.Logf("last error logged: %.300s", logs[k:])
				}
			}
			failed[f.path] = true
		}
		if strings.Contains(p.body, "<script>alert(1)") || strings.Contains(p.body, "<img src=x") {
			k := strings.Index(p.body, "<img src=x")
			t.Fatalf("%s %s reflected markup unescaped: %q", f.method, path, p.body[max(0, k-200):min(len(p.body), k+100)])
		}
		if p.status == http.StatusSeeOther && strings.Contains(p.loc, "/accesso") && f.who != "anon" {
			t.Fatalf("%s %s signed the %s out: %s", f.method, path, f.who, p.loc)
		}
	}
	after := counts()
	// a reversal ("storno") needs only a reason, which may be any text: the
	// one entry the test aims at may be reversed once, as a whole
	var reversals, net int
	mustGet(t, e.store.DB(), &reversals, `SELECT count(*) FROM ledger_entries WHERE reverses_id = $1`, entry)
	mustGet(t, e.store.DB(), &net, `SELECT coalesce(sum(amount_cents), 0) FROM ledger_entries WHERE id = $1 OR reverses_id = $1`, entry)
	if reversals > 1 || (reversals == 1 && net != 0) {
		t.Errorf("entry %d reversed %d times, net %d", entry, reversals, net)
	}
	before["ledger_entries"] += reversals
	for _, tb := range tables {
		if before[tb] != after[tb] {
			t.Errorf("hostile input changed %s: %d rows → %d", tb, before[tb], after[tb])
		}
	}
	var settingsAfter string
	mustGet(t, e.store.DB(), &settingsAfter, `SELECT string_agg(i::text, '|' ORDER BY id) FROM installations i`)
	if settingsAfter != settingsBefore {
		t.Errorf("hostile input changed an installation's settings")
	}
}

func truncateBytes(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
