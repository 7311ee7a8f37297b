package db

import (
	"context"
	"time"
)

// PinBookingNow makes booking_now() return at in the request's transaction.
func PinBookingNow(r MealRequest, at time.Time) MealRequest {
	r.now = at.Format(time.RFC3339Nano)
	return r
}

// ChargeUncancelledMealsAt is ChargeUncancelledMeals with the clock pinned.
func (s *Store) ChargeUncancelledMealsAt(ctx context.Context, inst, service int64, day, at time.Time) (int64, error) {
	return s.chargeUncancelled(ctx, inst, service, day, at.Format(time.RFC3339Nano))
}
