package db_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"portalegenitori/db"
	"portalegenitori/db/dbtest"
)

// menuFixture is the demo Comune without its seeded menus and closures:
// Luca (primaria, mensa, "Senza glutine") and Marco (primaria, mensa, no
// diet), a 4-week menu for the primaria from Wednesday 7 October to Friday
// 18 December 2026 whose rotation starts on Monday 5 October, and dishes
// named after their week ("Primo W2") so a day says which week it got.
type menuFixture struct {
	s                       *db.Store
	inst, primaria, glutenF int64
	luca, marco, menu       int64
	dish                    map[string]int64
}

func newMenuFixture(t *testing.T) *menuFixture {
	t.Helper()
	s, _ := dbtest.New(t)
	ctx := context.Background()
	demo, err := s.InstallationByCode(ctx, "demo")
	if err != nil {
		t.Fatal(err)
	}
	f := &menuFixture{s: s, inst: demo.ID, dish: map[string]int64{}}
	dbtest.Get(t, s.DB(), &f.luca, `SELECT id FROM children WHERE installation_id = $1 AND first_name = 'Luca'`, f.inst)
	dbtest.Get(t, s.DB(), &f.marco, `SELECT id FROM children WHERE installation_id = $1 AND first_name = 'Marco'`, f.inst)
	dbtest.Get(t, s.DB(), &f.primaria, `SELECT school_id FROM children WHERE id = $1`, f.luca)
	dbtest.Get(t, s.DB(), &f.glutenF, `SELECT id FROM diets WHERE installation_id = $1 AND name = 'Senza glutine'`, f.inst)
	s.DB().MustExec(`DELETE FROM menus WHERE installation_id = $1`, f.inst)
	s.DB().MustExec(`DELETE FROM closures WHERE installation_id = $1 AND day BETWEEN '2026-10-01' AND '2026-12-31'`, f.inst)
	for name, allergens := range map[string][]string{
		"Primo W1": {"glutine"}, "Primo W2": {"glutine", "latte"}, "Primo W3": nil, "Primo W4": {"uova"},
		"Riso in bianco": nil, "Pasta al sugo SG": {"latte"}, "Torta": {"glutine", "uova"}} {
		id, err := s.SaveDish(ctx, f.inst, 0, name, allergens)
		if err != nil {
			t.Fatal(err)
		}
		f.dish[name] = id
	}
	f.menu, _, err = s.SaveMenu(ctx, f.inst, db.Menu{Name: "Autunno", ValidFrom: day("2026-10-07"), ValidTo: day("2026-12-18"),
		Weeks: 4, RotationStart: day("2026-10-05"), SchoolIDs: []int64{f.primaria}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	for w := 1; w <= 4; w++ {
		for d := 1; d <= 5; d++ {
			f.saveDay(t, w, d, db.MenuDayCourse{Course: "primo", DishID: f.dish[fmt.Sprintf("Primo W%d", w)]})
		}
	}
	return f
}

func (f *menuFixture) saveDay(t *testing.T, week, weekday int, courses ...db.MenuDayCourse) {
	t.Helper()
	if err := f.s.SaveMenuDay(context.Background(), f.inst, f.menu, week, weekday, courses, 0); err != nil {
		t.Fatal(err)
	}
}

// served is "2026-10-07 primo=Primo W1 ..." per child, one line a day.
func (f *menuFixture) served(t *testing.T, child int64, from, to string) map[string]string {
	t.Helper()
	rows, err := f.s.ChildMenus(context.Background(), f.inst, []int64{child}, day(from), day(to))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range rows {
		k := r.Day.Format(time.DateOnly)
		s := fmt.Sprintf("%s=%s", r.Course, r.Dish)
		if r.Variant {
			s += "*"
		}
		out[k] = strings.TrimSpace(out[k] + " " + s)
	}
	return out
}

func TestMenuRotationWeek(t *testing.T) {
	t.Parallel()
	f := newMenuFixture(t)
	ctx := context.Background()
	// the arithmetic alone: calendar weeks from the start, backwards too
	for _, c := range []struct {
		day  string
		want int
	}{
		{"2026-10-05", 1}, {"2026-10-09", 1}, {"2026-10-11", 1}, {"2026-10-12", 2}, {"2026-10-26", 4},
		{"2026-11-02", 1}, {"2026-11-13", 2}, {"2026-10-04", 4}, {"2026-09-28", 4}, {"2026-09-21", 3},
	} {
		got, err := f.s.MenuWeekOf(ctx, day("2026-10-05"), 4, day(c.day))
		if err != nil || got != c.want {
			t.Errorf("week of %s = %d (%v), want %d", c.day, got, err, c.want)
		}
	}
	// a closure: no menu that day, and the rotation does not shift
	f.s.DB().MustExec(`INSERT INTO closures (installation_id, day, description) VALUES ($1, '2026-11-04', 'Sciopero')`, f.inst)
	got := f.served(t, f.luca, "2026-10-05", "2026-12-21")
	for d, want := range map[string]string{
		"2026-10-05": "", "2026-10-06": "", // before the validity
		"2026-10-07": "primo=Primo W1", "2026-10-09": "primo=Primo W1", "2026-10-10": "", // Saturday
		"2026-10-12": "primo=Primo W2", "2026-10-30": "primo=Primo W4", "2026-11-02": "primo=Primo W1",
		"2026-11-04": "", "2026-11-05": "primo=Primo W1", "2026-11-09": "primo=Primo W2",
		"2026-12-18": "primo=Primo W3", "2026-12-21": "", // the last day of the validity, then none
	} {
		if got[d] != want {
			t.Errorf("%s: served %q, want %q", d, got[d], want)
		}
	}
	// a child enrolled in the mensa no more sees nothing from the day after
	f.s.DB().MustExec(`UPDATE enrollments e SET ends_on = '2026-10-08' FROM services sv
		WHERE sv.installation_id = e.installation_id AND sv.id = e.service_id AND sv.kind = 'mensa' AND e.child_id = $1`, f.marco)
	got = f.served(t, f.marco, "2026-10-07", "2026-10-09")
	if got["2026-10-08"] != "primo=Primo W1" || got["2026-10-09"] != "" {
		t.Errorf("Marco after his mensa ended: %v", got)
	}
}

func TestMenuDietVariant(t *testing.T) {
	t.Parallel()
	f := newMenuFixture(t)
	// Wednesday 7 October 2026 is week 1, day 3
	f.saveDay(t, 1, 3,
		db.MenuDayCourse{Course: "dessert", DishID: f.dish["Torta"]},
		db.MenuDayCourse{Course: "primo", DishID: f.dish["Primo W1"], Variants: map[int64]int64{f.glutenF: f.dish["Riso in bianco"]}})
	if got := f.served(t, f.luca, "2026-10-07", "2026-10-07")["2026-10-07"]; got != "primo=Riso in bianco* dessert=Torta" {
		t.Errorf("Luca (gluten free): %q", got)
	}
	if got := f.served(t, f.marco, "2026-10-07", "2026-10-07")["2026-10-07"]; got != "primo=Primo W1 dessert=Torta" {
		t.Errorf("Marco (no diet): %q", got)
	}
	// the diet changes on the enrollment: the variant follows the child's diet of the day
	f.s.DB().MustExec(`UPDATE enrollments e SET diet_id = NULL FROM services sv
		WHERE sv.installation_id = e.installation_id AND sv.id = e.service_id AND sv.kind = 'mensa' AND e.child_id = $1`, f.luca)
	if got := f.served(t, f.luca, "2026-10-07", "2026-10-07")["2026-10-07"]; got != "primo=Primo W1 dessert=Torta" {
		t.Errorf("Luca without a diet: %q", got)
	}
}

func TestMenuAllergenConflicts(t *testing.T) {
	t.Parallel()
	f := newMenuFixture(t)
	ctx := context.Background()
	if err := f.s.SetDietAllergens(ctx, f.inst, f.glutenF, []string{"glutine"}); err != nil {
		t.Fatal(err)
	}
	// Monday 12 October (week 2, day 1): Primo W2 has gluten, a variant; Tuesday 13: no variant;
	// Wednesday 14: a variant that has gluten too; Thursday 15: egg only, which the diet allows
	f.saveDay(t, 2, 1, db.MenuDayCourse{Course: "primo", DishID: f.dish["Primo W2"], Variants: map[int64]int64{f.glutenF: f.dish["Pasta al sugo SG"]}})
	f.saveDay(t, 2, 3, db.MenuDayCourse{Course: "primo", DishID: f.dish["Primo W3"]},
		db.MenuDayCourse{Course: "dessert", DishID: f.dish["Torta"], Variants: map[int64]int64{f.glutenF: f.dish["Primo W1"]}})
	f.saveDay(t, 2, 4, db.MenuDayCourse{Course: "primo", DishID: f.dish["Primo W4"]})
	list, err := f.s.MenuConflicts(ctx, f.inst, day("2026-10-12"), day("2026-10-16"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range list {
		got = append(got, fmt.Sprintf("%s %s %s %s %s %s %d %v", c.Day.Format(time.DateOnly), c.Diet, c.Course, c.Dish, c.AllergenIT, c.Allergen("en"), c.Children, c.Variant))
	}
	want := []string{
		"2026-10-13 Senza glutine primo Primo W2 Glutine Gluten 1 false",
		"2026-10-14 Senza glutine dessert Primo W1 Glutine Gluten 1 true",
		"2026-10-16 Senza glutine primo Primo W2 Glutine Gluten 1 false",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("conflicts:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if n, err := f.s.MenuConflictCount(ctx, f.inst, day("2026-10-12"), day("2026-10-16")); err != nil || n != 3 {
		t.Errorf("count = %d (%v), want 3", n, err)
	}
	// a closure, or the diet not excluding gluten, and nothing is flagged
	f.s.DB().MustExec(`INSERT INTO closures (installation_id, day, description) VALUES ($1, '2026-10-13', 'Sciopero')`, f.inst)
	if n, _ := f.s.MenuConflictCount(ctx, f.inst, day("2026-10-13"), day("2026-10-13")); n != 0 {
		t.Errorf("a closed day flagged %d times", n)
	}
	if err := f.s.SetDietAllergens(ctx, f.inst, f.glutenF, []string{"latte"}); err != nil {
		t.Fatal(err)
	}
	// now the variant of Monday (milk) is the problem, and Primo W2 (milk too) on Friday
	list, _ = f.s.MenuConflicts(ctx, f.inst, day("2026-10-12"), day("2026-10-16"))
	got = got[:0]
	for _, c := range list {
		got = append(got, c.Day.Format(time.DateOnly)+" "+c.Dish+" "+c.AllergenIT)
	}
	if strings.Join(got, ",") != "2026-10-12 Pasta al sugo SG Latte,2026-10-16 Primo W2 Latte" {
		t.Errorf("milk-free conflicts: %v", got)
	}
}

func TestMenuOverlapAndDishName(t *testing.T) {
	t.Parallel()
	f := newMenuFixture(t)
	ctx := context.Background()
	_, other, err := f.s.SaveMenu(ctx, f.inst, db.Menu{Name: "Inverno", ValidFrom: day("2026-12-18"), ValidTo: day("2027-03-31"),
		Weeks: 5, RotationStart: day("2026-12-14"), SchoolIDs: []int64{f.primaria}}, 0)
	if !errors.Is(err, db.ErrMenuOverlap) || other != "Autunno" {
		t.Errorf("overlapping menu: %v, %q", err, other)
	}
	if _, _, err := f.s.SaveMenu(ctx, f.inst, db.Menu{Name: "Inverno", ValidFrom: day("2026-12-19"), ValidTo: day("2027-03-31"),
		Weeks: 5, RotationStart: day("2026-12-14"), SchoolIDs: []int64{f.primaria}}, 0); err != nil {
		t.Errorf("the next menu: %v", err)
	}
	if _, err := f.s.SaveDish(ctx, f.inst, 0, "torta", nil); !errors.Is(err, db.ErrDishName) {
		t.Errorf("same dish name: %v", err)
	}
}
