package handlers

import (
	"errors"
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

// ISEEPanel is the family home's box of the tariffs by ISEE (partial
// "isee-family"); nil when no enrollment is in a service with tariffs by
// ISEE.
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

// iseeTariffs lists today's tariff of each enrollment of the children in a
// service with tariffs by ISEE. The reason is shown only when it matches
// what the enrollment charges: a tariff the office typed by hand is shown
// without one.
func (h *Handler) iseeTariffs(c *gin.Context, children []FamilyChild, on time.Time) ([]ISEETariffLine, error) {
	inst, b := installation(c), h.base(c)
	var out []ISEETariffLine
	for _, k := range children {
		for _, e := range k.Services {
			if on.Before(e.StartsOn) || on.After(e.EndsOn) {
				continue
			}
			t, err := h.store.TariffFor(c.Request.Context(), nil, inst.ID, e.ServiceID, k.ID, on)
			if errors.Is(err, db.ErrNoTariffRules) {
				continue
			}
			if err != nil {
				return nil, err
			}
			line := ISEETariffLine{Child: k.FirstName, Service: e.ServiceName, Cents: e.TariffCents, Billing: e.Billing}
			if t.Cents == e.TariffCents {
				line.Why = b.TariffWhy(t)
			}
			out = append(out, line)
		}
	}
	return out, nil
}

// iseePanel builds the family home's box (familyShow).
func (h *Handler) iseePanel(c *gin.Context, adult *db.Adult, children []FamilyChild) (*ISEEPanel, error) {
	now := today()
	lines, err := h.iseeTariffs(c, children, now)
	if err != nil || len(lines) == 0 {
		return nil, err
	}
	p := &ISEEPanel{Base: h.base(c), Tariffs: lines, Today: now}
	list, err := h.store.ISEEDeclarationsOf(c.Request.Context(), installation(c).ID, adult.ID)
	if err != nil {
		return nil, err
	}
	if len(list) > 0 {
		p.Latest = &list[0]
	}
	return p, nil
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
