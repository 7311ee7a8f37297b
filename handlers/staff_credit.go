package handlers

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/internal/iban"
)

// StaffCreditView is the office's queue of credit requests: the open ones
// with the payer's balance now, then the latest decided.
type StaffCreditView struct {
	StaffBase
	Requests []db.CreditRequest
	Notes    map[int64]string // a rejection note as typed, on an error
}

// Masked shows an IBAN by its country and last four characters.
func (StaffCreditView) Masked(s string) string { return iban.Masked(s) }

func (h *Handler) staffCreditView(c *gin.Context) (StaffCreditView, error) {
	v := StaffCreditView{StaffBase: h.staffBase(c, "credit"), Notes: map[int64]string{}}
	var err error
	v.Requests, err = h.store.CreditRequestQueue(c.Request.Context(), installation(c).ID, 30)
	return v, err
}

func (h *Handler) staffCredit(c *gin.Context) {
	v, err := h.staffCreditView(c)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	h.render(c, http.StatusOK, "staff_credit", v)
}

// staffCreditDecide approves (the ledger moves in the same transaction) or
// rejects (a note the family reads is required) an open request.
func (h *Handler) staffCreditDecide(c *gin.Context) {
	inst, me := installation(c), currentAccount(c)
	id, ok := h.pathID(c, "id")
	if !ok {
		return
	}
	approve := c.Param("action") == "approva"
	if !approve && c.Param("action") != "rifiuta" {
		h.renderError(c, http.StatusNotFound, nil)
		return
	}
	base := h.staffBase(c, "credit")
	note := truncate(formText(c, "note"), 300)
	if !approve && note == "" {
		v, err := h.staffCreditView(c)
		if err != nil {
			h.renderError(c, http.StatusInternalServerError, err)
			return
		}
		v.Errors[creditNoteID(id)] = v.T("staff.credit.note_missing")
		h.render(c, http.StatusUnprocessableEntity, "staff_credit", v)
		return
	}
	back := "/" + inst.Code + "/operatori/rimborsi"
	detail := map[string]any{"request": id}
	err := h.store.DecideCreditRequest(c.Request.Context(), inst.ID, id, approve, note, me.ID, today())
	switch {
	case errors.Is(err, db.ErrRequestDecided):
		h.flashRedirect(c, base.T("staff.credit.already"), back)
		return
	case errors.Is(err, db.ErrNotEnoughCredit):
		h.staffAudit(c, "credit_approve", "not_enough_credit", detail)
		h.flashRedirect(c, base.T("staff.credit.not_enough"), back)
		return
	case err != nil:
		h.notFoundOr(c, err)
		return
	}
	action, msg := "credit_reject", "staff.credit.rejected"
	if approve {
		action, msg = "credit_approve", "staff.credit.approved"
	}
	h.staffAudit(c, action, "success", detail)
	h.flashRedirect(c, base.T(msg), back)
}

func creditNoteID(id int64) string { return "note-" + strconv.FormatInt(id, 10) }
