package handlers

import (
	"context"

	"portalegenitori/internal/throttle"
)

// releaseAttempt gives back a reserved attempt whose check succeeded or was
// not made.
func (h *Handler) releaseAttempt(ctx context.Context, d *throttle.Decision) {
	if err := d.Release(ctx); err != nil {
		h.log.Error("release attempt", "err", err)
	}
}
