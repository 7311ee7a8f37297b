package handlers_test

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"portalegenitori/internal/calendar"
)

// schoolDayFrom walks from today by step days to the n-th day with
// service (Monday to Friday, no closure of the demo Comune).
func schoolDayFrom(t *testing.T, e *env, step, n int) time.Time {
	t.Helper()
	d := calendar.DateOf(time.Now().In(calendar.Rome))
	for found := 0; found < n; {
		d = d.AddDate(0, 0, step)
		var closed bool
		mustGet(t, e.store.DB(), &closed, `SELECT EXISTS (SELECT 1 FROM closures WHERE installation_id = (SELECT id FROM installations WHERE code = 'demo') AND day = $1)`, d)
		if calendar.ServiceWeekday(d) && !closed {
			found++
		}
	}
	return d
}

// TestStaffKitchenCount: the office sees the day's meals per school and
// class, split by diet (its name only) and plain meal; a past day is frozen
// and an office change after its cut-off shows as a correction with its
// reason, beside the frozen figure; a day ahead is live and follows a
// cancellation; the CSV holds the same lines; day navigation answers the
// day's fragment to htmx and the whole page without it.
func TestStaffKitchenCount(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := demoFamily(t, e)
	b := staffSignedIn(t, e, "operatore", "Ufficio-Scuola-2026")
	var primaria, operatore int64
	mustGet(t, e.store.DB(), &primaria, `SELECT school_id FROM children WHERE id = $1`, f.luca)
	mustGet(t, e.store.DB(), &operatore, `SELECT id FROM accounts WHERE username = 'operatore'`)
	countURL := func(day time.Time, school int64) string {
		return fmt.Sprintf("/demo/operatori/conteggio-pasti?servizio=%d&giorno=%s&scuola=%d", f.mensa, day.Format(time.DateOnly), school)
	}

	// a day ahead: live, every enrolled child booked but Sofia, cancelled now
	ahead := schoolDayFrom(t, e, 1, 3)
	cutoffAhead := time.Date(ahead.Year(), ahead.Month(), ahead.Day(), 9, 30, 0, 0, calendar.Rome)
	p := b.get(countURL(ahead, 0))
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, `data-state="live"`, "Conteggio provvisorio", "Dieta: Senza glutine", "3ª B", "Sezione Gialla", "Totale pasti da preparare")
	before := totalOf(t, p.body)
	e.store.DB().MustExec(`INSERT INTO meal_changes (installation_id, child_id, service_id, day, state, previous, accepted_at, cutoff_at,
			actor_name, channel, receipt_code, request_key)
		SELECT installation_id, $1, $2, $3, 'cancelled', 'booked', now(), $4, 'Giulia Bianchi', 'parent', 'TEST-0001', 'kitchen-test-ahead'
		FROM children WHERE id = $1`, f.sofia, f.mensa, ahead, cutoffAhead)
	p = b.get(countURL(ahead, 0))
	if got := totalOf(t, p.body); got != before-1 {
		t.Errorf("live count after a cancellation: %d, want %d", got, before-1)
	}
	mustNotContain(t, p, "Sezione Gialla")

	// a past day: frozen at its cut-off; the office corrects it late
	past := schoolDayFrom(t, e, -1, 1)
	cutoffPast := time.Date(past.Year(), past.Month(), past.Day(), 9, 30, 0, 0, calendar.Rome)
	p = b.get(countURL(past, primaria))
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, `data-state="frozen"`, "Conteggio definitivo", "Pasti al termine", "Nessuna correzione dopo il termine")
	mustNotContain(t, p, "Sezione Gialla") // the primaria only
	frozen := totalOf(t, p.body)
	e.store.DB().MustExec(`INSERT INTO meal_changes (installation_id, child_id, service_id, day, state, previous, accepted_at, cutoff_at,
			late, account_id, actor_name, channel, receipt_code, request_key, reason)
		SELECT installation_id, $1, $2, $3, 'cancelled', 'booked', $4::timestamptz + interval '40 minutes', $4, true, $5, 'Ufficio Scuola', 'office',
		       'TEST-0002', 'kitchen-test-late', 'Uscito per febbre'
		FROM children WHERE id = $1`, f.luca, f.mensa, past, cutoffPast, operatore)
	p = b.get(countURL(past, primaria))
	mustContain(t, p, "Uscito per febbre", "Ufficio Scuola", "da pasto prenotato a pasto disdetto", "<strong>-1</strong>")
	if got := totalOf(t, p.body); got != frozen-1 {
		t.Errorf("to cook after a late cancellation: %d, want %d", got, frozen-1)
	}
	if !strings.Contains(p.body, `data-corrections="-1"`) {
		t.Errorf("the corrections total is not -1:\n%s", excerpt(p.body, "kitchen-totals"))
	}

	// the office at the desk, after the cut-off, through the booking's own
	// route: a reason is mandatory; the change shows as a correction. The
	// rules are set so the next school day's cut-off (the previous school
	// day at 0:00) has passed whatever the hour.
	e.store.DB().MustExec(`INSERT INTO booking_settings (installation_id, service_id, cutoff_day, cutoff_time)
		SELECT installation_id, id, 'previous', '00:00' FROM services WHERE id = $1
		ON CONFLICT (installation_id, service_id) DO UPDATE SET cutoff_day = 'previous', cutoff_time = '00:00'`, f.mensa)
	next := schoolDayFrom(t, e, 1, 1)
	p = b.get(countURL(next, primaria))
	mustContain(t, p, `data-state="frozen"`, "Nessuna correzione dopo il termine")
	frozenNext := totalOf(t, p.body)
	desk := fmt.Sprintf("/demo/operatori/bambini/%d/pasti/%d/%s", f.luca, f.mensa, next.Format(time.DateOnly))
	wantStatus(t, b.post(desk, url.Values{"stato": {"cancelled"}, "chiave": {"kitchen-desk-0001"}}), http.StatusSeeOther)
	p = b.get(countURL(next, primaria))
	mustContain(t, p, "Nessuna correzione dopo il termine") // no reason: refused, nothing changed
	wantStatus(t, b.post(desk, url.Values{"stato": {"cancelled"}, "chiave": {"kitchen-desk-0002"}, "motivo": {"Visita medica"}}), http.StatusSeeOther)
	p = b.get(countURL(next, primaria))
	mustContain(t, p, "Visita medica", "da pasto prenotato a pasto disdetto")
	if got := totalOf(t, p.body); got != frozenNext-1 {
		t.Errorf("to cook after the desk's late cancellation: %d, want %d", got, frozenNext-1)
	}
	if n := auditCount(t, e.store, "meal_change", "success"); n == 0 {
		t.Error("the office's late change is not in the audit log")
	}

	// CSV: the same lines, the frozen figure, the correction, what to cook
	p = b.get(strings.Replace(countURL(past, primaria), "conteggio-pasti?", "conteggio-pasti/conteggio.csv?", 1))
	wantStatus(t, p, http.StatusOK)
	if ct := p.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Fatalf("CSV content type %q", ct)
	}
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(p.body, "\uFEFF")))
	r.Comma = ';'
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows[0], "|") != "Giorno|Servizio|Scuola|Classe|Dieta|In bianco|Pasti al termine|Correzioni|Da preparare|Stato" {
		t.Errorf("CSV header %q", rows[0])
	}
	var lucaRow []string
	for _, row := range rows[1:] {
		if row[3] == "3ª B" && row[4] == "Senza glutine" {
			lucaRow = row
		}
	}
	if strings.Join(lucaRow, "|") != past.Format(time.DateOnly)+"|Mensa scolastica|Scuola primaria \"Gianni Rodari\"|3ª B|Senza glutine|no|1|-1|0|definitivo" {
		t.Errorf("CSV row of 3ª B, gluten free: %q\n%s", lucaRow, p.body)
	}

	// day navigation: the fragment for htmx, the whole page without
	p = b.get(countURL(past, 0), "HX-Request", "true", "HX-Target", "kitchen-day")
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, `id="kitchen-day"`, `hx-swap-oob`, `id="kitchen-next"`)
	mustNotContain(t, p, "<html", "staff-nav")
	p = b.get(countURL(past, 0))
	mustContain(t, p, "<html", `id="kitchen-prev"`, `id="kitchen-next"`, `<a href="/demo/operatori/conteggio-pasti" aria-current="page"`)

	// a Saturday has no service; the read of diets is audited
	sat := ahead
	for sat.Weekday() != time.Saturday {
		sat = sat.AddDate(0, 0, 1)
	}
	p = b.get(countURL(sat, 0))
	mustContain(t, p, "Nessun servizio in questo giorno")
	if n := auditCount(t, e.store, "diet_read", "success"); n == 0 {
		t.Error("the count's diets were read without an audit record")
	}
}

