package handlers

import (
	"context"

	"github.com/gin-gonic/gin"

	"portalegenitori/internal/throttle"
)

// retryAfter writes the Retry-After header of a refused (or locking)
// attempt and returns the minutes to show on the page.
func retryAfter(c *gin.Context, d *throttle.Decision) int {
	c.Header("Retry-After", d.RetryAfterHeader())
	return d.Minutes()
}

// releaseAttempt gives back a reserved attempt whose check succeeded or was
// not made.
func (h *Handler) releaseAttempt(ctx context.Context, d *throttle.Decision) {
	if err := d.Release(ctx); err != nil {
		h.log.Error("release attempt", "err", err)
	}
}
