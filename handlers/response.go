package handlers

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/internal/throttle"
)

// Answers other than a rendered page: redirects, headers, error statuses.

// redirect answers 303, or HX-Redirect for htmx so the whole page changes.
func redirect(c *gin.Context, target string) {
	if wantsFragment(c.Request) {
		c.Header("HX-Redirect", target)
		c.Status(http.StatusNoContent)
		c.Abort()
		return
	}
	c.Redirect(http.StatusSeeOther, target)
	c.Abort()
}

// nextWithin keeps "next" inside the installation: a safe path (safeNext)
// under /{inst}/, never back to the login or logout.
func nextWithin(inst *db.Installation, next, fallback string) string {
	prefix := "/" + inst.Code + "/"
	if next = safeNext(next, ""); strings.HasPrefix(next, prefix) &&
		!strings.HasPrefix(next, prefix+"accesso") && !strings.HasPrefix(next, prefix+"esci") {
		return next
	}
	return fallback
}

// homeOf is where an account lands after sign-in.
func homeOf(inst *db.Installation, acc *db.Account) string {
	if acc.IsStaff() {
		return "/" + inst.Code + "/operatori"
	}
	return "/" + inst.Code + "/famiglia"
}

// notFoundOr answers 404 for db.ErrNotFound (another family's child, a
// guessed ID: the same answer whether or not it exists), 500 otherwise.
func (h *Handler) notFoundOr(c *gin.Context, err error) {
	if errors.Is(err, db.ErrNotFound) {
		h.renderError(c, http.StatusNotFound, nil)
		return
	}
	h.renderError(c, http.StatusInternalServerError, err)
}

// retryAfter writes the Retry-After header of a refused (or locking)
// attempt and returns the minutes to show on the page.
func retryAfter(c *gin.Context, d *throttle.Decision) int {
	c.Header("Retry-After", d.RetryAfterHeader())
	return d.Minutes()
}

// swappable turns an error status into 200 for a request that wants a
// fragment: htmx 2 swaps only 2xx answers, and a form re-rendered with its
// errors must replace the one on screen.
func swappable(c *gin.Context, status int) int {
	if wantsFragment(c.Request) && status >= 400 {
		return http.StatusOK
	}
	return status
}
