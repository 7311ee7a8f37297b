package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/internal/calendar"
)

// KitchenView is the meal count of a service day ("Conteggio pasti"): for
// one school or all, per class, split by diet and plain meals; live before
// the cut-off, frozen from it on, with the office's late changes beside it.
type KitchenView struct {
	StaffBase
	Services, Schools   []db.Option
	ServiceID, SchoolID int64
	ServiceName         string
	Day                 time.Time
	DayText             string
	PrevURL, NextURL    string
	Prev, Next          time.Time
	CSVURL              string
	NoService           bool
	Closed              string
	Count               *db.KitchenCount
	Groups              []KitchenSchool
	Meals, Plain, Diet  int
	Corrections         int
	Swap                bool // rendered for an htmx swap: update the status region too
	PrintedAt           time.Time
	PrintedBy           string
}

// KitchenSchool is the part of the count of one school.
type KitchenSchool struct {
	ID          int64
	Name        string
	Lines       []db.KitchenLine
	Meals       int // at the cut-off (or now, when live)
	Corrections int
}

// ToCook is the school's meals with the corrections.
func (s KitchenSchool) ToCook() int { return s.Meals + s.Corrections }

// MealLabel names the kind of meal of a line: the diet's name only.
func (v KitchenView) MealLabel(l db.KitchenLine) string {
	switch {
	case l.Diet != "" && l.Plain:
		return v.T("kitchen.meal.diet_plain", l.Diet)
	case l.Diet != "":
		return v.T("kitchen.meal.diet", l.Diet)
	case l.Plain:
		return v.T("kitchen.meal.plain")
	}
	return v.T("kitchen.meal.normal")
}

// ClassLabel is the class of a line, or a note when the child has none.
func (v KitchenView) ClassLabel(class string) string {
	if class == "" {
		return v.T("kitchen.no_class")
	}
	return class
}

// Signed writes a correction as "+2", "-1", "" for none.
func (v KitchenView) Signed(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("%+d", n)
}

// StateWord names a meal state in a correction.
func (v KitchenView) StateWord(state string) string { return v.T("kitchen.state_word." + state) }

// CutoffWords is the cut-off as a sentence says it: "9:30 di lunedì 30 novembre 2026".
func (v KitchenView) CutoffWords() string {
	if v.Count == nil {
		return ""
	}
	t := v.Count.Cutoff.In(calendar.Rome)
	return v.T("kitchen.cutoff_words", t.Format("15:04"), v.LongDate(calendar.DateOf(t)))
}

