// Package booking holds the rules of "Disdetta pasto" that do not need the
// database: which days are school days, when the cut-off of a day falls,
// when its window opens, and whether a change at a given instant beats
// them. The instant itself always comes from the database clock
// (booking_now(), migrations/00016_booking.sql), read in the transaction
// that records the change (db/booking.go).
package booking

import (
	"fmt"
	"time"

	"portalegenitori/internal/calendar"
)

// States of a meal.
const (
	Booked    = "booked"
	Cancelled = "cancelled"
	Plain     = "plain" // pasto in bianco
	None      = "none"  // not booked (explicit booking)
)

// Modes of a service.
const (
	Presumed = "presumed" // every school day booked unless cancelled
	Explicit = "explicit" // nothing booked until the parent books
)

// Cut-off days.
const (
	SameDay     = "same"
	PreviousDay = "previous"
)

// Clock is an hour and minute of Italian local time.
type Clock struct{ Hour, Minute int }

// ParseClock reads "9:30" or "09:30".
func ParseClock(s string) (Clock, bool) {
	var c Clock
	if len(s) > 5 {
		s = s[:5] // "09:30:00" as PostgreSQL prints a time
	}
	t, err := time.Parse("15:04", s)
	if err != nil {
		if t, err = time.Parse("15:04", "0"+s); err != nil {
			return c, false
		}
	}
	return Clock{t.Hour(), t.Minute()}, true
}

// String is "09:30", as an input of type time wants it.
func (c Clock) String() string { return fmt.Sprintf("%02d:%02d", c.Hour, c.Minute) }

// Words is "9:30", as a sentence says it.
func (c Clock) Words() string { return fmt.Sprintf("%d:%02d", c.Hour, c.Minute) }

// On is the instant of the clock on a civil day in Rome (time.Date picks
// the right offset on the days daylight saving time starts and ends).
func (c Clock) On(day time.Time) time.Time {
	return time.Date(day.Year(), day.Month(), day.Day(), c.Hour, c.Minute, 0, 0, calendar.Rome)
}

// Rules are the timing rules of a service.
type Rules struct {
	CutoffDay   string // SameDay or PreviousDay
	CutoffAt    Clock
	WindowOpens *Clock // nil: open DaysAhead in advance
	DaysAhead   int
}

// Calendar says which days are school days: Monday to Friday and not a
// closure of the Comune.
type Calendar struct {
	Closed map[time.Time]bool // civil dates
}

// SchoolDay tells whether the services run on day.
func (c Calendar) SchoolDay(day time.Time) bool {
	return calendar.ServiceWeekday(day) && !c.Closed[calendar.DateOf(day)]
}

// PreviousSchoolDay is the last school day before day; weekends and
// closures are skipped. It looks back at most 60 days (a closure longer than
// that leaves day itself).
func (c Calendar) PreviousSchoolDay(day time.Time) time.Time {
	for d, i := day.AddDate(0, 0, -1), 0; i < 60; d, i = d.AddDate(0, 0, -1), i+1 {
		if c.SchoolDay(d) {
			return d
		}
	}
	return day
}

// Cutoff is the instant after which a day's meal no longer changes.
func (r Rules) Cutoff(c Calendar, day time.Time) time.Time {
	if r.CutoffDay == PreviousDay {
		return r.CutoffAt.On(c.PreviousSchoolDay(day))
	}
	return r.CutoffAt.On(day)
}

// Opens is the instant changes for day are first accepted: the window's
// hour on the previous school day, or the start of the day DaysAhead days
// before.
func (r Rules) Opens(c Calendar, day time.Time) time.Time {
	if r.WindowOpens != nil {
		return r.WindowOpens.On(c.PreviousSchoolDay(day))
	}
	d := day.AddDate(0, 0, -r.DaysAhead)
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, calendar.Rome)
}

// Refusal reasons.
const (
	TooLate  = "cutoff" // the cut-off has passed
	TooEarly = "window" // the window has not opened yet
)

// Check tells whether a change for day at instant now is in time: "" when
// it is, TooLate or TooEarly otherwise.
func (r Rules) Check(c Calendar, day, now time.Time) string {
	if !now.Before(r.Cutoff(c, day)) {
		return TooLate
	}
	if now.Before(r.Opens(c, day)) {
		return TooEarly
	}
	return ""
}

// Today is the civil date of an instant in Rome.
func Today(now time.Time) time.Time { return calendar.DateOf(now.In(calendar.Rome)) }

// PlainRun is the length of the run of consecutive school days with a plain
// meal that day would be part of, day included: plain(d) tells the state of
// the other days.
func (c Calendar) PlainRun(day time.Time, plain func(time.Time) bool) int {
	n := 1
	for d := c.PreviousSchoolDay(day); !d.Equal(day) && plain(d); d = c.PreviousSchoolDay(d) {
		n++
		if n > 60 {
			break
		}
	}
	for d := c.nextSchoolDay(day); !d.Equal(day) && plain(d); d = c.nextSchoolDay(d) {
		n++
		if n > 60 {
			break
		}
	}
	return n
}

func (c Calendar) nextSchoolDay(day time.Time) time.Time {
	for d, i := day.AddDate(0, 0, 1), 0; i < 60; d, i = d.AddDate(0, 0, 1), i+1 {
		if c.SchoolDay(d) {
			return d
		}
	}
	return day
}

// Meal tells whether a state means a meal to cook.
func Meal(state string) bool { return state == Booked || state == Plain }
