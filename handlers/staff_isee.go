package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
)

// StaffISEEView is the office's verification queue of the ISEE
// declarations (the waiting ones, oldest first, then the last decided),
// with the links to each service's tariffs.
type StaffISEEView struct {
	StaffBase
	Queue    []db.ISEEDeclaration
	Services []db.Option
	Today    time.Time
	Forms    map[int64]ISEEDecisionForm // as typed, on an error
}

// ISEEDecisionForm is a decision as typed.
type ISEEDecisionForm struct {
	From        string
	Retroactive bool
	Reason      string // the retroactive adjustment's
	Reject      string // the rejection's
}

// Form is the decision form of a declaration: as typed after an error,
// otherwise from today.
func (v StaffISEEView) Form(id int64) ISEEDecisionForm {
	if f, ok := v.Forms[id]; ok {
		return f
	}
	return ISEEDecisionForm{From: v.Today.Format(time.DateOnly)}
}

// DeclID is the id prefix of a declaration's fields: "d12-".
func (StaffISEEView) DeclID(id int64, field string) string { return fmt.Sprintf("d%d-%s", id, field) }

func (h *Handler) staffISEEView(c *gin.Context) (StaffISEEView, error) {
	inst, ctx := installation(c), c.Request.Context()
	v := StaffISEEView{StaffBase: h.staffBase(c, "isee"), Today: today(), Forms: map[int64]ISEEDecisionForm{}}
	var err error
	if v.Queue, err = h.store.ISEEQueue(ctx, inst.ID, 30); err != nil {
		return v, err
	}
	v.Services, err = h.store.Services(ctx, inst.ID)
	return v, err
}

func (h *Handler) staffISEE(c *gin.Context) {
	v, err := h.staffISEEView(c)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	h.render(c, http.StatusOK, "staff_isee", v)
}

// staffISEEDecide confirms a declaration from a date (today unless an
// explicit, reasoned "rettifica retroattiva"), applying the band to the
// family's enrollments in the same transaction, or rejects it with a
// reason the family reads.
func (h *Handler) staffISEEDecide(c *gin.Context) {
	inst, me := installation(c), currentAccount(c)
	id, ok := h.pathID(c, "id")
	if !ok {
		return
	}
	confirm := c.Param("action") == "conferma"
	if !confirm && c.Param("action") != "respingi" {
		h.renderError(c, http.StatusNotFound, nil)
		return
	}
	v, err := h.staffISEEView(c)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	d, err := h.store.ISEEDeclarationByID(c.Request.Context(), inst.ID, id)
	if err != nil {
		h.notFoundOr(c, err)
		return
	}
	back := "/" + inst.Code + "/operatori/isee"
	if d.Status != "dichiarata" {
		h.flashRedirect(c, v.T("staff.isee.already"), back)
		return
	}
	f := ISEEDecisionForm{From: truncate(formText(c, "from"), 10), Retroactive: c.PostForm("retroactive") == "1",
		Reason: truncate(formText(c, "reason"), 300), Reject: truncate(formText(c, "reject"), 300)}
	dec := db.ISEEDecision{InstallationID: inst.ID, DeclarationID: id, Confirm: confirm, By: me.ID, Actor: me.Username, IP: c.ClientIP(), Today: v.Today}
	if confirm {
		from, ok := parseDay(f.From)
		switch {
		case !ok:
			v.Errors[v.DeclID(id, "from")] = v.T("staff.error.date")
		case from.After(d.ExpiresOn):
			v.Errors[v.DeclID(id, "from")] = v.T("staff.isee.error.after_expiry", v.Date(d.ExpiresOn))
		case from.Before(v.Today) && !f.Retroactive:
			v.Errors[v.DeclID(id, "from")] = v.T("staff.isee.error.past")
		case from.Before(v.Today) && f.Reason == "":
			v.Errors[v.DeclID(id, "reason")] = v.T("staff.isee.error.reason")
		}
		dec.AppliesFrom, dec.Retroactive, dec.Reason = from, f.Retroactive, f.Reason
	} else {
		if f.Reject == "" {
			v.Errors[v.DeclID(id, "reject")] = v.T("staff.isee.error.reject")
		}
		dec.Reason = f.Reject
	}
	if len(v.Errors) > 0 {
		v.Forms[id] = f
		h.render(c, http.StatusUnprocessableEntity, "staff_isee", v)
		return
	}
	res, err := h.store.DecideISEE(c.Request.Context(), dec)
	switch {
	case errors.Is(err, db.ErrDeclarationDecided):
		h.flashRedirect(c, v.T("staff.isee.already"), back)
		return
	case errors.Is(err, db.ErrRetroactive): // the day changed between the check and the decision
		v.Errors[v.DeclID(id, "from")] = v.T("staff.isee.error.past")
	case errors.Is(err, db.ErrAfterExpiry):
		v.Errors[v.DeclID(id, "from")] = v.T("staff.isee.error.after_expiry", v.Date(d.ExpiresOn))
	case errors.Is(err, db.ErrEnrollmentChanged):
		h.flashRedirect(c, v.T("staff.isee.enrollment_changed"), back)
		return
	case err != nil:
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	if len(v.Errors) > 0 {
		v.Forms[id] = f
		h.render(c, http.StatusUnprocessableEntity, "staff_isee", v)
		return
	}
	msg := v.T("staff.isee.rejected", id)
	if confirm {
		msg = v.T("staff.isee.confirmed", id, v.Date(dec.AppliesFrom), res.Changed)
		if res.Ledger.Reversed > 0 || res.Ledger.Charged > 0 {
			msg += " " + v.T("staff.isee.ledger", res.Ledger.Reversed, res.Ledger.Charged)
		}
	}
	h.flashRedirect(c, strings.TrimSpace(msg), back)
}

// staffISEERoutes mounts the office's pages of the tariffs by ISEE: the
// verification queue and the tariffs need "cassa" to change; residency is
// registry data ("anagrafica").
func (h *Handler) staffISEERoutes(staff *gin.RouterGroup) {
	staff.GET("/isee", h.staffISEE)
	staff.POST("/isee/dichiarazioni/:id/:action", h.need("cassa"), h.staffISEEDecide) // conferma, respingi
	staff.GET("/isee/adulti/:id", h.staffISEEAdult)                                   // staff_isee_adult.go
	staff.POST("/isee/adulti/:id/residenza", h.need("anagrafica"), h.staffResidency)
	staff.GET("/tariffe/:service", h.staffTariffs) // staff_tariffs.go
	staff.POST("/tariffe/:service", h.need("cassa"), h.staffTariffsSave)
}
