package handlers

import (
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
// are shown next to their fields on the child's card, the input kept.
func (h *Handler) staffMealRange(c *gin.Context) {
	inst := installation(c)
	child, serviceID, target, ok := h.deskRequest(c)
	if !ok {
		return
	}
	childID := child.ID
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
	if len(errs) > 0 {
		h.staffChildInvalid(c, h.staffBase(c, "search"), childID, errs, func(v *StaffChildView) {
			for i := range v.Meals {
				if v.Meals[i].ServiceID == serviceID {
					v.Meals[i].Desk = f
				}
			}
		})
		return
	}
	msg, _, ok := h.deskChange(c, child, serviceID, from, to, target, f.Reason, f.Key)
	if !ok {
		return
	}
	h.flashRedirect(c, msg, "/"+inst.Code+"/operatori/bambini/"+strconv.FormatInt(childID, 10)+"#pasti")
}
