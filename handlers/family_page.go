package handlers

import (
	"crypto/rand"
	"database/sql"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/internal/booking"
	"portalegenitori/internal/calendar"
)

// familyViewer is familyAdult for the pages read in one statement
// (db/page_*.go): it sends staff and unlinked accounts away without a
// query, and names the adult and the codice fiscale the account was linked
// with, which the statement checks together with the guardianships. It
// returns false when it answered the request.
func (h *Handler) familyViewer(c *gin.Context) (adultID int64, linked sql.NullString, ok bool) {
	if a := viewAsAdult(c); a != nil {
		return a.ID, sql.NullString{}, true // staff reading as the family (staff_view_as.go)
	}
	inst := installation(c)
	acc := currentAccount(c)
	if acc.IsStaff() {
		redirect(c, homeOf(inst, acc))
		return 0, linked, false
	}
	if !acc.AdultID.Valid {
		redirect(c, "/"+inst.Code+"/famiglia")
		return 0, linked, false
	}
	return acc.AdultID.Int64, acc.LinkedFiscalCode, true
}

// familyAdultOf finishes familyAdult's checks on the adult the page
// statement read: gone is an error, a stale link goes to the family home.
// It returns false when it answered the request.
func (h *Handler) familyAdultOf(c *gin.Context, adult *db.Adult) bool {
	if viewAsAdult(c) != nil {
		return true
	}
	if adult == nil {
		h.renderError(c, http.StatusInternalServerError, db.ErrNotFound)
		return false
	}
	if staleLink(currentAccount(c), adult) {
		redirect(c, "/"+installation(c).Code+"/famiglia")
		return false
	}
	return true
}

// explicitMealDaysOf is explicitMealDays (meal_panel.go) over the calendar
// page's data.
func explicitMealDaysOf(pg *db.CalendarPage, from, to time.Time, records map[time.Time]string) {
	if pg.Settings == nil || !pg.Settings.Enabled || pg.Settings.Mode != booking.Explicit {
		return
	}
	if t := today(); from.Before(t) {
		from = t
	}
	if to.Before(from) {
		return
	}
	for _, d := range pg.MealDays(from, to) {
		if st := records[d.Day]; d.State == booking.None && (st == "" || st == calendar.Booked) {
			records[d.Day] = notBooked
		}
	}
}

// calendarMealDayOf is calendarMealDay (meal_panel.go) over the calendar
// page's data.
func (h *Handler) calendarMealDayOf(c *gin.Context, pg *db.CalendarPage, day time.Time) *MealDayView {
	if viewAsAdult(c) != nil {
		return nil // staff reading as the family act from the desk
	}
	days := pg.MealDays(day, day)
	if len(days) == 0 || (day.Before(today()) && len(pg.History) == 0) {
		return nil // not a bookable day, or a past day nobody booked or cancelled here
	}
	set := *pg.Settings
	v := &MealDayView{Base: h.base(c), MealDay: days[0], FirstName: pg.Child.FirstName, ServiceName: set.ServiceName, Settings: set,
		Action: mealAction(c, days[0]), Return: "calendario", Key: rand.Text(), Now: time.Now().In(calendar.Rome),
		StatusID: "cal-status", History: pg.History}
	if msg := mealRefusal(c); msg != "" {
		v.Message, v.Refused = msg, true
	}
	return v
}
