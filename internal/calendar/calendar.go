// Package calendar builds the month grids of the attendance calendar: weeks
// from Monday, service days, closures, enrollment periods and the Italian
// school holidays. Dates are civil dates: time.Time at midnight UTC.
package calendar

import (
	"fmt"
	"strings"
	"time"
	_ "time/tzdata" // Rome below must not depend on the host's zoneinfo
)

// Rome is the time zone of every Comune: "today", cut-offs and the times
// shown on pages are Italian local time. The zone database is embedded, so
// this never falls back to a fixed offset that would be wrong half the year.
var Rome = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		panic("calendar: embedded zone database lacks Europe/Rome: " + err.Error())
	}
	return loc
}()

// Day returns the civil date y-m-d (normalised, so Day(2027, 2, 29) is
// 1 March 2027).
func Day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// DateOf is the civil date of t in t's location.
func DateOf(t time.Time) time.Time { return Day(t.Year(), t.Month(), t.Day()) }

// ParseDay parses "2006-01-02".
func ParseDay(s string) (time.Time, error) {
	return time.ParseInLocation(time.DateOnly, s, time.UTC)
}

// ParseDate reads a date as staff type it or a CSV carries it: "2026-09-07",
// "07/09/2026" or "7/9/2026", between the years 1901 and 2199.
func ParseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.DateOnly, "02/01/2006", "2/1/2006"} {
		if t, err := time.ParseInLocation(layout, s, time.UTC); err == nil && t.Year() > 1900 && t.Year() < 2200 {
			return t, true
		}
	}
	return time.Time{}, false
}

// SchoolYear is the calendar year the school year of day starts in: school
// years run from September to August.
func SchoolYear(day time.Time) int {
	if day.Month() >= time.September {
		return day.Year()
	}
	return day.Year() - 1
}

// Month is a calendar month.
type Month struct {
	Year  int
	Month time.Month
}

// MonthOf is the month of a date.
func MonthOf(day time.Time) Month { return Month{day.Year(), day.Month()} }

// ParseMonth parses "2026-11".
func ParseMonth(s string) (Month, error) {
	t, err := time.Parse("2006-01", s)
	if err != nil || len(s) != 7 {
		return Month{}, fmt.Errorf("month %q: want YYYY-MM", s)
	}
	return MonthOf(t), nil
}

func (m Month) String() string { return fmt.Sprintf("%04d-%02d", m.Year, int(m.Month)) }

// First is the first day of the month.
func (m Month) First() time.Time { return Day(m.Year, m.Month, 1) }

// Last is the last day of the month (29 February in leap years).
func (m Month) Last() time.Time { return Day(m.Year, m.Month+1, 0) }

// Next is the following month.
func (m Month) Next() Month { return MonthOf(Day(m.Year, m.Month+1, 1)) }

// Prev is the previous month.
func (m Month) Prev() Month { return MonthOf(Day(m.Year, m.Month-1, 1)) }

// Before tells whether m comes before o.
func (m Month) Before(o Month) bool {
	return m.Year < o.Year || (m.Year == o.Year && m.Month < o.Month)
}

// Kind says what a day of the grid is, before any attendance record.
type Kind int

const (
	Padding     Kind = iota // a day of the previous or next month, shown empty
	NoService               // a weekday without service (Saturday, Sunday)
	Closed                  // a closure: holiday or school break
	NotEnrolled             // outside the enrollment period
	ServiceDay              // the service runs and the child is enrolled
)

// States of a cell as shown to parents.
const (
	Present         = "present"
	Absent          = "absent"
	AbsenceNotified = "absence_notified"
	Booked          = "booked"
	Unrecorded      = "unrecorded"
	StateClosed     = "closed"
	StateNoService  = "no_service"
	StateNotEnroll  = "not_enrolled"
)

// Cell is one day of the grid.
type Cell struct {
	Date   time.Time
	Kind   Kind
	Note   string // the closure's description
	Future bool   // after today
	Status string // the attendance record's status, "" when there is none
}

// State is what the day says: the recorded status when there is one,
// otherwise what the calendar implies (a future service day is booked by
// default; a past one without record is unrecorded).
func (c Cell) State() string {
	if c.Kind == Padding {
		return ""
	}
	if c.Status != "" {
		return c.Status
	}
	switch c.Kind {
	case NoService:
		return StateNoService
	case Closed:
		return StateClosed
	case NotEnrolled:
		return StateNotEnroll
	}
	if c.Future {
		return Booked
	}
	return Unrecorded
}

