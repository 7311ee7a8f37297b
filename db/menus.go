package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Menus (docs/menus.md): the allergens of EU Reg. 1169/2011 Annex II, the
// Comune's dishes, the allergens a diet excludes, the seasonal menus with
// their rotation and variants per diet, what a child eats on a day and the
// days whose menu a diet cannot eat. Every read of the family's and of the
// office's menu data is in this file.

// Errors of the menus.
var (
	// ErrDishName: another dish of the Comune has the same name.
	ErrDishName = errors.New("dish name taken")
	// ErrMenuOverlap: a school of the menu already has another menu on
	// some day of the validity period.
	ErrMenuOverlap = errors.New("menus overlap")
)

// MenuCourses are the courses of a day, in the order they are served.
var MenuCourses = []string{"primo", "secondo", "contorno", "pane", "frutta", "dessert", "merenda"}

func courseIndex(course string) int {
	for i, c := range MenuCourses {
		if c == course {
			return i
		}
	}
	return len(MenuCourses)
}

// Allergen is one of the 14 of Annex II.
type Allergen struct {
	Code     string `db:"code"`
	Position int    `db:"position"`
	NameIT   string `db:"name_it"`
	NameEN   string `db:"name_en"`
}

// Name is the allergen's name in lang.
func (a Allergen) Name(lang string) string {
	if lang == "en" {
		return a.NameEN
	}
	return a.NameIT
}

// Allergens lists the 14 allergens in the regulation's order. They are
// fixed by the migration that made the table, so they are read once per
// process (the calendar's day and the family home show them).
func (s *Store) Allergens(ctx context.Context) ([]Allergen, error) {
	s.allergens.mu.Lock()
	defer s.allergens.mu.Unlock()
	if s.allergens.list != nil {
		return s.allergens.list, nil
	}
	var out []Allergen
	if err := s.db.SelectContext(ctx, &out, `SELECT code, position, name_it, name_en FROM allergens ORDER BY position`); err != nil {
		return nil, fmt.Errorf("allergens: %w", err)
	}
	s.allergens.list = out
	return out, nil
}

// allergenCache keeps the fixed list of allergens (Allergens).
type allergenCache struct {
	mu   sync.Mutex
	list []Allergen
}

// Dish is a dish of the Comune with the allergens it contains.
type Dish struct {
	ID        int64          `db:"id"`
	Name      string         `db:"name"`
	Allergens pq.StringArray `db:"allergens"`
	Uses      int            `db:"uses"` // courses and variants of menus that serve it
}

// Dishes lists the Comune's dishes by name.
func (s *Store) Dishes(ctx context.Context, installationID int64) ([]Dish, error) {
	var out []Dish
	err := s.db.SelectContext(ctx, &out, `
		SELECT d.id, d.name,
		       ARRAY(SELECT da.allergen FROM dish_allergens da JOIN allergens a ON a.code = da.allergen
		             WHERE da.installation_id = d.installation_id AND da.dish_id = d.id ORDER BY a.position) AS allergens,
		       (SELECT count(*) FROM menu_items mi WHERE mi.installation_id = d.installation_id AND mi.dish_id = d.id)
		       + (SELECT count(*) FROM menu_variants mv WHERE mv.installation_id = d.installation_id AND mv.dish_id = d.id) AS uses
		FROM dishes d WHERE d.installation_id = $1 ORDER BY lower(d.name), d.id`, installationID)
	return out, wrap("dishes", err)
}

