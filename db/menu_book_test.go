package db_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"portalegenitori/db"
)

// The family home's menu panel comes from the installation's menus kept in
// memory (menu_book.go); ChildMenus is the SQL it replaced on that page.
// Every day of a term, for every family of the menu fixture's children,
// the two must agree: rotation, weekends, a closure, a diet's variants, a
// diet changed on the enrollment, the mensa ending, two menus of the
// school on the same days (the later one's courses win, course by course),
// allergens in their order. A change to a menu is seen at once: the
// installation's data version moves in the change's transaction.
func TestMenuBookMatchesChildMenus(t *testing.T) {
	t.Parallel()
	f := newMenuFixture(t)
	ctx := context.Background()
	f.saveDay(t, 1, 3,
		db.MenuDayCourse{Course: "dessert", DishID: f.dish["Torta"]},
		db.MenuDayCourse{Course: "primo", DishID: f.dish["Primo W1"], Variants: map[int64]int64{f.glutenF: f.dish["Riso in bianco"]}})
	f.saveDay(t, 2, 1, db.MenuDayCourse{Course: "primo", DishID: f.dish["Primo W2"], Variants: map[int64]int64{f.glutenF: f.dish["Pasta al sugo SG"]}},
		db.MenuDayCourse{Course: "secondo", DishID: f.dish["Torta"]})
	f.s.DB().MustExec(`INSERT INTO closures (installation_id, day, description) VALUES ($1, '2026-11-04', 'Sciopero')`, f.inst)
	// the office's rule refuses two menus of a school on the same days
	// (SaveMenu); the statement has an answer anyway, and so must the book
	f.s.DB().MustExec(`WITH m AS (INSERT INTO menus (installation_id, name, valid_from, valid_to, weeks, rotation_start)
		VALUES ($1, 'Settimana speciale', '2026-11-16', '2026-11-20', 4, '2026-11-16') RETURNING id)
		, s AS (INSERT INTO menu_schools (installation_id, menu_id, school_id) SELECT $1, id, $2 FROM m)
		INSERT INTO menu_items (installation_id, menu_id, week, weekday, course, dish_id)
		SELECT $1, m.id, 1, d, c, $3 FROM m, generate_series(1, 5) d, unnest(ARRAY['primo', 'dessert']) c`, f.inst, f.primaria, f.dish["Torta"])
	f.s.DB().MustExec(`UPDATE enrollments e SET ends_on = '2026-12-04' FROM services sv
		WHERE sv.installation_id = e.installation_id AND sv.id = e.service_id AND sv.kind = 'mensa' AND e.child_id = $1`, f.marco)
	var families []struct {
		Adult   int64 `db:"adult_id"`
		Account int64 `db:"account_id"`
	}
	if err := f.s.DB().Select(&families, `SELECT DISTINCT g.adult_id, coalesce(a.id, 0) AS account_id FROM guardianships g
		LEFT JOIN accounts a ON a.installation_id = g.installation_id AND a.adult_id = g.adult_id
		WHERE g.installation_id = $1 AND g.child_id IN ($2, $3) ORDER BY 1`, f.inst, f.luca, f.marco); err != nil || len(families) < 2 {
		t.Fatalf("families: %v %v", families, err)
	}
	page := func(adult, account int64, d time.Time) []db.ChildMenuCourse {
		t.Helper()
		p, err := f.s.FamilyPage(ctx, db.FamilyQuery{InstallationID: f.inst, AdultID: adult, AccountID: account, SchoolYear: 2026,
			MonthFirst: day("2026-11-01"), MonthLast: day("2026-11-30"), MealFrom: d, MealTo: d.AddDate(0, 0, 14), Today: d})
		if err != nil {
			t.Fatal(err)
		}
		return p.Menus
	}
	text := func(list []db.ChildMenuCourse) string {
		var b strings.Builder
		for _, c := range list {
			fmt.Fprintf(&b, "%s child %d %s w%d %s=%s variant=%t diet=%q allergens=%v\n", c.Day.Format(time.DateOnly), c.ChildID,
				c.MenuName, c.Week, c.Course, c.Dish, c.Variant, c.Diet, []string(c.Allergens))
		}
		return b.String()
	}
	var lucaAdult, mensa int64
	dbtestGet := func(dest any, q string, args ...any) {
		t.Helper()
		if err := f.s.DB().Get(dest, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	dbtestGet(&lucaAdult, `SELECT min(adult_id) FROM guardianships WHERE installation_id = $1 AND child_id = $2`, f.inst, f.luca)
	dbtestGet(&mensa, `SELECT e.service_id FROM enrollments e JOIN services sv ON sv.installation_id = e.installation_id AND sv.id = e.service_id
		WHERE e.installation_id = $1 AND e.child_id = $2 AND sv.kind = 'mensa' ORDER BY e.starts_on DESC LIMIT 1`, f.inst, f.luca)
	served := 0
	for d := day("2026-10-01"); !d.After(day("2026-12-31")); d = d.AddDate(0, 0, 1) {
		for _, fam := range families {
			var kids []int64
			if err := f.s.DB().Select(&kids, `SELECT child_id FROM guardianships WHERE installation_id = $1 AND adult_id = $2 ORDER BY 1`,
				f.inst, fam.Adult); err != nil {
				t.Fatal(err)
			}
			want, err := f.s.ChildMenus(ctx, f.inst, kids, d, d)
			if err != nil {
				t.Fatal(err)
			}
			for i := range want {
				if len(want[i].Allergens) == 0 {
					want[i].Allergens = nil
				}
			}
			got := page(fam.Adult, fam.Account, d)
			if text(got) != text(want) {
				t.Fatalf("%s, adult %d: the family home's menu\n%s\nChildMenus\n%s", d.Format(time.DateOnly), fam.Adult, text(got), text(want))
			}
			served += len(got)
		}
		// the calendar's day shows the same menu for the child
		want, err := f.s.ChildMenus(ctx, f.inst, []int64{f.luca}, d, d)
		if err != nil {
			t.Fatal(err)
		}
		for i := range want {
			if len(want[i].Allergens) == 0 {
				want[i].Allergens = nil
			}
		}
		first := time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, time.UTC)
		cp, err := f.s.CalendarPage(ctx, db.CalendarQuery{InstallationID: f.inst, AdultID: lucaAdult, ChildID: f.luca, ServiceID: mensa,
			First: first, Last: first.AddDate(0, 1, -1), Day: d})
		if err != nil {
			t.Fatal(err)
		}
		if text(cp.Menus) != text(want) {
			t.Fatalf("%s: the calendar day's menu\n%s\nChildMenus\n%s", d.Format(time.DateOnly), text(cp.Menus), text(want))
		}
	}
	if served < 100 {
		t.Fatalf("only %d courses compared: the fixture serves too little to tell", served)
	}
	// a change to the menu: the next page shows it, without a restart
	wed := day("2026-10-07")
	fam := families[0]
	for _, x := range families {
		if strings.Contains(text(page(x.Adult, x.Account, wed)), "dessert=Torta") {
			fam = x
		}
	}
	before := text(page(fam.Adult, fam.Account, wed))
	f.saveDay(t, 1, 3, db.MenuDayCourse{Course: "primo", DishID: f.dish["Primo W3"]})
	after := text(page(fam.Adult, fam.Account, wed))
	if after == before || !strings.Contains(after, "primo=Primo W3") || strings.Contains(after, "dessert") {
		t.Errorf("after the change of the day's menu:\n%s\nbefore:\n%s", after, before)
	}
}
