package calendar

import (
	"testing"
	"time"
)

func TestMonthArithmetic(t *testing.T) {
	cases := []struct {
		m          Month
		last       string
		prev, next string
	}{
		{Month{2026, time.December}, "2026-12-31", "2026-11", "2027-01"},
		{Month{2027, time.January}, "2027-01-31", "2026-12", "2027-02"},
		{Month{2027, time.February}, "2027-02-28", "2027-01", "2027-03"},
		{Month{2028, time.February}, "2028-02-29", "2028-01", "2028-03"}, // leap year
		{Month{2100, time.February}, "2100-02-28", "2100-01", "2100-03"}, // not leap
		{Month{2000, time.February}, "2000-02-29", "2000-01", "2000-03"}, // leap
		{Month{2026, time.April}, "2026-04-30", "2026-03", "2026-05"},
	}
	for _, c := range cases {
		if got := c.m.Last().Format(time.DateOnly); got != c.last {
			t.Errorf("%s last = %s, want %s", c.m, got, c.last)
		}
		if got := c.m.Prev().String(); got != c.prev {
			t.Errorf("%s prev = %s, want %s", c.m, got, c.prev)
		}
		if got := c.m.Next().String(); got != c.next {
			t.Errorf("%s next = %s, want %s", c.m, got, c.next)
		}
	}
	for _, bad := range []string{"", "2026-13", "2026-1", "26-11", "2026-11-01", "abcd-ef"} {
		if _, err := ParseMonth(bad); err == nil {
			t.Errorf("ParseMonth(%q) accepted", bad)
		}
	}
	if m, err := ParseMonth("2028-02"); err != nil || m != (Month{2028, time.February}) {
		t.Errorf("ParseMonth: %v %v", m, err)
	}
	if !(Month{2026, time.December}).Before(Month{2027, time.January}) || (Month{2027, 1}).Before(Month{2026, 12}) {
		t.Error("Before")
	}
}

func TestSchoolYear(t *testing.T) {
	for d, want := range map[string]int{"2026-09-01": 2026, "2026-12-31": 2026, "2027-06-30": 2026, "2027-08-31": 2026, "2027-09-01": 2027} {
		day, _ := ParseDay(d)
		if got := SchoolYear(day); got != want {
			t.Errorf("SchoolYear(%s) = %d, want %d", d, got, want)
		}
	}
}

func days(g Grid) map[string]Cell {
	out := map[string]Cell{}
	for _, w := range g.Weeks {
		for _, c := range w {
			if c.Kind != Padding {
				out[c.Date.Format(time.DateOnly)] = c
			}
		}
	}
	return out
}

func TestBuildShape(t *testing.T) {
	cases := []struct {
		m          Month
		weeks      int
		firstDay   string // date in the first cell (Monday)
		inMonth    int
		serviceDay int // Monday-Friday, no closures
	}{
		{Month{2027, time.February}, 4, "2027-02-01", 28, 20}, // starts on Monday, 4 full weeks
		{Month{2028, time.February}, 5, "2028-01-31", 29, 21}, // leap year
		{Month{2026, time.November}, 6, "2026-10-26", 30, 21}, // starts on Sunday: 6 rows
		{Month{2026, time.December}, 5, "2026-11-30", 31, 23},
		{Month{2027, time.January}, 5, "2026-12-28", 31, 21}, // across the year end
	}
	for _, c := range cases {
		g := Build(c.m, Options{Today: Day(2020, 1, 1)})
		if len(g.Weeks) != c.weeks {
			t.Errorf("%s: %d weeks, want %d", c.m, len(g.Weeks), c.weeks)
		}
		if got := g.Weeks[0][0].Date.Format(time.DateOnly); got != c.firstDay {
			t.Errorf("%s: first cell %s, want %s", c.m, got, c.firstDay)
		}
		for _, w := range g.Weeks {
			if w[0].Date.Weekday() != time.Monday || w[6].Date.Weekday() != time.Sunday {
				t.Errorf("%s: week not Monday-first: %v", c.m, w[0].Date)
			}
		}
		if n := len(days(g)); n != c.inMonth {
			t.Errorf("%s: %d days in month, want %d", c.m, n, c.inMonth)
		}
		if g.Totals.ServiceDays != c.serviceDay || g.Totals.Booked != c.serviceDay {
			t.Errorf("%s: totals %+v, want %d service days all booked (future)", c.m, g.Totals, c.serviceDay)
		}
	}
}

