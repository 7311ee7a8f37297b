package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/internal/money"
)

// EnrolChangeForm is the "Modifica o termina" form of one enrollment, as
// typed (kept on an error).
type EnrolChangeForm struct {
	Action                string // "end" or "change"
	From, Reason          string
	ServiceID, DietID     int64
	Tariff, Cost, Billing string
	Version               int
}

// enrolErr is the key of an error of enrollment id's change form.
func enrolErr(id int64, field string) string { return "e" + strconv.FormatInt(id, 10) + "-" + field }

// staffEnrollmentChange ends an enrollment from a date, or continues it from
// a date with new terms; the charges from that date are reversed (and
// charged again at the new tariff) in the same transaction (db.ChangeEnrollment).
func (h *Handler) staffEnrollmentChange(c *gin.Context) {
	inst, me := installation(c), currentAccount(c)
	ctx := c.Request.Context()
	enID, ok := h.pathID(c, "enrollment")
	if !ok {
		return
	}
	childID, ok := h.pathID(c, "id")
	if !ok {
		return
	}
	base := h.staffBase(c, "search")
	version, _ := strconv.Atoi(c.PostForm("version"))
	f := EnrolChangeForm{Action: c.PostForm("action"), From: formText(c, "from"), Reason: truncate(formText(c, "reason"), 200),
		ServiceID: formID(c, "service_id"), DietID: formID(c, "diet_id"), Tariff: truncate(formText(c, "tariff"), 80),
		Cost: formText(c, "cost"), Billing: formText(c, "billing"), Version: version}
	if f.Action != "end" && f.Action != "change" {
		h.renderError(c, http.StatusUnprocessableEntity, nil)
		return
	}
	// the enrollment must be this child's, in this installation
	list, err := h.store.EnrollmentsOfChild(ctx, inst.ID, childID)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	var en *db.Enrollment
	for i := range list {
		if list[i].ID == enID {
			en = &list[i]
		}
	}
	if en == nil {
		h.renderError(c, http.StatusNotFound, nil)
		return
	}
	errs := map[string]string{}
	from, okFrom := parseDay(f.From)
	switch {
	case f.Version != en.Version: // the page is older than the enrollment
		errs[enrolErr(enID, "from")] = base.T("staff.enrol.change.conflict")
	case !okFrom:
		errs[enrolErr(enID, "from")] = base.T("staff.error.date")
	case from.Before(en.StartsOn) || from.After(en.EndsOn):
		errs[enrolErr(enID, "from")] = base.T("staff.enrol.change.outside", base.Date(en.StartsOn), base.Date(en.EndsOn))
	}
	if f.Reason == "" {
		errs[enrolErr(enID, "reason")] = base.T("staff.enrol.change.reason_missing")
	} else if utf8.RuneCountInString(f.Reason) > 200 {
		errs[enrolErr(enID, "reason")] = base.T("staff.enrol.change.reason_long")
	}
	ch := db.EnrollmentChange{InstallationID: inst.ID, EnrollmentID: enID, Version: f.Version, From: from, End: f.Action == "end",
		Reason: f.Reason, By: me.ID, Today: today()}
	if !ch.End {
		cents, okc := money.Parse(f.Cost)
		if !okc || cents < 0 {
			errs[enrolErr(enID, "cost")] = base.T("staff.error.tariff")
		}
		if f.Billing != "daily" && f.Billing != "monthly" {
			errs[enrolErr(enID, "billing")] = base.T("staff.error.billing")
		}
		if f.ServiceID == 0 {
			errs[enrolErr(enID, "service_id")] = base.T("staff.error.service")
		}
		ch.ServiceID, ch.TariffName, ch.TariffCents, ch.Billing = f.ServiceID, f.Tariff, cents, f.Billing
		if f.DietID != 0 {
			ch.DietID = &f.DietID
		}
		if len(errs) == 0 && f.ServiceID == en.ServiceID && f.Tariff == en.TariffName && cents == en.TariffCents &&
			f.Billing == en.Billing && f.DietID == en.DietID.Int64 {
			errs[enrolErr(enID, "from")] = base.T("staff.enrol.change.nothing")
		}
	}
	if len(errs) == 0 {
		res, err := h.store.ChangeEnrollment(ctx, ch)
		switch {
		case errors.Is(err, db.ErrEnrollmentChanged):
			errs[enrolErr(enID, "from")] = base.T("staff.enrol.change.conflict")
		case errors.Is(err, db.ErrOutsidePeriod):
			errs[enrolErr(enID, "from")] = base.T("staff.enrol.change.outside", base.Date(en.StartsOn), base.Date(en.EndsOn))
		case err != nil && isFKViolation(err):
			errs[enrolErr(enID, "service_id")] = base.T("staff.error.service")
		case err != nil:
			h.renderError(c, http.StatusInternalServerError, err)
			return
		default:
			action := "enrollment_end"
			if !ch.End {
				action = "enrollment_change"
			}
			h.staffAudit(c, action, "success", map[string]any{"child": childID, "enrollment": enID, "from": f.From,
				"new_enrollment": res.NewEnrollmentID, "reversed": res.Reversed, "reversed_cents": res.ReversedCents,
				"charged": res.Charged, "charged_cents": res.ChargedCents, "removed_days": res.RemovedDays})
			msg := base.T("staff.enrol.change.done", res.Reversed, base.Money(res.ReversedCents), res.Charged, base.Money(-res.ChargedCents))
			h.flashRedirect(c, msg, fmt.Sprintf("/%s/operatori/bambini/%d#iscrizione-%d", inst.Code, childID, enID))
			return
		}
	}
	conflict := errs[enrolErr(enID, "from")] == base.T("staff.enrol.change.conflict")
	h.staffChildInvalid(c, base, childID, errs, func(v *StaffChildView) {
		for _, e := range v.Enrollments {
			if e.ID == enID && conflict {
				f.Version = e.Version // shown with the current data: applying again is a deliberate choice
			}
		}
		v.Change = map[int64]EnrolChangeForm{enID: f}
	})
}
