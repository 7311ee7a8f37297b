package db

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The family home's menu panel (today's menu of each child) is worked out
// in Go from the installation's menus, kept in memory by the installation's
// data version (migrations 00030, 00033: every write to a menu, its
// schools, items, variants, dishes or their allergens sets a new version of
// the installation in the same transaction). The page statement reads
// only the version and, per child, the inputs (school, the mensa
// enrollment's diet); as a part of the statement the menu took about a
// fifth of its PostgreSQL time (docs/performance.md). TestMenuBookMatchesChildMenus
// holds it to ChildMenus, the SQL it replaces on that page.

// menuBook is an installation's menus as of one data version.
type menuBook struct {
	version  int64
	menus    []bookMenu
	items    map[bookDayKey][]bookItem // by menu, week and weekday, in course order
	variants map[bookVariantKey]int64  // the diet's dish of a course
	dishes   map[int64]bookDish
}

type bookMenu struct {
	ID            int64     `db:"id"`
	Name          string    `db:"name"`
	ValidFrom     time.Time `db:"valid_from"`
	ValidTo       time.Time `db:"valid_to"`
	Weeks         int       `db:"weeks"`
	RotationStart time.Time `db:"rotation_start"`
	Schools       string    `db:"schools"` // "3,7": the schools it is for
	schools       map[int64]bool
}

type bookDayKey struct {
	menu          int64
	week, weekday int
}

type bookVariantKey struct {
	bookDayKey
	course string
	diet   int64
}

type bookItem struct {
	Course string `db:"course"`
	DishID int64  `db:"dish_id"`
}

type bookDish struct {
	name      string
	allergens []string // by the allergens' position
}

// menuBookInput is a child's mensa enrollment on the day, read by the page
// statement.
type menuBookInput struct {
	ChildID  int64  `db:"child_id"`
	SchoolID int64  `db:"school_id"`
	DietID   int64  `db:"diet_id"` // 0: none
	Diet     string `db:"diet"`
	// of two enrollments on the day, the later one's menu counts
	StartsOn time.Time `db:"starts_on"`
}

// menuInputsPart is a page statement's two columns for the menu of day:
// menu_kids, the mensa enrollments of the children (a condition on the
// children c; $1 is the installation) covering the day when it is not a
// closure, as ChildMenus joins them, and menu_version, the installation's
// data version, with which the book is read.
func menuInputsPart(children, day string) string {
	return strings.NewReplacer(":children", children, ":day", day).Replace(`
	(SELECT json_agg(x) FROM (
		SELECT c.id AS child_id, c.school_id, coalesce(e.diet_id, 0) AS diet_id, coalesce(dt.name, '') AS diet, e.starts_on
		FROM children c
		JOIN enrollments e ON e.installation_id = c.installation_id AND e.child_id = c.id AND :day::date BETWEEN e.starts_on AND e.ends_on
		JOIN services sv ON sv.installation_id = e.installation_id AND sv.id = e.service_id AND sv.kind = 'mensa'
		LEFT JOIN diets dt ON dt.installation_id = e.installation_id AND dt.id = e.diet_id
		WHERE c.installation_id = $1 AND :children
		  AND NOT EXISTS (SELECT 1 FROM closures cl WHERE cl.installation_id = $1 AND cl.day = :day::date)) x) AS menu_kids,
	coalesce((SELECT version FROM data_versions WHERE installation_id = $1 AND scope = 'i' AND id = 0), 0) AS menu_version`)
}

// menusOn is the page's menu of day from its menu_kids and menu_version.
func (s *Store) menusOn(ctx context.Context, inst int64, kids []byte, version int64, day time.Time) ([]ChildMenuCourse, error) {
	var inputs []menuBookInput
	if err := scanJSON(kids, &inputs); err != nil || len(inputs) == 0 {
		return nil, err
	}
	book, err := s.menuBook(ctx, inst, version)
	if err != nil {
		return nil, err
	}
	return book.courses(inputs, day), nil
}

