package db_test

import (
	"context"
	"testing"
	"time"

	"portalegenitori/internal/booking"
	"portalegenitori/internal/calendar"
)

// TestMealRequestOnAFullPool: the request's statements are prepared on the
// pool before its transaction takes a connection, so the first request of
// a process does not wait for a second connection while it holds one (a
// pool full of such transactions would wait for each other).
func TestMealRequestOnAFullPool(t *testing.T) {
	t.Parallel()
	f := newBookingFixture(t)
	f.s.DB().SetMaxOpenConns(1)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	day := calendar.Day(2027, 2, 3)
	res, err := f.s.ChangeMeals(ctx, f.req(booking.Cancelled, day, day, rome("2027-02-01 08:00:00"), f.d.luca))
	if err != nil || len(res.Changes) != 1 {
		t.Fatalf("%+v %v", res, err)
	}
}