// Options describe the service and the child for one month.
type Options struct {
	// Weekdays the service runs; nil means Monday to Friday.
	Weekdays map[time.Weekday]bool
	// From and To bound the enrollment period (inclusive); zero means open.
	From, To time.Time
	// Closures by date, with their description.
	Closures map[time.Time]string
	// Records are the attendance statuses by date.
	Records map[time.Time]string
	// Today separates the past from the future (booked) days.
	Today time.Time
}

// Totals counts the states of the days of the month.
type Totals struct {
	ServiceDays, Present, Absent, Notified, Booked, Unrecorded, Closed int
}

// Grid is a month as weeks of seven days, Monday first.
type Grid struct {
	Month  Month
	Weeks  [][7]Cell
	Totals Totals
}

var weekdaysDefault = map[time.Weekday]bool{
	time.Monday: true, time.Tuesday: true, time.Wednesday: true, time.Thursday: true, time.Friday: true,
}

// ServiceWeekday tells whether the services run on day's weekday (Monday to
// Friday, as the family calendar shows them).
func ServiceWeekday(day time.Time) bool { return weekdaysDefault[day.Weekday()] }

// Build lays out month m.
func Build(m Month, o Options) Grid {
	wd := o.Weekdays
	if wd == nil {
		wd = weekdaysDefault
	}
	today := DateOf(o.Today)
	g := Grid{Month: m}
	first, last := m.First(), m.Last()
	// back to Monday
	start := first.AddDate(0, 0, -((int(first.Weekday()) + 6) % 7))
	for d := start; !d.After(last); {
		var week [7]Cell
		for i := range week {
			c := Cell{Date: d}
			switch {
			case d.Month() != m.Month:
				c.Kind = Padding
			case !wd[d.Weekday()]:
				c.Kind = NoService
			case o.Closures[d] != "":
				c.Kind, c.Note = Closed, o.Closures[d]
			case (!o.From.IsZero() && d.Before(o.From)) || (!o.To.IsZero() && d.After(o.To)):
				c.Kind = NotEnrolled
			default:
				c.Kind = ServiceDay
			}
			if c.Kind != Padding {
				c.Note = o.Closures[d]
				c.Status = o.Records[d]
				c.Future = d.After(today)
				g.Totals.add(c)
			}
			week[i] = c
			d = d.AddDate(0, 0, 1)
		}
		g.Weeks = append(g.Weeks, week)
	}
	return g
}

func (t *Totals) add(c Cell) {
	if c.Kind == ServiceDay {
		t.ServiceDays++
	}
	switch c.State() {
	case Present:
		t.Present++
	case Absent:
		t.Absent++
	case AbsenceNotified:
		t.Notified++
	case Booked:
		t.Booked++
	case Unrecorded:
		t.Unrecorded++
	case StateClosed:
		t.Closed++
	}
}

// Closure is a day without school.
type Closure struct {
	Day         time.Time
	Description string
}

// Holidays lists the national holidays and the usual school breaks of the
// school year starting in September of year (Italian descriptions: they are
// data, as a Comune would type them).
func Holidays(year int) []Closure {
	var out []Closure
	add := func(d time.Time, desc string) { out = append(out, Closure{d, desc}) }
	span := func(from, to time.Time, desc string) {
		for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
			add(d, desc)
		}
	}
	add(Day(year, time.November, 1), "Ognissanti")
	add(Day(year, time.December, 8), "Immacolata Concezione")
	span(Day(year, time.December, 23), Day(year+1, time.January, 6), "Vacanze di Natale")
	easter := Easter(year + 1)
	span(easter.AddDate(0, 0, -3), easter.AddDate(0, 0, 2), "Vacanze di Pasqua")
	add(Day(year+1, time.April, 25), "Festa della Liberazione")
	add(Day(year+1, time.May, 1), "Festa dei Lavoratori")
	add(Day(year+1, time.June, 2), "Festa della Repubblica")
	return out
}

// Easter is Easter Sunday of year (Gregorian, anonymous algorithm).
func Easter(year int) time.Time {
	a := year % 19
	b, c := year/100, year%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return Day(year, time.Month(month), day)
}
