package handlers_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"portalegenitori/internal/money"
)

// ids of the demo rows the family tests use
type famIDs struct {
	luca, sofia, elena, pietro, mensa, trasporto, pre, mario, giulia int64
}

func demoFamily(t *testing.T, e *env) famIDs {
	t.Helper()
	var f famIDs
	q := e.store.DB()
	get := func(dst *int64, query string, args ...any) {
		t.Helper()
		if err := q.Get(dst, query, args...); err != nil {
			t.Fatal(err)
		}
	}
	const demo = `(SELECT id FROM installations WHERE code = 'demo')`
	for name, p := range map[string]*int64{"Luca": &f.luca, "Sofia": &f.sofia, "Elena": &f.elena, "Pietro": &f.pietro} {
		get(p, `SELECT id FROM children WHERE installation_id = `+demo+` AND first_name = $1`, name)
	}
	for kind, p := range map[string]*int64{"mensa": &f.mensa, "trasporto": &f.trasporto, "pre-scuola": &f.pre} {
		get(p, `SELECT id FROM services WHERE installation_id = `+demo+` AND kind = $1`, kind)
	}
	get(&f.mario, `SELECT id FROM adults WHERE installation_id = `+demo+` AND first_name = 'Mario'`)
	get(&f.giulia, `SELECT id FROM adults WHERE installation_id = `+demo+` AND first_name = 'Giulia'`)
	return f
}

func (f famIDs) cal(child, service int64, query string) string {
	p := fmt.Sprintf("/demo/presenze/%d/%d", child, service)
	if query != "" {
		p += "?" + query
	}
	return p
}

func signedIn(t *testing.T, e *env, user, pass string) *browser {
	t.Helper()
	b := e.browser()
	if p := b.login("demo", user, pass); p.status != http.StatusSeeOther {
		t.Fatalf("login %s: status %d", user, p.status)
	}
	return b
}

func balanceOf(t *testing.T, e *env, adult int64) int64 {
	t.Helper()
	var b int64
	mustGet(t, e.store.DB(), &b, `SELECT coalesce(sum(amount_cents), 0) FROM ledger_entries WHERE adult_id = $1`, adult)
	return b
}

func TestFamilyHomeServicesDietTariffBalance(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := demoFamily(t, e)
	bal := balanceOf(t, e, f.mario)
	want := money.FormatAbs(bal, "it") + " a debito"
	if bal >= 0 {
		want = money.FormatAbs(bal, "it") + " a credito"
	}
	for _, who := range [][2]string{{"mario.rossi", "Mensa-Scuola-2026"}, {"laura.rossi", "Diario-Scuola-2026"}} {
		b := signedIn(t, e, who[0], who[1])
		p := b.get("/demo/famiglia")
		wantStatus(t, p, http.StatusOK)
		mustContain(t, p, "Luca Rossi", "Sofia Rossi", "3ª B", "Sezione Gialla",
			"Mensa scolastica", "Trasporto scolastico", "Pre-scuola", "dal 07/09/2026 al 30/06/2027",
			"Senza glutine", "Nessuna dieta speciale", "Tariffa intera: € 4,80 al giorno",
			"Abbonamento mensile: € 35,00 al mese", "Tariffa ridotta (ISEE): € 3,20 al giorno",
			"Presenze di ", want, f.cal(f.luca, f.mensa, ""), f.cal(f.sofia, f.pre, ""), "/demo/pagamenti")
		mustNotContain(t, p, "Elena", "Pietro", "Marco")
		if who[0] == "laura.rossi" {
			mustContain(t, p, "Genitore / tutore", "Mario Rossi", "Saldo di Mario Rossi (adulto pagante), per Luca, Sofia")
		} else {
			mustContain(t, p, "Il tuo saldo, per Luca, Sofia")
		}
		// the paying adult's balance is said once for the family, not in each child's card
		if n := strings.Count(p.body, want); n != 1 {
			t.Fatalf("%s: the balance %q appears %d times, want once", who[0], want, n)
		}
	}
	// English
	b := signedIn(t, e, "mario.rossi", "Mensa-Scuola-2026")
	p := b.get("/demo/famiglia", "Accept-Language", "en")
	mustContain(t, p, "Senza glutine", "Diet", "per day") // data stays as the Comune typed it; labels change
}

