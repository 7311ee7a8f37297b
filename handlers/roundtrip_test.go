package handlers_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"portalegenitori/db/dbtest"
	"portalegenitori/handlers"
	"portalegenitori/internal/calendar"
	"portalegenitori/internal/config"
)

// newCountingEnv is newEnv over a store that counts its round trips to
// PostgreSQL; the installation cache keeps its production TTL.
func newCountingEnv(t *testing.T) (*env, *dbtest.RoundTrips) {
	t.Helper()
	store, dbURL, rt := dbtest.NewCounting(t)
	cfg, err := config.FromEnv(func(k string) string {
		if k == "DATABASE_URL" {
			return dbURL
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg.RequestTimeout = 20 * time.Second
	h, err := handlers.New(cfg, store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(h.Routes())
	t.Cleanup(srv.Close)
	return &env{t: t, store: store, srv: srv, logs: &syncBuffer{}, cfg: cfg}, rt
}

// TestPageRoundTrips: each parent page and meal action talks to PostgreSQL
// in at most the round trips listed (session, then the page), counted on
// the wire. A page that goes back to a query per item fails here.
func TestPageRoundTrips(t *testing.T) {
	t.Parallel()
	e, rt := newCountingEnv(t)
	f := demoFamily(t, e)
	day := nextSchoolDay(t, e)
	mario := signedIn(t, e, "mario.rossi", "Mensa-Scuola-2026")
	htmx := []string{"HX-Request", "true", "HX-Target", "calendar"}
	key := 0
	nextKey := func() string { key++; return fmt.Sprintf("test-rt-%04d", key) }
	// a school day beyond the 30 days ahead a parent may change
	var farDay time.Time
	for d := day.AddDate(0, 0, 31); farDay.IsZero() && d.Before(day.AddDate(0, 0, 90)); d = d.AddDate(0, 0, 1) {
		var closed bool
		mustGet(t, e.store.DB(), &closed, `SELECT EXISTS (SELECT 1 FROM closures WHERE installation_id = (SELECT id FROM installations WHERE code = 'demo') AND day = $1)`, d)
		if calendar.ServiceWeekday(d) && !closed {
			farDay = d
		}
	}
	// every meal request changes its days: the target alternates
	last := "booked"
	flip := func() string {
		last = map[string]string{"booked": "cancelled", "cancelled": "booked"}[last]
		return last
	}
	rangeForm := func() url.Values {
		return url.Values{"bambino": {fmt.Sprintf("%d:%d", f.luca, f.mensa)}, "dal": {day.Format(time.DateOnly)},
			"al": {day.AddDate(0, 0, 6).Format(time.DateOnly)}, "stato": {flip()}, "chiave": {nextKey()}}
	}
	monthTag := mario.get(f.cal(f.luca, f.mensa, "mese=2026-10"), htmx...).header.Get("ETag")
	if monthTag == "" {
		t.Fatal("the calendar month fragment has no ETag")
	}
	cases := []struct {
		name      string
		max       int64
		do        func() page
		wantState int
	}{
		// the session and the page, its panels included (tariffs by ISEE,
		// enrolment, today's menu: docs/performance.md)
		{"family home", 2, func() page {
			p := mario.get("/demo/famiglia")
			mustContain(t, p, `id="enrol-panel"`, `id="isee-family"`, `id="menu-today"`)
			return p
		}, http.StatusOK},
		// the session with the data versions behind the ETag (page_etag.go,
		// db.LoadSessionAccount), the page
		{"calendar month (page)", 2, func() page { return mario.get(f.cal(f.luca, f.mensa, "mese=2026-10")) }, http.StatusOK},
		{"calendar month (fragment)", 2, func() page { return mario.get(f.cal(f.luca, f.mensa, "mese=2026-10"), htmx...) }, http.StatusOK},
		// and the day's menu
		{"calendar day (fragment)", 3, func() page {
			return mario.get(f.cal(f.luca, f.mensa, "mese=2026-10&giorno=2026-10-14"), htmx...)
		}, http.StatusOK},
		{"payments", 2, func() page { return mario.get("/demo/pagamenti") }, http.StatusOK},
		{"statement", 2, func() page { return mario.get("/demo/pagamenti/estratto") }, http.StatusOK},
		// a revalidation that nothing changed: the session with the versions
		{"calendar month, 304", 1, func() page {
			return mario.get(f.cal(f.luca, f.mensa, "mese=2026-10"), append([]string{"If-None-Match", monthTag}, htmx...)...)
		}, http.StatusNotModified},
		// the meal change (db/booking_change.go): the session, BEGIN, the
		// statement that checks the guardianship, locks the child and reads
		// the clock and the day, the statement that writes the change, the
		// attendance, the refund and the audit row, COMMIT; with htmx the
		// day's box from the calendar page statement, without JavaScript
		// the session saved with the receipt as its flash message
		{"meal change (htmx)", 6, func() page {
			return mario.post(mealURL(f.luca, f.mensa, day), url.Values{"stato": {flip()},
				"chiave": {nextKey()}, "ritorno": {"famiglia"}}, "HX-Request", "true")
		}, http.StatusOK},
		{"meal change (no JS)", 6, func() page {
			return mario.post(mealURL(f.luca, f.mensa, day), mealForm(flip(), nextKey()))
		}, http.StatusSeeOther},
		// a week: the same two statements, whatever the number of days; with
		// htmx the panel from the family home's statement
		{"meal range (htmx)", 6, func() page {
			return mario.post("/demo/pasti/periodo", rangeForm(), "HX-Request", "true")
		}, http.StatusOK},
		{"meal range (no JS)", 6, func() page { return mario.post("/demo/pasti/periodo", rangeForm()) }, http.StatusSeeOther},
		// refused (beyond the days ahead): the audit row alone is written
		{"meal change refused (htmx)", 6, func() page {
			return mario.post(mealURL(f.luca, f.mensa, farDay), url.Values{"stato": {"cancelled"},
				"chiave": {nextKey()}, "ritorno": {"famiglia"}}, "HX-Request", "true")
		}, http.StatusOK},
	}
	for _, c := range cases {
		// the least of three: the first use on a connection prepares the
		// statements, and the installation is re-read every few seconds
		best, bestStmts := int64(1<<62), int64(0)
		var texts []string
		for range 3 {
			rt.Texts()
			t0, s0 := rt.Trips(), rt.Statements()
			wantStatus(t, c.do(), c.wantState)
			if n := rt.Trips() - t0; n < best {
				best, bestStmts = n, rt.Statements()-s0
			}
			texts = rt.Texts()
		}
		t.Logf("%-26s %2d round trips, %2d statements", c.name, best, bestStmts)
		if best > c.max {
			t.Errorf("%s: %d round trips, want at most %d; the last run sent:\n%s", c.name, best, c.max, strings.Join(texts, "\n"))
		}
	}
	// each meal request measured changed its days (or was refused)
	for outcome, want := range map[string]int{"success": 12, "unchanged": 0, "replay": 0, "refused": 3} {
		if n := auditCount(t, e.store, "meal_change", outcome); n != want {
			t.Errorf("%d meal requests audited %s, want %d", n, outcome, want)
		}
	}
	// with the receipt by e-mail: River inserts its job in the change's transaction,
	// two round trips (lib/pq parses, then binds, River's statements), and
	// its NOTIFY two more, at most once per queue and fetch cooldown
	// (100 ms): on a busy machine every change sends it
	e.store.DB().MustExec(`INSERT INTO booking_receipt_emails (installation_id, account_id)
		SELECT installation_id, id FROM accounts WHERE username = 'mario.rossi'`)
	bestMail := int64(1 << 62)
	var mailTexts []string
	for range 3 {
		rt.Texts()
		t0 := rt.Trips()
		wantStatus(t, mario.post(mealURL(f.luca, f.mensa, day), mealForm(flip(), nextKey())), http.StatusSeeOther)
		bestMail = min(bestMail, rt.Trips()-t0)
		mailTexts = rt.Texts()
	}
	t.Logf("%-26s %2d round trips", "meal change, e-mail receipt", bestMail)
	if bestMail > 10 {
		t.Errorf("meal change with the receipt by e-mail: %d round trips, want at most 10; the last run sent:\n%s", bestMail, strings.Join(mailTexts, "\n"))
	}
	// the receipt's job and the change's row were written by one transaction
	var jobXmin, changeXmin string
	mustGet(t, e.store.DB(), &jobXmin, `SELECT xmin::text FROM river_job WHERE kind = 'meal_receipt' ORDER BY id DESC LIMIT 1`)
	mustGet(t, e.store.DB(), &changeXmin, `SELECT xmin::text FROM meal_changes ORDER BY id DESC LIMIT 1`)
	if jobXmin != changeXmin {
		t.Errorf("the receipt's job (transaction %s) was not inserted by the meal change's transaction (%s); the last run sent:\n%s",
			jobXmin, changeXmin, strings.Join(mailTexts, "\n"))
	}
	// a Comune without tariffs by ISEE, enrolment windows or menus: the
	// same session and statement, and no panel
	db := e.store.DB()
	db.MustExec(`DELETE FROM tariff_bands`)
	db.MustExec(`DELETE FROM tariff_rules`)
	db.MustExec(`DELETE FROM enrolment_requests`)
	db.MustExec(`UPDATE enrolment_windows SET opens_at = now() - interval '2 days', closes_at = now() - interval '1 day'`)
	db.MustExec(`DELETE FROM menu_schools`)
	best := int64(1 << 62)
	for range 3 {
		t0 := rt.Trips()
		p := mario.get("/demo/famiglia")
		wantStatus(t, p, http.StatusOK)
		mustContain(t, p, "Luca")
		mustNotContain(t, p, `id="enrol-panel"`, `id="isee-family"`, `id="menu-today"`)
		best = min(best, rt.Trips()-t0)
	}
	t.Logf("%-26s %2d round trips", "family home, no panels", best)
	if best > 2 {
		t.Errorf("family home without tariffs, windows or menus: %d round trips, want 2", best)
	}
	// what the prepared statements save: each statement is two round trips without
	e.store.SetPagePrepared(false)
	t0, s0 := rt.Trips(), rt.Statements()
	wantStatus(t, cases[3].do(), http.StatusOK)
	if n, st := rt.Trips()-t0, rt.Statements()-s0; n != 2*st {
		t.Errorf("unprepared calendar day: %d round trips for %d statements, want two each", n, st)
	} else {
		t.Logf("%-26s %2d round trips, %2d statements", "calendar day, unprepared", n, st)
	}
}
