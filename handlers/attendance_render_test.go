package handlers

import (
	"bytes"
	"os"
	"testing"
	"time"

	"portalegenitori/db"
	"portalegenitori/internal/calendar"
)

// BenchmarkCalendarRender renders the month fragment of a full month (the
// hot path of `genitori bench`) without the database: its CPU and
// allocations per render.
func BenchmarkCalendarRender(b *testing.B) {
	parsed, err := parsedAssetsAndPages()
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	for b.Loop() {
		v := benchCalendarView()
		buf.Reset()
		if err := parsed.pages.Render(&buf, "attendance", "calendar", v); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "bytes")
	if out := os.Getenv("CALENDAR_RENDER_OUT"); out != "" {
		if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
			b.Fatal(err)
		}
	}
}

func benchCalendarView() CalendarView {
	month := calendar.Month{Year: 2026, Month: time.October}
	v := CalendarView{Base: Base{Lang: "it", FamilyPrefix: "/demo"}, Month: month, Swap: true,
		Child:      &db.ChildSummary{FirstName: "Luca", LastName: "Rossi"},
		Enrollment: &db.Enrollment{ServiceName: "Mensa scolastica", Billing: "daily"},
		BaseURL:    "/demo/presenze/1/1", PrevURL: "/demo/presenze/1/1?mese=2026-09", NextURL: "/demo/presenze/1/1?mese=2026-11",
		PrevMonth: month.Prev(), NextMonth: month.Next()}
	opts := calendar.Options{From: calendar.Day(2026, 9, 7), To: calendar.Day(2027, 6, 8), Today: calendar.Day(2026, 10, 20),
		Closures: map[time.Time]string{calendar.Day(2026, 10, 2): "Festa del patrono"}, Records: map[time.Time]string{}}
	for d := 1; d < 20; d++ {
		st := calendar.Present
		if d%7 == 3 {
			st = calendar.Absent
		}
		opts.Records[calendar.Day(2026, 10, d)] = st
	}
	v.Weekdays, v.Legend = calendarChrome(v.Base)
	v.fillGrid(month, opts, calendar.Day(2026, 10, 14))
	return v
}
