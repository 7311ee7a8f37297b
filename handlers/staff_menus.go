package handlers

import (
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
)

// The office's menus (docs/menus.md): the list, a menu's header (name,
// schools, validity, rotation, ASL approval) and its rotation at a glance.

// menuConflictDays is how far ahead the office is warned of allergens.
const menuConflictDays = 14

// StaffMenusView lists the menus.
type StaffMenusView struct {
	StaffBase
	Menus     []db.Menu
	Conflicts int
	Days      int
}

func (h *Handler) staffMenus(c *gin.Context) {
	inst := installation(c)
	ctx := c.Request.Context()
	v := StaffMenusView{StaffBase: h.staffBase(c, "menus"), Days: menuConflictDays}
	var err error
	if v.Menus, err = h.store.Menus(ctx, inst.ID); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	if v.Conflicts, err = h.menuConflictCount(c); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	h.render(c, http.StatusOK, "staff_menus", v)
}

// menuConflictCount counts the conflicts of the next menuConflictDays days
// from today (the staff home's warning, staff.html).
func (h *Handler) menuConflictCount(c *gin.Context) (int, error) {
	from := today()
	return h.store.MenuConflictCount(c.Request.Context(), installation(c).ID, from, from.AddDate(0, 0, menuConflictDays-1))
}

// StaffMenuView is a menu's page: its header form and, once saved, the
// rotation with a link to each day.
type StaffMenuView struct {
	StaffBase
	Menu    *db.Menu // nil: a new menu
	Values  map[string]string
	Chosen  map[int64]bool
	Schools []db.CatalogueItem
	Weeks   []MenuWeekGrid
	Diets   map[int64]string
	Action  string
}

// MenuWeekGrid is one week of the rotation.
type MenuWeekGrid struct {
	Week int
	Days []MenuGridDay
}

// MenuGridDay is one weekday of a week, with its courses and variants.
type MenuGridDay struct {
	Weekday int
	URL     string
	Items   []db.MenuItem
}

// Field builds a field of the menu form with the value as typed.
func (v StaffMenuView) Field(name, labelKey, typ string) Field {
	return v.StaffBase.Field(name, labelKey, v.Values[name], typ, "off")
}

// CourseName names a course.
func (v StaffMenuView) CourseName(course string) string { return v.T("menu.course." + course) }

// WeekdayName names a weekday 1..5 ("lunedì").
func (v StaffMenuView) WeekdayName(d int) string { return v.T("weekday." + strconv.Itoa(d%7)) }

// WeekOptions are the lengths a rotation may have.
func (v StaffMenuView) WeekOptions() []string { return []string{"4", "5", "6", "7", "8"} }

func (h *Handler) staffMenuNew(c *gin.Context) {
	v, err := h.staffMenuView(c, nil)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	v.Values["menu-weeks"] = "4"
	h.render(c, http.StatusOK, "staff_menu", v)
}

func (h *Handler) staffMenuShow(c *gin.Context) {
	id, ok := h.pathID(c, "id")
	if !ok {
		return
	}
	m, err := h.store.MenuByID(c.Request.Context(), installation(c).ID, id)
	if err != nil {
		h.notFoundOr(c, err)
		return
	}
	v, err := h.staffMenuView(c, m)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	h.render(c, http.StatusOK, "staff_menu", v)
}

// staffMenuView builds the page of menu m (nil: new) with its values.
func (h *Handler) staffMenuView(c *gin.Context, m *db.Menu) (StaffMenuView, error) {
	inst := installation(c)
	ctx := c.Request.Context()
	v := StaffMenuView{StaffBase: h.staffBase(c, "menus"), Menu: m, Values: map[string]string{}, Chosen: map[int64]bool{},
		Action: "/" + inst.Code + "/operatori/menu/nuovo", Diets: map[int64]string{}}
	var err error
	if v.Schools, err = h.store.CatalogueItems(ctx, inst.ID, "school", today()); err != nil {
		return v, err
	}
	if m == nil {
		return v, nil
	}
	v.Action = fmt.Sprintf("/%s/operatori/menu/scheda/%d", inst.Code, m.ID)
	v.Values = map[string]string{"menu-name": m.Name, "menu-from": m.ValidFrom.Format(time.DateOnly), "menu-to": m.ValidTo.Format(time.DateOnly),
		"menu-weeks": strconv.Itoa(m.Weeks), "menu-start": m.RotationStart.Format(time.DateOnly)}
	if m.ASLApprovedOn.Valid {
		v.Values["menu-asl"] = m.ASLApprovedOn.Time.Format(time.DateOnly)
	}
	for _, s := range m.SchoolIDs {
		v.Chosen[s] = true
	}
	items, err := h.store.MenuItems(ctx, inst.ID, m.ID)
	if err != nil {
		return v, err
	}
	diets, err := h.store.DietsWithAllergens(ctx, inst.ID)
	if err != nil {
		return v, err
	}
	for _, d := range diets {
		v.Diets[d.ID] = d.Name
	}
	for w := 1; w <= m.Weeks; w++ {
		g := MenuWeekGrid{Week: w}
		for d := 1; d <= 5; d++ {
			day := MenuGridDay{Weekday: d, URL: fmt.Sprintf("%s/giorno/%d/%d", v.Action, w, d)}
			for _, it := range items {
				if it.Week == w && it.Weekday == d {
					day.Items = append(day.Items, it)
				}
			}
			g.Days = append(g.Days, day)
		}
		v.Weeks = append(v.Weeks, g)
	}
	return v, nil
}