func TestFamilyHomeEnglishLabels(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := signedIn(t, e, "mario.rossi", "Mensa-Scuola-2026")
	b.get("/lingua/en?next=/demo/famiglia")
	p := b.get("/demo/famiglia")
	mustContain(t, p, "Services of school year", "per day", "per month", "Attendance calendar", "Balance")
}

func TestCalendarMonth(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := demoFamily(t, e)
	b := signedIn(t, e, "mario.rossi", "Mensa-Scuola-2026")
	p := b.get(f.cal(f.luca, f.mensa, "mese=2026-10"))
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, "<caption>Presenze di Luca – Mensa scolastica – ottobre 2026</caption>",
		`<th scope="col">`, "lunedì", "Legenda", "Assenza comunicata",
		`class="cal-absence_notified"`, "12 ottobre: Assenza comunicata", "3 ottobre: Nessun servizio",
		`href="/demo/presenze/`+fmt.Sprint(f.luca)+`/`+fmt.Sprint(f.mensa)+`?mese=2026-09"`, // previous month
		`?mese=2026-11"`, `hx-target="#calendar"`, `hx-push-url="true"`, `id="cal-prev"`, `id="cal-next"`)
	// October 2026: 22 weekdays, 2 notified absences, 20 days present at € 4,80
	mustContain(t, p, "<dt>Presenze</dt><dd>20</dd>", "<dt>Assenze comunicate</dt><dd>2</dd>",
		"<dt>Giorni di servizio</dt><dd>22</dd>", "−€ 96,00")
	// the first month of the enrollment has no "previous" link, a note in
	// its place keeps the focus (issue 13); closures are named
	p = b.get(f.cal(f.luca, f.mensa, "mese=2026-09"))
	mustNotContain(t, p, `<a id="cal-prev"`)
	mustContain(t, p, `<span id="cal-prev" class="cal-edge" tabindex="-1">Primo mese dell&#39;iscrizione</span>`)
	p = b.get(f.cal(f.luca, f.mensa, "mese=2026-12"))
	mustContain(t, p, "8 dicembre – Immacolata Concezione", "23 dicembre: Chiuso (festività o chiusura) (Vacanze di Natale)")
	// the last month has no "next"; after it, days are "not enrolled"
	p = b.get(f.cal(f.luca, f.mensa, "mese=2027-06"))
	mustNotContain(t, p, `<a id="cal-next"`)
	mustContain(t, p, `<span id="cal-next" class="cal-edge" tabindex="-1">Ultimo mese dell&#39;iscrizione</span>`)
	mustContain(t, p, "2 giugno: Chiuso (festività o chiusura) (Festa della Repubblica)")
	// a leap-year February far ahead renders 29 days, all outside the enrollment
	p = b.get(f.cal(f.luca, f.mensa, "mese=2028-02"))
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, "29 febbraio: Non iscritto in questo periodo")
	// bad months and days are bad requests
	for _, q := range []string{"mese=2026-13", "mese=novembre", "mese=1999-01", "giorno=2026-02-30", "giorno=ieri"} {
		wantStatus(t, b.get(f.cal(f.luca, f.mensa, q)), http.StatusBadRequest)
	}
}

