package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/internal/calendar"
)

// Menus for the family (docs/menus.md): today's menu of each child on the
// family home (written in Go: handlers/family_html.go), the day's menu in the attendance
// calendar (partial menu_day.html), and the week's menu of a child
// (/{inst}/menu/:child). Each shows the variant of the diet of the child's
// mensa enrollment on the day; nothing for a day without one.

// MenuCourses is what one child eats on one day.
type MenuCourses struct {
	Base
	Day       time.Time
	FirstName string
	Diet      string // the diet of the day's mensa enrollment, "" without
	Courses   []db.ChildMenuCourse
	allergens map[string]db.Allergen
}

// CourseName names a course ("Primo").
func (m MenuCourses) CourseName(course string) string { return m.T("menu.course." + course) }

// AllergenNames is "Glutine, Latte".
func (m MenuCourses) AllergenNames(codes []string) string {
	names := make([]string, 0, len(codes))
	for _, c := range codes {
		names = append(names, m.allergens[c].Name(m.Lang))
	}
	return strings.Join(names, ", ")
}

// MenuToday is the family home's box: today's menu of each child enrolled
// in a mensa this school year, and the link to the week's menu.
type MenuToday struct {
	Base
	Today    time.Time
	Children []MenuTodayChild
}

// MenuTodayChild is one child's today.
type MenuTodayChild struct {
	MenuCourses
	WeekURL string
}

// menuAllergens indexes the 14 allergens by code.
func (h *Handler) menuAllergens(c *gin.Context) (map[string]db.Allergen, error) {
	list, err := h.store.Allergens(c.Request.Context())
	if err != nil {
		return nil, err
	}
	out := make(map[string]db.Allergen, len(list))
	for _, a := range list {
		out[a.Code] = a
	}
	return out, nil
}

// menuToday builds the family home's box (for the office's view of it,
// staffFamilyView); nil when no child has a mensa.
func (h *Handler) menuToday(c *gin.Context, children []FamilyChild) (*MenuToday, error) {
	ids, _ := mensaChildren(children)
	if len(ids) == 0 {
		return nil, nil
	}
	now := today()
	rows, err := h.store.ChildMenus(c.Request.Context(), installation(c).ID, ids, now, now)
	if err != nil {
		return nil, err
	}
	return h.menuTodayOf(c, children, rows, now)
}

// mensaChildren are the children enrolled in a mensa this school year, in
// the cards' order, and their first names.
func mensaChildren(children []FamilyChild) ([]int64, map[int64]string) {
	var ids []int64
	names := map[int64]string{}
	for _, k := range children {
		for _, s := range k.Services {
			if s.ServiceKind == "mensa" && names[k.ID] == "" {
				ids = append(ids, k.ID)
				names[k.ID] = k.FirstName
			}
		}
	}
	return ids, names
}

// menuTodayOf is the box from the day's courses of the children (ChildMenus
// of the day, or the family page's); nil when no child has a mensa.
func (h *Handler) menuTodayOf(c *gin.Context, children []FamilyChild, rows []db.ChildMenuCourse, now time.Time) (*MenuToday, error) {
	ids, names := mensaChildren(children)
	if len(ids) == 0 {
		return nil, nil
	}
	all, err := h.menuAllergens(c)
	if err != nil {
		return nil, err
	}
	b := h.base(c)
	v := &MenuToday{Base: b, Today: now}
	for _, id := range ids {
		mc := MenuCourses{Base: b, Day: now, FirstName: names[id], allergens: all}
		for _, r := range rows {
			if r.ChildID == id {
				mc.Courses = append(mc.Courses, r)
				mc.Diet = r.Diet
			}
		}
		v.Children = append(v.Children, MenuTodayChild{MenuCourses: mc, WeekURL: fmt.Sprintf("%s/menu/%d", familyPrefix(c), id)})
	}
	return v, nil
}

// calendarMenuDay is the chosen day's menu in the attendance calendar of
// a mensa; nil for another service or a day without a menu.
func (h *Handler) calendarMenuDay(c *gin.Context, child *db.ChildSummary, enr *db.Enrollment, day time.Time, rows []db.ChildMenuCourse) (*MenuCourses, error) {
	if enr.ServiceKind != "mensa" || len(rows) == 0 {
		return nil, nil
	}
	all, err := h.menuAllergens(c)
	if err != nil {
		return nil, err
	}
	return &MenuCourses{Base: h.base(c), Day: day, FirstName: child.FirstName, Diet: rows[0].Diet, Courses: rows, allergens: all}, nil
}

// MenuWeekView is the week's menu of one child.
type MenuWeekView struct {
	Base
	Child            *db.ChildSummary
	Monday           time.Time
	Days             []MenuCourses // Monday to Friday, Courses empty without a menu
	Diet             string
	PrevURL, NextURL string
	FamilyURL        string
}

// menuWeek shows a child's menu from Monday to Friday of the week of
// ?settimana (a day), by default this week, or the next on a weekend.
func (h *Handler) menuWeek(c *gin.Context) {
	adult := h.familyAdult(c)
	if adult == nil {
		return
	}
	inst := installation(c)
	childID, ok := idParam(c, "child")
	if !ok {
		h.renderError(c, http.StatusNotFound, nil)
		return
	}
	child, err := h.store.ChildOfAdult(c.Request.Context(), inst.ID, adult.ID, childID)
	if err != nil {
		h.notFoundOr(c, err)
		return
	}
	day := today()
	if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
		day = day.AddDate(0, 0, 2)
	}
	if s := c.Query("settimana"); s != "" {
		if day, ok = parseDay(s); !ok || day.Year() < 2000 || day.Year() > 2100 {
			h.renderError(c, http.StatusBadRequest, nil)
			return
		}
	}
	monday := calendar.DateOf(day).AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
	rows, err := h.store.ChildMenus(c.Request.Context(), inst.ID, []int64{childID}, monday, monday.AddDate(0, 0, 4))
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	all, err := h.menuAllergens(c)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	b := h.base(c)
	b.Nav = "family"
	v := MenuWeekView{Base: b, Child: child, Monday: monday, FamilyURL: familyPrefix(c) + "/famiglia"}
	self := fmt.Sprintf("%s/menu/%d?", familyPrefix(c), childID)
	v.PrevURL = self + url.Values{"settimana": {monday.AddDate(0, 0, -7).Format(time.DateOnly)}}.Encode()
	v.NextURL = self + url.Values{"settimana": {monday.AddDate(0, 0, 7).Format(time.DateOnly)}}.Encode()
	for i := 0; i < 5; i++ {
		d := monday.AddDate(0, 0, i)
		mc := MenuCourses{Base: b, Day: d, FirstName: child.FirstName, allergens: all}
		for _, r := range rows {
			if r.Day.Equal(d) {
				mc.Courses = append(mc.Courses, r)
				mc.Diet, v.Diet = r.Diet, r.Diet
			}
		}
		v.Days = append(v.Days, mc)
	}
	h.render(c, http.StatusOK, "menu_week", v)
}
