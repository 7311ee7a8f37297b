package handlers

import (
	"database/sql"
	"errors"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/internal/money"
)

// StaffChildView is a child's card: registry data, adults, enrollments.
type StaffChildView struct {
	StaffBase
	Child       db.Child
	BirthText   string
	New         bool
	Schools     []db.Option
	Services    []db.Option
	Diets       []db.Option
	Guardians   []db.Guardian
	Enrollments []db.Enrollment
	Enrol       EnrolForm
	GuardianCF  string
	Meals       []MealChild // the desk's meal days (staff_meal.go)
}

// EnrolForm is the "enroll in a service" form.
type EnrolForm struct {
	ServiceID, DietID      int64
	From, To, Tariff, Cost string
	Billing                string
}

func (h *Handler) staffChildOptions(c *gin.Context, v *StaffChildView) error {
	inst := installation(c)
	ctx := c.Request.Context()
	var err error
	if v.Schools, err = h.store.Schools(ctx, inst.ID); err != nil {
		return err
	}
	if v.Services, err = h.store.Services(ctx, inst.ID); err != nil {
		return err
	}
	v.Diets, err = h.store.Diets(ctx, inst.ID)
	return err
}

func (h *Handler) staffChildNew(c *gin.Context) {
	v := StaffChildView{StaffBase: h.staffBase(c, "search"), New: true}
	if err := h.staffChildOptions(c, &v); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	h.render(c, http.StatusOK, "staff_child", v)
}

func (h *Handler) staffChildView(c *gin.Context, id int64) (StaffChildView, error) {
	inst := installation(c)
	ctx := c.Request.Context()
	y := db.SchoolYearOf(today())
	v := StaffChildView{StaffBase: h.staffBase(c, "search"),
		Enrol: EnrolForm{From: fmt.Sprintf("%d-09-07", y), To: fmt.Sprintf("%d-06-30", y+1), Billing: "daily"}}
	ch, err := h.store.ChildByID(ctx, inst.ID, id)
	if err != nil {
		return v, err
	}
	v.Child, v.BirthText = *ch, ch.BirthDate.Format("02/01/2006")
	if err := h.staffChildOptions(c, &v); err != nil {
		return v, err
	}
	if v.Guardians, err = h.store.GuardiansOfChild(ctx, inst.ID, id); err != nil {
		return v, err
	}
	if v.Enrollments, err = h.store.EnrollmentsOfChild(ctx, inst.ID, id); err != nil {
		return v, err
	}
	v.Meals, err = h.staffMeals(c, ch, v.Enrollments)
	return v, err
}

// staffChildShow shows the card; the enrollments carry the diet, so the
// read is audited (docs/architecture.md#diets).
func (h *Handler) staffChildShow(c *gin.Context) {
	id, ok := h.pathID(c, "id")
	if !ok {
		return
	}
	v, err := h.staffChildView(c, id)
	if err != nil {
		h.notFoundOr(c, err)
		return
	}
	h.auditDietRead(c, id, v.Enrollments)
	h.render(c, http.StatusOK, "staff_child", v)
}

func (h *Handler) auditDietRead(c *gin.Context, childID int64, list []db.Enrollment) {
	for _, e := range list {
		if e.Diet != "" {
			h.staffAudit(c, "diet_read", "success", map[string]any{"child": childID})
			return
		}
	}
}

func (h *Handler) staffChildSave(c *gin.Context) {
	inst := installation(c)
	ctx := c.Request.Context()
	id, ok := optionalIDParam(c, "id")
	if !ok {
		h.renderError(c, http.StatusNotFound, nil)
		return
	}
	base := h.staffBase(c, "search")
	ch := db.Child{InstallationID: inst.ID, ID: id, FirstName: formText(c, "first_name"), LastName: formText(c, "last_name"),
		ClassName: truncate(formText(c, "class_name"), 40)}
	errs := personErrors(base, ch.FirstName, ch.LastName)
	var cfErr string
	if ch.FiscalCode, cfErr = checkFiscalCode(c.PostForm("fiscal_code")); cfErr != "" {
		errs["fiscal_code"] = base.T(cfErr)
	}
	birthText := formText(c, "birth_date")
	var okDate bool
	if ch.BirthDate, okDate = parseDay(birthText); !okDate || ch.BirthDate.After(today()) {
		errs["birth_date"] = base.T("staff.error.birth_date")
	}
	if school := formID(c, "school_id"); school != 0 {
		ch.SchoolID = sql.NullInt64{Int64: school, Valid: true}
	}
	if len(errs) == 0 {
		newID, err := h.store.SaveChild(ctx, ch)
		switch {
		case errors.Is(err, db.ErrFiscalCodeTaken):
			errs["fiscal_code"] = base.T("staff.error.cf_taken")
		case err != nil && !errors.Is(err, db.ErrNotFound) && !isFKViolation(err):
			h.renderError(c, http.StatusInternalServerError, err)
			return
		case err != nil && isFKViolation(err):
			errs["school_id"] = base.T("staff.error.school")
		case err != nil:
			h.renderError(c, http.StatusNotFound, nil)
			return
		default:
			action := "registry_child_update"
			if id == 0 {
				action = "registry_child_create"
			}
			h.staffAudit(c, action, "success", map[string]any{"child": newID})
			h.flashRedirect(c, base.T("staff.saved"), fmt.Sprintf("/%s/operatori/bambini/%d", inst.Code, newID))
			return
		}
	}
	h.staffChildInvalid(c, base, id, errs, func(v *StaffChildView) {
		v.Child.FirstName, v.Child.LastName, v.Child.FiscalCode, v.Child.ClassName, v.Child.SchoolID = ch.FirstName, ch.LastName, ch.FiscalCode, ch.ClassName, ch.SchoolID
		v.BirthText = birthText
	})
}

