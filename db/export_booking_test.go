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

func init() {
	PlanQueries["meal changes of a day"] = `
		SELECT DISTINCT ON (child_id) child_id, state FROM meal_changes
		WHERE installation_id = $1 AND service_id = $2 AND day = $3 AND accepted_at <= $4
		ORDER BY child_id, accepted_at DESC, id DESC`
	PlanQueries["meal days of a child"] = qMealDaysOfChild
}

func init() {
	PageQueries["meal request"] = qMealRequestState
	PlanQueries["meal request write"] = qMealRequestWrite
}