func TestCalendarFragmentAndDayDetails(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := demoFamily(t, e)
	b := signedIn(t, e, "laura.rossi", "Diario-Scuola-2026") // a guardian who does not pay reads the same
	frag := b.get(f.cal(f.luca, f.mensa, "mese=2026-11"), "HX-Request", "true", "HX-Target", "calendar")
	wantStatus(t, frag, http.StatusOK)
	// the region, after its page title (htmx updates document.title)
	if !strings.HasPrefix(frag.body, `<title>Presenze di Luca: Mensa scolastica, novembre 2026 – Comune di Esempio – Portale Genitori</title><div id="calendar"`) ||
		strings.Contains(frag.body, "<html") {
		t.Fatalf("fragment is not the calendar region:\n%.300s", frag.body)
	}
	mustContain(t, frag, `hx-swap-oob="innerHTML"`, "Calendario di novembre 2026")
	if n := len(frag.body); n > 10_000 {
		t.Fatalf("calendar fragment is %d bytes, budget 10 KB", n)
	}
	// a history restore gets the full page
	full := b.get(f.cal(f.luca, f.mensa, "mese=2026-11"), "HX-Request", "true", "HX-History-Restore-Request", "true")
	mustContain(t, full, "<html", "<h1>")

	// a notified absence: who, when, how, no charge
	p := b.get(f.cal(f.luca, f.mensa, "mese=2026-10&giorno=2026-10-12"))
	mustContain(t, p, `id="day-detail"`, "lunedì 12 ottobre 2026", "Assenza comunicata", "Laura Rossi",
		"Comunicazione del genitore", "12/10/2026 alle 07:41", "Nessun addebito per questo giorno.", `aria-current="true"`)
	// a meal eaten: recorded by the register, charged € 4,80
	p = b.get(f.cal(f.luca, f.mensa, "giorno=2026-10-14"))
	mustContain(t, p, "mercoledì 14 ottobre 2026", "Registro di classe 3ª B", "Registro scolastico", "−€ 4,80")
	// the office's correction: charge and refund, net zero
	p = b.get(f.cal(f.luca, f.mensa, "giorno=2026-09-18"), "HX-Request", "true")
	mustContain(t, p, "Ufficio Servizi Scolastici", "Operatore del Comune", "Rimborso", "&#43;€ 4,80", "−€ 4,80",
		"Uscita didattica", "Dettagli di venerdì 18 settembre 2026")
	// monthly service: no daily charge, and it says why
	p = b.get(f.cal(f.luca, f.trasporto, "giorno=2026-10-14"))
	mustContain(t, p, "Accompagnatore scuolabus", "abbonamento mensile")
	// a weekend day has no link but can still be asked for
	p = b.get(f.cal(f.luca, f.mensa, "giorno=2026-10-17"))
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, "Nessun servizio", "Nessuna registrazione per questo giorno.")
}

func TestPaymentsListFilterPaging(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := demoFamily(t, e)
	b := signedIn(t, e, "mario.rossi", "Mensa-Scuola-2026")
	p := b.get("/demo/pagamenti")
	wantStatus(t, p, http.StatusOK)
	bal := balanceOf(t, e, f.mario)
	mustContain(t, p, "Il tuo saldo", money.FormatAbs(bal, "it"), "pagina 1 di", `rel="next"`, "Scarica i movimenti (CSV)",
		"Estratto conto da stampare", `<label for="f-dal">`, `data-label="Importo"`)
	// top-ups only: four, with channel and receipt, € 600,00
	p = b.get("/demo/pagamenti?tipo=topup")
	mustContain(t, p, "<dt>Numero di movimenti</dt><dd>4</dd>", "&#43;€ 600,00", "pagato con pagoPA", "ricevuta RF18",
		"pagato con contanti", "POS 7781", "Azzera i filtri")
	mustNotContain(t, p, "Addebito</td>")
	// a child, a service, a period
	p = b.get(fmt.Sprintf("/demo/pagamenti?bambino=%d&servizio=%d&dal=2026-10-01&al=2026-10-31&tipo=charge", f.sofia, f.mensa))
	mustContain(t, p, "Sofia – Mensa scolastica – giorno 30/10/2026")
	mustNotContain(t, p, "Luca –", "Pre-scuola – giorno")
	// refunds and adjustments show their reason
	p = b.get("/demo/pagamenti?tipo=refund")
	mustContain(t, p, "Uscita didattica con pranzo al sacco", "&#43;€ 4,80")
	p = b.get("/demo/pagamenti?tipo=adjustment")
	mustContain(t, p, "Conguaglio tariffa ridotta (ISEE)", "&#43;€ 15,00")
	// page 2 keeps the filter; a page past the end shows the last one
	p = b.get("/demo/pagamenti?tipo=charge&pagina=2")
	mustContain(t, p, "pagina 2 di", `rel="prev" href="/demo/pagamenti?tipo=charge"`)
	p = b.get("/demo/pagamenti?pagina=999")
	wantStatus(t, p, http.StatusOK)
	// invalid filters: 422 with the errors tied to the fields
	p = b.get("/demo/pagamenti?dal=31-12-2026&tipo=furto")
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, `aria-describedby="e-dal"`, `aria-describedby="e-tipo"`, "aaaa-mm-gg")
	p = b.get("/demo/pagamenti?dal=2026-11-01&al=2026-10-01")
	wantStatus(t, p, http.StatusUnprocessableEntity)
}

