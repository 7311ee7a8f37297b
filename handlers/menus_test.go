package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"portalegenitori/db"
	"portalegenitori/internal/calendar"
)

// menuWeekFixture gives the demo primaria a menu of its own for the week
// of today (the next on a weekend), with no closure in it: every day the
// primo is "Pasta al pomodoro test" (gluten), replaced for the gluten-free
// diet by "Pasta di riso test". It returns that Monday.
func menuWeekFixture(t *testing.T, e *env, f famIDs) time.Time {
	t.Helper()
	ctx := context.Background()
	q := e.store.DB()
	var inst, primaria, glutenFree int64
	mustGet(t, q, &inst, `SELECT id FROM installations WHERE code = 'demo'`)
	mustGet(t, q, &primaria, `SELECT school_id FROM children WHERE id = $1`, f.luca)
	mustGet(t, q, &glutenFree, `SELECT id FROM diets WHERE installation_id = $1 AND name = 'Senza glutine'`, inst)
	day := calendar.DateOf(time.Now().In(calendar.Rome))
	if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
		day = day.AddDate(0, 0, 2)
	}
	monday := day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
	friday := monday.AddDate(0, 0, 4)
	q.MustExec(`DELETE FROM menus WHERE installation_id = $1`, inst)
	q.MustExec(`DELETE FROM closures WHERE installation_id = $1 AND day BETWEEN $2 AND $3`, inst, monday, friday)
	q.MustExec(`UPDATE enrollments SET starts_on = least(starts_on, $2), ends_on = greatest(ends_on, $3) WHERE installation_id = $1`, inst, monday, friday)
	base, err := e.store.SaveDish(ctx, inst, 0, "Pasta al pomodoro test", []string{"glutine"})
	if err != nil {
		t.Fatal(err)
	}
	alt, err := e.store.SaveDish(ctx, inst, 0, "Pasta di riso test", nil)
	if err != nil {
		t.Fatal(err)
	}
	menu, _, err := e.store.SaveMenu(ctx, inst, db.Menu{Name: "Menù di prova", ValidFrom: monday, ValidTo: friday, Weeks: 4,
		RotationStart: monday, SchoolIDs: []int64{primaria}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	for d := 1; d <= 5; d++ {
		if err := e.store.SaveMenuDay(ctx, inst, menu, 1, d, []db.MenuDayCourse{{Course: "primo", DishID: base,
			Variants: map[int64]int64{glutenFree: alt}}}, 0); err != nil {
			t.Fatal(err)
		}
	}
	return monday
}

func TestMenuParentViews(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := demoFamily(t, e)
	monday := menuWeekFixture(t, e, f)
	week := url.Values{"settimana": {monday.Format(time.DateOnly)}}.Encode()
	for _, who := range [][2]string{{"mario.rossi", "Mensa-Scuola-2026"}, {"laura.rossi", "Diario-Scuola-2026"}} {
		b := signedIn(t, e, who[0], who[1])
		// Luca (gluten free, primaria) sees the variant; Sofia's school has no menu
		p := b.get(fmt.Sprintf("/demo/menu/%d?%s", f.luca, week))
		wantStatus(t, p, http.StatusOK)
		mustContain(t, p, "Menù della settimana di Luca", "Pasta di riso test", "variante Senza glutine", "Senza glutine")
		mustNotContain(t, p, "Pasta al pomodoro test", "Nessun menù per questo giorno")
		p = b.get(fmt.Sprintf("/demo/menu/%d?%s", f.sofia, week))
		wantStatus(t, p, http.StatusOK)
		mustContain(t, p, "Nessun menù per questo giorno")
		mustNotContain(t, p, "Pasta")
		// another family's children: not found, the same as a child that does not exist
		for _, other := range []int64{f.elena, f.pietro, 999999} {
			wantStatus(t, b.get(fmt.Sprintf("/demo/menu/%d", other)), http.StatusNotFound)
		}
		// the calendar's day: the mensa shows the day's menu, the bus does not
		p = b.get(f.cal(f.luca, f.mensa, "giorno="+monday.AddDate(0, 0, 2).Format(time.DateOnly)))
		wantStatus(t, p, http.StatusOK)
		mustContain(t, p, "Menù del giorno", "Pasta di riso test")
		p = b.get(f.cal(f.luca, f.trasporto, "giorno="+monday.AddDate(0, 0, 2).Format(time.DateOnly)))
		wantStatus(t, p, http.StatusOK)
		mustNotContain(t, p, "Menù del giorno")
		// the family home: today's menu (none on a weekend) and the week's link
		p = b.get("/demo/famiglia")
		mustContain(t, p, "Menù di oggi", fmt.Sprintf("/demo/menu/%d", f.luca), fmt.Sprintf("/demo/menu/%d", f.sofia))
		if today := calendar.DateOf(time.Now().In(calendar.Rome)); !today.Before(monday) {
			mustContain(t, p, "Pasta di riso test")
			mustNotContain(t, p, "Pasta al pomodoro test")
		}
	}
	// a closure: the day has no menu
	e.store.DB().MustExec(`INSERT INTO closures (installation_id, day, description) SELECT id, $1, 'Sciopero' FROM installations WHERE code = 'demo'`,
		monday.AddDate(0, 0, 2))
	b := signedIn(t, e, "mario.rossi", "Mensa-Scuola-2026")
	p := b.get(f.cal(f.luca, f.mensa, "giorno="+monday.AddDate(0, 0, 2).Format(time.DateOnly)))
	mustNotContain(t, p, "Menù del giorno")
	p = b.get(fmt.Sprintf("/demo/menu/%d?%s", f.luca, week))
	if n := strings.Count(p.body, "Pasta di riso test"); n != 4 {
		t.Errorf("the week with a closure shows the dish %d times, want 4", n)
	}
	// the office reading as the family sees the same
	s := staffSignedIn(t, e, "operatore", "Ufficio-Scuola-2026")
	prefix := fmt.Sprintf("/demo/operatori/adulti/%d/come-famiglia", f.mario)
	mustContain(t, s.get(prefix), "Menù di oggi", fmt.Sprintf("%s/menu/%d", prefix, f.luca))
	p = s.get(fmt.Sprintf("%s/menu/%d?%s", prefix, f.luca, week))
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, "Pasta di riso test")
}