// staffChildInvalid answers 422 with the child's card showing errs (for id
// 0, the new-child form on base); keep, if not nil, puts the submitted
// values back into the form.
func (h *Handler) staffChildInvalid(c *gin.Context, base StaffBase, id int64, errs map[string]string, keep func(*StaffChildView)) {
	v := StaffChildView{StaffBase: base, New: true}
	if id != 0 {
		var err error
		if v, err = h.staffChildView(c, id); err != nil {
			h.notFoundOr(c, err)
			return
		}
	} else if err := h.staffChildOptions(c, &v); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	v.Errors = errs
	if keep != nil {
		keep(&v)
	}
	h.render(c, http.StatusUnprocessableEntity, "staff_child", v)
}

// staffGuardianAdd links an adult (by codice fiscale) to the child as the
// paying adult or another guardian.
func (h *Handler) staffGuardianAdd(c *gin.Context) {
	inst := installation(c)
	ctx := c.Request.Context()
	id, ok := h.pathID(c, "id")
	if !ok {
		return
	}
	base := h.staffBase(c, "search")
	cf, cfErr := checkFiscalCode(c.PostForm("adult_cf"))
	role := c.PostForm("role")
	if role != "payer" {
		role = "guardian"
	}
	errs := map[string]string{}
	if cfErr != "" {
		errs["adult_cf"] = base.T(cfErr)
	}
	if _, err := h.store.ChildByID(ctx, inst.ID, id); err != nil {
		h.notFoundOr(c, err)
		return
	}
	if len(errs) == 0 {
		adult, _, err := h.store.AdultByFiscalCode(ctx, inst.ID, cf)
		switch {
		case errors.Is(err, db.ErrNotFound):
			errs["adult_cf"] = base.T("staff.error.adult_unknown")
		case err != nil:
			h.renderError(c, http.StatusInternalServerError, err)
			return
		default:
			if err := h.store.SetGuardianship(ctx, inst.ID, id, adult.ID, role); err != nil {
				h.renderError(c, http.StatusInternalServerError, err)
				return
			}
			h.staffAudit(c, "registry_guardianship", "success", map[string]any{"child": id, "adult": adult.ID, "role": role})
			h.flashRedirect(c, base.T("staff.saved"), fmt.Sprintf("/%s/operatori/bambini/%d", inst.Code, id))
			return
		}
	}
	h.staffChildInvalid(c, base, id, errs, func(v *StaffChildView) { v.GuardianCF = cf })
}

func (h *Handler) staffGuardianRemove(c *gin.Context) {
	inst := installation(c)
	id, ok1 := idParam(c, "id")
	adult, ok2 := idParam(c, "adult")
	if !ok1 || !ok2 {
		h.renderError(c, http.StatusNotFound, nil)
		return
	}
	if err := h.store.RemoveGuardianship(c.Request.Context(), inst.ID, id, adult); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	h.staffAudit(c, "registry_guardianship_remove", "success", map[string]any{"child": id, "adult": adult})
	h.flashRedirect(c, h.staffBase(c, "").T("staff.saved"), fmt.Sprintf("/%s/operatori/bambini/%d", inst.Code, id))
}

// staffEnrollmentAdd enrolls the child in a service for a period, with a
// diet and a tariff.
func (h *Handler) staffEnrollmentAdd(c *gin.Context) {
	inst := installation(c)
	ctx := c.Request.Context()
	id, ok := h.pathID(c, "id")
	if !ok {
		return
	}
	base := h.staffBase(c, "search")
	f := EnrolForm{ServiceID: formID(c, "service_id"), DietID: formID(c, "diet_id"), From: formText(c, "from"), To: formText(c, "to"),
		Tariff: truncate(formText(c, "tariff"), 80), Cost: formText(c, "cost"), Billing: formText(c, "billing")}
	errs := map[string]string{}
	from, ok1 := parseDay(f.From)
	to, ok2 := parseDay(f.To)
	if !ok1 {
		errs["from"] = base.T("staff.error.date")
	}
	if !ok2 || (ok1 && to.Before(from)) {
		errs["to"] = base.T("staff.error.period")
	}
	cents, okc := money.Parse(f.Cost)
	if !okc || cents < 0 {
		errs["cost"] = base.T("staff.error.tariff")
	}
	if f.Billing != "daily" && f.Billing != "monthly" {
		errs["billing"] = base.T("staff.error.billing")
	}
	if f.ServiceID == 0 {
		errs["service_id"] = base.T("staff.error.service")
	}
	if _, err := h.store.ChildByID(ctx, inst.ID, id); err != nil {
		h.notFoundOr(c, err)
		return
	}
	if len(errs) == 0 {
		e := db.NewEnrollment{InstallationID: inst.ID, ChildID: id, ServiceID: f.ServiceID, StartsOn: from, EndsOn: to,
			TariffName: f.Tariff, TariffCents: cents, Billing: f.Billing}
		if f.DietID != 0 {
			e.DietID = &f.DietID
		}
		enID, err := h.store.AddEnrollment(ctx, e)
		if err != nil && isFKViolation(err) {
			errs["service_id"] = base.T("staff.error.service")
		} else if err != nil {
			h.renderError(c, http.StatusInternalServerError, err)
			return
		} else {
			h.staffAudit(c, "enrollment_create", "success", map[string]any{"child": id, "enrollment": enID, "service": f.ServiceID,
				"tariff_cents": cents, "diet_set": f.DietID != 0})
			h.flashRedirect(c, base.T("staff.saved"), fmt.Sprintf("/%s/operatori/bambini/%d#iscrizioni", inst.Code, id))
			return
		}
	}
	h.staffChildInvalid(c, base, id, errs, func(v *StaffChildView) { v.Enrol = f })
}
