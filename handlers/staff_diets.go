package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/internal/calendar"
)

// StaffDietsView is the office's queue of diet requests: the waiting ones
// with the decision forms, then the latest decided.
type StaffDietsView struct {
	StaffBase
	Requests  []db.DietRequest
	Diets     []db.CatalogueItem // the diets in use, to choose from
	CanOpen   bool               // "salute" (or administrator): the certificates open
	Sealing   bool               // GENITORI_SECRET_KEY set: certificates encrypted at rest
	Retention int                // days a certificate is kept after the diet's end
	Forms     map[int64]DietDecisionForm
}

// DietDecisionForm is one request's decision as typed (kept on an error).
type DietDecisionForm struct {
	DietID         int64
	NewDiet        string
	From, To, Note string
}

// Form is the decision form of request id: as typed, or the defaults
// (the restriction asked as the new diet's name, from today to the end of
// the school year).
func (v StaffDietsView) Form(r db.DietRequest) DietDecisionForm {
	if f, ok := v.Forms[r.ID]; ok {
		return f
	}
	now := today()
	f := DietDecisionForm{NewDiet: r.Restriction, From: now.Format(time.DateOnly),
		To: calendar.Day(calendar.SchoolYear(now)+1, time.June, 30).Format(time.DateOnly)}
	for _, d := range v.Diets {
		if d.Name == r.Restriction {
			f.DietID, f.NewDiet = d.ID, ""
		}
	}
	return f
}

// Err is the error of field of request id's forms.
func (v StaffDietsView) Err(id int64, field string) string { return v.Errors[dietErrKey(id, field)] }

// ErrKey is the id of field of request id (the error summary links to it).
func (StaffDietsView) ErrKey(id int64, field string) string { return dietErrKey(id, field) }

func dietErrKey(id int64, field string) string { return "d" + strconv.FormatInt(id, 10) + "-" + field }

func (h *Handler) staffDietsView(c *gin.Context) (StaffDietsView, error) {
	inst := installation(c)
	ctx := c.Request.Context()
	v := StaffDietsView{StaffBase: h.staffBase(c, "diets"), Forms: map[int64]DietDecisionForm{}}
	var err error
	if v.Requests, err = h.store.DietRequestQueue(ctx, inst.ID, 30); err != nil {
		return v, err
	}
	items, err := h.store.CatalogueItems(ctx, inst.ID, "diet", today())
	if err != nil {
		return v, err
	}
	for _, d := range items {
		if !d.RetiredAt.Valid {
			v.Diets = append(v.Diets, d)
		}
	}
	if v.CanOpen, err = h.mayReadHealth(c); err != nil {
		return v, err
	}
	v.Sealing = h.cfg.SecretKey != ""
	v.Retention, err = h.store.DietRetentionDays(ctx, inst.ID)
	return v, err
}

func (h *Handler) staffDiets(c *gin.Context) {
	v, err := h.staffDietsView(c)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	if len(v.Requests) > 0 { // the restrictions asked are diets: their reads are audited
		h.staffAudit(c, "diet_read", "success", map[string]any{"diet_requests": len(v.Requests)})
	}
	h.render(c, http.StatusOK, "staff_diets", v)
}