func TestPaymentsCSVAndStatement(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := demoFamily(t, e)
	b := signedIn(t, e, "mario.rossi", "Mensa-Scuola-2026")
	p := b.get("/demo/pagamenti/movimenti.csv?tipo=topup&dal=2026-09-01")
	wantStatus(t, p, http.StatusOK)
	if ct := p.header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Fatalf("content type %q", ct)
	}
	if cd := p.header.Get("Content-Disposition"); !strings.Contains(cd, `attachment; filename="movimenti-dal-2026-09-01.csv"`) {
		t.Fatalf("disposition %q", cd)
	}
	lines := strings.Split(strings.TrimSpace(p.body), "\n")
	if !strings.HasPrefix(lines[0], "\uFEFFData;Tipo;Bambino;Servizio") || len(lines) != 5 {
		t.Fatalf("CSV:\n%s", p.body)
	}
	mustContain(t, p, "2026-09-01;Ricarica;;;;pagoPA;RF18 0000 0000 0000 1234 5;;200,00")
	// all entries: as many rows as the page counts, and the amounts add up to the balance
	all := b.get("/demo/pagamenti/movimenti.csv")
	rows := strings.Split(strings.TrimSpace(all.body), "\n")[1:]
	var sum int64
	for _, r := range rows {
		cols := strings.Split(r, ";")
		var eur, cents int64
		if _, err := fmt.Sscanf(strings.Replace(strings.TrimPrefix(cols[len(cols)-1], "-"), ",", " ", 1), "%d %d", &eur, &cents); err != nil {
			t.Fatalf("amount of %q: %v", r, err)
		}
		v := eur*100 + cents
		if strings.HasPrefix(cols[len(cols)-1], "-") {
			v = -v
		}
		sum += v
	}
	if sum != balanceOf(t, e, f.mario) {
		t.Fatalf("CSV sums to %d, balance %d", sum, balanceOf(t, e, f.mario))
	}
	// English CSV: commas and dots
	en := b.get("/demo/pagamenti/movimenti.csv?tipo=topup", "Accept-Language", "en")
	mustContain(t, en, "Date,Type,Child,Service", "2026-09-01,Top-up,,,,pagoPA,RF18 0000 0000 0000 1234 5,,200.00")

	// statement: opening + entries = closing = balance
	st := b.get("/demo/pagamenti/estratto")
	wantStatus(t, st, http.StatusOK)
	mustContain(t, st, "Estratto conto", "Intestatario", "Mario Rossi", "Saldo iniziale (prima del 01/09/2026)", "in pari",
		"Saldo finale al", money.FormatAbs(balanceOf(t, e, f.mario), "it"), "Saldo dopo il movimento")
	st = b.get("/demo/pagamenti/estratto?dal=2026-10-01&al=2026-10-31")
	mustContain(t, st, "dal 01/10/2026 al 31/10/2026", "Saldo finale al 31/10/2026")
	st = b.get(fmt.Sprintf("/demo/pagamenti/estratto?bambino=%d", f.luca))
	mustNotContain(t, st, "Saldo dopo il movimento", "Sofia –")
	mustContain(t, st, "<dd>Luca Rossi</dd>") // the chosen child, by full name
}

