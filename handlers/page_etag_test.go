package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// etagOf gets path, wants a 200 page the browser may keep and must
// revalidate, and returns its ETag.
func etagOf(t *testing.T, b *browser, path string, headers ...string) (string, page) {
	t.Helper()
	p := b.get(path, headers...)
	wantStatus(t, p, http.StatusOK)
	tag := p.header.Get("ETag")
	if !strings.HasPrefix(tag, `W/"`) || p.header.Get("Cache-Control") != "private, no-cache" ||
		!strings.Contains(strings.Join(p.header.Values("Vary"), ","), "Cookie") {
		t.Fatalf("%s: ETag %q, Cache-Control %q, Vary %q", path, tag, p.header.Get("Cache-Control"), p.header.Values("Vary"))
	}
	return tag, p
}

// wantFresh: the copy with tag is stale, the server renders the page.
func wantFresh(t *testing.T, b *browser, path, tag string, headers ...string) page {
	t.Helper()
	p := b.get(path, append([]string{"If-None-Match", tag}, headers...)...)
	wantStatus(t, p, http.StatusOK)
	if p.body == "" || p.header.Get("ETag") == tag || p.header.Get("ETag") == "" {
		t.Fatalf("%s: a new page wanted, got ETag %q (was %q), %d bytes", path, p.header.Get("ETag"), tag, len(p.body))
	}
	return p
}

// wantNotModified: the copy with tag is current: 304, no body.
func wantNotModified(t *testing.T, b *browser, path, tag string, headers ...string) {
	t.Helper()
	p := b.get(path, append([]string{"If-None-Match", tag}, headers...)...)
	if p.status != http.StatusNotModified || p.body != "" || p.header.Get("ETag") != tag ||
		p.header.Get("Cache-Control") != "private, no-cache" {
		t.Fatalf("%s: status %d, ETag %q (want %q), Cache-Control %q, %d bytes", path, p.status, p.header.Get("ETag"), tag,
			p.header.Get("Cache-Control"), len(p.body))
	}
}

// TestPageETagRevalidation: an unchanged page is a 304 without a body, for
// the same account and session only; a fragment, another language,
// another account or session each have their own ETag.
func TestPageETagRevalidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := demoFamily(t, e)
	mario := signedIn(t, e, "mario.rossi", "Mensa-Scuola-2026")
	laura := signedIn(t, e, "laura.rossi", "Diario-Scuola-2026")
	cal := f.cal(f.luca, f.mensa, "mese=2026-10")
	day := f.cal(f.luca, f.mensa, "giorno=2026-10-12")
	stmt := "/demo/pagamenti/estratto?dal=2026-09-01"
	tags := map[string]string{}
	for _, path := range []string{cal, day, "/demo/pagamenti", stmt} {
		tag, p := etagOf(t, mario, path)
		mustContain(t, p, "<html")
		wantNotModified(t, mario, path, tag)
		wantStatus(t, mario.get(path, "If-None-Match", `"other", `+strings.TrimPrefix(tag, "W/")), http.StatusNotModified) // a list, compared weakly
		tags[path] = tag
	}
	// the fragment has its own ETag, and its own 304
	frag, p := etagOf(t, mario, cal, "HX-Request", "true")
	mustNotContain(t, p, "<html")
	if frag == tags[cal] {
		t.Fatal("the fragment has the full page's ETag")
	}
	wantNotModified(t, mario, cal, frag, "HX-Request", "true")
	wantFresh(t, mario, cal, tags[cal], "HX-Request", "true")

	// another account of the same family, with the same If-None-Match: the page
	for path, tag := range tags {
		wantFresh(t, laura, path, tag)
	}
	// the same account in another session: the page too
	again := signedIn(t, e, "mario.rossi", "Mensa-Scuola-2026")
	wantFresh(t, again, cal, tags[cal])
	// another family's child: no 304 whatever the If-None-Match
	wantStatus(t, mario.get(f.cal(f.elena, f.mensa, "mese=2026-10"), "If-None-Match", tags[cal]), http.StatusNotFound)

	// a language switch: the page in English, with another ETag
	wantStatus(t, mario.get("/lingua/en?next=/demo/famiglia"), http.StatusSeeOther)
	mustContain(t, wantFresh(t, mario, cal, tags[cal]), `lang="en"`)
	wantFresh(t, mario, "/demo/pagamenti", tags["/demo/pagamenti"])

	// a message waiting in the session is shown, not skipped by a 304
	en, _ := etagOf(t, mario, cal)
	wantStatus(t, mario.post("/demo/preferenze", url.Values{"fit": {"1"}, "next": {cal}}), http.StatusSeeOther)
	p = mario.get(cal, "If-None-Match", en)
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, `class="fit-tables"`, "Fit to screen turned on.")
	if p.header.Get("ETag") != "" || p.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("a page with a message: ETag %q, Cache-Control %q", p.header.Get("ETag"), p.header.Get("Cache-Control"))
	}
	if fit, _ := etagOf(t, mario, cal); fit == en {
		t.Fatal("the ETag did not change with the account's table preference")
	}

	// signing out empties the browser's cache of these pages
	p = mario.post("/demo/esci", nil)
	wantStatus(t, p, http.StatusSeeOther)
	if got := p.header.Get("Clear-Site-Data"); got != `"cache"` {
		t.Fatalf("logout: Clear-Site-Data %q", got)
	}
	wantStatus(t, mario.get(cal, "If-None-Match", en), http.StatusSeeOther)
}

