package handlers

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/delivery"
	"portalegenitori/internal/booking"
	"portalegenitori/internal/calendar"
)

// Disdetta pasto (docs/booking.md): the "Prossimi giorni" panel of the
// family home, the meal box of a day in the attendance calendar, and the
// staff desk build their days here.

// upcomingSchoolDays is how many school days "Prossimi giorni" lists.
const upcomingSchoolDays = 5

// MealPanel is "Prossimi giorni": the next school days of every child at
// each bookable service, and the form to cancel a range.
type MealPanel struct {
	Base
	Children     []MealChild
	Refusal      string // the refusal of the last action without JavaScript
	RangeAction  string
	RangeKey     string
	RangeFrom    string // the first day offered, "2026-12-01"
	RangeTo      string
	ReceiptEmail bool
	HasEmail     bool
	EmailAction  string
}

// MealChild is one child at one bookable service.
type MealChild struct {
	ChildID     int64
	FirstName   string
	ServiceID   int64
	ServiceName string
	Days        []MealDayView
	Desk        MealDeskRange // the office's form for several days (staff_meal_range.go)
}

// MealDeskRange is the desk's form for several days of one child and
// service, as typed (kept when refused).
type MealDeskRange struct {
	Key, From, To, State, Reason string
}

// MealDayView is one day with its buttons: a real form per action.
type MealDayView struct {
	Base
	db.MealDay
	FirstName   string
	ServiceName string
	Settings    db.BookingSettings
	Action      string // the form's URL
	Return      string // "famiglia", "calendario" or "operatori"
	Key         string // idempotency key of the forms rendered now
	Now         time.Time
	Message     string // the answer to the last action on this day
	Refused     bool
	StatusID    string // the status region of the page the box is on
	Office      bool   // the staff desk: late corrections with a reason
	History     []db.MealChange
	CellOOB     *CalCell // the calendar: the grid cell to update too
	CellMonth   calendar.Month
}

// ID is the element id of the day's box, the target of its forms.
func (d MealDayView) ID() string { return "meal-" + d.idTail() }

// idTail ends the ids of the day's box and button: "7-2-2026-12-03".
func (d MealDayView) idTail() string {
	var buf [48]byte
	b := strconv.AppendInt(buf[:0], d.ChildID, 10)
	b = append(b, '-')
	b = strconv.AppendInt(b, d.ServiceID, 10)
	b = append(b, '-')
	return string(d.Day.AppendFormat(b, time.DateOnly))
}

// MealBox is what a day's box shows, worked out once per box: the
// template of the family home repeats it for two weeks of every child,
// and calling the view's methods from it, each through reflection on a
// copy of the view, was most of that page's CPU.
type MealBox struct {
	ID, ButtonID, LongDay, StateText string
	Open, NotYet                     bool
	Hint                             string // for an open box: until when; else why it is closed, or the office's late note
	Reason                           bool   // the office, after the cut-off: a reason is asked
	ReasonLabel                      string
	Targets                          []MealTarget
}

// MealTarget is one of a box's buttons.
type MealTarget struct{ State, Key, Label string }

// Box works out the day's box.
func (d MealDayView) Box() *MealBox {
	tail := d.idTail()
	b := &MealBox{ID: "meal-" + tail, ButtonID: "mb-" + tail, LongDay: d.LongDate(d.Day), StateText: d.StateText(),
		Open: d.Open(), NotYet: d.NotYet()}
	switch {
	case b.Open:
		b.Hint = d.T("meal.until", d.CutoffText())
	case b.NotYet:
		b.Hint = d.T("meal.not_yet", d.OpensText())
	case d.Office:
		b.Hint = d.T("meal.office_late", d.CutoffText())
		b.Reason, b.ReasonLabel = true, d.T("meal.office.reason")
	default:
		b.Hint = d.T("meal.closed", d.CutoffText())
	}
	if b.Open || d.Office {
		for _, t := range d.Targets() {
			b.Targets = append(b.Targets, MealTarget{t, d.FormKey(t), d.ActionLabel(t)})
		}
	}
	return b
}

// ButtonID is shared by the first button of the box whatever the state,
// so after a swap htmx puts the focus back on it.
func (d MealDayView) ButtonID() string { return "mb-" + d.idTail() }

// Open: the day can still change now (the database clock decides when the
// parent acts); the office may always correct, with a reason after the
// cut-off.
func (d MealDayView) Open() bool { return d.MealDay.Open(d.Now) }

// NotYet: the day's window has not opened.
func (d MealDayView) NotYet() bool { return d.Now.Before(d.Opens) }

// OpensText is "12:00 di domani", when the window opens.
func (d MealDayView) OpensText() string { return cutoffWords(d.Base, d.Opens, d.Now) }