// menuBooks keeps the books of the installations the server has shown,
// each until its installation's version changes.
type menuBooks struct {
	mu    sync.Mutex
	books map[int64]*menuBook
}

// menuBooksMax bounds the installations kept; beyond it a book is dropped
// (a deployment serves a region's Comuni, each book a few kilobytes).
const menuBooksMax = 512

// menuBook returns the installation's book as of version, reading it when
// the one kept is of another version (older, or newer on a lagging
// replica: then the book read is tagged with the version it was read at).
func (s *Store) menuBook(ctx context.Context, inst, version int64) (*menuBook, error) {
	s.books.mu.Lock()
	b := s.books.books[inst]
	s.books.mu.Unlock()
	if b != nil && b.version == version {
		return b, nil
	}
	b, err := s.readMenuBook(ctx, inst)
	if err != nil {
		return nil, err
	}
	s.books.mu.Lock()
	if s.books.books == nil || len(s.books.books) >= menuBooksMax {
		s.books.books = map[int64]*menuBook{}
	}
	s.books.books[inst] = b
	s.books.mu.Unlock()
	return b, nil
}

// readMenuBook reads the installation's menus and their version in one
// statement (one snapshot).
func (s *Store) readMenuBook(ctx context.Context, inst int64) (*menuBook, error) {
	var raw struct {
		Version                        int64
		Menus, Items, Variants, Dishes []byte
	}
	err := s.pageDB(ctx).QueryRowxContext(ctx, `SELECT
		coalesce((SELECT version FROM data_versions WHERE installation_id = $1 AND scope = 'i' AND id = 0), 0),
		(SELECT json_agg(x) FROM (
			SELECT m.id, m.name, m.valid_from, m.valid_to, m.weeks, m.rotation_start,
			       (SELECT string_agg(ms.school_id::text, ',') FROM menu_schools ms
			        WHERE ms.installation_id = m.installation_id AND ms.menu_id = m.id) AS schools
			FROM menus m WHERE m.installation_id = $1) x),
		(SELECT json_agg(x ORDER BY x.menu_id, x.week, x.weekday, x.course) FROM (
			SELECT menu_id, week, weekday, course, dish_id FROM menu_items WHERE installation_id = $1) x),
		(SELECT json_agg(x) FROM (
			SELECT menu_id, week, weekday, course, diet_id, dish_id FROM menu_variants WHERE installation_id = $1) x),
		(SELECT json_agg(x) FROM (
			SELECT d.id, d.name, (SELECT string_agg(da.allergen, ',' ORDER BY a.position)
			                      FROM dish_allergens da JOIN allergens a ON a.code = da.allergen
			                      WHERE da.installation_id = d.installation_id AND da.dish_id = d.id) AS allergens
			FROM dishes d WHERE d.installation_id = $1) x)`, inst).
		Scan(&raw.Version, &raw.Menus, &raw.Items, &raw.Variants, &raw.Dishes)
	if err != nil {
		return nil, fmt.Errorf("menu book of installation %d: %w", inst, err)
	}
	b := &menuBook{version: raw.Version, items: map[bookDayKey][]bookItem{}, variants: map[bookVariantKey]int64{}, dishes: map[int64]bookDish{}}
	var items []struct {
		bookItem
		MenuID  int64 `db:"menu_id"`
		Week    int   `db:"week"`
		Weekday int   `db:"weekday"`
	}
	var variants []struct {
		MenuID  int64  `db:"menu_id"`
		Week    int    `db:"week"`
		Weekday int    `db:"weekday"`
		Course  string `db:"course"`
		DietID  int64  `db:"diet_id"`
		DishID  int64  `db:"dish_id"`
	}
	var dishes []struct {
		ID        int64  `db:"id"`
		Name      string `db:"name"`
		Allergens string `db:"allergens"`
	}
	for _, l := range []struct {
		raw  []byte
		dest any
	}{{raw.Menus, &b.menus}, {raw.Items, &items}, {raw.Variants, &variants}, {raw.Dishes, &dishes}} {
		if err := scanJSON(l.raw, l.dest); err != nil {
			return nil, fmt.Errorf("menu book of installation %d: %w", inst, err)
		}
	}
	for i := range b.menus {
		m := &b.menus[i]
		m.schools = map[int64]bool{}
		for _, id := range strings.Split(m.Schools, ",") {
			if n, err := strconv.ParseInt(id, 10, 64); err == nil {
				m.schools[n] = true
			}
		}
	}
	for _, it := range items {
		k := bookDayKey{it.MenuID, it.Week, it.Weekday}
		b.items[k] = append(b.items[k], it.bookItem)
	}
	for _, v := range variants {
		b.variants[bookVariantKey{bookDayKey{v.MenuID, v.Week, v.Weekday}, v.Course, v.DietID}] = v.DishID
	}
	for _, d := range dishes {
		dish := bookDish{name: d.Name}
		if d.Allergens != "" {
			dish.allergens = strings.Split(d.Allergens, ",")
		}
		b.dishes[d.ID] = dish
	}
	return b, nil
}

