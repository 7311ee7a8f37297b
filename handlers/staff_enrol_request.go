package handlers

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/internal/money"
)

// StaffEnrolAcceptForm is the acceptance as typed: the enrollment's period
// and tariff.
type StaffEnrolAcceptForm struct {
	StartsOn, EndsOn, TariffName, Amount, Billing string
}

// StaffEnrolRequestView is one request in detail with the forms that
// decide it.
type StaffEnrolRequestView struct {
	StaffBase
	Request    *db.EnrolmentRequest
	Siblings   []db.EnrolmentSibling // other adults' requests for the same child in the window
	Accept     StaffEnrolAcceptForm
	TariffFrom string // where the tariff was pre-filled from: "isee", "last", "" none
	TariffWhy  string // the ISEE tariff's reason
	Reason     string
}

func (h *Handler) staffEnrolRequestView(c *gin.Context) *StaffEnrolRequestView {
	id, ok := h.pathID(c, "id")
	if !ok {
		return nil
	}
	inst, ctx := installation(c), c.Request.Context()
	r, err := h.store.EnrolmentRequestByID(ctx, inst.ID, id)
	if err != nil {
		h.notFoundOr(c, err)
		return nil
	}
	v := &StaffEnrolRequestView{StaffBase: h.staffBase(c, "enrol"), Request: r}
	if v.Siblings, err = h.store.EnrolmentSiblings(ctx, inst.ID, r); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return nil
	}
	v.Accept = StaffEnrolAcceptForm{StartsOn: r.StartsOn.Format("02/01/2006"), EndsOn: r.EndsOn.Format("02/01/2006"), Billing: "daily"}
	child := r.ChildID
	if !child.Valid {
		child = r.KnownChild
	}
	if child.Valid {
		t, err := h.store.TariffFor(ctx, nil, inst.ID, r.ServiceID, child.Int64, r.StartsOn)
		switch {
		case err == nil:
			v.Accept.TariffName, v.Accept.Amount, v.TariffFrom, v.TariffWhy = t.EnrollmentTariffName(), money.Format(t.Cents, "it"), "isee", t.Why
			return v
		case !errors.Is(err, db.ErrNoTariffRules):
			h.renderError(c, http.StatusInternalServerError, err)
			return nil
		}
		name, cents, billing, found, err := h.store.TariffHint(ctx, inst.ID, child.Int64, r.ServiceID)
		if err != nil {
			h.renderError(c, http.StatusInternalServerError, err)
			return nil
		}
		if found {
			v.Accept.TariffName, v.Accept.Amount, v.Accept.Billing = name, money.Format(cents, "it"), billing
			v.TariffFrom = "last"
		}
	}
	return v
}

func (h *Handler) staffEnrolRequest(c *gin.Context) {
	if v := h.staffEnrolRequestView(c); v != nil {
		h.render(c, http.StatusOK, "staff_enrol_request", v)
	}
}