func (h *Handler) kitchenView(c *gin.Context) (KitchenView, int, error) {
	inst := installation(c)
	ctx := c.Request.Context()
	q := c.Request.URL.Query()
	v := KitchenView{StaffBase: h.staffBase(c, "kitchen"), Swap: wantsFragment(c.Request)}
	var err error
	if v.Services, err = h.store.KitchenServices(ctx, inst.ID); err != nil {
		return v, http.StatusInternalServerError, err
	}
	if v.Schools, err = h.store.Schools(ctx, inst.ID); err != nil {
		return v, http.StatusInternalServerError, err
	}
	// an id that is not one of this Comune's is a page that does not exist
	if s := q.Get("servizio"); s != "" {
		if v.ServiceID, err = strconv.ParseInt(s, 10, 64); err != nil || !hasOption(v.Services, v.ServiceID) {
			return v, http.StatusNotFound, nil
		}
	} else if len(v.Services) > 0 {
		v.ServiceID = v.Services[0].ID
	}
	if s := q.Get("scuola"); s != "" && s != "0" {
		if v.SchoolID, err = strconv.ParseInt(s, 10, 64); err != nil || !hasOption(v.Schools, v.SchoolID) {
			return v, http.StatusNotFound, nil
		}
	}
	for _, s := range v.Services {
		if s.ID == v.ServiceID {
			v.ServiceName = s.Name
		}
	}
	day, ok := parseDay(cleanText(q.Get("giorno")))
	if !ok {
		day = today()
	}
	v.Day, v.DayText = day, day.Format(time.DateOnly)
	if v.ServiceID == 0 {
		return v, http.StatusOK, nil
	}
	closures, err := h.store.ClosuresBetween(ctx, inst.ID, day.AddDate(0, 0, -20), day.AddDate(0, 0, 20))
	if err != nil {
		return v, http.StatusInternalServerError, err
	}
	closed := map[time.Time]string{}
	for _, cl := range closures {
		closed[calendar.DateOf(cl.Day)] = cl.Description
	}
	serviceDay := func(d time.Time) bool { _, shut := closed[d]; return calendar.ServiceWeekday(d) && !shut }
	link := func(d time.Time) string {
		u := url.Values{"servizio": {strconv.FormatInt(v.ServiceID, 10)}, "giorno": {d.Format(time.DateOnly)}}
		if v.SchoolID != 0 {
			u.Set("scuola", strconv.FormatInt(v.SchoolID, 10))
		}
		return "/" + inst.Code + "/operatori/conteggio-pasti?" + u.Encode()
	}
	for d, i := day.AddDate(0, 0, -1), 0; i < 20; d, i = d.AddDate(0, 0, -1), i+1 {
		if serviceDay(d) {
			v.Prev, v.PrevURL = d, link(d)
			break
		}
	}
	for d, i := day.AddDate(0, 0, 1), 0; i < 20; d, i = d.AddDate(0, 0, 1), i+1 {
		if serviceDay(d) {
			v.Next, v.NextURL = d, link(d)
			break
		}
	}
	u := url.Values{"servizio": {strconv.FormatInt(v.ServiceID, 10)}, "giorno": {v.DayText}}
	if v.SchoolID != 0 {
		u.Set("scuola", strconv.FormatInt(v.SchoolID, 10))
	}
	v.CSVURL = "/" + inst.Code + "/operatori/conteggio-pasti/conteggio.csv?" + u.Encode()
	if !calendar.ServiceWeekday(day) {
		v.NoService = true
		return v, http.StatusOK, nil
	}
	if desc, shut := closed[day]; shut {
		v.Closed = desc
		return v, http.StatusOK, nil
	}
	cutoff, err := h.store.BookingCutoff(ctx, inst.ID, v.ServiceID, day)
	if err != nil {
		return v, http.StatusInternalServerError, err
	}
	if v.Count, err = h.store.KitchenCount(ctx, inst.ID, v.ServiceID, day, cutoff, v.SchoolID); err != nil {
		return v, http.StatusInternalServerError, err
	}
	v.Meals, v.Plain, v.Diet, v.Corrections = v.Count.Totals()
	for _, l := range v.Count.Lines {
		if n := len(v.Groups); n == 0 || v.Groups[n-1].ID != l.SchoolID {
			v.Groups = append(v.Groups, KitchenSchool{ID: l.SchoolID, Name: l.SchoolName})
		}
		g := &v.Groups[len(v.Groups)-1]
		g.Lines = append(g.Lines, l)
		g.Meals += l.Meals
		g.Corrections += l.Correction
	}
	v.PrintedAt = v.Count.Now
	if acc := currentAccount(c); acc != nil {
		v.PrintedBy = staffName(acc)
	}
	return v, http.StatusOK, nil
}

func hasOption(list []db.Option, id int64) bool {
	for _, o := range list {
		if o.ID == id {
			return true
		}
	}
	return false
}

// staffKitchen shows the count; a day navigation link asks for the day's
// fragment (htmx), a plain request for the whole page. A count with diets
// names restrictions of children: the read is audited as the register's.
func (h *Handler) staffKitchen(c *gin.Context) {
	v, status, err := h.kitchenView(c)
	if status != http.StatusOK {
		h.renderError(c, status, err)
		return
	}
	h.auditKitchenRead(c, v, "view")
	h.renderFragment(c, http.StatusOK, "staff_kitchen", "kitchen-day", v)
}

func (h *Handler) auditKitchenRead(c *gin.Context, v KitchenView, how string) {
	if v.Diet == 0 {
		return
	}
	h.staffAudit(c, "diet_read", "success", map[string]any{"kitchen_count": how, "service": v.ServiceID, "school": v.SchoolID, "day": v.DayText})
}