// SaveDish adds a dish (id 0) or changes one, with its allergens, in one
// transaction; ErrDishName when the name is taken.
func (s *Store) SaveDish(ctx context.Context, installationID, id int64, name string, allergens []string) (int64, error) {
	err := s.WithTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		if id == 0 {
			err = tx.GetContext(ctx, &id, `INSERT INTO dishes (installation_id, name) VALUES ($1, $2) RETURNING id`, installationID, name)
		} else {
			var res sql.Result
			res, err = tx.ExecContext(ctx, `UPDATE dishes SET name = $3 WHERE installation_id = $1 AND id = $2`, installationID, id, name)
			if err == nil {
				err = affectedOne(res, nil, "dish")
			}
		}
		if uniqueViolation(err) {
			return ErrDishName
		}
		if err != nil {
			return fmt.Errorf("save dish: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM dish_allergens WHERE installation_id = $1 AND dish_id = $2`, installationID, id); err != nil {
			return fmt.Errorf("clear dish allergens: %w", err)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO dish_allergens (installation_id, dish_id, allergen)
			SELECT $1, $2, unnest($3::text[])`, installationID, id, pq.Array(allergens))
		return wrap("dish allergens", err)
	})
	return id, err
}

// DietAllergens is a diet with the allergens it excludes.
type DietAllergens struct {
	ID        int64          `db:"id"`
	Name      string         `db:"name"`
	Retired   bool           `db:"retired"`
	Allergens pq.StringArray `db:"allergens"`
}

// DietsWithAllergens lists the Comune's diets, retired ones last.
func (s *Store) DietsWithAllergens(ctx context.Context, installationID int64) ([]DietAllergens, error) {
	var out []DietAllergens
	err := s.db.SelectContext(ctx, &out, `
		SELECT d.id, d.name, d.retired_at IS NOT NULL AS retired,
		       ARRAY(SELECT x.allergen FROM diet_allergens x JOIN allergens a ON a.code = x.allergen
		             WHERE x.installation_id = d.installation_id AND x.diet_id = d.id ORDER BY a.position) AS allergens
		FROM diets d WHERE d.installation_id = $1 ORDER BY d.retired_at IS NOT NULL, d.name, d.id`, installationID)
	return out, wrap("diets with allergens", err)
}

// SetDietAllergens replaces the allergens a diet excludes.
func (s *Store) SetDietAllergens(ctx context.Context, installationID, dietID int64, allergens []string) error {
	return s.WithTx(ctx, func(tx *sqlx.Tx) error {
		var one int
		if err := tx.GetContext(ctx, &one, `SELECT 1 FROM diets WHERE installation_id = $1 AND id = $2 FOR UPDATE`, installationID, dietID); err != nil {
			return fmt.Errorf("diet %d: %w", dietID, notFound(err))
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM diet_allergens WHERE installation_id = $1 AND diet_id = $2`, installationID, dietID); err != nil {
			return fmt.Errorf("clear diet allergens: %w", err)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO diet_allergens (installation_id, diet_id, allergen)
			SELECT $1, $2, unnest($3::text[])`, installationID, dietID, pq.Array(allergens))
		return wrap("diet allergens", err)
	})
}

// Menu is a seasonal menu: the schools it serves, its validity, its
// rotation of Weeks weeks from RotationStart (a Monday: week 1).
type Menu struct {
	ID            int64         `db:"id"`
	Name          string        `db:"name"`
	ValidFrom     time.Time     `db:"valid_from"`
	ValidTo       time.Time     `db:"valid_to"`
	Weeks         int           `db:"weeks"`
	RotationStart time.Time     `db:"rotation_start"`
	ASLApprovedOn sql.NullTime  `db:"asl_approved_on"`
	SchoolIDs     pq.Int64Array `db:"school_ids"`
	Schools       string        `db:"schools"` // "Scuola A, Scuola B"
}

const qMenus = `
	SELECT m.id, m.name, m.valid_from, m.valid_to, m.weeks, m.rotation_start, m.asl_approved_on,
	       ARRAY(SELECT ms.school_id FROM menu_schools ms WHERE ms.installation_id = m.installation_id AND ms.menu_id = m.id ORDER BY ms.school_id) AS school_ids,
	       coalesce((SELECT string_agg(s.name, ', ' ORDER BY s.name) FROM menu_schools ms
	                 JOIN schools s ON s.installation_id = ms.installation_id AND s.id = ms.school_id
	                 WHERE ms.installation_id = m.installation_id AND ms.menu_id = m.id), '') AS schools
	FROM menus m WHERE m.installation_id = $1`

// Menus lists the Comune's menus, the latest first.
func (s *Store) Menus(ctx context.Context, installationID int64) ([]Menu, error) {
	var out []Menu
	err := s.db.SelectContext(ctx, &out, qMenus+` ORDER BY m.valid_from DESC, m.name, m.id`, installationID)
	return out, wrap("menus", err)
}

// MenuByID loads one menu of the installation.
func (s *Store) MenuByID(ctx context.Context, installationID, id int64) (*Menu, error) {
	var m Menu
	if err := s.db.GetContext(ctx, &m, qMenus+` AND m.id = $2`, installationID, id); err != nil {
		return nil, fmt.Errorf("menu %d: %w", id, notFound(err))
	}
	return &m, nil
}

// SaveMenu creates (m.ID 0) or changes a menu and its schools in one
// transaction. The schools' rows are locked first, so two clerks cannot
// give a school two menus for the same day: ErrMenuOverlap, with the name
// of the menu in the way.
func (s *Store) SaveMenu(ctx context.Context, installationID int64, m Menu, by int64) (id int64, other string, err error) {
	err = s.WithTx(ctx, func(tx *sqlx.Tx) error {
		var locked []int64
		if err := tx.SelectContext(ctx, &locked, `SELECT id FROM schools WHERE installation_id = $1 AND id = ANY($2) ORDER BY id FOR UPDATE`,
			installationID, pq.Array(m.SchoolIDs)); err != nil {
			return fmt.Errorf("lock schools: %w", err)
		}
		if len(locked) != len(m.SchoolIDs) {
			return fmt.Errorf("menu schools: %w", ErrNotFound)
		}
		err := tx.GetContext(ctx, &other, `
			SELECT m.name FROM menus m JOIN menu_schools ms ON ms.installation_id = m.installation_id AND ms.menu_id = m.id
			WHERE m.installation_id = $1 AND m.id <> $2 AND ms.school_id = ANY($3) AND m.valid_from <= $5 AND m.valid_to >= $4
			LIMIT 1`, installationID, m.ID, pq.Array(m.SchoolIDs), m.ValidFrom, m.ValidTo)
		switch {
		case err == nil:
			return ErrMenuOverlap
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("menu overlap: %w", err)
		}
		if m.ID == 0 {
			err = tx.GetContext(ctx, &m.ID, `INSERT INTO menus (installation_id, name, valid_from, valid_to, weeks, rotation_start, asl_approved_on, updated_by)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
				installationID, m.Name, m.ValidFrom, m.ValidTo, m.Weeks, m.RotationStart, m.ASLApprovedOn, by)
		} else {
			var res sql.Result
			res, err = tx.ExecContext(ctx, `UPDATE menus SET name = $3, valid_from = $4, valid_to = $5, weeks = $6, rotation_start = $7,
				asl_approved_on = $8, updated_at = now(), updated_by = $9 WHERE installation_id = $1 AND id = $2`,
				installationID, m.ID, m.Name, m.ValidFrom, m.ValidTo, m.Weeks, m.RotationStart, m.ASLApprovedOn, by)
			if err == nil {
				err = affectedOne(res, nil, "menu")
			}
		}
		if err != nil {
			return fmt.Errorf("save menu: %w", err)
		}
		// fewer weeks: the weeks beyond the rotation go, with their variants
		if _, err := tx.ExecContext(ctx, `DELETE FROM menu_items WHERE installation_id = $1 AND menu_id = $2 AND week > $3`,
			installationID, m.ID, m.Weeks); err != nil {
			return fmt.Errorf("trim menu weeks: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM menu_schools WHERE installation_id = $1 AND menu_id = $2 AND school_id <> ALL($3)`,
			installationID, m.ID, pq.Array(m.SchoolIDs)); err != nil {
			return fmt.Errorf("menu schools: %w", err)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO menu_schools (installation_id, menu_id, school_id) SELECT $1, $2, unnest($3::bigint[])
			ON CONFLICT DO NOTHING`, installationID, m.ID, pq.Array(m.SchoolIDs))
		return wrap("menu schools", err)
	})
	return m.ID, other, err
}

// MenuItem is the dish of a course on a day of the rotation; with DietID,
// a variant for that diet.
type MenuItem struct {
	Week      int            `db:"week"`
	Weekday   int            `db:"weekday"`
	Course    string         `db:"course"`
	DietID    sql.NullInt64  `db:"diet_id"`
	DishID    int64          `db:"dish_id"`
	Dish      string         `db:"dish"`
	Allergens pq.StringArray `db:"allergens"`
}

// MenuItems lists a menu's courses and variants, by week, day, course.
func (s *Store) MenuItems(ctx context.Context, installationID, menuID int64) ([]MenuItem, error) {
	var out []MenuItem
	err := s.db.SelectContext(ctx, &out, `
		SELECT x.week, x.weekday, x.course, x.diet_id, x.dish_id, d.name AS dish,
		       ARRAY(SELECT da.allergen FROM dish_allergens da JOIN allergens a ON a.code = da.allergen
		             WHERE da.installation_id = d.installation_id AND da.dish_id = d.id ORDER BY a.position) AS allergens
		FROM (SELECT installation_id, week, weekday, course, NULL::bigint AS diet_id, dish_id FROM menu_items WHERE installation_id = $1 AND menu_id = $2
		      UNION ALL
		      SELECT installation_id, week, weekday, course, diet_id, dish_id FROM menu_variants WHERE installation_id = $1 AND menu_id = $2) x
		JOIN dishes d ON d.installation_id = x.installation_id AND d.id = x.dish_id
		ORDER BY x.week, x.weekday, x.diet_id NULLS FIRST`, installationID, menuID)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Week != b.Week || a.Weekday != b.Weekday {
			return a.Week < b.Week || (a.Week == b.Week && a.Weekday < b.Weekday)
		}
		return courseIndex(a.Course) < courseIndex(b.Course)
	})
	return out, wrap("menu items", err)
}

// MenuDayCourse is what a day form saves: the course's dish (0: none) and
// its variants by diet.
type MenuDayCourse struct {
	Course   string
	DishID   int64
	Variants map[int64]int64 // diet → dish
}

// SaveMenuDay replaces the courses and variants of one day of a menu's
// rotation in one transaction. A variant of a course without a dish is
// dropped: there is nothing for it to replace.
func (s *Store) SaveMenuDay(ctx context.Context, installationID, menuID int64, week, weekday int, courses []MenuDayCourse, by int64) error {
	return s.WithTx(ctx, func(tx *sqlx.Tx) error {
		var weeks int
		if err := tx.GetContext(ctx, &weeks, `SELECT weeks FROM menus WHERE installation_id = $1 AND id = $2 FOR UPDATE`, installationID, menuID); err != nil {
			return fmt.Errorf("menu %d: %w", menuID, notFound(err))
		}
		if week < 1 || week > weeks || weekday < 1 || weekday > 5 {
			return fmt.Errorf("menu day %d/%d: %w", week, weekday, ErrNotFound)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM menu_items WHERE installation_id = $1 AND menu_id = $2 AND week = $3 AND weekday = $4`,
			installationID, menuID, week, weekday); err != nil {
			return fmt.Errorf("clear menu day: %w", err)
		}
		for _, c := range courses {
			if c.DishID == 0 {
				continue
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO menu_items (installation_id, menu_id, week, weekday, course, dish_id) VALUES ($1, $2, $3, $4, $5, $6)`,
				installationID, menuID, week, weekday, c.Course, c.DishID); err != nil {
				return fmt.Errorf("menu item %s: %w", c.Course, err)
			}
			for diet, dish := range c.Variants {
				if dish == 0 {
					continue
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO menu_variants (installation_id, menu_id, week, weekday, course, diet_id, dish_id)
					VALUES ($1, $2, $3, $4, $5, $6, $7)`, installationID, menuID, week, weekday, c.Course, diet, dish); err != nil {
					return fmt.Errorf("menu variant %s/%d: %w", c.Course, diet, err)
				}
			}
		}
		_, err := tx.ExecContext(ctx, `UPDATE menus SET updated_at = now(), updated_by = $3 WHERE installation_id = $1 AND id = $2`, installationID, menuID, by)
		return wrap("touch menu", err)
	})
}

