package handlers

import (
	"crypto/rand"
	"database/sql"
	"fmt"
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

// explicitMealDaysOf marks, for a service with explicit booking, the days
// from today on whose meal is not booked (nothing asked, or cancelled), so
// the calendar does not show them as booked by default.
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

// calendarMealDayOf is the meal box of the day chosen in the attendance
// calendar (nil when the day has none).
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

// familyChildrenOf is familyChildren (family_show.go) over the family
// page's data.
func familyChildrenOf(c *gin.Context, pg *db.FamilyPage, adultID int64) []FamilyChild {
	present := map[[2]int64]int{}
	for _, p := range pg.Presences {
		present[[2]int64{p.ChildID, p.ServiceID}] = p.Present
	}
	out := make([]FamilyChild, len(pg.Children))
	for i, k := range pg.Children {
		fc := FamilyChild{ChildSummary: k, Balance: pg.Balances[k.PayerID.Int64], OwnBalance: k.PayerID.Int64 == adultID}
		for _, e := range pg.Enrollments {
			if e.ChildID != k.ID {
				continue
			}
			fc.Services = append(fc.Services, FamilyService{
				Enrollment:  e,
				Present:     present[[2]int64{k.ID, e.ServiceID}],
				CalendarURL: fmt.Sprintf("%s/presenze/%d/%d", familyPrefix(c), k.ID, e.ServiceID),
			})
		}
		out[i] = fc
	}
	return out
}

// mealPanelOf is mealPanel (meal_panel.go) over the family page's data;
// from is the first day the page's statement read meal days for.
func (h *Handler) mealPanelOf(c *gin.Context, pg *db.FamilyPage, children []FamilyChild, now, from time.Time) *MealPanel {
	if len(pg.Settings) == 0 {
		return nil
	}
	settings := make(map[int64]db.BookingSettings, len(pg.Settings))
	for _, s := range pg.Settings {
		settings[s.ServiceID] = s
	}
	p := &MealPanel{Base: h.base(c), RangeKey: rand.Text(), RangeFrom: from.Format(time.DateOnly),
		RangeAction: familyPrefix(c) + "/pasti/periodo", EmailAction: familyPrefix(c) + "/pasti/ricevute"}
	p.RangeTo = p.RangeFrom
	key := rand.Text()
	for _, k := range children {
		for _, s := range k.Services {
			set, ok := settings[s.ServiceID]
			if !ok {
				continue
			}
			mc := MealChild{ChildID: k.ID, FirstName: k.FirstName, ServiceID: s.ServiceID, ServiceName: s.ServiceName}
			for i, d := range pg.MealDays(k.ID, set, from, from.AddDate(0, 0, mealPanelDays)) {
				if i == upcomingSchoolDays {
					break
				}
				mc.Days = append(mc.Days, MealDayView{Base: p.Base, MealDay: d, FirstName: k.FirstName, ServiceName: s.ServiceName,
					Settings: set, Action: mealAction(c, d), Return: "famiglia", Key: key, Now: now, StatusID: "meal-status"})
			}
			p.Children = append(p.Children, mc)
		}
	}
	if len(p.Children) == 0 {
		return nil
	}
	p.offerRange(c)
	p.ReceiptEmail = pg.ReceiptMail
	return p
}

// mealPanelDays is how far "Prossimi giorni" looks for its school days.
const mealPanelDays = 14

// pagopaBlockOf builds the pagoPA block of a payments page for its payer.
func pagopaBlockOf(c *gin.Context, pg *db.PaymentsPage, own bool) *PagoPABlock {
	st := pg.PagoPA
	if st == nil || !st.Enabled {
		return nil
	}
	return &PagoPABlock{Enabled: true, CanCreate: own && viewAsAdult(c) == nil, Presets: st.PresetsCents,
		Min: st.MinCents, Max: st.MaxCents, Token: newAttemptToken(), Errors: map[string]string{}, Open: pg.Positions}
}

// mealDayOf is the box of one day of a child's bookable service, from a
// calendar page read for the day: nil when the day is not a bookable
// school day of the child.
func (h *Handler) mealDayOf(c *gin.Context, pg *db.CalendarPage, day time.Time, withHistory bool) *MealDayView {
	days := pg.MealDays(day, day)
	if len(days) == 0 {
		return nil
	}
	set := *pg.Settings
	v := &MealDayView{Base: h.base(c), MealDay: days[0], FirstName: pg.Child.FirstName, ServiceName: set.ServiceName, Settings: set,
		Action: mealAction(c, days[0]), Return: "famiglia", Key: rand.Text(), Now: time.Now().In(calendar.Rome), StatusID: "meal-status"}
	if withHistory {
		v.History = pg.History
	}
	return v
}
