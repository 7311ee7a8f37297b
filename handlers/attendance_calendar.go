package handlers

import (
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/internal/calendar"
)

// CalendarView is the attendance calendar of one child at one service for
// one month, with the details of a chosen day.
type CalendarView struct {
	Base
	Child       *db.ChildSummary
	Enrollment  *db.Enrollment
	Month       calendar.Month
	Weeks       [][7]CalCell
	GridRows    template.HTML // the <tbody> rows of Weeks (gridRows)
	Weekdays    []WeekdayName
	Totals      calendar.Totals
	Charged     int64 // net of the month's entries: its days' and its monthly pass
	Closures    []db.Closure
	PrevURL     string
	NextURL     string
	PrevMonth   calendar.Month
	NextMonth   calendar.Month
	Others      []db.Enrollment // the child's other services, for switching
	Day         *DayDetail
	BaseURL     string
	Swap        bool // rendered for an htmx swap: update the status region too
	Legend      []LegendItem
	FamilyURL   string
	PaymentsURL string
	Meal        *MealDayView // the chosen day's meal box (meal_panel.go)
	Menu        *MenuCourses // the chosen day's menu (menu_family.go)
}

// CalCell is a day of the grid as the template shows it.
type CalCell struct {
	calendar.Cell
	State    string
	URL      string // the day's details, for service days
	Selected bool
}

// DayDetail is what a day says: who recorded it and when, the charges.
type DayDetail struct {
	Date    time.Time
	State   string
	Note    string
	Record  *db.AttendanceDetail
	Entries []db.LedgerEntry
	Net     int64
}

// the states the legend explains, in order
var legendStates = []string{calendar.Present, calendar.Absent, calendar.AbsenceNotified, calendar.Booked,
	calendar.Unrecorded, calendar.StateClosed, calendar.StateNoService, calendar.StateNotEnroll}

func (h *Handler) attendanceCalendar(c *gin.Context) {
	if h.notModified(c) { // page_etag.go
		return
	}
	adultID, linked, ok := h.familyViewer(c)
	if !ok {
		return
	}
	inst := installation(c)
	childID, ok1 := idParam(c, "child")
	serviceID, ok2 := idParam(c, "service")
	if !ok1 || !ok2 {
		h.renderError(c, http.StatusNotFound, nil)
		return
	}
	now := today()
	month := calendar.MonthOf(now)
	var day time.Time
	var err error
	badQuery := false // answered 400, after the 404 of a child that is not the viewer's
	if s := c.Query("giorno"); s != "" {
		if day, err = calendar.ParseDay(s); err != nil {
			badQuery = true
		} else {
			month = calendar.MonthOf(day)
		}
	}
	if s := c.Query("mese"); s != "" && !badQuery {
		if m, err := calendar.ParseMonth(s); err != nil || m.Year < 2000 || m.Year > 2100 {
			badQuery = true
		} else {
			month = m
		}
	}
	if badQuery {
		month, day = calendar.MonthOf(now), time.Time{}
	}
	if !day.IsZero() && calendar.MonthOf(day) != month {
		day = time.Time{} // a day of another month: show the month only
	}
	first, last := month.First(), month.Last()
	// one statement: the adult, the guardianship check and the page (db/page_calendar.go)
	pg, ok := h.calendarPageOf(c, db.CalendarQuery{InstallationID: inst.ID, AdultID: adultID, LinkedFiscalCode: linked,
		ChildID: childID, ServiceID: serviceID, First: first, Last: last, Day: day})
	if !ok {
		return
	}
	if badQuery {
		h.renderError(c, http.StatusBadRequest, nil)
		return
	}
	child, enr := pg.Child, pg.Enrollment

	v := CalendarView{Base: h.base(c), Child: child, Enrollment: enr, Month: month, Swap: wantsFragment(c.Request)}
	v.Nav = "family"
	v.BaseURL = fmt.Sprintf("%s/presenze/%d/%d", familyPrefix(c), childID, serviceID)
	v.FamilyURL = familyPrefix(c) + "/famiglia"
	v.PaymentsURL = familyPrefix(c) + "/pagamenti"
	v.Weekdays, v.Legend = calendarChrome(v.Base)

	records, closures, entries := pg.Records, pg.Closures, pg.Entries
	opts := calendar.Options{From: enr.StartsOn, To: enr.EndsOn, Today: now,
		Closures: make(map[time.Time]string, len(closures)), Records: make(map[time.Time]string, len(records))}
	for _, cl := range closures {
		opts.Closures[calendar.DateOf(cl.Day)] = cl.Description
	}
	for _, r := range records {
		opts.Records[calendar.DateOf(r.Day)] = r.Status
	}
	explicitMealDaysOf(pg, first, last, opts.Records) // family_page.go
	for _, st := range opts.Records {
		if st == notBooked {
			// explained only where meals are booked explicitly: elsewhere no day is "NP"
			v.Legend = append(slices.Clip(v.Legend), LegendItem{notBooked, v.T("att.code." + notBooked), v.State(notBooked)})
			break
		}
	}
	v.Closures = closures
	v.Charged = pg.Charged
	v.fillGrid(month, opts, day)
	// months to move to: within the enrollment period
	v.PrevMonth, v.NextMonth = month.Prev(), month.Next()
	if !month.Prev().Before(calendar.MonthOf(enr.StartsOn)) {
		v.PrevURL = v.BaseURL + "?mese=" + month.Prev().String()
	}
	if !calendar.MonthOf(enr.EndsOn).Before(month.Next()) {
		v.NextURL = v.BaseURL + "?mese=" + month.Next().String()
	}
	for _, o := range pg.Others {
		if o.ServiceID != serviceID {
			v.Others = append(v.Others, o)
		}
	}

	if !day.IsZero() {
		d := &DayDetail{Date: day}
		for _, w := range v.Weeks {
			for _, cc := range w {
				if cc.Date.Equal(day) {
					d.State, d.Note = cc.State, cc.Note
				}
			}
		}
		d.Record = pg.DayRecord
		for _, e := range entries {
			if e.AttendanceDay.Valid && e.AttendanceDay.Time.Equal(day) {
				d.Entries = append(d.Entries, e)
				d.Net += e.AmountCents
			}
		}
		v.Day = d
		v.Meal = h.calendarMealDayOf(c, pg, day)
		if v.Menu, err = h.calendarMenuDay(c, child, enr, day, pg.Menus); err != nil {
			h.renderError(c, http.StatusInternalServerError, err)
			return
		}
	}

	// month navigation and day details swap only the calendar region
	h.renderFragment(c, http.StatusOK, "attendance", "calendar", v)
}