// ChildMenuCourse is one course a child is served on a day: the dish of
// the variant of the child's diet when there is one.
type ChildMenuCourse struct {
	Day       time.Time      `db:"day"`
	ChildID   int64          `db:"child_id"`
	MenuName  string         `db:"menu_name"`
	Week      int            `db:"week"`
	Course    string         `db:"course"`
	Dish      string         `db:"dish"`
	Variant   bool           `db:"variant"`
	Diet      string         `db:"diet"`
	Allergens pq.StringArray `db:"allergens"`
}

// ChildMenus lists, for each child and school day from..to, the courses of
// the menu of the child's school in the variant of the diet of the child's
// mensa enrollment on that day. Nothing for a day the child is not enrolled
// in a mensa service, a closure, a weekend, a day no menu covers.
func (s *Store) ChildMenus(ctx context.Context, installationID int64, childIDs []int64, from, to time.Time) ([]ChildMenuCourse, error) {
	var out []ChildMenuCourse
	err := sqlx.SelectContext(ctx, s.pageDB(ctx), &out, childMenusSQL("c.id = ANY($2)", "$3", "$4"), installationID, pq.Array(childIDs), from, to)
	sortChildMenus(out)
	return out, wrap("child menus", err)
}

// childMenusSQL is ChildMenus' statement: children is the condition on the
// children c, from and to the days' parameters; $1 is the installation.
// The page statements work it out in Go instead (menu_book.go), held to
// it by TestMenuBookMatchesChildMenus.
func childMenusSQL(children, from, to string) string {
	// k, the child's days with their menu, week and diet, is fenced
	// (OFFSET 0) so that it is planned on its own, from the child: as one
	// join of eleven tables, the generic plan of the page statements put the
	// child last or read every item of the menu. Its few rows then find
	// their items by the whole primary key.
	return strings.NewReplacer(":children", children, ":from", from, ":to", to).Replace(`
		SELECT DISTINCT ON (k.day, k.child_id, mi.course)
		       k.day, k.child_id, k.menu_name, mi.week, mi.course,
		       coalesce(vd.name, bd.name) AS dish, mv.dish_id IS NOT NULL AS variant, k.diet,
		       ARRAY(SELECT da.allergen FROM dish_allergens da JOIN allergens a ON a.code = da.allergen
		             WHERE da.installation_id = k.installation_id AND da.dish_id = coalesce(mv.dish_id, mi.dish_id) ORDER BY a.position) AS allergens
		FROM (
			SELECT d.day, c.id AS child_id, c.installation_id, e.diet_id, e.starts_on, coalesce(dt.name, '') AS diet,
			       m.id AS menu_id, m.name AS menu_name, m.valid_from,
			       menu_week(m.rotation_start, m.weeks, d.day) AS week, extract(isodow FROM d.day)::int AS weekday
			FROM (SELECT g::date AS day FROM generate_series(:from::date, :to::date, interval '1 day') g) d
			JOIN children c ON c.installation_id = $1 AND :children
			JOIN enrollments e ON e.installation_id = c.installation_id AND e.child_id = c.id AND d.day BETWEEN e.starts_on AND e.ends_on
			JOIN services sv ON sv.installation_id = e.installation_id AND sv.id = e.service_id AND sv.kind = 'mensa'
			LEFT JOIN diets dt ON dt.installation_id = e.installation_id AND dt.id = e.diet_id
			JOIN menu_schools ms ON ms.installation_id = c.installation_id AND ms.school_id = c.school_id
			JOIN menus m ON m.installation_id = ms.installation_id AND m.id = ms.menu_id AND d.day BETWEEN m.valid_from AND m.valid_to
			WHERE extract(isodow FROM d.day) < 6
			  AND NOT EXISTS (SELECT 1 FROM closures cl WHERE cl.installation_id = $1 AND cl.day = d.day)
			OFFSET 0) k
		JOIN menu_items mi ON mi.installation_id = k.installation_id AND mi.menu_id = k.menu_id AND mi.week = k.week AND mi.weekday = k.weekday
		JOIN dishes bd ON bd.installation_id = mi.installation_id AND bd.id = mi.dish_id
		LEFT JOIN menu_variants mv ON mv.installation_id = mi.installation_id AND mv.menu_id = mi.menu_id AND mv.week = mi.week
		 AND mv.weekday = mi.weekday AND mv.course = mi.course AND mv.diet_id = k.diet_id
		LEFT JOIN dishes vd ON vd.installation_id = mv.installation_id AND vd.id = mv.dish_id
		ORDER BY k.day, k.child_id, mi.course, k.starts_on DESC, k.valid_from DESC`)
}

