package handlers

import (
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/internal/calendar"
)

// StaffISEEAdultView is one adult's ISEE declarations, residency and the
// tariffs of the children they pay for, for the office.
type StaffISEEAdultView struct {
	StaffBase
	Adult        db.Adult
	Resident     bool
	Declarations []db.ISEEDeclaration
	Tariffs      []ISEETariffLine
	Today        time.Time
}

func (h *Handler) staffISEEAdult(c *gin.Context) {
	inst, ctx := installation(c), c.Request.Context()
	id, ok := h.pathID(c, "id")
	if !ok {
		return
	}
	a, err := h.store.AdultByID(ctx, inst.ID, id)
	if err != nil {
		h.notFoundOr(c, err)
		return
	}
	now := today()
	v := StaffISEEAdultView{StaffBase: h.staffBase(c, "isee"), Adult: *a, Today: now}
	if v.Resident, err = h.store.AdultResident(ctx, inst.ID, id); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	if v.Declarations, err = h.store.ISEEDeclarationsOf(ctx, inst.ID, id); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	children, err := h.familyChildren(c, a, calendar.SchoolYear(now), calendar.MonthOf(now))
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	var paid []FamilyChild
	for _, k := range children {
		if k.PayerID.Int64 == id {
			paid = append(paid, k)
		}
	}
	if v.Tariffs, err = h.iseeTariffs(c, paid, now); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	h.render(c, http.StatusOK, "staff_isee_adult", v)
}

// staffResidency records whether the adult is resident; the tariffs of the
// children they pay for follow from today (db.SetResident).
func (h *Handler) staffResidency(c *gin.Context) {
	inst, me := installation(c), currentAccount(c)
	id, ok := h.pathID(c, "id")
	if !ok {
		return
	}
	if _, err := h.store.AdultByID(c.Request.Context(), inst.ID, id); err != nil {
		h.notFoundOr(c, err)
		return
	}
	var resident bool
	switch c.PostForm("resident") {
	case "1":
		resident = true
	case "0":
	default:
		b := h.staffBase(c, "isee")
		h.flashRedirect(c, b.T("staff.isee.error.resident"), fmt.Sprintf("/%s/operatori/isee/adulti/%d", inst.Code, id))
		return
	}
	n, err := h.store.SetResident(c.Request.Context(), inst.ID, id, resident, me.ID, me.Username, c.ClientIP(), today())
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	b := h.staffBase(c, "isee")
	h.flashRedirect(c, b.T("staff.isee.resident_saved", n), fmt.Sprintf("/%s/operatori/isee/adulti/%d", inst.Code, id))
}
