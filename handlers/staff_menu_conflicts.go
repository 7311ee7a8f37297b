package handlers

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
)

// StaffMenuConflictsView is "Menù — da verificare": the school days of the
// next Days days whose menu serves a diet's children a dish with an
// allergen the diet excludes (no variant, or a variant that has it too).
type StaffMenuConflictsView struct {
	StaffBase
	Days      int
	Conflicts []db.MenuConflict
}

// CourseName names a course.
func (v StaffMenuConflictsView) CourseName(course string) string { return v.T("menu.course." + course) }

// DayURL is the menu day's form, to add the missing variant.
func (v StaffMenuConflictsView) DayURL(m db.MenuConflict) string {
	return fmt.Sprintf("/%s/operatori/menu/scheda/%d/giorno/%d/%d", v.Inst.Code, m.MenuID, m.Week, m.Weekday)
}

// DayOptions are the horizons the page offers.
func (v StaffMenuConflictsView) DayOptions() []int { return []int{7, 14, 30, 60} }

func (h *Handler) staffMenuConflicts(c *gin.Context) {
	v := StaffMenuConflictsView{StaffBase: h.staffBase(c, "menus"), Days: menuConflictDays}
	if s := c.Query("giorni"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 120 {
			h.renderError(c, http.StatusBadRequest, nil)
			return
		}
		v.Days = n
	}
	from := today()
	var err error
	if v.Conflicts, err = h.store.MenuConflicts(c.Request.Context(), installation(c).ID, from, from.AddDate(0, 0, v.Days-1)); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	h.render(c, http.StatusOK, "staff_menu_conflicts", v)
}
