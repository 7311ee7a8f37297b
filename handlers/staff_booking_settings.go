package handlers

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/internal/booking"
)

// StaffBookingSettingsView is "Regole dei pasti": the booking rules of each
// service, one form per service.
type StaffBookingSettingsView struct {
	StaffBase
	Services []db.BookingSettings
	Invalid  int64 // the service whose form has errors
}

func (h *Handler) staffBookingSettings(c *gin.Context) {
	if !isAdmin(c) {
		h.renderError(c, http.StatusForbidden, nil)
		return
	}
	v := StaffBookingSettingsView{StaffBase: h.staffBase(c, "settings")}
	var err error
	if v.Services, err = h.store.BookingSettingsAll(c.Request.Context(), installation(c).ID); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	h.render(c, http.StatusOK, "staff_booking_settings", v)
}

func isAdmin(c *gin.Context) bool {
	acc := currentAccount(c)
	return acc != nil && acc.Role == "admin"
}

// staffBookingSettingsSave validates and stores the rules of one service;
// errors are shown next to their field, the other values kept.
func (h *Handler) staffBookingSettingsSave(c *gin.Context) {
	if !isAdmin(c) {
		h.renderError(c, http.StatusForbidden, nil)
		return
	}
	inst := installation(c)
	ctx := c.Request.Context()
	serviceID, ok := h.pathID(c, "service")
	if !ok {
		return
	}
	b, err := h.store.BookingSettingsOf(ctx, inst.ID, serviceID)
	if err != nil {
		h.notFoundOr(c, err)
		return
	}
	v := StaffBookingSettingsView{StaffBase: h.staffBase(c, "settings"), Invalid: serviceID}
	field := func(name string) string { return "bs-" + strconv.FormatInt(serviceID, 10) + "-" + name }
	b.Enabled = c.PostForm("enabled") == "1"
	b.ChargeUnlessCancelled = c.PostForm("charge") == "1"
	b.Mode = c.PostForm("mode")
	if b.Mode != booking.Presumed && b.Mode != booking.Explicit {
		v.Errors[field("mode")] = v.T("meal.settings.error.mode")
	}
	b.CutoffDay = c.PostForm("cutoff_day")
	if b.CutoffDay != booking.SameDay && b.CutoffDay != booking.PreviousDay {
		v.Errors[field("cutoff_day")] = v.T("meal.settings.error.cutoff_day")
	}
	b.CutoffTime = formText(c, "cutoff_time")
	if t, ok := booking.ParseClock(b.CutoffTime); ok {
		b.CutoffTime = t.String()
	} else {
		v.Errors[field("cutoff_time")] = v.T("meal.settings.error.time")
	}
	b.WindowOpens = formText(c, "window_opens")
	if b.WindowOpens != "" {
		if t, ok := booking.ParseClock(b.WindowOpens); ok {
			b.WindowOpens = t.String()
		} else {
			v.Errors[field("window_opens")] = v.T("meal.settings.error.time")
		}
	}
	var e1, e2 error
	b.DaysAhead, e1 = strconv.Atoi(formText(c, "days_ahead"))
	if e1 != nil || b.DaysAhead < 0 || b.DaysAhead > 366 {
		v.Errors[field("days_ahead")] = v.T("meal.settings.error.days_ahead")
	}
	b.PlainMaxDays, e2 = strconv.Atoi(formText(c, "plain_max_days"))
	if e2 != nil || b.PlainMaxDays < 0 || b.PlainMaxDays > 30 {
		v.Errors[field("plain_max_days")] = v.T("meal.settings.error.plain")
	}
	all, err := h.store.BookingSettingsAll(ctx, inst.ID)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	for i := range all {
		if all[i].ServiceID == serviceID {
			all[i] = b // the values typed, kept
		}
	}
	v.Services = all
	if len(v.Errors) > 0 {
		h.render(c, swappable(c, http.StatusUnprocessableEntity), "staff_booking_settings", v)
		return
	}
	if err := h.store.SaveBookingSettings(ctx, inst.ID, currentAccount(c).ID, b); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	h.staffAudit(c, "booking_settings", "success", map[string]any{"service": serviceID, "enabled": b.Enabled, "mode": b.Mode,
		"cutoff_day": b.CutoffDay, "cutoff_time": b.CutoffTime, "window_opens": b.WindowOpens, "days_ahead": b.DaysAhead,
		"charge_unless_cancelled": b.ChargeUnlessCancelled, "plain_max_days": b.PlainMaxDays})
	h.flashRedirect(c, v.T("meal.settings.saved", b.ServiceName), "/"+inst.Code+"/operatori/pasti/impostazioni")
}

// MealSettingField is one input of the booking settings form.
type MealSettingField struct {
	ID, Name, Label, Hint, Value, Type, Error string
}

// mealField builds a MealSettingField for the template (the page's view,
// the form's id prefix, the input's name, catalogue keys, value, type).
func mealField(v StaffBookingSettingsView, prefix, name, label, hint, value, typ string) MealSettingField {
	f := MealSettingField{ID: prefix + "-" + name, Name: name, Label: v.T(label), Value: value, Type: typ}
	if hint != "" {
		f.Hint = v.T(hint)
	}
	if e := v.Errors[f.ID]; e != "" {
		f.Error = v.T("common.error_prefix") + " " + e
	}
	return f
}
