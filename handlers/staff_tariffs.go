package handlers

import (
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/internal/money"
)

// emptyBandRows is how many blank band rows the form offers, so bands are
// added without JavaScript.
const emptyBandRows = 3

// maxBands bounds the rows read from the form.
const maxBands = 20

// StaffTariffsView is a service's tariffs by ISEE: the bands (ISEE from,
// ISEE up to, amount), the maximum, the non-resident rate and the sibling
// reduction.
type StaffTariffsView struct {
	StaffBase
	ServiceID                 int64
	ServiceName               string
	Max, NonResident, Sibling string
	Bands                     []BandForm
	Version                   int
	Configured                bool
}

// BandForm is one band row as typed.
type BandForm struct{ From, To, Amount string }

// BandID is the id of a band row's field: "b2-from".
func (StaffTariffsView) BandID(i int, field string) string { return fmt.Sprintf("b%d-%s", i+1, field) }

// Field builds a field of the rules.
func (v StaffTariffsView) Field(name, labelKey, value, typ, autocomplete string) Field {
	return fieldFor(v.Base, v.Errors, name, labelKey, value, typ, autocomplete)
}

func (h *Handler) staffTariffsView(c *gin.Context) (*StaffTariffsView, bool) {
	inst := installation(c)
	id, ok := h.pathID(c, "service")
	if !ok {
		return nil, false
	}
	services, err := h.store.Services(c.Request.Context(), inst.ID)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return nil, false
	}
	v := &StaffTariffsView{StaffBase: h.staffBase(c, "isee"), ServiceID: id}
	for _, s := range services {
		if s.ID == id {
			v.ServiceName = s.Name
		}
	}
	if v.ServiceName == "" {
		h.renderError(c, http.StatusNotFound, nil)
		return nil, false
	}
	return v, true
}

func (h *Handler) staffTariffs(c *gin.Context) {
	v, ok := h.staffTariffsView(c)
	if !ok {
		return
	}
	r, err := h.store.TariffRulesOf(c.Request.Context(), installation(c).ID, v.ServiceID)
	switch {
	case errors.Is(err, db.ErrNoTariffRules):
		v.Sibling = "0"
	case err != nil:
		h.renderError(c, http.StatusInternalServerError, err)
		return
	default:
		v.Configured, v.Version = true, r.Version
		v.Max, v.Sibling = money.Decimal(r.MaxCents, true), strconv.Itoa(r.SiblingPercent)
		if r.NonResidentCents.Valid {
			v.NonResident = money.Decimal(r.NonResidentCents.Int64, true)
		}
		for _, b := range r.Bands {
			v.Bands = append(v.Bands, BandForm{money.Decimal(b.FromCents, true), money.Decimal(b.ToCents, true), money.Decimal(b.Cents, true)})
		}
	}
	for range emptyBandRows {
		v.Bands = append(v.Bands, BandForm{})
	}
	h.render(c, http.StatusOK, "staff_tariffs", v)
}

// staffTariffsSave replaces the service's rules and bands in one
// transaction with its audit row. Bands must be in ascending order and
// must not overlap; empty rows are ignored. The new amounts apply to the
// tariffs computed from now on (an ISEE confirmed, a residency changed, a
// new enrollment): enrollments already priced keep their tariff.
func (h *Handler) staffTariffsSave(c *gin.Context) {
	inst, me := installation(c), currentAccount(c)
	v, ok := h.staffTariffsView(c)
	if !ok {
		return
	}
	v.Version, _ = strconv.Atoi(c.PostForm("version"))
	v.Configured = v.Version > 0
	v.Max, v.NonResident, v.Sibling = truncate(formText(c, "max"), 20), truncate(formText(c, "nonresident"), 20), truncate(formText(c, "sibling"), 5)
	r := db.TariffRules{ServiceID: v.ServiceID, Version: v.Version}
	var okMoney bool
	if r.MaxCents, okMoney = money.Parse(v.Max); !okMoney || r.MaxCents < 0 {
		v.Errors["max"] = v.T("staff.tariffs.error.max")
	}
	if v.NonResident != "" {
		cents, ok := money.Parse(v.NonResident)
		if !ok || cents < 0 {
			v.Errors["nonresident"] = v.T("staff.tariffs.error.amount")
		}
		r.NonResidentCents = sql.NullInt64{Int64: cents, Valid: true}
	}
	if v.Sibling == "" {
		v.Sibling = "0"
	}
	if p, err := strconv.Atoi(v.Sibling); err != nil || p < 0 || p > 100 {
		v.Errors["sibling"] = v.T("staff.tariffs.error.sibling")
	} else {
		r.SiblingPercent = p
	}
	prevTo := int64(-1)
	for i := range maxBands {
		b := BandForm{truncate(formText(c, v.BandID(i, "from")), 20), truncate(formText(c, v.BandID(i, "to")), 20),
			truncate(formText(c, v.BandID(i, "amount")), 20)}
		if b == (BandForm{}) {
			continue
		}
		at := len(v.Bands)
		v.Bands = append(v.Bands, b)
		from, okFrom := parseISEE(b.From)
		to, okTo := parseISEE(b.To)
		amount, okAmount := money.Parse(b.Amount)
		if !okFrom || from < 0 {
			v.Errors[v.BandID(at, "from")] = v.T("staff.tariffs.error.from", at+1)
		}
		if !okTo || to < 0 {
			v.Errors[v.BandID(at, "to")] = v.T("staff.tariffs.error.to", at+1)
		}
		if !okAmount || amount < 0 {
			v.Errors[v.BandID(at, "amount")] = v.T("staff.tariffs.error.band_amount", at+1)
		}
		if !okFrom || !okTo || from < 0 {
			continue
		}
		switch {
		case to < from:
			v.Errors[v.BandID(at, "to")] = v.T("staff.tariffs.error.upside_down", at+1)
		case from <= prevTo:
			v.Errors[v.BandID(at, "from")] = v.T("staff.tariffs.error.overlap", at+1, v.Money(prevTo))
		}
		prevTo = max(prevTo, to)
		r.Bands = append(r.Bands, db.TariffBandRow{FromCents: from, ToCents: to, Cents: amount})
	}
	for range emptyBandRows {
		v.Bands = append(v.Bands, BandForm{})
	}
	if len(v.Errors) > 0 {
		h.render(c, http.StatusUnprocessableEntity, "staff_tariffs", v)
		return
	}
	err := h.store.SaveTariffRules(c.Request.Context(), inst.ID, r, me.ID, me.Username)
	back := fmt.Sprintf("/%s/operatori/tariffe/%d", inst.Code, v.ServiceID)
	switch {
	case errors.Is(err, db.ErrTariffsChanged):
		h.flashRedirect(c, v.T("staff.tariffs.changed"), back)
		return
	case err != nil:
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	h.flashRedirect(c, v.T("staff.tariffs.saved"), back)
}

// BandLabel names a band row: "Fascia 2".
func (v StaffTariffsView) BandLabel(i int) string { return v.T("staff.tariffs.band_n", i+1) }

// BandCell is one input of a band row (partial "isee-band-cell").
type BandCell struct{ ID, Name, Value, Label, Column, Error, ErrorPrefix string }

// BandCell builds the input of a band row's field.
func (v StaffTariffsView) BandCell(i int, field, value, labelKey string) BandCell {
	id := v.BandID(i, field)
	return BandCell{ID: id, Name: id, Value: value, Label: v.BandLabel(i) + ", " + v.T(labelKey), Column: v.T(labelKey),
		Error: v.Errors[id], ErrorPrefix: v.T("common.error_prefix")}
}
