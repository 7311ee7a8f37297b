package booking

import (
	"testing"
	"time"

	"portalegenitori/internal/calendar"
)

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestCutoffAcrossWeekendsClosuresAndDST(t *testing.T) {
	t.Parallel()
	cal := Calendar{Closed: map[time.Time]bool{}}
	for _, h := range calendar.Holidays(2026) {
		cal.Closed[h.Day] = true
	}
	same := Rules{CutoffDay: SameDay, CutoffAt: Clock{9, 30}, DaysAhead: 30}
	prev := Rules{CutoffDay: PreviousDay, CutoffAt: Clock{18, 0}, DaysAhead: 30}
	for _, c := range []struct {
		name  string
		rules Rules
		day   time.Time
		want  string // the cut-off in UTC
	}{
		{"same day in winter (CET)", same, calendar.Day(2027, 2, 3), "2027-02-03T08:30:00Z"},
		{"same day in summer (CEST)", same, calendar.Day(2027, 4, 7), "2027-04-07T07:30:00Z"},
		{"Monday after the weekend", prev, calendar.Day(2027, 2, 8), "2027-02-05T17:00:00Z"},
		{"the day after a holiday (8 December)", prev, calendar.Day(2026, 12, 9), "2026-12-07T17:00:00Z"},
		{"after Christmas: back to 22 December", prev, calendar.Day(2027, 1, 7), "2026-12-22T17:00:00Z"},
		// 2027: DST starts on Sunday 28 March, inside the Easter break (25-30 March)
		{"first day after Easter and DST start, same day", same, calendar.Day(2027, 3, 31), "2027-03-31T07:30:00Z"},
		{"first day after Easter and DST start, day before", prev, calendar.Day(2027, 3, 31), "2027-03-24T17:00:00Z"},
		// 2026: DST ends on Sunday 25 October
		{"Monday after DST end, same day", same, calendar.Day(2026, 10, 26), "2026-10-26T08:30:00Z"},
		{"Monday after DST end, day before (still CEST)", prev, calendar.Day(2026, 10, 26), "2026-10-23T16:00:00Z"},
	} {
		got := c.rules.Cutoff(cal, c.day).UTC().Format(time.RFC3339)
		if got != c.want {
			t.Errorf("%s: cut-off %s, want %s", c.name, got, c.want)
		}
	}
}

func TestCheckAtTheCutoffInstant(t *testing.T) {
	t.Parallel()
	cal := Calendar{}
	r := Rules{CutoffDay: SameDay, CutoffAt: Clock{9, 30}, DaysAhead: 30}
	day := calendar.Day(2027, 3, 31) // CEST
	for now, want := range map[string]string{
		"2027-03-31T09:29:59.9+02:00": "",
		"2027-03-31T09:30:00+02:00":   TooLate,
		"2027-03-31T09:30:00.1+02:00": TooLate,
		"2027-03-01T00:00:00+01:00":   "",       // 30 days before
		"2027-02-28T23:59:59+01:00":   TooEarly, // 31 days before
	} {
		if got := r.Check(cal, day, at(now)); got != want {
			t.Errorf("at %s: %q, want %q", now, got, want)
		}
	}
	w := Clock{12, 0}
	r.WindowOpens = &w
	for now, want := range map[string]string{
		"2027-03-30T11:59:59+02:00": TooEarly,
		"2027-03-30T12:00:00+02:00": "",
	} {
		if got := r.Check(cal, day, at(now)); got != want {
			t.Errorf("window, at %s: %q, want %q", now, got, want)
		}
	}
}

func TestPlainRunSpansWeekendsAndClosures(t *testing.T) {
	t.Parallel()
	cal := Calendar{Closed: map[time.Time]bool{calendar.Day(2027, 2, 10): true}}
	plain := map[time.Time]bool{calendar.Day(2027, 2, 5): true, calendar.Day(2027, 2, 8): true, calendar.Day(2027, 2, 11): true}
	is := func(d time.Time) bool { return plain[d] }
	// Fri 5 and Mon 8 plain, Tue 9 asked: a run of 3 across the weekend;
	// Wed 10 is closed, so Thu 11 joins it too: 4.
	if n := cal.PlainRun(calendar.Day(2027, 2, 9), is); n != 4 {
		t.Fatalf("run %d, want 4", n)
	}
	if n := cal.PlainRun(calendar.Day(2027, 2, 15), is); n != 1 {
		t.Fatalf("lone day: run %d", n)
	}
}

func TestParseClock(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"9:30": "09:30", "09:30": "09:30", "18:00:00": "18:00", "0:05": "00:05"} {
		c, ok := ParseClock(in)
		if !ok || c.String() != want {
			t.Errorf("ParseClock(%q) = %v %v", in, c, ok)
		}
	}
	for _, in := range []string{"", "25:00", "9.30", "ab:cd"} {
		if _, ok := ParseClock(in); ok {
			t.Errorf("ParseClock(%q) accepted", in)
		}
	}
}
