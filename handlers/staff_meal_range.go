package handlers

import (
	"net/http"
	"portalegenitori/db"
	"slices"
	"strconv"

	"github.com/gin-gonic/gin"
)

// DeskField is a field of the desk's form for several days of a service
// (the card repeats it per service): its id, and the key of its error,
// is "dr-<name>-<service>".
func (v StaffChildView) DeskField(service int64, name, labelKey, value, typ string) Field {
	id := "dr-" + name + "-" + strconv.FormatInt(service, 10)
	f := fieldFor(v.Base, v.Errors, id, labelKey, value, typ, "off")
	f.Name, f.ID = map[string]string{"from": "dal", "to": "al", "reason": "motivo"}[name], id
	return f.Len(200)
}

// staffMealRange is POST /{inst}/operatori/bambini/:id/pasti/:service/periodo:
// the desk cancels (or books again) every school day from..to of one child
// at one service, for a family on the phone (a week of illness), under the
// parents' rules and in one transaction: all of it or nothing; days past
// the cut-off only with a reason, recorded as late corrections. Bad dates
// and refusals are shown next to their fields on the child's card, the
// input kept.
func (h *Handler) staffMealRange(c *gin.Context) {
	inst, ctx := installation(c), c.Request.Context()
	child, serviceID, ok := h.deskChild(c)
	if !ok {
		return
	}
	childID := child.ID
	// a service of the child's enrollments, as on the card: 404 otherwise
	enrollments, err := h.store.EnrollmentsOfChild(ctx, inst.ID, childID)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	if !slices.ContainsFunc(enrollments, func(e db.Enrollment) bool { return e.ServiceID == serviceID }) {
		h.renderError(c, http.StatusNotFound, nil)
		return
	}
	target, ok := mealTarget(c)
	if !ok {
		h.renderError(c, http.StatusBadRequest, nil)
		return
	}
	f := MealDeskRange{Key: formKey(c), From: truncate(formText(c, "dal"), 20), To: truncate(formText(c, "al"), 20),
		State: target, Reason: truncate(formText(c, "motivo"), 200)}
	if f.To == "" {
		f.To = f.From
	}
	b := h.base(c)
	sid := strconv.FormatInt(serviceID, 10)
	errs := map[string]string{}
	from, okFrom := parseDay(f.From)
	to, okTo := parseDay(f.To)
	switch {
	case !okFrom:
		errs["dr-from-"+sid] = b.T("meal.range.bad_dates")
	case !okTo:
		errs["dr-to-"+sid] = b.T("meal.range.bad_dates")
	case to.Before(from):
		errs["dr-to-"+sid] = b.T("meal.range.reversed")
	case to.Sub(from).Hours() > 24*92:
		errs["dr-to-"+sid] = b.T("meal.range.too_long")
	}
	if len(errs) == 0 {
		msg, refused, ok := h.deskChange(c, child, serviceID, from, to, target, f.Reason, f.Key)
		if !ok {
			return
		}
		if !refused {
			h.flashRedirect(c, msg, "/"+inst.Code+"/operatori/bambini/"+strconv.FormatInt(childID, 10)+"#pasti")
			return
		}
		// refused, nothing written: said next to the reason when there is
		// none (past the cut-off), else next to the dates; the input kept
		if f.Reason == "" {
			errs["dr-reason-"+sid] = msg
		} else {
			errs["dr-from-"+sid] = msg
		}
	}
	h.staffChildInvalid(c, h.staffBase(c, "search"), childID, errs, func(v *StaffChildView) {
		for i := range v.Meals {
			if v.Meals[i].ServiceID == serviceID {
				v.Meals[i].Desk = f
			}
		}
	})
}