// staffDietDecide accepts a request (the diet, new or chosen, goes on the
// child's canteen enrollments for its validity, in one transaction with
// the decision) or rejects it with a reason the family reads.
func (h *Handler) staffDietDecide(c *gin.Context) {
	inst, me := installation(c), currentAccount(c)
	id, ok := h.pathID(c, "id")
	if !ok {
		return
	}
	accept := c.Param("action") == "accetta"
	if !accept && c.Param("action") != "rifiuta" {
		h.renderError(c, http.StatusNotFound, nil)
		return
	}
	base := h.staffBase(c, "diets")
	f := DietDecisionForm{DietID: formID(c, "dieta"), NewDiet: truncate(formText(c, "nuova_dieta"), 100), From: formText(c, "dal"),
		To: formText(c, "al"), Note: truncate(formText(c, "motivo"), 400)}
	d := db.DietDecision{InstallationID: inst.ID, RequestID: id, Accept: accept, DietID: f.DietID, DietName: f.NewDiet, Note: f.Note,
		By: me.ID, Today: today()}
	errs := map[string]string{}
	if accept {
		var okFrom, okTo bool
		d.From, okFrom = parseDay(f.From)
		d.To, okTo = parseDay(f.To)
		switch {
		case !okFrom:
			errs[dietErrKey(id, "dal")] = base.T("staff.error.date")
		case !okTo:
			errs[dietErrKey(id, "al")] = base.T("staff.error.date")
		case d.To.Before(d.From):
			errs[dietErrKey(id, "al")] = base.T("staff.diets.error.to_before")
		}
		switch {
		case f.DietID == 0 && f.NewDiet == "":
			errs[dietErrKey(id, "dieta")] = base.T("staff.diets.error.diet")
		case f.DietID == 0 && utf8.RuneCountInString(f.NewDiet) > 80:
			errs[dietErrKey(id, "nuova_dieta")] = base.T("diets.error.restriction_long")
		}
	} else if f.Note == "" {
		errs[dietErrKey(id, "motivo")] = base.T("staff.diets.error.note")
	}
	back := "/" + inst.Code + "/operatori/diete"
	if len(errs) == 0 {
		if accept {
			d.Audit = staffAuditEvent(c, "diet_request_accept", "success", map[string]any{"from": f.From, "to": f.To})
		} else {
			d.Audit = staffAuditEvent(c, "diet_request_reject", "success", nil)
		}
		res, err := h.store.DecideDietRequest(c.Request.Context(), d)
		switch {
		case errors.Is(err, db.ErrDietRequestDecided):
			h.flashRedirect(c, base.T("staff.diets.already"), back)
			return
		case errors.Is(err, db.ErrEnrollmentChanged):
			errs[dietErrKey(id, "dal")] = base.T("staff.enrol.change.conflict")
		case errors.Is(err, db.ErrNotFound) && accept && f.DietID != 0:
			errs[dietErrKey(id, "dieta")] = base.T("staff.diets.error.diet")
		case err != nil:
			h.notFoundOr(c, err)
			return
		case accept: // audited in the decision's transaction
			h.flashRedirect(c, base.T("staff.diets.accepted", id, len(res.Enrollments)), fmt.Sprintf("%s#richiesta-%d", back, id))
			return
		default:
			h.flashRedirect(c, base.T("staff.diets.rejected", id), fmt.Sprintf("%s#richiesta-%d", back, id))
			return
		}
	}
	v, err := h.staffDietsView(c)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	v.Errors, v.Forms[id] = errs, f
	h.render(c, http.StatusUnprocessableEntity, "staff_diets", v)
}

// staffDietSettingsSave sets how many days a certificate is kept after
// the diet's validity ends (administrators).
func (h *Handler) staffDietSettingsSave(c *gin.Context) {
	inst := installation(c)
	days, err := strconv.Atoi(formText(c, "giorni"))
	if err != nil || days < 0 || days > 3650 {
		v, verr := h.staffDietsView(c)
		if verr != nil {
			h.renderError(c, http.StatusInternalServerError, verr)
			return
		}
		v.Errors["giorni"] = v.T("staff.diets.error.days")
		h.render(c, http.StatusUnprocessableEntity, "staff_diets", v)
		return
	}
	if err := h.store.SetDietRetentionDays(c.Request.Context(), inst.ID, days); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	h.staffAudit(c, "diet_settings_update", "success", map[string]any{"retention_days": days})
	h.flashRedirect(c, h.base(c).T("staff.saved"), "/"+inst.Code+"/operatori/diete#conservazione")
}

// KB is a file's size for the office: "120 KB".
func (StaffDietsView) KB(n int) string { return strconv.Itoa((n+1023)/1024) + " KB" }
