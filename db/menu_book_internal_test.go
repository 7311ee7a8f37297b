package db

import (
	"testing"
	"time"
)

// menuWeek is the SQL function menu_week; these are TestMenuRotationWeek's
// cases, which that test checks against the SQL.
func TestMenuWeekAsSQL(t *testing.T) {
	start := time.Date(2026, 10, 5, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		day  string
		want int
	}{
		{"2026-10-05", 1}, {"2026-10-09", 1}, {"2026-10-11", 1}, {"2026-10-12", 2}, {"2026-10-26", 4},
		{"2026-11-02", 1}, {"2026-11-13", 2}, {"2026-10-04", 4}, {"2026-09-28", 4}, {"2026-09-21", 3},
	} {
		d, _ := time.Parse(time.DateOnly, c.day)
		if got := menuWeek(start, 4, d); got != c.want {
			t.Errorf("week of %s = %d, want %d", c.day, got, c.want)
		}
	}
	// a date in another location is the same date
	rome := time.FixedZone("CET", 3600)
	if got := menuWeek(start, 4, time.Date(2026, 10, 12, 0, 0, 0, 0, rome)); got != 2 {
		t.Errorf("12 October in Rome = week %d, want 2", got)
	}
}