// TestStaffKitchenCountAuthz: a parent is not staff; another Comune's
// school or service is a page that does not exist; another Comune's count
// wants its own sign-in.
func TestStaffKitchenCountAuthz(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var lagoSchool, lagoService int64
	mustGet(t, e.store.DB(), &lagoSchool, `SELECT s.id FROM schools s JOIN installations i ON i.id = s.installation_id WHERE i.code <> 'demo' ORDER BY s.id LIMIT 1`)
	mustGet(t, e.store.DB(), &lagoService, `SELECT s.id FROM services s JOIN installations i ON i.id = s.installation_id WHERE i.code <> 'demo' AND s.kind = 'mensa' ORDER BY s.id LIMIT 1`)

	parent := signedIn(t, e, "mario.rossi", "Mensa-Scuola-2026")
	wantStatus(t, parent.get("/demo/operatori/conteggio-pasti"), http.StatusForbidden)
	wantStatus(t, parent.get("/demo/operatori/conteggio-pasti/conteggio.csv"), http.StatusForbidden)

	b := staffSignedIn(t, e, "operatore", "Ufficio-Scuola-2026")
	wantStatus(t, b.get("/demo/operatori/conteggio-pasti"), http.StatusOK)
	wantStatus(t, b.get(fmt.Sprintf("/demo/operatori/conteggio-pasti?scuola=%d", lagoSchool)), http.StatusNotFound)
	wantStatus(t, b.get(fmt.Sprintf("/demo/operatori/conteggio-pasti?servizio=%d", lagoService)), http.StatusNotFound)
	wantStatus(t, b.get(fmt.Sprintf("/demo/operatori/conteggio-pasti/conteggio.csv?servizio=%d", lagoService)), http.StatusNotFound)
	wantStatus(t, b.get("/demo/operatori/conteggio-pasti?scuola=abc"), http.StatusNotFound)
	p := b.get("/valle/operatori/conteggio-pasti")
	if p.status == http.StatusOK {
		t.Fatalf("another Comune's count answered 200 to this Comune's staff")
	}
	wantStatus(t, b.get("/lago/operatori/conteggio-pasti/conteggio.csv"), http.StatusSeeOther)
}

// totalOf reads the day's total from the page (data-total).
func totalOf(t *testing.T, body string) int {
	t.Helper()
	i := strings.Index(body, `data-total="`)
	if i < 0 {
		t.Fatalf("no total on the page:\n%s", body)
	}
	var n int
	if _, err := fmt.Sscanf(body[i+len(`data-total="`):], "%d", &n); err != nil {
		t.Fatalf("total on the page: %v", err)
	}
	return n
}

func excerpt(body, id string) string {
	i := strings.Index(body, id)
	if i < 0 {
		return body
	}
	return body[i:min(len(body), i+800)]
}