// sortChildMenus orders the courses by day, child and the order they are
// served.
func sortChildMenus(out []ChildMenuCourse) {
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if !a.Day.Equal(b.Day) || a.ChildID != b.ChildID {
			return a.Day.Before(b.Day) || (a.Day.Equal(b.Day) && a.ChildID < b.ChildID)
		}
		return courseIndex(a.Course) < courseIndex(b.Course)
	})
}

// MenuConflict is a course of a day's menu whose dish (the diet's variant
// when there is one) contains an allergen that a diet of children enrolled
// in the school's mensa on that day excludes.
type MenuConflict struct {
	Day        time.Time `db:"day"`
	SchoolID   int64     `db:"school_id"`
	School     string    `db:"school"`
	DietID     int64     `db:"diet_id"`
	Diet       string    `db:"diet"`
	MenuID     int64     `db:"menu_id"`
	Week       int       `db:"week"`
	Weekday    int       `db:"weekday"`
	Course     string    `db:"course"`
	Dish       string    `db:"dish"`
	Variant    bool      `db:"variant"` // the dish is the diet's variant, which contains it too
	AllergenIT string    `db:"allergen_it"`
	AllergenEN string    `db:"allergen_en"`
	Children   int       `db:"children"`
}

// Allergen is the allergen's name in lang.
func (c MenuConflict) Allergen(lang string) string {
	if lang == "en" {
		return c.AllergenEN
	}
	return c.AllergenIT
}

