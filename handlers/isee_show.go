package handlers

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/internal/calendar"
)

// ISEEView is the family's "ISEE e tariffe agevolate" page: the tariffs of
// the children's enrollments and why, the declarations and their status,
// and the form to declare a new ISEE.
type ISEEView struct {
	Base
	Payer        bool // only the paying adult declares (the ISEE sets the tariff of the children they pay for)
	Tariffs      []ISEETariffLine
	Declarations []db.ISEEDeclaration
	Today        time.Time
	Form         ISEEForm
	Errors       map[string]string
}

// ISEEForm is the declaration as typed.
type ISEEForm struct{ Value, Protocol, Expiry string }

// ISEETariffLine is one enrollment's tariff today, with its reason.
type ISEETariffLine struct {
	Child, Service string
	Cents          int64
	Billing        string
	Why            string // translated; "" when the office set the tariff by hand
}

// ISEEPanel is the family home's box of the tariffs by ISEE (written in
// Go: handlers/family_html.go); nil when no enrollment is in a service
// with tariffs by ISEE.
type ISEEPanel struct {
	Base
	Tariffs []ISEETariffLine
	Latest  *db.ISEEDeclaration
	Today   time.Time
}

// Field builds a field of the declaration form.
func (v ISEEView) Field(name, labelKey, value, typ, autocomplete string) Field {
	return fieldFor(v.Base, v.Errors, name, labelKey, value, typ, autocomplete)
}

// ISEEState is a declaration's status as the family reads it.
func (b Base) ISEEState(d db.ISEEDeclaration, today time.Time) string {
	return b.T("isee.state." + d.State(today))
}

// TariffWhy is a tariff's reason in the page's language.
func (b Base) TariffWhy(t db.Tariff) string {
	var s string
	switch t.Kind {
	case db.TariffBand:
		s = b.T("isee.why.band", t.Band, b.Money(t.UpToCents))
	case db.TariffAboveBands:
		s = b.T("isee.why.above")
	case db.TariffNonResident:
		s = b.T("isee.why.nonresident")
	default:
		s = b.T("isee.why.max")
	}
	if t.SiblingPercent > 0 {
		s += b.T("isee.why.sibling", t.SiblingPercent)
	}
	return s
}

// iseeTariffs lists the tariff on a day of each enrollment of the children
// in a service with tariffs by ISEE, read in one statement.
func (h *Handler) iseeTariffs(c *gin.Context, children []FamilyChild, on time.Time) ([]ISEETariffLine, error) {
	var keys []db.TariffKey
	for _, k := range children {
		for _, e := range k.Services {
			if !on.Before(e.StartsOn) && !on.After(e.EndsOn) {
				keys = append(keys, db.TariffKey{ChildID: k.ID, ServiceID: e.ServiceID})
			}
		}
	}
	if len(keys) == 0 {
		return nil, nil
	}
	tariffs, err := h.store.TariffsOn(c.Request.Context(), installation(c).ID, keys, on)
	if err != nil {
		return nil, err
	}
	return iseeLines(h.base(c), children, tariffs, on), nil
}

// iseeLines are the lines of the enrollments on the day whose tariff is in
// tariffs (db.TariffsOn, or the family page's). The reason is shown only
// when it matches what the enrollment charges: a tariff the office typed by
// hand is shown without one.
func iseeLines(b Base, children []FamilyChild, tariffs []db.EnrollmentTariff, on time.Time) []ISEETariffLine {
	var out []ISEETariffLine
	for _, k := range children {
		for _, e := range k.Services {
			if on.Before(e.StartsOn) || on.After(e.EndsOn) {
				continue
			}
			t, ok := db.TariffOf(tariffs, k.ID, e.ServiceID)
			if !ok {
				continue // no tariffs by ISEE for the service
			}
			line := ISEETariffLine{Child: k.FirstName, Service: e.ServiceName, Cents: e.TariffCents, Billing: e.Billing}
			if t.Cents == e.TariffCents {
				line.Why = b.TariffWhy(t)
			}
			out = append(out, line)
		}
	}
	return out
}

// iseeView loads the page of the signed-in adult; nil when the request was
// answered (not linked, staff).
func (h *Handler) iseeView(c *gin.Context) (*ISEEView, error) {
	adult := h.familyAdult(c)
	if adult == nil {
		return nil, nil
	}
	inst, ctx := installation(c), c.Request.Context()
	now := today()
	v := &ISEEView{Base: h.base(c), Today: now, Errors: map[string]string{}}
	v.Nav = "family"
	var err error
	if v.Payer, err = h.store.IsPayer(ctx, inst.ID, adult.ID); err != nil {
		return nil, err
	}
	if v.Declarations, err = h.store.ISEEDeclarationsOf(ctx, inst.ID, adult.ID); err != nil {
		return nil, err
	}
	children, err := h.familyChildren(c, adult, calendar.SchoolYear(now), calendar.MonthOf(now))
	if err != nil {
		return nil, err
	}
	if v.Tariffs, err = h.iseeTariffs(c, children, now); err != nil {
		return nil, err
	}
	return v, nil
}

func (h *Handler) iseeShow(c *gin.Context) {
	v, err := h.iseeView(c)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	if v == nil {
		return
	}
	h.render(c, http.StatusOK, "isee", v)
}