// calendarPageOf reads the calendar page statement; false when it has
// answered: the error, the stale link, or 404 for a child or service that
// is not the viewer's.
func (h *Handler) calendarPageOf(c *gin.Context, q db.CalendarQuery) (*db.CalendarPage, bool) {
	pg, err := h.store.CalendarPage(c.Request.Context(), q)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return nil, false
	}
	if !h.familyAdultOf(c, pg.Adult) {
		return nil, false
	}
	if pg.Child == nil || pg.Enrollment == nil {
		h.renderError(c, http.StatusNotFound, nil)
		return nil, false
	}
	return pg, true
}

// fillGrid builds the month's grid and totals, with the chosen day marked.
func (v *CalendarView) fillGrid(month calendar.Month, opts calendar.Options, day time.Time) {
	grid := calendar.Build(month, opts)
	v.Totals = grid.Totals
	for _, w := range grid.Weeks {
		var row [7]CalCell
		for i, cell := range w {
			cc := CalCell{Cell: cell, State: cell.State()}
			if cell.Kind == calendar.ServiceDay || cell.Status != "" {
				cc.URL = "?giorno=" + cell.Date.Format(time.DateOnly) + "&mese=" + month.String() // as url.Values would encode it
				cc.Selected = cell.Date.Equal(day)
			}
			row[i] = cc
		}
		v.Weeks = append(v.Weeks, row)
	}
	v.GridRows = v.gridRows()
}

// gridRows writes the rows of the month's grid. It is the page's inner
// loop, written here rather than in the template: through html/template
// its 35–42 cells cost more CPU than the rest of the request (profiled
// under `genitori bench`).
func (v *CalendarView) gridRows() template.HTML {
	b := newHTMLWriter(v.Base, len(v.Weeks)*7*220)
	for _, w := range v.Weeks {
		b.WriteString("<tr>")
		for _, cc := range w {
			if cc.State == "" {
				b.WriteString("<td></td>")
				continue
			}
			b.WriteString(`<td class="cal-`)
			b.esc(cc.State)
			if cc.Selected {
				b.WriteString(" cal-selected")
			}
			b.WriteString(`">`)
			day := strconv.Itoa(cc.Date.Day())
			if cc.URL != "" {
				b.WriteString(`<a id="d` + day + `" href="`)
				b.esc(cc.URL)
				b.WriteString(`#day-detail" hx-get="`)
				b.esc(cc.URL)
				b.WriteString(`"`)
				if cc.Selected {
					b.WriteString(` aria-current="true"`)
				}
				b.WriteString(">")
			}
			b.WriteString(`<span aria-hidden="true">` + day + "<b>")
			b.esc(v.Code(cc.State))
			b.WriteString(`</b></span><span class="visually-hidden">`)
			b.esc(v.DayMonth(cc.Date) + ": " + v.State(cc.State))
			if cc.Note != "" {
				b.esc(" (" + cc.Note + ")")
			}
			b.WriteString("</span>")
			if cc.URL != "" {
				b.WriteString("</a>")
			}
			b.WriteString("</td>")
		}
		b.WriteString("</tr>\n  ")
	}
	return b.HTML()
}

// WeekdayName is a column of the grid: "Lun" shown, "lunedì" read.
type WeekdayName struct{ Short, Long string }

// LegendItem explains a state's code.
type LegendItem struct{ State, Code, Label string }

type chrome struct {
	weekdays []WeekdayName
	legend   []LegendItem
}

var chromeByLang sync.Map // lang -> chrome; read-only once stored

// calendarChrome is the grid's header and legend in the viewer's language,
// the same for every month: built once per language.
func calendarChrome(b Base) ([]WeekdayName, []LegendItem) {
	if c, ok := chromeByLang.Load(b.Lang); ok {
		return c.(chrome).weekdays, c.(chrome).legend
	}
	var c chrome
	for _, d := range []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday} {
		c.weekdays = append(c.weekdays, WeekdayName{b.T("weekday.short." + strconv.Itoa(int(d))), b.T("weekday." + strconv.Itoa(int(d)))})
	}
	for _, st := range legendStates {
		c.legend = append(c.legend, LegendItem{st, b.T("att.code." + st), b.State(st)})
	}
	chromeByLang.Store(b.Lang, c)
	return c.weekdays, c.legend
}

// Code is the short text of a state in a calendar cell ("P", "AC", ...).
func (v CalendarView) Code(state string) string { return v.T("att.code." + state) }
