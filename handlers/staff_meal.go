package handlers

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/internal/booking"
	"portalegenitori/internal/calendar"
)

// staffMeals builds the desk's meal days of a child: the next school days
// of each bookable enrollment, with the forms of the office.
func (h *Handler) staffMeals(c *gin.Context, child *db.Child, enrollments []db.Enrollment) ([]MealChild, error) {
	settings, err := h.mealSettings(c)
	if err != nil || len(settings) == 0 {
		return nil, err
	}
	now := time.Now().In(calendar.Rome)
	from := booking.Today(now)
	key := rand.Text()
	b := h.base(c)
	var out []MealChild
	seen := map[int64]bool{}
	for _, e := range enrollments {
		set, ok := settings[e.ServiceID]
		if !ok || seen[e.ServiceID] || e.EndsOn.Before(from) {
			continue
		}
		seen[e.ServiceID] = true
		days, err := h.store.MealDays(c.Request.Context(), installation(c).ID, child.ID, set, from, from.AddDate(0, 0, 14))
		if err != nil {
			return nil, err
		}
		mc := MealChild{ChildID: child.ID, FirstName: child.FirstName, ServiceID: e.ServiceID, ServiceName: e.ServiceName,
			Desk: MealDeskRange{Key: key + "-" + strconv.FormatInt(e.ServiceID, 10)}} // the form ticks "cancel" unless State is "booked"
		for i, d := range days {
			if i == upcomingSchoolDays {
				break
			}
			mc.Days = append(mc.Days, h.staffMealDayView(c, b, d, child.FirstName, set, key, now))
		}
		out = append(out, mc)
	}
	return out, nil
}

func (h *Handler) staffMealDayView(c *gin.Context, b Base, d db.MealDay, name string, set db.BookingSettings, key string, now time.Time) MealDayView {
	return MealDayView{Base: b, MealDay: d, FirstName: name, ServiceName: set.ServiceName, Settings: set, Key: key, Now: now,
		Action: fmt.Sprintf("/%s/operatori/bambini/%d/pasti/%d/%s", installation(c).Code, d.ChildID, d.ServiceID, d.Day.Format(time.DateOnly)),
		Return: "operatori", StatusID: "meal-status", Office: true}
}

// staffMealChange is POST /{inst}/operatori/bambini/:id/pasti/:service/:day:
// the office books, cancels or asks for a plain meal for a family (a phone
// call at the desk) under the same rules; after the cut-off only with a
// reason, recorded as a late correction. Audited, and shown to the family as
// done by the office.
func (h *Handler) staffMealChange(c *gin.Context) {
	inst := installation(c)
	ctx := c.Request.Context()
	day, err := calendar.ParseDay(c.Param("day"))
	if err != nil {
		h.renderError(c, http.StatusNotFound, nil)
		return
	}
	child, serviceID, ok := h.deskChild(c)
	if !ok {
		return
	}
	childID := child.ID
	if _, err := h.store.EnrollmentForDay(ctx, inst.ID, childID, serviceID, day); err != nil {
		h.notFoundOr(c, err)
		return
	}
	target, ok := mealTarget(c)
	if !ok {
		h.renderError(c, http.StatusBadRequest, nil)
		return
	}
	reason := truncate(formText(c, "motivo"), 200)
	msg, refused, ok := h.deskChange(c, child, serviceID, day, day, target, reason, formKey(c))
	if !ok {
		return
	}
	if !wantsFragment(c.Request) {
		h.flashRedirect(c, msg, "/"+inst.Code+"/operatori/bambini/"+strconv.FormatInt(childID, 10)+"#pasti")
		return
	}
	set, err := h.store.BookingSettingsOf(ctx, inst.ID, serviceID)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	days, err := h.store.MealDays(ctx, inst.ID, childID, set, day, day)
	if err != nil || len(days) == 0 {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	v := h.staffMealDayView(c, h.base(c), days[0], child.FirstName, set, rand.Text(), time.Now().In(calendar.Rome))
	v.Message, v.Refused = msg, refused
	h.renderPart(c, http.StatusOK, "staff_child", "meal-day-swap", v)
}

// deskChild reads what the desk's actions share: the installation's child
// (404 otherwise) and the service; false when it has answered.
func (h *Handler) deskChild(c *gin.Context) (child *db.Child, serviceID int64, ok bool) {
	childID, ok1 := idParam(c, "id")
	serviceID, ok2 := idParam(c, "service")
	if !ok1 || !ok2 {
		h.renderError(c, http.StatusNotFound, nil)
		return nil, 0, false
	}
	child, err := h.store.ChildByID(c.Request.Context(), installation(c).ID, childID)
	if err != nil {
		h.notFoundOr(c, err)
		return nil, 0, false
	}
	return child, serviceID, true
}

// deskChange makes the office's request for the child's days from..to, in
// the change's transaction with its audit row, and words its outcome (after
// the cut-off without a reason: what the office must add); false when it
// has answered with an error.
func (h *Handler) deskChange(c *gin.Context, child *db.Child, serviceID int64, from, to time.Time, target, reason, key string) (msg string, refused, ok bool) {
	inst, acc := installation(c), currentAccount(c)
	req := db.MealRequest{InstallationID: inst.ID, ChildIDs: []int64{child.ID}, ServiceID: serviceID, From: from, To: to,
		Target: target, AccountID: acc.ID, ActorName: staffName(acc), Channel: db.ChannelOffice, Reason: reason,
		RequestKey: key, Receipt: h.mealReceipt(inst.ID)}
	req.Audit = h.mealAudit(c, req) // written in the change's transaction
	res, err := h.store.ChangeMeals(c.Request.Context(), req)
	msg, refused, err = h.mealOutcome(c, req, []string{child.FirstName}, res, err)
	if err != nil {
		h.notFoundOr(c, err) // the service's rules gone meanwhile: 404
		return "", false, false
	}
	if refused && reason == "" {
		msg += " " + tr(c, "meal.office.reason_needed")
	}
	return msg, refused, true
}