func TestMenuStaffValidation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := demoFamily(t, e)
	var primaria int64
	mustGet(t, e.store.DB(), &primaria, `SELECT school_id FROM children WHERE id = $1`, f.luca)
	b := staffSignedIn(t, e, "operatore", "Ufficio-Scuola-2026")

	// a menu: every mistake said next to its field, what was typed kept
	p := b.post("/demo/operatori/menu/nuovo", url.Values{"menu-name": {""}, "menu-from": {"2027-05-31"}, "menu-to": {"2027-05-03"},
		"menu-weeks": {"9"}, "menu-start": {"ieri"}, "menu-asl": {"31/02/2027"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, "Scrivi il nome del menù", "Scegli almeno una scuola.", "La fine della validità non può essere prima",
		"La rotazione va da 4 a 8 settimane.", `id="menu-start-error"`, `id="menu-asl-error"`, `value="2027-05-31"`, `value="ieri"`)
	// a school that already has the winter menu in those days
	p = b.post("/demo/operatori/menu/nuovo", url.Values{"menu-name": {"Primavera"}, "menu-schools": {fmt.Sprint(primaria)},
		"menu-from": {"2027-04-01"}, "menu-to": {"2027-06-30"}, "menu-weeks": {"4"}, "menu-start": {"2027-04-01"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, "ha già il menù «Menù invernale 2026/2027»", `value="Primavera"`, `id="menu-school-`+fmt.Sprint(primaria)+`" name="menu-schools" value="`+fmt.Sprint(primaria)+`" checked`)
	p = b.post("/demo/operatori/menu/nuovo", url.Values{"menu-name": {"Primavera"}, "menu-schools": {fmt.Sprint(primaria)},
		"menu-from": {"2027-05-03"}, "menu-to": {"2027-06-30"}, "menu-weeks": {"4"}, "menu-start": {"2027-05-05"}, "menu-asl": {"20/04/2027"}})
	wantStatus(t, p, http.StatusSeeOther)
	var menu int64
	var start time.Time
	mustGet(t, e.store.DB(), &menu, `SELECT id FROM menus WHERE name = 'Primavera'`)
	mustGet(t, e.store.DB(), &start, `SELECT rotation_start FROM menus WHERE id = $1`, menu)
	if start.Format(time.DateOnly) != "2027-05-03" { // the Monday of the day typed
		t.Errorf("rotation start %s", start.Format(time.DateOnly))
	}
	if n := auditCount(t, e.store, "menu_save", "success"); n != 1 {
		t.Errorf("menu_save audited %d times", n)
	}

	// a dish: a name is needed and unique; the allergens ticked stay ticked
	p = b.post("/demo/operatori/menu/piatti", url.Values{"dish-name": {" "}, "dish-allergens": {"latte", "uova"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, "Scrivi il nome del piatto", `value="latte" checked`, `value="uova" checked`)
	p = b.post("/demo/operatori/menu/piatti", url.Values{"dish-name": {"torta di mele"}, "dish-allergens": {"glutine"}})
	mustContain(t, p, "Esiste già un piatto con questo nome.")
	wantStatus(t, b.post("/demo/operatori/menu/piatti", url.Values{"dish-name": {"Torta"}, "dish-allergens": {"peperoncino"}}), http.StatusBadRequest)

	// a day: a variant without the course's own dish is refused
	var dish, diet int64
	mustGet(t, e.store.DB(), &dish, `SELECT id FROM dishes WHERE name = 'Pane senza glutine'`)
	mustGet(t, e.store.DB(), &diet, `SELECT id FROM diets WHERE name = 'Senza glutine'`)
	dayURL := fmt.Sprintf("/demo/operatori/menu/scheda/%d/giorno/1/2", menu)
	p = b.post(dayURL, url.Values{fmt.Sprintf("v-pane-%d", diet): {fmt.Sprint(dish)}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, "Scegli prima il piatto del menù per la portata «Pane»")
	wantStatus(t, b.get(fmt.Sprintf("/demo/operatori/menu/scheda/%d/giorno/5/1", menu)), http.StatusNotFound) // a 4-week rotation

	// deleting: a dish a menu serves stays; an unused one and a menu go
	wantStatus(t, b.post(fmt.Sprintf("/demo/operatori/menu/piatti/%d/elimina", dish), nil), http.StatusSeeOther)
	mustContain(t, b.get("/demo/operatori/menu/piatti"), "Il piatto è usato in un menù")
	var unused int64
	mustGet(t, e.store.DB(), &unused, `INSERT INTO dishes (installation_id, name) SELECT id, 'Da eliminare' FROM installations WHERE code = 'demo' RETURNING id`)
	wantStatus(t, b.post(fmt.Sprintf("/demo/operatori/menu/piatti/%d/elimina", unused), nil), http.StatusSeeOther)
	p = b.post(fmt.Sprintf("/demo/operatori/menu/scheda/%d/elimina", menu), nil)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, "Spunta la conferma per eliminare il menù.")
	wantStatus(t, b.post(fmt.Sprintf("/demo/operatori/menu/scheda/%d/elimina", menu), url.Values{"menu-delete-confirm": {"1"}}), http.StatusSeeOther)
	var left int
	mustGet(t, e.store.DB(), &left, `SELECT count(*) FROM dishes WHERE id IN ($1, $2)`, dish, unused)
	if left != 1 {
		t.Errorf("dishes left: %d, want the one in use", left)
	}
	wantStatus(t, b.get(fmt.Sprintf("/demo/operatori/menu/scheda/%d", menu)), http.StatusNotFound)
	if auditCount(t, e.store, "menu_delete", "success") != 1 || auditCount(t, e.store, "dish_delete", "success") != 1 {
		t.Errorf("deletions not audited")
	}

	// without the registry permission: nothing changes
	e.store.DB().MustExec(`DELETE FROM staff_permissions WHERE permission = 'anagrafica'`)
	wantStatus(t, b.post("/demo/operatori/menu/piatti", url.Values{"dish-name": {"Crema"}}), http.StatusForbidden)
	wantStatus(t, b.post(fmt.Sprintf("/demo/operatori/menu/diete/%d", diet), url.Values{"diet-allergens": {"latte"}}), http.StatusForbidden)
	wantStatus(t, b.get("/demo/operatori/menu/piatti"), http.StatusOK) // reading needs none
}