// staffEnrolAccept accepts the request: the enrollment (and a new child)
// are made in one transaction, once whatever the clerks do at once.
func (h *Handler) staffEnrolAccept(c *gin.Context) {
	v := h.staffEnrolRequestView(c)
	if v == nil {
		return
	}
	inst, me := installation(c), currentAccount(c)
	v.Accept = StaffEnrolAcceptForm{StartsOn: truncate(formText(c, "starts_on"), 20), EndsOn: truncate(formText(c, "ends_on"), 20),
		TariffName: truncate(formText(c, "tariff_name"), 80), Amount: truncate(formText(c, "amount"), 20), Billing: c.PostForm("billing")}
	d := db.EnrolmentDecision{InstallationID: inst.ID, RequestID: v.Request.ID, TariffName: v.Accept.TariffName, Billing: v.Accept.Billing, By: me.ID}
	var ok bool
	if d.StartsOn, ok = parseDay(v.Accept.StartsOn); !ok {
		v.Errors["starts_on"] = v.T("staff.error.date")
	}
	if d.EndsOn, ok = parseDay(v.Accept.EndsOn); !ok {
		v.Errors["ends_on"] = v.T("staff.error.date")
	} else if d.EndsOn.Before(d.StartsOn) {
		v.Errors["ends_on"] = v.T("staff.enrol.error.period")
	}
	if d.TariffName == "" {
		v.Errors["tariff_name"] = v.T("staff.enrol.error.tariff_name")
	}
	if d.TariffCents, ok = money.Parse(v.Accept.Amount); !ok || d.TariffCents < 0 {
		v.Errors["amount"] = v.T("staff.enrol.error.amount")
	}
	if d.Billing != "daily" && d.Billing != "monthly" {
		v.Errors["billing"] = v.T("staff.enrol.error.billing")
	}
	back := fmt.Sprintf("/%s/operatori/iscrizioni/domande/%d", inst.Code, v.Request.ID)
	if len(v.Errors) == 0 {
		d.Audit = staffAuditEvent(c, "enrolment_accept", "success", map[string]any{"request": v.Request.ID, "protocol": v.Request.Protocol(),
			"tariff_name": d.TariffName, "tariff_cents": d.TariffCents, "billing": d.Billing,
			"starts_on": d.StartsOn.Format("2006-01-02"), "ends_on": d.EndsOn.Format("2006-01-02"), "requested_as_new_child": !v.Request.ChildID.Valid})
		_, err := h.store.AcceptEnrolment(c.Request.Context(), d)
		switch {
		case errors.Is(err, db.ErrRequestDecided):
			h.staffAudit(c, "enrolment_accept", "already_decided", map[string]any{"request": v.Request.ID})
			h.flashRedirect(c, v.T("staff.enrol.already"), back)
			return
		case errors.Is(err, db.ErrAlreadyEnrolled):
			v.Errors["starts_on"] = v.T("staff.enrol.error.enrolled")
		case errors.Is(err, db.ErrChildOfAnotherFamily):
			h.staffAudit(c, "enrolment_accept", "child_of_another_family", map[string]any{"request": v.Request.ID})
			h.flashRedirect(c, v.T("staff.enrol.error.other_family"), back)
			return
		case err != nil:
			h.renderError(c, http.StatusInternalServerError, err)
			return
		default: // audited in the acceptance's transaction
			h.flashRedirect(c, v.T("staff.enrol.accepted", v.Request.Protocol()), back)
			return
		}
	}
	h.render(c, http.StatusUnprocessableEntity, "staff_enrol_request", v)
}

// staffEnrolReject rejects the request with the reason the family reads.
func (h *Handler) staffEnrolReject(c *gin.Context) {
	v := h.staffEnrolRequestView(c)
	if v == nil {
		return
	}
	inst, me := installation(c), currentAccount(c)
	v.Reason = truncate(formText(c, "reason"), 300)
	if v.Reason == "" {
		v.Errors["reason"] = v.T("staff.enrol.error.reason")
		h.render(c, http.StatusUnprocessableEntity, "staff_enrol_request", v)
		return
	}
	back := fmt.Sprintf("/%s/operatori/iscrizioni/domande/%d", inst.Code, v.Request.ID)
	err := h.store.RejectEnrolment(c.Request.Context(), inst.ID, v.Request.ID, v.Reason, me.ID,
		staffAuditEvent(c, "enrolment_reject", "success", map[string]any{"request": v.Request.ID, "protocol": v.Request.Protocol()}))
	switch {
	case errors.Is(err, db.ErrRequestDecided):
		h.staffAudit(c, "enrolment_reject", "already_decided", map[string]any{"request": v.Request.ID})
		h.flashRedirect(c, v.T("staff.enrol.already"), back)
	case err != nil:
		h.notFoundOr(c, err)
	default: // audited in the rejection's transaction
		h.flashRedirect(c, v.T("staff.enrol.rejected", v.Request.Protocol()), back)
	}
}
