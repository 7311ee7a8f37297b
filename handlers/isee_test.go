package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"portalegenitori/internal/calendar"
)

// The paying adult declares an ISEE (bad input answered next to each field,
// the input kept), a guardian who does not pay cannot, a clerk without the
// cash-desk permission cannot decide, a date before today needs the
// explicit adjustment with a reason, and the confirmation shows the band on
// the family home. Another installation's adults and declarations are not
// found.
func TestISEEDeclareAndConfirm(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := demoFamily(t, e)
	today := calendar.DateOf(time.Now().In(calendar.Rome))
	expiry := time.Date(today.Year(), time.December, 31, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)

	mario := signedIn(t, e, "mario.rossi", "Mensa-Scuola-2026")
	// Luca pays the maximum (no ISEE); Sofia's € 3,20 was typed by the office
	mustContain(t, mario.get("/demo/famiglia"), `id="isee-family"`, "tariffa massima: nessun ISEE valido", "tariffa stabilita dall&#39;ufficio",
		`href="/demo/famiglia/isee"`)

	bad := mario.post("/demo/famiglia/isee", url.Values{"isee": {"dodicimila"}, "dsu": {"INPS-ISEE-26-123-00"}, "scadenza": {"2020-01-01"}})
	wantStatus(t, bad, http.StatusUnprocessableEntity)
	mustContain(t, bad, `id="isee-error"`, "Scrivi il valore ISEE in euro", `id="dsu-error"`, "INPS-ISEE-AAAA-NNNNNNNNN-NN (anno, 9 cifre, 2 cifre)",
		`id="scadenza-error"`, "è scaduto il 01/01/2020", `value="dodicimila"`, `value="INPS-ISEE-26-123-00"`)
	wantStatus(t, mario.post("/demo/famiglia/isee", url.Values{"isee": {""}, "dsu": {""}, "scadenza": {""}}), http.StatusUnprocessableEntity)

	// typed loosely: thousands with a dot, the protocol with spaces and lower case
	ok := mario.post("/demo/famiglia/isee", url.Values{"isee": {"9.500"}, "dsu": {" inps isee 2026 000123456 00 "}, "scadenza": {expiry}})
	wantStatus(t, ok, http.StatusSeeOther)
	mustContain(t, mario.get(ok.loc), "Dichiarazione ISEE n.", "ISEE € 9.500,00, protocollo DSU INPS-ISEE-2026-000123456-00", "dichiarata, in verifica")
	var declID int64
	mustGet(t, e.store.DB(), &declID, `SELECT id FROM isee_declarations WHERE adult_id = $1 AND status = 'dichiarata'`, f.mario)

	// Laura is a guardian, not the paying adult
	laura := signedIn(t, e, "laura.rossi", "Diario-Scuola-2026")
	mustContain(t, laura.get("/demo/famiglia/isee"), "Tu non risulti adulto pagante")
	wantStatus(t, laura.post("/demo/famiglia/isee", url.Values{"isee": {"1000"}, "dsu": {"INPS-ISEE-2026-000123456-00"}, "scadenza": {expiry}}), http.StatusForbidden)
	// a parent never reaches the office's queue
	if p := mario.post(fmt.Sprintf("/demo/operatori/isee/dichiarazioni/%d/conferma", declID), url.Values{"from": {today.Format(time.DateOnly)}}); p.status != http.StatusForbidden && p.status != http.StatusNotFound {
		t.Fatalf("a parent confirming: status %d", p.status)
	}

	// a clerk without "cassa" reads the queue but cannot decide
	e.store.DB().MustExec(`DELETE FROM staff_permissions WHERE permission = 'cassa' AND account_id = (SELECT id FROM accounts WHERE username = 'operatore')`)
	clerk := staffSignedIn(t, e, "operatore", "Ufficio-Scuola-2026")
	mustContain(t, clerk.get("/demo/operatori/isee"), "INPS-ISEE-2026-000123456-00")
	confirm := fmt.Sprintf("/demo/operatori/isee/dichiarazioni/%d/conferma", declID)
	wantStatus(t, clerk.post(confirm, url.Values{"from": {today.Format(time.DateOnly)}}), http.StatusForbidden)

	admin := staffSignedIn(t, e, "amministratore", "Impostazioni-Comune-2026")
	yesterday := today.AddDate(0, 0, -1).Format(time.DateOnly)
	p := admin.post(confirm, url.Values{"from": {yesterday}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, fmt.Sprintf(`id="d%d-from-error"`, declID), "scegli «Rettifica retroattiva» e scrivi il motivo", `value="`+yesterday+`"`)
	p = admin.post(confirm, url.Values{"from": {yesterday}, "retroactive": {"1"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, fmt.Sprintf(`id="d%d-reason-error"`, declID), "Scrivi il motivo della rettifica retroattiva")
	p = admin.post(fmt.Sprintf("/demo/operatori/isee/dichiarazioni/%d/respingi", declID), url.Values{"reject": {""}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, fmt.Sprintf(`id="d%d-reject-error"`, declID), "la famiglia lo leggerà")

	p = admin.post(confirm, url.Values{"from": {today.Format(time.DateOnly)}})
	wantStatus(t, p, http.StatusSeeOther)
	mustContain(t, admin.get(p.loc), fmt.Sprintf("Dichiarazione n. %d confermata dal %s", declID, today.Format("02/01/2006")))
	if auditCount(t, e.store, "isee_confirm", "success") != 1 {
		t.Fatal("the confirmation is not audited")
	}
	// € 9.500 is band 2 (6.000,01–12.000,00): € 3,20; Sofia, the second child, 20% off
	home := mario.get("/demo/famiglia")
	mustContain(t, home, "fascia 2, ISEE fino a € 12.000,00", "fascia 2, ISEE fino a € 12.000,00, riduzione fratelli 20%", "€ 2,56")
	// decided once
	p = admin.post(confirm, url.Values{"from": {today.Format(time.DateOnly)}})
	wantStatus(t, p, http.StatusSeeOther)
	mustContain(t, admin.get(p.loc), "era già stata decisa")

	// another installation's adults and declarations are not found
	var valleAdult, valleDecl int64
	mustGet(t, e.store.DB(), &valleAdult, `SELECT a.id FROM adults a JOIN installations i ON i.id = a.installation_id WHERE i.code = 'valle' LIMIT 1`)
	mustGet(t, e.store.DB(), &valleDecl, `INSERT INTO isee_declarations (installation_id, adult_id, isee_cents, dsu_protocol, expires_on)
		SELECT installation_id, id, 100000, 'INPS-ISEE-2026-000000001-00', '2099-12-31' FROM adults WHERE id = $1 RETURNING id`, valleAdult)
	wantStatus(t, admin.get(fmt.Sprintf("/demo/operatori/isee/adulti/%d", valleAdult)), http.StatusNotFound)
	wantStatus(t, admin.post(fmt.Sprintf("/demo/operatori/isee/dichiarazioni/%d/conferma", valleDecl), url.Values{"from": {"2099-01-01"}}), http.StatusNotFound)
	wantStatus(t, admin.post(fmt.Sprintf("/demo/operatori/isee/adulti/%d/residenza", valleAdult), url.Values{"resident": {"0"}}), http.StatusNotFound)
	var status string
	mustGet(t, e.store.DB(), &status, `SELECT status FROM isee_declarations WHERE id = $1`, valleDecl)
	if status != "dichiarata" {
		t.Fatalf("another installation's declaration is %s", status)
	}
}

// The tariffs form refuses overlapping and unordered bands with the message
// next to the band, keeps the input, and saves valid rules with an audit
// row; a clerk without "cassa" cannot save. A residency change reprices
// the family from today.
func TestStaffTariffsValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := demoFamily(t, e)
	path := fmt.Sprintf("/demo/operatori/tariffe/%d", f.mensa)
	admin := staffSignedIn(t, e, "amministratore", "Impostazioni-Comune-2026")
	form := admin.get(path)
	wantStatus(t, form, http.StatusOK)
	mustContain(t, form, `name="b1-from" value="0,00"`, `name="b3-to" value="20000,00"`, `name="max" value="4,80"`, `name="version" value="1"`)

	// Mario moves away: the non-resident rate (€ 5,50; Sofia 20% off) from today, audited
	res := admin.post(fmt.Sprintf("/demo/operatori/isee/adulti/%d/residenza", f.mario), url.Values{"resident": {"0"}})
	wantStatus(t, res, http.StatusSeeOther)
	mustContain(t, admin.get(res.loc), "Iscrizioni con tariffa aggiornata da oggi: 2", `id="resident-no" name="resident" value="0" checked`,
		"tariffa non residenti, riduzione fratelli 20%", "€ 4,40")
	if auditCount(t, e.store, "adult_residency", "success") != 1 {
		t.Fatal("the residency change is not audited")
	}

	for name, c := range map[string]struct {
		form url.Values
		want []string
	}{
		"overlap": {url.Values{"version": {"1"}, "max": {"4,80"}, "sibling": {"20"}, "b1-from": {"0"}, "b1-to": {"10.000"}, "b1-amount": {"1,50"},
			"b2-from": {"9.000"}, "b2-to": {"20.000"}, "b2-amount": {"3,00"}},
			[]string{`id="b2-from-error"`, "Fascia 2: inizia prima della fine della fascia precedente (€ 10.000,00)", `value="9.000"`}},
		"unordered": {url.Values{"version": {"1"}, "max": {"4,80"}, "b1-from": {"12.000"}, "b1-to": {"20.000"}, "b1-amount": {"4"},
			"b2-from": {"0"}, "b2-to": {"11.999,99"}, "b2-amount": {"2"}},
			[]string{`id="b2-from-error"`, "Le fasce devono essere in ordine crescente"}},
		"upside down and bad rules": {url.Values{"version": {"1"}, "max": {""}, "sibling": {"120"}, "nonresident": {"tanto"},
			"b1-from": {"5.000"}, "b1-to": {"1.000"}, "b1-amount": {"1"}},
			[]string{`id="b1-to-error"`, "Fascia 1: il valore «fino a» deve essere uguale o maggiore", `id="max-error"`, `id="sibling-error"`, `id="nonresident-error"`}},
	} {
		p := admin.post(path, c.form)
		if p.status != http.StatusUnprocessableEntity {
			t.Fatalf("%s: status %d", name, p.status)
		}
		mustContain(t, p, c.want...)
	}
	if auditCount(t, e.store, "tariff_rules_save", "success") != 0 {
		t.Fatal("refused rules were saved")
	}
	good := url.Values{"version": {"1"}, "max": {"5,00"}, "sibling": {"10"}, "nonresident": {""}, "b1-from": {"0"}, "b1-to": {"8.000"}, "b1-amount": {"2,00"},
		"b2-from": {"8.000,01"}, "b2-to": {"16.000"}, "b2-amount": {"3,50"}}
	p := admin.post(path, good)
	wantStatus(t, p, http.StatusSeeOther)
	mustContain(t, admin.get(p.loc), "Tariffe salvate.", `name="b2-from" value="8000,01"`, `name="max" value="5,00"`)
	if auditCount(t, e.store, "tariff_rules_save", "success") != 1 {
		t.Fatal("the rules are not audited")
	}
	// the same form again: stale, nothing saved
	p = admin.post(path, good)
	wantStatus(t, p, http.StatusSeeOther)
	mustContain(t, admin.get(p.loc), "Un altro operatore ha modificato le tariffe")

	e.store.DB().MustExec(`DELETE FROM staff_permissions WHERE permission = 'cassa' AND account_id = (SELECT id FROM accounts WHERE username = 'operatore')`)
	clerk := staffSignedIn(t, e, "operatore", "Ufficio-Scuola-2026")
	wantStatus(t, clerk.post(path, good), http.StatusForbidden)
}