// TestPageETagWritePaths: every kind of write that a cached page shows
// gives the page a new ETag, so the browser's copy is never shown stale.
func TestPageETagWritePaths(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := demoFamily(t, e)
	mario := signedIn(t, e, "mario.rossi", "Mensa-Scuola-2026")
	clerk := staffSignedIn(t, e, "operatore", "Ufficio-Scuola-2026")
	db := e.store.DB()
	meal := nextSchoolDay(t, e)
	october := f.cal(f.luca, f.mensa, "mese=2026-10")
	mealCal := f.cal(f.luca, f.mensa, "giorno="+meal.Format(time.DateOnly))
	sofia := f.cal(f.sofia, f.pre, "mese=2026-10")
	payments, stmt := "/demo/pagamenti", "/demo/pagamenti/estratto?dal=2026-09-01"
	adult := fmt.Sprintf("/demo/operatori/adulti/%d", f.mario)
	token := func() string {
		t.Helper()
		m := regexp.MustCompile(`name="token" value="([A-Z2-7]+)"`).FindStringSubmatch(clerk.get(adult).body)
		if m == nil {
			t.Fatal("no form token on the adult's page")
		}
		return m[1]
	}
	var position int64

	for _, w := range []struct {
		name  string
		pages []string // the pages whose ETag must change
		same  []string // pages the write does not concern: still 304
		write func(t *testing.T)
	}{
		{"attendance marked by staff", []string{october}, []string{sofia}, func(t *testing.T) {
			var st string
			mustGet(t, db, &st, `SELECT coalesce((SELECT status FROM attendance WHERE child_id = $1 AND service_id = $2
				AND day = '2026-10-12'), '')`, f.luca, f.mensa)
			flip := "present"
			if st == "present" {
				flip = "absent"
			}
			p := clerk.post("/demo/operatori/presenze/segna", url.Values{"child": {fmt.Sprint(f.luca)}, "service": {fmt.Sprint(f.mensa)},
				"day": {"2026-10-12"}, "status": {flip}}, "HX-Request", "true")
			mustContain(t, p, "data-stored")
		}},
		{"meal cancelled by the parent", []string{mealCal, payments}, []string{sofia}, func(t *testing.T) {
			wantStatus(t, mario.post(mealURL(f.luca, f.mensa, meal), mealForm("cancelled", "test-etag-0001-cancelled")), http.StatusSeeOther)
			mario.get("/demo/famiglia") // the receipt's flash, shown
		}},
		{"top-up at the desk", []string{payments, stmt}, []string{october}, func(t *testing.T) {
			wantStatus(t, clerk.post(adult+"/movimenti", url.Values{"token": {token()}, "kind": {"topup"}, "amount": {"12,50"},
				"channel": {"contanti"}, "receipt": {"R-ETAG-1"}}), http.StatusSeeOther)
		}},
		{"charge for the child", []string{payments, october}, []string{sofia}, func(t *testing.T) {
			wantStatus(t, clerk.post(adult+"/movimenti", url.Values{"token": {token()}, "kind": {"adjustment"}, "amount": {"3"},
				"direction": {"debit"}, "reason": {"Conguaglio"}, "child": {fmt.Sprint(f.luca)}}), http.StatusSeeOther)
		}},
		{"enrollment ended", []string{october, payments}, nil, func(t *testing.T) {
			en := enrollmentOf(t, e, f.luca, f.mensa)
			from := thirdLastPresent(t, e, f.luca, f.mensa)
			wantStatus(t, clerk.post(fmt.Sprintf("/demo/operatori/bambini/%d/iscrizioni/%d", f.luca, en.ID), url.Values{"action": {"end"},
				"from": {from.Format(time.DateOnly)}, "reason": {"Trasferimento"}, "version": {fmt.Sprint(en.Version)}}), http.StatusSeeOther)
		}},
		{"closure added", []string{october, sofia, payments}, nil, func(t *testing.T) {
			wantStatus(t, clerk.post("/demo/operatori/catalogo/chiusure", url.Values{"closure-day": {meal.AddDate(0, 0, 7).Format(time.DateOnly)},
				"closure-description": {"Elezioni"}}), http.StatusSeeOther)
		}},
		{"guardianship added", []string{payments, october}, nil, func(t *testing.T) {
			db.MustExec(`INSERT INTO guardianships (installation_id, child_id, adult_id, role)
				SELECT installation_id, $1, $2, 'guardian' FROM children WHERE id = $1`, f.luca, f.giulia)
		}},
		{"child's class changed", []string{sofia, payments}, []string{october}, func(t *testing.T) {
			db.MustExec(`UPDATE children SET class_name = class_name || ' bis' WHERE id = $1`, f.sofia)
		}},
		{"pagoPA notice issued", []string{payments}, []string{october}, func(t *testing.T) {
			mustGet(t, db, &position, `INSERT INTO pagopa_positions (installation_id, adult_id, kind, status, iupd, iuv, notice_number,
				amount_cents, description, due_date, attempt_key)
				SELECT installation_id, id, 'notice', 'pending', 'IUPD-ETAG', '012345678901234', '301234567890123456', 1500, 'Avviso',
				       current_date + 30, 'etag-test' FROM adults WHERE id = $1 RETURNING id`, f.mario)
		}},
		{"pagoPA reconciliation poll", nil, []string{payments}, func(t *testing.T) {
			db.MustExec(`UPDATE pagopa_positions SET checks = checks + 1, next_check_at = now() + interval '1 minute',
				last_checked_at = now() WHERE id = $1`, position)
		}},
		{"pagoPA notice paid", []string{payments}, nil, func(t *testing.T) {
			db.MustExec(`UPDATE pagopa_positions SET status = 'paid', paid_at = now() WHERE id = $1`, position)
		}},
		{"menu dish renamed", []string{mealCal}, nil, func(t *testing.T) {
			db.MustExec(`UPDATE dishes SET name = name || ' (nuova ricetta)' WHERE id = (SELECT min(id) FROM dishes)`)
		}},
		{"diet's excluded allergen added", []string{mealCal}, nil, func(t *testing.T) {
			res := db.MustExec(`INSERT INTO diet_allergens (installation_id, diet_id, allergen)
				SELECT d.installation_id, d.id, a.code FROM diets d CROSS JOIN allergens a
				WHERE d.id = (SELECT min(id) FROM diets WHERE installation_id = 1)
				  AND NOT EXISTS (SELECT 1 FROM diet_allergens x WHERE x.diet_id = d.id AND x.allergen = a.code)
				LIMIT 1`)
			if n, _ := res.RowsAffected(); n != 1 {
				t.Fatalf("no allergen added to the diet (%d rows)", n)
			}
		}},
		{"booking settings changed", []string{mealCal}, nil, func(t *testing.T) {
			db.MustExec(`UPDATE booking_settings SET cutoff_time = '09:00' WHERE service_id = $1`, f.mensa)
		}},
	} {
		before := map[string]string{}
		for _, path := range append(append([]string{}, w.pages...), w.same...) {
			before[path], _ = etagOf(t, mario, path)
		}
		w.write(t)
		for _, path := range w.pages {
			if p := mario.get(path, "If-None-Match", before[path]); p.status != http.StatusOK {
				t.Fatalf("%s: %s still answers %d to the copy from before", w.name, path, p.status)
			}
		}
		for _, path := range w.same {
			if p := mario.get(path, "If-None-Match", before[path]); p.status != http.StatusNotModified {
				t.Fatalf("%s: %s answers %d, want 304: the write does not concern it", w.name, path, p.status)
			}
		}
	}
}