// staffMenuSave creates or changes a menu's header.
func (h *Handler) staffMenuSave(c *gin.Context) {
	inst, me := installation(c), currentAccount(c)
	ctx := c.Request.Context()
	var current *db.Menu
	if c.Param("id") != "" {
		id, ok := h.pathID(c, "id")
		if !ok {
			return
		}
		var err error
		if current, err = h.store.MenuByID(ctx, inst.ID, id); err != nil {
			h.notFoundOr(c, err)
			return
		}
	}
	v, err := h.staffMenuView(c, current)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	for _, k := range []string{"menu-name", "menu-from", "menu-to", "menu-weeks", "menu-start", "menu-asl"} {
		v.Values[k] = formText(c, k)
	}
	before := v.Chosen // a retired school may stay on the menu it was on
	v.Chosen = map[int64]bool{}
	m := db.Menu{Name: v.Values["menu-name"]}
	if current != nil {
		m.ID = current.ID
	}
	errs := v.Errors
	if m.Name == "" || utf8.RuneCountInString(m.Name) > 120 {
		errs["menu-name"] = v.T("menu.error.name")
	}
	active := map[int64]bool{}
	for _, s := range v.Schools {
		active[s.ID] = !s.RetiredAt.Valid || before[s.ID]
	}
	for _, s := range c.PostFormArray("menu-schools") {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || !active[id] {
			h.renderError(c, http.StatusBadRequest, nil)
			return
		}
		if !v.Chosen[id] {
			v.Chosen[id] = true
			m.SchoolIDs = append(m.SchoolIDs, id)
		}
	}
	if len(m.SchoolIDs) == 0 {
		errs["menu-schools"] = v.T("menu.error.schools")
	}
	var okFrom, okTo, ok bool
	if m.ValidFrom, okFrom = parseDay(v.Values["menu-from"]); !okFrom {
		errs["menu-from"] = v.T("staff.error.date")
	}
	if m.ValidTo, okTo = parseDay(v.Values["menu-to"]); !okTo {
		errs["menu-to"] = v.T("staff.error.date")
	}
	if okFrom && okTo && m.ValidTo.Before(m.ValidFrom) {
		errs["menu-to"] = v.T("menu.error.period")
	}
	if m.Weeks, err = strconv.Atoi(v.Values["menu-weeks"]); err != nil || m.Weeks < 4 || m.Weeks > 8 {
		errs["menu-weeks"] = v.T("menu.error.weeks")
	}
	if m.RotationStart, ok = parseDay(v.Values["menu-start"]); !ok {
		errs["menu-start"] = v.T("staff.error.date")
	} else {
		// week 1 is the calendar week of the day given
		m.RotationStart = m.RotationStart.AddDate(0, 0, -((int(m.RotationStart.Weekday()) + 6) % 7))
	}
	if s := v.Values["menu-asl"]; s != "" {
		if d, ok := parseDay(s); ok {
			m.ASLApprovedOn = sql.NullTime{Time: d, Valid: true}
		} else {
			errs["menu-asl"] = v.T("staff.error.date")
		}
	}
	if len(errs) == 0 {
		var other string
		m.ID, other, err = h.store.SaveMenu(ctx, inst.ID, m, me.ID)
		switch {
		case errors.Is(err, db.ErrMenuOverlap):
			errs["menu-schools"] = v.T("menu.error.overlap", other)
		case err != nil:
			h.renderError(c, http.StatusInternalServerError, err)
			return
		default:
			h.staffAudit(c, "menu_save", "success", map[string]any{"menu": m.ID, "name": m.Name, "schools": m.SchoolIDs,
				"from": v.Values["menu-from"], "to": v.Values["menu-to"], "weeks": m.Weeks})
			h.flashRedirect(c, v.T("staff.saved"), fmt.Sprintf("/%s/operatori/menu/scheda/%d", inst.Code, m.ID))
			return
		}
	}
	h.render(c, http.StatusUnprocessableEntity, "staff_menu", v)
}

// staffMenuDelete deletes a menu (one entered by mistake, or a past season).
func (h *Handler) staffMenuDelete(c *gin.Context) {
	inst := installation(c)
	id, ok := h.pathID(c, "id")
	if !ok {
		return
	}
	m, err := h.store.MenuByID(c.Request.Context(), inst.ID, id)
	if err == nil && c.PostForm("menu-delete-confirm") != "1" {
		v, err := h.staffMenuView(c, m)
		if err != nil {
			h.renderError(c, http.StatusInternalServerError, err)
			return
		}
		v.Errors["menu-delete-confirm"] = v.T("menu.error.delete_confirm")
		h.render(c, http.StatusUnprocessableEntity, "staff_menu", v)
		return
	}
	if err == nil {
		err = h.store.DeleteMenu(c.Request.Context(), inst.ID, id)
	}
	if err != nil {
		h.notFoundOr(c, err)
		return
	}
	h.staffAudit(c, "menu_delete", "success", map[string]any{"menu": id, "name": m.Name})
	h.flashRedirect(c, tr(c, "menu.deleted", m.Name), "/"+inst.Code+"/operatori/menu")
}
