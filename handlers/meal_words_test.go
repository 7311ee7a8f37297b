package handlers

import (
	"testing"
	"time"

	"portalegenitori/db"
	"portalegenitori/internal/booking"
	"portalegenitori/internal/calendar"
)

func TestRefusalSaysTheCutoffInWords(t *testing.T) {
	t.Parallel()
	rome := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04:05.9", s, calendar.Rome)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	it, en := Base{Lang: "it"}, Base{Lang: "en"}
	for _, c := range []struct {
		b      Base
		target string
		r      db.BookingRefusal
		want   string
	}{
		{it, booking.Cancelled, db.BookingRefusal{Reason: booking.TooLate, Day: calendar.Day(2027, 2, 3),
			Cutoff: rome("2027-02-03 09:30:00.0"), Now: rome("2027-02-03 09:30:00.1")},
			"Le disdette per oggi si accettano fino alle 9:30."},
		{en, booking.Cancelled, db.BookingRefusal{Reason: booking.TooLate, Day: calendar.Day(2027, 2, 3),
			Cutoff: rome("2027-02-03 09:30:00.0"), Now: rome("2027-02-03 09:30:00.1")},
			"Cancellations for today are accepted until 9:30."},
		{it, booking.Booked, db.BookingRefusal{Reason: booking.TooLate, Day: calendar.Day(2027, 2, 8),
			Cutoff: rome("2027-02-05 18:00:00.0"), Now: rome("2027-02-06 10:00:00.0")},
			"Le modifiche per lunedì 8 febbraio si accettano fino alle 18:00 di venerdì 5 febbraio."},
		{it, booking.Cancelled, db.BookingRefusal{Reason: booking.TooLate, Day: calendar.Day(2027, 2, 4),
			Cutoff: rome("2027-02-03 18:00:00.0"), Now: rome("2027-02-03 18:00:00.1")},
			"Le disdette per domani si accettano fino alle 18:00 di oggi."},
		{it, booking.Plain, db.BookingRefusal{Reason: "plain_limit", Limit: 3},
			"Il pasto in bianco senza certificato si può chiedere per al massimo 3 giorni di scuola consecutivi."},
	} {
		r := c.r
		if got := refusalText(c.b, c.target, &r); got != c.want {
			t.Errorf("got  %q\nwant %q", got, c.want)
		}
	}
}