func TestGuardianSeesOnlyTheirChildrensEntries(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := demoFamily(t, e)
	// Mario also pays for a child of another relationship, whom Laura does not guard.
	q := e.store.DB()
	q.MustExec(`INSERT INTO children (installation_id, fiscal_code, first_name, last_name, birth_date)
		SELECT installation_id, 'RSSGNN15A01F205X', 'Giovanni', 'Rossi', '2015-01-01' FROM adults WHERE id = $1`, f.mario)
	var gio int64
	mustGet(t, q, &gio, `SELECT id FROM children WHERE first_name = 'Giovanni'`)
	q.MustExec(`INSERT INTO guardianships (installation_id, child_id, adult_id, role) SELECT installation_id, $1, id, 'payer' FROM adults WHERE id = $2`, gio, f.mario)
	q.MustExec(`INSERT INTO ledger_entries (installation_id, adult_id, kind, amount_cents, entry_date, child_id, service_id, reason, idempotency_key)
		SELECT installation_id, id, 'charge', -7777, '2026-11-20', $1, $3, 'Gita di Giovanni', 'test:gio' FROM adults WHERE id = $2`, gio, f.mario, f.mensa)

	mario := signedIn(t, e, "mario.rossi", "Mensa-Scuola-2026")
	mustContain(t, mario.get("/demo/pagamenti?tipo=charge"), "Gita di Giovanni")
	laura := signedIn(t, e, "laura.rossi", "Diario-Scuola-2026")
	for _, path := range []string{"/demo/pagamenti?tipo=charge", "/demo/pagamenti/movimenti.csv?tipo=charge", "/demo/pagamenti/estratto?dal=2026-11-01"} {
		p := laura.get(path)
		wantStatus(t, p, http.StatusOK)
		mustNotContain(t, p, "Gita di Giovanni", "77,77", "77.77")
	}
	p := laura.get("/demo/pagamenti?tipo=topup")
	mustContain(t, p, "Saldo di Mario Rossi (adulto pagante)", "ricariche del conto", "RF18")
	wantStatus(t, laura.get(fmt.Sprintf("/demo/pagamenti?bambino=%d", gio)), http.StatusNotFound)
	wantStatus(t, laura.get(fmt.Sprintf("/demo/presenze/%d/%d", gio, f.mensa)), http.StatusNotFound)
}

func TestCalendarMonthlyPassInMonthTotal(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := demoFamily(t, e)
	b := signedIn(t, e, "mario.rossi", "Mensa-Scuola-2026")
	// the pass of November is dated 1 November, with no service day: the
	// month's total must carry it as the payments list does
	p := b.get(f.cal(f.luca, f.trasporto, "mese=2026-11"))
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, "<dt>Addebiti e rimborsi del mese</dt><dd>−€ 35,00</dd>")
	var pass int64
	mustGet(t, e.store.DB(), &pass, `SELECT amount_cents FROM ledger_entries WHERE child_id = $1 AND service_id = $2
		AND entry_date = '2026-11-01' AND attendance_day IS NULL`, f.luca, f.trasporto)
	if pass != -3500 {
		t.Fatalf("the demo's November pass is %d cents, want -3500", pass)
	}
	// a daily service's month is unchanged: its days only
	p = b.get(f.cal(f.luca, f.mensa, "mese=2026-10"))
	mustContain(t, p, "<dt>Addebiti e rimborsi del mese</dt><dd>−€ 96,00</dd>")
}
