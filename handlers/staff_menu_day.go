package handlers

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
)

// StaffMenuDayView is the form of one day of a menu's rotation: the dish
// of each course and, per diet, the dish that replaces it.
type StaffMenuDayView struct {
	StaffBase
	Menu            *db.Menu
	Week, Weekday   int
	Dishes          []db.Dish
	Diets           []db.DietAllergens
	Courses         []string
	Values          map[string]int64 // "c-primo": the course's dish, "v-primo-3": diet 3's variant
	Action, BackURL string
	allergens       map[string]db.Allergen
}

// Key is the form field of a course ("c-primo") or of a diet's variant of
// it ("v-primo-3").
func (v StaffMenuDayView) Key(course string, diet int64) string {
	if diet == 0 {
		return "c-" + course
	}
	return fmt.Sprintf("v-%s-%d", course, diet)
}

// Selected is the dish chosen in a field.
func (v StaffMenuDayView) Selected(course string, diet int64) int64 {
	return v.Values[v.Key(course, diet)]
}

// CourseName names a course.
func (v StaffMenuDayView) CourseName(course string) string { return v.T("menu.course." + course) }

// WeekdayName names the day.
func (v StaffMenuDayView) WeekdayName() string { return v.T("weekday." + strconv.Itoa(v.Weekday%7)) }

// DishLabel is "Torta di mele (Glutine, Uova)" for the options.
func (v StaffMenuDayView) DishLabel(d db.Dish) string {
	if len(d.Allergens) == 0 {
		return d.Name
	}
	s := d.Name + " ("
	for i, a := range d.Allergens {
		if i > 0 {
			s += ", "
		}
		s += v.allergens[a].Name(v.Lang)
	}
	return s + ")"
}

// DietNote is "esclude: Glutine" for a diet's label.
func (v StaffMenuDayView) DietNote(d db.DietAllergens) string {
	s := ""
	for i, a := range d.Allergens {
		if i > 0 {
			s += ", "
		}
		s += v.allergens[a].Name(v.Lang)
	}
	return s
}

// staffMenuDayView loads the menu and the day of the path, or answers 404.
func (h *Handler) staffMenuDayView(c *gin.Context) (*StaffMenuDayView, bool) {
	inst := installation(c)
	ctx := c.Request.Context()
	id, ok := h.pathID(c, "id")
	if !ok {
		return nil, false
	}
	week, err1 := strconv.Atoi(c.Param("week"))
	weekday, err2 := strconv.Atoi(c.Param("weekday"))
	m, err := h.store.MenuByID(ctx, inst.ID, id)
	if err != nil {
		h.notFoundOr(c, err)
		return nil, false
	}
	if err1 != nil || err2 != nil || week < 1 || week > m.Weeks || weekday < 1 || weekday > 5 {
		h.renderError(c, http.StatusNotFound, nil)
		return nil, false
	}
	v := &StaffMenuDayView{StaffBase: h.staffBase(c, "menus"), Menu: m, Week: week, Weekday: weekday, Courses: db.MenuCourses,
		Values: map[string]int64{}}
	v.BackURL = fmt.Sprintf("/%s/operatori/menu/scheda/%d", inst.Code, m.ID)
	v.Action = fmt.Sprintf("%s/giorno/%d/%d", v.BackURL, week, weekday)
	if v.Dishes, err = h.store.Dishes(ctx, inst.ID); err == nil {
		v.allergens, err = h.menuAllergens(c)
	}
	var diets []db.DietAllergens
	if err == nil {
		diets, err = h.store.DietsWithAllergens(ctx, inst.ID)
	}
	var items []db.MenuItem
	if err == nil {
		items, err = h.store.MenuItems(ctx, inst.ID, m.ID)
	}
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return nil, false
	}
	used := map[int64]bool{}
	for _, it := range items {
		if it.Week == week && it.Weekday == weekday {
			v.Values[v.Key(it.Course, it.DietID.Int64)] = it.DishID
			used[it.DietID.Int64] = true
		}
	}
	for _, d := range diets {
		if !d.Retired || used[d.ID] {
			v.Diets = append(v.Diets, d)
		}
	}
	return v, true
}

func (h *Handler) staffMenuDay(c *gin.Context) {
	if v, ok := h.staffMenuDayView(c); ok {
		h.render(c, http.StatusOK, "staff_menu_day", v)
	}
}

// staffMenuDaySave replaces the day's courses and variants in one
// transaction. A variant needs the course's own dish.
func (h *Handler) staffMenuDaySave(c *gin.Context) {
	inst, me := installation(c), currentAccount(c)
	v, ok := h.staffMenuDayView(c)
	if !ok {
		return
	}
	known := map[int64]bool{}
	for _, d := range v.Dishes {
		known[d.ID] = true
	}
	read := func(key string) (int64, bool) {
		s := c.PostForm(key)
		if s == "" || s == "0" {
			return 0, true
		}
		id, err := strconv.ParseInt(s, 10, 64)
		return id, err == nil && known[id]
	}
	v.Values = map[string]int64{}
	var courses []db.MenuDayCourse
	for _, course := range v.Courses {
		dish, ok := read(v.Key(course, 0))
		if !ok {
			h.renderError(c, http.StatusBadRequest, nil)
			return
		}
		v.Values[v.Key(course, 0)] = dish
		mc := db.MenuDayCourse{Course: course, DishID: dish, Variants: map[int64]int64{}}
		for _, d := range v.Diets {
			alt, ok := read(v.Key(course, d.ID))
			if !ok {
				h.renderError(c, http.StatusBadRequest, nil)
				return
			}
			v.Values[v.Key(course, d.ID)] = alt
			if alt != 0 && dish == 0 {
				v.Errors[v.Key(course, d.ID)] = v.T("menu.error.variant_alone", v.CourseName(course))
			}
			mc.Variants[d.ID] = alt
		}
		courses = append(courses, mc)
	}
	if len(v.Errors) > 0 {
		h.render(c, http.StatusUnprocessableEntity, "staff_menu_day", v)
		return
	}
	if err := h.store.SaveMenuDay(c.Request.Context(), inst.ID, v.Menu.ID, v.Week, v.Weekday, courses, me.ID); err != nil {
		h.notFoundOr(c, err)
		return
	}
	detail := map[string]any{"menu": v.Menu.ID, "week": v.Week, "weekday": v.Weekday}
	for k, d := range v.Values {
		if d != 0 {
			detail[k] = d
		}
	}
	h.staffAudit(c, "menu_day_save", "success", detail)
	h.flashRedirect(c, v.T("menu.day_saved", v.Week, v.WeekdayName()), fmt.Sprintf("%s#w%d-d%d", v.BackURL, v.Week, v.Weekday))
}