// Targets are the actions offered for the day's state, in order.
func (d MealDayView) Targets() []string {
	var out []string
	switch d.MealDay.State {
	case booking.Booked:
		out = []string{booking.Cancelled}
		if d.Settings.PlainMaxDays > 0 {
			out = append(out, booking.Plain)
		}
	case booking.Cancelled:
		out = []string{booking.Booked}
	case booking.Plain:
		out = []string{booking.Booked, booking.Cancelled}
	case booking.None:
		out = []string{booking.Booked}
		if d.Settings.PlainMaxDays > 0 {
			out = append(out, booking.Plain)
		}
	}
	return out
}

// FormKey is the idempotency key of the form for target.
func (d MealDayView) FormKey(target string) string { return d.Key + "-" + target }

// ActionLabel is the button's text for target in the day's state.
func (d MealDayView) ActionLabel(target string) string {
	if target == booking.Booked && d.MealDay.State == booking.Cancelled {
		return d.T("meal.do.undo")
	}
	if target == booking.Booked && d.MealDay.State == booking.Plain {
		return d.T("meal.do.normal")
	}
	return d.T("meal.do." + target)
}

// StateText names a meal state.
func (d MealDayView) StateText() string { return d.T("meal.state." + d.MealDay.State) }

// ChangeText says who changed the day, when, from where, with the receipt.
func (b Base) ChangeText(m db.MealChange) string {
	return b.T("meal.change", b.T("meal.state."+m.State), m.ActorName, b.T("meal.channel."+m.Channel),
		b.DateTimeSec(m.AcceptedAt), m.ReceiptCode)
}

// CutoffText is "entro le 9:30 di oggi" for the day.
func (d MealDayView) CutoffText() string { return cutoffWords(d.Base, d.Cutoff, d.Now) }

// cutoffWords: "le 9:30 di oggi", "le 18:00 di venerdì 5 febbraio".
func cutoffWords(b Base, cutoff, now time.Time) string {
	c := cutoff.In(calendar.Rome)
	hm := fmt.Sprintf("%d:%02d", c.Hour(), c.Minute())
	return b.T("meal.at", hm, dayWords(b, calendar.DateOf(c), now))
}

// dayWords: "oggi", "domani" or "giovedì 3 dicembre".
func dayWords(b Base, day, now time.Time) string {
	today := booking.Today(now)
	switch {
	case day.Equal(today):
		return b.T("meal.today")
	case day.Equal(today.AddDate(0, 0, 1)):
		return b.T("meal.tomorrow")
	}
	return b.T("meal.weekday_day", b.T("weekday."+fmt.Sprint(int(day.Weekday()))), b.DayMonth(day))
}

// mealSettings lists the bookable services of the installation by ID.
func (h *Handler) mealSettings(c *gin.Context) (map[int64]db.BookingSettings, error) {
	list, err := h.store.BookingSettingsAll(c.Request.Context(), installation(c).ID)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]db.BookingSettings, len(list))
	for _, s := range list {
		if s.Enabled {
			out[s.ServiceID] = s
		}
	}
	return out, nil
}

// offerRange fills what the panel offers beside its days: the range form
// starting at the first day still open, a refusal to show, whether a
// receipt can be e-mailed.
func (p *MealPanel) offerRange(c *gin.Context) {
	// the range starts, as offered, at the first day still open
	var first time.Time
	for _, k := range p.Children {
		for _, d := range k.Days {
			if d.Open() && (first.IsZero() || d.Day.Before(first)) {
				first = d.Day
			}
		}
	}
	if !first.IsZero() {
		p.RangeFrom, p.RangeTo = first.Format(time.DateOnly), first.Format(time.DateOnly)
	}
	p.Refusal = mealRefusal(c)
	p.HasEmail = currentAccount(c).Email != ""
}

// mealAction is the URL the forms of a day post to.
func mealAction(c *gin.Context, d db.MealDay) string {
	return fmt.Sprintf("%s/pasti/%d/%d/%s", familyPrefix(c), d.ChildID, d.ServiceID, d.Day.Format(time.DateOnly))
}

// calendarURL is the calendar of the child's service on day.
func calendarURL(c *gin.Context, childID, serviceID int64, day time.Time) string {
	return fmt.Sprintf("%s/presenze/%d/%d?", familyPrefix(c), childID, serviceID) +
		url.Values{"mese": {calendar.MonthOf(day).String()}, "giorno": {day.Format(time.DateOnly)}}.Encode() + "#day-detail"
}

// mealReceipt enqueues the e-mail receipt of a change in its transaction
// (delivery/booking.go), for the accounts that asked for it.
func (h *Handler) mealReceipt(inst int64) func(ctx context.Context, tx *sql.Tx, accountID int64, code string) error {
	return func(ctx context.Context, tx *sql.Tx, accountID int64, code string) error {
		return h.enqueue.MealReceipt(ctx, tx, delivery.MealReceiptArgs{InstallationID: inst, AccountID: accountID, Receipt: code})
	}
}

// notBooked is the calendar state of a future day without a meal where
// meals are booked explicitly.
const notBooked = "not_booked"
