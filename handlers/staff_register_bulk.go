package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/internal/booking"
)

// registerChoice reads the register's school, service, class and day from
// a posted form and loads the register as the clerk sees it.
func (h *Handler) registerChoice(c *gin.Context) (StaffRegisterView, string, bool) {
	q := url.Values{"scuola": {formText(c, "scuola")}, "servizio": {formText(c, "servizio")}, "classe": {formText(c, "classe")}, "giorno": {formText(c, "giorno")}}
	v, err := h.staffRegisterView(c, q)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return v, "", false
	}
	return v, fmt.Sprintf("/%s/operatori/presenze?%s", installation(c).Code, q.Encode()), true
}

// staffRegisterAllPresent marks present, in one transaction, every child
// of the register with nothing recorded yet: not those already marked,
// not an absence the parents notified, and, where meals are booked, not a
// child whose meal is cancelled (or, in explicit booking, not booked). The
// clerk then marks the absent ones.
func (h *Handler) staffRegisterAllPresent(c *gin.Context) {
	inst, acc := installation(c), currentAccount(c)
	ctx := c.Request.Context()
	v, back, ok := h.registerChoice(c)
	if !ok {
		return
	}
	if !v.Chosen || v.NoService || v.Closed != "" || len(v.Rows) == 0 {
		h.flashRedirect(c, v.T("staff.register.saved", 0), back)
		return
	}
	meal := map[int64]string{}
	if set, err := h.store.BookingSettingsOf(ctx, inst.ID, v.ServiceID); err == nil && set.Enabled {
		states, err := h.store.MealStatesAt(ctx, inst.ID, v.ServiceID, v.Day, time.Now())
		if err != nil {
			h.renderError(c, http.StatusInternalServerError, err)
			return
		}
		for _, s := range states {
			meal[s.ChildID] = s.State
		}
	} else if err != nil && !errors.Is(err, db.ErrNotFound) {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	var marks []db.Mark
	left := 0
	for _, r := range v.Rows {
		if r.Status.Valid && r.Status.String != "booked" {
			continue // recorded already, or an absence the family notified
		}
		if st, ok := meal[r.ChildID]; ok && (st == booking.Cancelled || st == booking.None) {
			left++
			continue
		}
		marks = append(marks, db.Mark{InstallationID: inst.ID, ChildID: r.ChildID, ServiceID: v.ServiceID, Day: v.Day, Status: "present",
			AccountID: acc.ID, RecordedByName: staffName(acc), Today: today()})
	}
	results, err := h.store.MarkAttendanceAll(ctx, marks)
	var rowErr *db.MarkRowError
	if errors.As(err, &rowErr) {
		h.staffAudit(c, "attendance_all_present", "refused", map[string]any{"day": v.DayText, "school": v.SchoolID, "service": v.ServiceID,
			"class": v.Class, "error": rowErr.Err.Error()})
		h.flashRedirect(c, v.T("staff.register.not_saved")+" "+h.registerRefusal(v.StaffBase, rowErr.Err), back)
		return
	}
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	saved := 0
	for _, res := range results {
		if res.Before != "present" {
			saved++
		}
	}
	h.staffAudit(c, "attendance_all_present", "success", map[string]any{"day": v.DayText, "school": v.SchoolID, "service": v.ServiceID,
		"class": v.Class, "marked": saved, "left_meal_cancelled": left})
	h.flashRedirect(c, v.T("staff.register.all_present_done", saved, left), back)
}

// registerRefusal words a refused mark.
func (h *Handler) registerRefusal(b StaffBase, err error) string {
	switch {
	case errors.Is(err, db.ErrNotEnrolled):
		return b.T("staff.register.not_enrolled")
	case errors.Is(err, db.ErrClosed):
		return b.T("staff.register.closed")
	case errors.Is(err, db.ErrNoService):
		return b.T("staff.register.no_service")
	case errors.Is(err, db.ErrRegisterClosed):
		return b.T("staff.register.register_closed")
	}
	return b.T("staff.register.failed")
}

// staffRegisterCloseDay confirms the day's register as closed, or opens it
// again (action "riapri"); audited.
func (h *Handler) staffRegisterCloseDay(c *gin.Context) {
	inst, acc := installation(c), currentAccount(c)
	v, back, ok := h.registerChoice(c)
	if !ok {
		return
	}
	if !v.Chosen || v.NoService || v.Closed != "" {
		h.flashRedirect(c, v.T("staff.register.saved", 0), back)
		return
	}
	var err error
	action, msg := "register_close", "staff.register.closed_now"
	if c.Param("action") == "riapri" {
		action, msg = "register_open", "staff.register.opened_now"
		err = h.store.OpenRegisterDay(c.Request.Context(), inst.ID, v.SchoolID, v.ServiceID, v.Class, v.Day)
	} else {
		err = h.store.CloseRegisterDay(c.Request.Context(), inst.ID, v.SchoolID, v.ServiceID, v.Class, v.Day, acc.ID)
	}
	if err != nil && isFKViolation(err) {
		h.renderError(c, http.StatusNotFound, nil)
		return
	}
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	h.staffAudit(c, action, "success", map[string]any{"day": v.DayText, "school": v.SchoolID, "service": v.ServiceID, "class": v.Class})
	h.flashRedirect(c, v.T(msg), back)
}
