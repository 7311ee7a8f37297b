package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"portalegenitori/internal/codicefiscale"
)

// TestEnrolmentJourney: Mario enrols a child not yet in the registry in the
// demo's open window. A wrong codice fiscale is refused next to its field
// with the rest kept; a draft survives (server-side); the request gets a
// protocol number and its e-mail receipt is queued with it. Another family
// gets 404 on it; a clerk without "anagrafica" gets 403 on accepting it;
// the clerk with it accepts, and the family reads the outcome. After the
// deadline Mario is refused in Italian and the office enters a late
// request.
func TestEnrolmentJourney(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	q := e.store.DB()
	var window int64
	var title string
	mustGet(t, q, &window, `SELECT w.id FROM enrolment_windows w JOIN installations i ON i.id = w.installation_id WHERE i.code = 'demo'`)
	mustGet(t, q, &title, `SELECT title FROM enrolment_windows WHERE id = $1`, window)
	var school string
	mustGet(t, q, &school, `SELECT school_id::text FROM enrolment_window_schools WHERE window_id = $1 ORDER BY school_id LIMIT 1`, window)
	form := fmt.Sprintf("/demo/iscrizioni/finestre/%d", window)

	mario := signedIn(t, e, "mario.rossi", "Mensa-Scuola-2026")
	mustContain(t, mario.get("/demo/famiglia"), title, form)

	birth := time.Date(2024, 3, 3, 0, 0, 0, 0, time.UTC)
	cf := codicefiscale.Compute("Rossi", "Giorgio", birth, false, "F205")
	bad := cf[:15] + string("ABCDEFGHIJKLMNOPQRSTUVWXYZ"[(int(cf[15]-'A')+1)%26])
	v := url.Values{"child": {"new"}, "first_name": {"Giorgio"}, "last_name": {"Rossi"}, "birth_date": {"03/03/2024"}, "fiscal_code": {bad},
		"school": {school}, "class": {"1A"}, "q0": {"si"}, "q1": {"Arriva con lo scuolabus"}, "documents_ack": {"1"}, "azione": {"invia"},
		"isee": {"8.500"}, "dsu": {"INPS-ISEE-2026-000123456-00"}, "isee_expiry": {"31/12/2099"}}
	p := mario.post(form, v)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, `id="fiscal_code-error"`, `value="Giorgio"`, `value="Arriva con lo scuolabus"`)
	var n int
	mustGet(t, q, &n, `SELECT count(*) FROM enrolment_requests WHERE first_name = 'Giorgio'`)
	if n != 0 {
		t.Fatal("a refused request was stored")
	}
	// a draft, read back by a new sign-in (another browser)
	v.Set("azione", "bozza")
	wantStatus(t, mario.post(form, v), http.StatusSeeOther)
	again := signedIn(t, e, "mario.rossi", "Mensa-Scuola-2026")
	mustContain(t, again.get(form), `id="draft-saved"`, `value="Arriva con lo scuolabus"`, `value="`+bad+`"`)

	v.Set("azione", "invia")
	v.Set("fiscal_code", cf)
	p = mario.post(form, v)
	wantStatus(t, p, http.StatusSeeOther)
	var id int64
	mustGet(t, q, &id, `SELECT id FROM enrolment_requests WHERE fiscal_code = $1`, cf)
	receipt := mario.get(p.loc)
	mustContain(t, receipt, "Numero di protocollo", fmt.Sprintf("-%06d", id), "Giorgio Rossi", "in esame")
	wantStatus(t, mario.post(form, v), http.StatusSeeOther) // a double submit shows the same request
	mustGet(t, q, &n, `SELECT count(*) FROM river_job WHERE kind = 'enrolment_receipt' AND (args->>'request_id')::bigint = $1`, id)
	if n != 1 {
		t.Fatalf("%d receipts queued", n)
	}
	var isee int64
	mustGet(t, q, &isee, `SELECT isee_cents FROM isee_declarations d JOIN adults a ON a.id = d.adult_id WHERE a.first_name = 'Mario' AND d.status = 'dichiarata'`)
	if isee != 850000 {
		t.Fatalf("ISEE declared as %d cents", isee)
	}
	// audited as on the ISEE page, once (the double submit declares nothing)
	if n := auditCount(t, e.store, "isee_declare", "success"); n != 1 {
		t.Fatalf("the ISEE declared with the request: %d audit rows, want 1", n)
	}

	q.MustExec(`UPDATE accounts SET must_change_password = false WHERE username = 'giulia.bianchi'`)
	giulia := signedIn(t, e, "giulia.bianchi", "Primo-Accesso-2026")
	wantStatus(t, giulia.get(fmt.Sprintf("/demo/iscrizioni/%d", id)), http.StatusNotFound)
	// the same codice fiscale typed by another family tells it nothing:
	// a receipt of its own, and the office sees both requests together
	p = giulia.post(form, v)
	wantStatus(t, p, http.StatusSeeOther)
	mustNotContain(t, giulia.get(p.loc), "ha già inviato", fmt.Sprintf("-%06d", id))
	var hers int64
	mustGet(t, q, &hers, `SELECT id FROM enrolment_requests WHERE fiscal_code = $1 AND id <> $2`, cf, id)

	clerk := staffSignedIn(t, e, "operatore", "Ufficio-Scuola-2026")
	mustContain(t, clerk.get(fmt.Sprintf("/demo/operatori/iscrizioni/domande/%d", id)), `id="enrol-siblings"`,
		fmt.Sprintf(`href="/demo/operatori/iscrizioni/domande/%d"`, hers), "Giulia Bianchi (in esame)")
	mustContain(t, clerk.get(fmt.Sprintf("/demo/operatori/iscrizioni/domande/%d", hers)), `id="enrol-siblings"`, "Mario Rossi (in esame)")
	mustContain(t, clerk.get("/demo/operatori/iscrizioni?q=giorgio"), fmt.Sprintf("/operatori/iscrizioni/domande/%d", id))
	mustNotContain(t, clerk.get("/demo/operatori/iscrizioni?q=giorgio&stato=accepted"), fmt.Sprintf("/operatori/iscrizioni/domande/%d", id))
	accept := fmt.Sprintf("/demo/operatori/iscrizioni/domande/%d/accetta", id)
	terms := url.Values{"starts_on": {"07/09/2027"}, "ends_on": {"30/06/2028"}, "tariff_name": {"Tariffa intera"}, "amount": {"5,20"}, "billing": {"daily"}}
	q.MustExec(`DELETE FROM staff_permissions WHERE permission = 'anagrafica' AND account_id = (SELECT id FROM accounts WHERE username = 'operatore')`)
	wantStatus(t, clerk.post(accept, terms), http.StatusForbidden)
	q.MustExec(`INSERT INTO staff_permissions (installation_id, account_id, permission) SELECT installation_id, id, 'anagrafica' FROM accounts WHERE username = 'operatore'`)
	wantStatus(t, clerk.post(fmt.Sprintf("/demo/operatori/iscrizioni/domande/%d/rifiuta", id), url.Values{"reason": {""}}), http.StatusUnprocessableEntity)
	wantStatus(t, clerk.post(accept, terms), http.StatusSeeOther)
	mustGet(t, q, &n, `SELECT count(*) FROM enrollments e JOIN children c ON c.id = e.child_id WHERE c.fiscal_code = $1 AND e.tariff_cents = 520`, cf)
	if n != 1 || auditCount(t, e.store, "enrolment_accept", "success") != 1 || auditCount(t, e.store, "enrolment_submit", "success") != 3 {
		t.Fatalf("%d enrollments, or the steps not audited", n)
	}
	mustContain(t, mario.get("/demo/famiglia"), "Giorgio Rossi</a>: <strong>accettata</strong>")

	// the other guardian of a child with a request is told (both see it
	// on their family home), and nothing is stored
	var luca string
	mustGet(t, q, &luca, `SELECT id::text FROM children WHERE first_name = 'Luca' AND last_name = 'Rossi'`)
	forLuca := url.Values{}
	for k, vs := range v {
		forLuca[k] = vs
	}
	forLuca.Set("child", luca)
	wantStatus(t, mario.post(form, forLuca), http.StatusSeeOther)
	laura := signedIn(t, e, "laura.rossi", "Diario-Scuola-2026")
	p = laura.post(form, forLuca)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, `id="child-error"`, "L&#39;altro genitore o tutore ha già inviato")
	mustGet(t, q, &n, `SELECT count(*) FROM enrolment_requests WHERE child_id = $1::bigint`, luca)
	if n != 1 {
		t.Fatalf("%d requests for Luca, want Mario's alone", n)
	}

	// after the deadline
	q.MustExec(`UPDATE enrolment_windows SET opens_at = now() - interval '2 days', closes_at = now() - interval '1 second' WHERE id = $1`, window)
	v.Set("child", "new")
	v.Set("fiscal_code", codicefiscale.Compute("Rossi", "Anna", birth, true, "F205"))
	v.Set("first_name", "Anna")
	p = mario.post(form, v)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, "Il termine per le domande è scaduto")
	mustContain(t, mario.get(form), "sono chiuse dal")
	var marioCF string
	mustGet(t, q, &marioCF, `SELECT fiscal_code FROM adults WHERE first_name = 'Mario' AND last_name = 'Rossi'`)
	v.Set("adult_cf", marioCF)
	p = clerk.post(fmt.Sprintf("/demo/operatori/iscrizioni/finestre/%d/domanda", window), v)
	wantStatus(t, p, http.StatusSeeOther)
	mustContain(t, clerk.get(p.loc), "fuori termine", "Anna Rossi")
	late := p.loc
	// rejected with a reason the family reads
	wantStatus(t, clerk.post(late+"/rifiuta", url.Values{"reason": {"Posti esauriti nella scuola scelta"}}), http.StatusSeeOther)
	mustContain(t, mario.get("/demo/iscrizioni"), "respinta", "Posti esauriti nella scuola scelta")
	if auditCount(t, e.store, "enrolment_office_entry", "success") != 1 || auditCount(t, e.store, "enrolment_reject", "success") != 1 {
		t.Fatal("office entry or rejection not audited")
	}

	// the office opens a window: a wrong closing is refused next to its field, the rest kept
	var service string
	mustGet(t, q, &service, `SELECT id::text FROM services WHERE kind = 'mensa' AND installation_id = (SELECT id FROM installations WHERE code = 'demo')`)
	win := url.Values{"service": {service}, "year": {"2028"}, "title": {"Mensa 2028/29"}, "opens_day": {"01/02/2028"}, "opens_time": {"08:00"},
		"closes_day": {"01/01/2028"}, "closes_time": {"12:00"}, "starts_on": {"11/09/2028"}, "ends_on": {"30/06/2029"}, "debts": {"plan"},
		"school-" + school: {"1"}, "classes-" + school: {"1a, 2A"}, "yesno": {"Usa lo scuolabus?"}, "documents": {"Certificato"}}
	p = clerk.post("/demo/operatori/iscrizioni/finestre", win)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, `id="closes_day-error"`, `value="Mensa 2028/29"`, "Usa lo scuolabus?")
	win.Set("closes_day", "28/02/2028")
	wantStatus(t, clerk.post("/demo/operatori/iscrizioni/finestre", win), http.StatusSeeOther)
	var classes, debts string
	mustGet(t, q, &classes, `SELECT array_to_string(ws.classes, ',') FROM enrolment_window_schools ws JOIN enrolment_windows w ON w.id = ws.window_id WHERE w.title = 'Mensa 2028/29'`)
	mustGet(t, q, &debts, `SELECT debts FROM enrolment_windows WHERE title = 'Mensa 2028/29'`)
	if classes != "1A,2A" || debts != "plan" || auditCount(t, e.store, "enrolment_window_save", "success") != 1 {
		t.Fatalf("window saved with classes %q, debts %q, or not audited", classes, debts)
	}
	mustContain(t, clerk.get("/demo/operatori/iscrizioni"), "Mensa 2028/29", "non ancora aperto")

	// two clerks change the window from the same page: the second is told,
	// keeps what they typed, and saves it only by saving again
	var created int64
	mustGet(t, q, &created, `SELECT id FROM enrolment_windows WHERE title = 'Mensa 2028/29'`)
	edit := fmt.Sprintf("/demo/operatori/iscrizioni/finestre/%d", created)
	mustContain(t, clerk.get(edit), `name="version" value="1"`)
	win.Set("version", "1")
	win.Set("title", "Mensa 2028/29, primo operatore")
	wantStatus(t, clerk.post(edit, win), http.StatusSeeOther)
	win.Set("title", "Mensa 2028/29, secondo operatore")
	p = clerk.post(edit, win)
	wantStatus(t, p, http.StatusConflict)
	mustContain(t, p, "Un altro operatore ha modificato questo periodo", `value="Mensa 2028/29, secondo operatore"`, `name="version" value="2"`)
	mustGet(t, q, &title, `SELECT title FROM enrolment_windows WHERE id = $1`, created)
	if title != "Mensa 2028/29, primo operatore" || auditCount(t, e.store, "enrolment_window_save", "changed_meanwhile") != 1 {
		t.Fatalf("after the refused change the window is %q, or the refusal not audited", title)
	}
	win.Set("version", "2")
	wantStatus(t, clerk.post(edit, win), http.StatusSeeOther)
	mustGet(t, q, &title, `SELECT title FROM enrolment_windows WHERE id = $1`, created)
	if title != "Mensa 2028/29, secondo operatore" {
		t.Fatalf("saved again on the current version: %q", title)
	}
}
