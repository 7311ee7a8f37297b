package db

import "context"

// WithKitchenClock pins booking_now() for the kitchen count read with ctx.
func WithKitchenClock(ctx context.Context, at string) context.Context {
	return context.WithValue(ctx, kitchenClockKey{}, at)
}