func TestBuildStates(t *testing.T) {
	d := func(s string) time.Time { v, _ := ParseDay(s); return v }
	closures := map[time.Time]string{}
	for _, h := range Holidays(2026) {
		closures[h.Day] = h.Description
	}
	g := Build(Month{2026, time.September}, Options{
		From: d("2026-09-07"), To: d("2027-06-30"), Closures: closures, Today: d("2026-09-10"),
		Records: map[time.Time]string{
			d("2026-09-07"): Present, d("2026-09-08"): AbsenceNotified, d("2026-09-09"): Absent,
			d("2026-09-11"): Booked, d("2026-09-12"): Present, // a record on a Saturday still shows
		},
	})
	want := map[string]string{
		"2026-09-01": StateNotEnroll, "2026-09-04": StateNotEnroll, "2026-09-05": StateNoService, "2026-09-06": StateNoService,
		"2026-09-07": Present, "2026-09-08": AbsenceNotified, "2026-09-09": Absent, "2026-09-10": Unrecorded,
		"2026-09-11": Booked, "2026-09-12": Present, "2026-09-14": Booked, "2026-09-30": Booked,
	}
	cells := days(g)
	for day, state := range want {
		if got := cells[day].State(); got != state {
			t.Errorf("%s: state %q, want %q", day, got, state)
		}
	}
	// 22 weekdays in September 2026, 4 before the enrollment starts
	if tt := g.Totals; tt.ServiceDays != 18 || tt.Present != 2 || tt.Absent != 1 || tt.Notified != 1 || tt.Unrecorded != 1 || tt.Booked != 14 {
		t.Errorf("totals %+v", tt)
	}

	// December: Immacolata and the Christmas break are closed, with their names
	dec := days(Build(Month{2026, time.December}, Options{From: d("2026-09-07"), To: d("2027-06-30"), Closures: closures, Today: d("2027-01-01")}))
	if c := dec["2026-12-08"]; c.State() != StateClosed || c.Note != "Immacolata Concezione" {
		t.Errorf("8 December: %+v", c)
	}
	if c := dec["2026-12-23"]; c.State() != StateClosed || c.Note != "Vacanze di Natale" {
		t.Errorf("23 December: %+v", c)
	}
	if c := dec["2026-12-22"]; c.State() != Unrecorded {
		t.Errorf("22 December: %+v", c)
	}
	// after the enrollment ends
	jul := days(Build(Month{2027, time.July}, Options{From: d("2026-09-07"), To: d("2027-06-30"), Today: d("2027-01-01")}))
	if c := jul["2027-07-01"]; c.State() != StateNotEnroll {
		t.Errorf("1 July: %+v", c)
	}
	// a Saturday service
	sat := Build(Month{2026, time.October}, Options{Weekdays: map[time.Weekday]bool{time.Saturday: true}, Today: d("2026-01-01")})
	if sat.Totals.ServiceDays != 5 { // 3, 10, 17, 24, 31 October 2026
		t.Errorf("Saturdays in October 2026: %d", sat.Totals.ServiceDays)
	}
}

func TestHolidays(t *testing.T) {
	for y, want := range map[int]string{2026: "2026-04-05", 2027: "2027-03-28", 2028: "2028-04-16", 2024: "2024-03-31", 2038: "2038-04-25"} {
		if got := Easter(y).Format(time.DateOnly); got != want {
			t.Errorf("Easter %d = %s, want %s", y, got, want)
		}
	}
	hs := Holidays(2026)
	found := map[string]string{}
	for _, h := range hs {
		found[h.Day.Format(time.DateOnly)] = h.Description
	}
	for day, desc := range map[string]string{
		"2026-11-01": "Ognissanti", "2026-12-25": "Vacanze di Natale", "2027-01-06": "Vacanze di Natale",
		"2027-03-25": "Vacanze di Pasqua", "2027-03-30": "Vacanze di Pasqua", "2027-06-02": "Festa della Repubblica",
	} {
		if found[day] != desc {
			t.Errorf("%s: %q, want %q", day, found[day], desc)
		}
	}
	if _, ok := found["2027-01-07"]; ok {
		t.Error("7 January is a school day")
	}
}