const qMenuConflicts = `
	WITH days AS (
		SELECT g::date AS day FROM generate_series($2::date, $3::date, interval '1 day') g
		WHERE extract(isodow FROM g) < 6
		  AND NOT EXISTS (SELECT 1 FROM closures cl WHERE cl.installation_id = $1 AND cl.day = g::date)
	), kids AS (
		SELECT d.day, c.school_id, e.diet_id, count(DISTINCT c.id) AS children
		FROM days d
		JOIN enrollments e ON e.installation_id = $1 AND d.day BETWEEN e.starts_on AND e.ends_on AND e.diet_id IS NOT NULL
		JOIN services sv ON sv.installation_id = e.installation_id AND sv.id = e.service_id AND sv.kind = 'mensa'
		JOIN children c ON c.installation_id = e.installation_id AND c.id = e.child_id AND c.school_id IS NOT NULL
		GROUP BY d.day, c.school_id, e.diet_id
	)
	SELECT k.day, k.school_id, s.name AS school, k.diet_id, dt.name AS diet, m.id AS menu_id, mi.week, mi.weekday, mi.course,
	       di.name AS dish, mv.dish_id IS NOT NULL AS variant, a.name_it AS allergen_it, a.name_en AS allergen_en, k.children
	FROM kids k
	JOIN schools s ON s.installation_id = $1 AND s.id = k.school_id
	JOIN diets dt ON dt.installation_id = $1 AND dt.id = k.diet_id
	JOIN menu_schools ms ON ms.installation_id = $1 AND ms.school_id = k.school_id
	JOIN menus m ON m.installation_id = $1 AND m.id = ms.menu_id AND k.day BETWEEN m.valid_from AND m.valid_to
	JOIN menu_items mi ON mi.installation_id = $1 AND mi.menu_id = m.id
	 AND mi.week = menu_week(m.rotation_start, m.weeks, k.day) AND mi.weekday = extract(isodow FROM k.day)::int
	LEFT JOIN menu_variants mv ON mv.installation_id = $1 AND mv.menu_id = mi.menu_id AND mv.week = mi.week
	 AND mv.weekday = mi.weekday AND mv.course = mi.course AND mv.diet_id = k.diet_id
	JOIN dishes di ON di.installation_id = $1 AND di.id = coalesce(mv.dish_id, mi.dish_id)
	JOIN dish_allergens da ON da.installation_id = $1 AND da.dish_id = di.id
	JOIN diet_allergens xa ON xa.installation_id = $1 AND xa.diet_id = k.diet_id AND xa.allergen = da.allergen
	JOIN allergens a ON a.code = da.allergen`

