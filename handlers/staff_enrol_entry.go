package handlers

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/internal/codicefiscale"
)

// staffEnrolEntryForm is the office's form to enter a family's request,
// also after the deadline (marked "fuori termine").
func (h *Handler) staffEnrolEntryForm(c *gin.Context) {
	w := h.enrolWindow(c, "window")
	if w == nil {
		return
	}
	v := &EnrolmentFormView{StaffBase: h.staffBase(c, "enrol"), Window: w, Office: true,
		Action: fmt.Sprintf("/%s/operatori/iscrizioni/finestre/%d/domanda", installation(c).Code, w.ID)}
	v.Form = EnrolmentForm{Child: "new", Answers: make([]string, len(w.Questions))}
	var err error
	if v.ISEE, err = h.hasISEETariffs(c, w.ServiceID); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	if len(w.Schools) == 1 {
		v.Form.School = w.Schools[0].SchoolID
	}
	h.render(c, http.StatusOK, "staff_enrol_entry", v)
}

// staffEnrolEntrySubmit stores the request entered by the office for the
// adult of the registry with the codice fiscale typed; the receipt goes to
// the adult's account, if any.
func (h *Handler) staffEnrolEntrySubmit(c *gin.Context) {
	w := h.enrolWindow(c, "window")
	if w == nil {
		return
	}
	inst, me, ctx := installation(c), currentAccount(c), c.Request.Context()
	v := &EnrolmentFormView{StaffBase: h.staffBase(c, "enrol"), Window: w, Office: true,
		Action: fmt.Sprintf("/%s/operatori/iscrizioni/finestre/%d/domanda", inst.Code, w.ID)}
	v.Form = readEnrolmentForm(c, w)
	v.Form.Child = "new"
	var err error
	if v.ISEE, err = h.hasISEETariffs(c, w.ServiceID); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	var adult *db.Adult
	if cf, err := codicefiscale.Validate(v.Form.AdultCF); err != nil {
		v.Errors["adult_cf"] = v.T("enrol.error.fiscal_code")
	} else if adult, _, err = h.store.AdultByFiscalCode(ctx, inst.ID, cf); errors.Is(err, db.ErrNotFound) {
		v.Errors["adult_cf"] = v.T("staff.enrol.error.adult")
	} else if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	r := checkEnrolmentForm(v.Base, v.Errors, w, v.Form, nil)
	if len(v.Errors) == 0 {
		r.InstallationID, r.AdultID, r.EnteredBy, r.ByOffice = inst.ID, adult.ID, me.ID, true
		accs, err := h.store.AccountsOfAdult(ctx, inst.ID, adult.ID)
		if err != nil {
			h.renderError(c, http.StatusInternalServerError, err)
			return
		}
		var mailTo int64
		if len(accs) > 0 {
			mailTo = accs[0].ID
		}
		rc, ok, err := h.submitEnrolment(ctx, v.Base, v.Errors, r, mailTo)
		if err != nil {
			h.renderError(c, http.StatusInternalServerError, err)
			return
		}
		if ok {
			h.staffAudit(c, "enrolment_office_entry", "success", map[string]any{"window": w.ID, "request": rc.ID, "protocol": rc.Protocol,
				"adult": adult.ID, "late": rc.Late, "again": rc.Again})
			if rc.ISEEDeclaration != 0 {
				h.staffAudit(c, "isee_declare", "success", map[string]any{"declaration": rc.ISEEDeclaration, "adult": adult.ID, "request": rc.ID})
			}
			msg := v.T("staff.enrol.entered", rc.Protocol)
			if rc.Late {
				msg = v.T("staff.enrol.entered_late", rc.Protocol)
			}
			h.flashRedirect(c, msg, fmt.Sprintf("/%s/operatori/iscrizioni/domande/%d", inst.Code, rc.ID))
			return
		}
	}
	h.render(c, http.StatusUnprocessableEntity, "staff_enrol_entry", v)
}
