package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"portalegenitori/db"
	"portalegenitori/internal/calendar"
)

// TestMenuJourney: the clerk, on a 360 px phone and at the keyboard, with
// JavaScript, enters a dish with its allergens, a menu for the primaria
// and the primo of a day with the gluten-free variant, the dessert without
// one; "Menù — da verificare" and the staff home flag that dessert. Then
// Luca's father, without JavaScript, sees the variant on the family home
// (on a school day), in the week's menu and in the calendar's day. Axe on
// every page.
func TestMenuJourney(t *testing.T) {
	t.Parallel()
	srv, store := startServerWith(t, nil)
	// the day the menu is for: today, or the next Monday on a weekend; no
	// seeded menu or closure in the way, whatever the date of the run
	day := calendar.DateOf(time.Now().In(calendar.Rome))
	if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
		day = day.AddDate(0, 0, 2)
	}
	monday := day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
	store.DB().MustExec(`DELETE FROM menus`)
	store.DB().MustExec(`DELETE FROM closures WHERE day = $1`, day)
	store.DB().MustExec(`UPDATE enrollments SET starts_on = least(starts_on, $1), ends_on = greatest(ends_on, $1)`, day)
	var primaria int64
	if err := store.DB().Get(&primaria, `SELECT c.school_id FROM children c WHERE c.first_name = 'Luca'`); err != nil {
		t.Fatal(err)
	}

	p := newPage(t, srv.URL)
	p.emulatePhone(360, 740)
	p.staffLogin("operatore", "Ufficio-Scuola-2026", db.DemoStaffTOTPSecret)

	// a dish with two allergens
	p.open("/demo/operatori/menu/piatti")
	axeCheck(p, "dishes and allergens")
	p.tabTo("#dish-name")
	p.typeText("Pasta al ragù di prova")
	p.tabTo("#dish-a-glutine")
	p.space()
	p.tabTo("#dish-a-sedano")
	p.space()
	p.tabTo(`#dish-form button[type="submit"]`)
	p.enter()
	p.expectText(".alert", "Piatto «Pasta al ragù di prova» salvato")
	if !strings.Contains(p.text("main table"), "Glutine, Sedano") {
		t.Errorf("the dish's allergens are not listed: %q", p.text("main table"))
	}

	// a menu for the primaria from this week (the dates typed by script:
	// date pickers differ by platform), week 1 this week
	p.open("/demo/operatori/menu/nuovo")
	p.tabTo("#menu-name")
	p.typeText("Menù di prova")
	p.tabTo(fmt.Sprintf("#menu-school-%d", primaria))
	p.space()
	evalJS[bool](p, fmt.Sprintf(`(document.querySelector('#menu-from').value = %q, document.querySelector('#menu-to').value = %q,
		document.querySelector('#menu-start').value = %q, true)`, monday.Format(time.DateOnly), monday.AddDate(0, 0, 55).Format(time.DateOnly), day.Format(time.DateOnly)))
	p.tabTo(`form.card button[type="submit"]`)
	p.enter()
	p.expectText(".alert", "Dati salvati")
	if !strings.Contains(p.path(), "/operatori/menu/scheda/") {
		t.Fatalf("after saving the menu: %s", p.path())
	}
	axeCheck(p, "menu and its rotation")

	// the day: the new dish with the gluten-free variant, a cake without one
	wd := int(day.Weekday())
	p.tabTo(fmt.Sprintf(`#w1-d%d a`, wd))
	p.enter()
	p.expectText("main h1", "Settimana 1")
	axeCheck(p, "menu day form")
	evalJS[bool](p, `(() => {
		const pick = (sel, text) => { const s = document.querySelector(sel);
			s.value = [...s.options].find(o => o.text.startsWith(text)).value; };
		pick('#c-primo', 'Pasta al ragù di prova');
		pick('select[id^="v-primo-"]', 'Pasta senza glutine al pomodoro');
		pick('#c-dessert', 'Torta di mele');
		return true; })()`)
	p.tabTo(`main form button[type="submit"]`)
	p.enter()
	p.expectText(".alert", "Salvato: settimana 1")
	p.expectText(fmt.Sprintf("#w1-d%d", wd), "Pasta senza glutine al pomodoro")

	// the office is warned before the day
	p.open("/demo/operatori/menu/da-verificare")
	axeCheck(p, "menus to check")
	rows := p.text("main table tbody")
	for _, want := range []string{"Torta di mele", "Senza glutine", "Glutine", "Dessert", "nessuna variante"} {
		if !strings.Contains(rows, want) {
			t.Errorf("conflicts: %q lacks %q", rows, want)
		}
	}
	if strings.Contains(rows, "Pasta al ragù di prova") {
		t.Errorf("the primo has its variant but is flagged: %q", rows)
	}
	p.open("/demo/operatori")
	p.expectText("#menu-conflicts", "Menù da verificare: 1")

	// the father, without JavaScript
	q := newPage(t, srv.URL)
	q.emulatePhone(360, 740)
	q.disableJS()
	q.freshLogin(marioUser, marioPass, false, "/demo/famiglia")
	if day.Equal(calendar.DateOf(time.Now().In(calendar.Rome))) {
		q.expectText("#menu-today", "Pasta senza glutine al pomodoro")
		if strings.Contains(q.text("#menu-today"), "Pasta al ragù") {
			t.Errorf("the family home shows the dish Luca's diet replaces")
		}
	}
	axeCheck(q, "family home with today's menu")
	week := q.attr(`#menu-today a[href*="/menu/"]`, "href")
	q.open(week + "?settimana=" + day.Format(time.DateOnly))
	q.expectText("main", "Pasta senza glutine al pomodoro")
	q.expectText("main", "variante Senza glutine")
	axeCheck(q, "week menu")
	q.open("/demo/famiglia")
	cal := q.calendarHref(1)
	q.open(cal + "?giorno=" + day.Format(time.DateOnly))
	q.expectText("#day-detail", "Menù del giorno")
	q.expectText("#day-detail", "Pasta senza glutine al pomodoro")
	axeCheck(q, "calendar day with the menu")
}