// MenuConflicts lists the conflicts of the school days from..to, by day,
// school, diet, course.
func (s *Store) MenuConflicts(ctx context.Context, installationID int64, from, to time.Time) ([]MenuConflict, error) {
	var out []MenuConflict
	err := s.db.SelectContext(ctx, &out, qMenuConflicts+`
		ORDER BY k.day, s.name, dt.name, array_position($4::text[], mi.course), a.position`,
		installationID, from, to, pq.Array(MenuCourses))
	return out, wrap("menu conflicts", err)
}

// MenuConflictCount is how many rows MenuConflicts would list.
func (s *Store) MenuConflictCount(ctx context.Context, installationID int64, from, to time.Time) (int, error) {
	var n int
	err := s.db.GetContext(ctx, &n, `SELECT count(*) FROM (`+qMenuConflicts+`) x`, installationID, from, to)
	return n, wrap("menu conflict count", err)
}

// MenuWeekOf is the week of a menu's rotation that day falls in, as the
// database computes it for every read above (menu_week, 00029).
func (s *Store) MenuWeekOf(ctx context.Context, rotationStart time.Time, weeks int, day time.Time) (int, error) {
	var w int
	err := s.db.GetContext(ctx, &w, `SELECT menu_week($1::date, $2, $3::date)`, rotationStart, weeks, day)
	return w, wrap("menu week", err)
}

// DeleteMenu deletes a menu with its schools, days and variants.
func (s *Store) DeleteMenu(ctx context.Context, installationID, id int64) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM menus WHERE installation_id = $1 AND id = $2`, installationID, id)
	return affectedOne(res, err, "delete menu")
}

// DeleteDish deletes a dish no menu serves; ErrReferenced otherwise.
func (s *Store) DeleteDish(ctx context.Context, installationID, id int64) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM dishes WHERE installation_id = $1 AND id = $2`, installationID, id)
	if fkViolation(err) {
		return ErrReferenced
	}
	return affectedOne(res, err, "delete dish")
}