// menuWeek is the SQL function menu_week (migration 00029): the week of
// the rotation, counted in calendar weeks from its start, backwards too.
func menuWeek(start time.Time, weeks int, day time.Time) int {
	days := int(civil(day).Sub(civil(start)).Hours()) / 24
	w := days / 7
	if days < 0 && days%7 != 0 {
		w-- // floor, as the SQL, not truncation
	}
	return ((w%weeks)+weeks)%weeks + 1
}

// civil is t's date at midnight UTC, as dates are kept here.
func civil(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// courses is ChildMenus of the inputs' children on day, a day that is not
// a closure (nothing on a Saturday or Sunday): for each child and course, the course of the menu of
// the child's school valid on the day, in the variant of the diet of the
// latest mensa enrollment (then of the latest menu) that has it.
func (b *menuBook) courses(inputs []menuBookInput, day time.Time) []ChildMenuCourse {
	type pick struct {
		ChildMenuCourse
		startsOn, validFrom time.Time
	}
	type key struct {
		child  int64
		course string
	}
	best := map[key]*pick{}
	var keys []key
	day = civil(day)
	weekday := int(day.Weekday()) // 1..5 on a school day, as isodow
	if weekday == 0 || weekday == 6 {
		return nil
	}
	for _, in := range inputs {
		for mi := range b.menus {
			m := &b.menus[mi]
			if !m.schools[in.SchoolID] || day.Before(civil(m.ValidFrom)) || day.After(civil(m.ValidTo)) {
				continue
			}
			week := menuWeek(m.RotationStart, m.Weeks, day)
			dk := bookDayKey{m.ID, week, weekday}
			for _, it := range b.items[dk] {
				dishID, variant := it.DishID, false
				if in.DietID != 0 {
					if v, ok := b.variants[bookVariantKey{dk, it.Course, in.DietID}]; ok {
						dishID, variant = v, true
					}
				}
				d := b.dishes[dishID]
				c := pick{ChildMenuCourse{Day: day, ChildID: in.ChildID, MenuName: m.Name, Week: week, Course: it.Course,
					Dish: d.name, Variant: variant, Diet: in.Diet, Allergens: d.allergens}, in.StartsOn, m.ValidFrom}
				k := key{in.ChildID, it.Course}
				prev := best[k]
				if prev == nil {
					keys = append(keys, k)
				}
				if prev == nil || c.startsOn.After(prev.startsOn) || (c.startsOn.Equal(prev.startsOn) && c.validFrom.After(prev.validFrom)) {
					best[k] = &c
				}
			}
		}
	}
	if len(keys) == 0 {
		return nil
	}
	out := make([]ChildMenuCourse, 0, len(keys))
	for _, k := range keys {
		out = append(out, best[k].ChildMenuCourse)
	}
	// as the statement gave them (by child, then course) before the sort
	// by the order courses are served
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].ChildID != out[j].ChildID {
			return out[i].ChildID < out[j].ChildID
		}
		return out[i].Course < out[j].Course
	})
	sortChildMenus(out)
	return out
}
