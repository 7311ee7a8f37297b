package handlers

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/internal/codicefiscale"
)

// StaffMembersView lists the staff accounts for the administrator: the
// codice fiscale each may sign in with by SPID/CIE, and the reset of the
// second factor.
type StaffMembersView struct {
	StaffBase
	Members []db.Account
	Typed   map[int64]string // what was typed, on an error
}

func (h *Handler) staffMembers(c *gin.Context) {
	h.renderStaffMembers(c, http.StatusOK, h.staffBase(c, "settings"), nil)
}

func (h *Handler) renderStaffMembers(c *gin.Context, status int, b StaffBase, typed map[int64]string) {
	list, err := h.store.StaffMembers(c.Request.Context(), installation(c).ID)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	h.render(c, status, "staff_members", StaffMembersView{StaffBase: b, Members: list, Typed: typed})
}

func (h *Handler) staffMemberSave(c *gin.Context) {
	inst := installation(c)
	id, ok := h.pathID(c, "acc")
	if !ok {
		return
	}
	b := h.staffBase(c, "settings")
	raw := formText(c, "codice_fiscale")
	cf := ""
	if raw != "" {
		var err error
		if cf, err = codicefiscale.Validate(raw); err != nil {
			var cfe *codicefiscale.Error
			if errors.As(err, &cfe) && b.Lang == "en" {
				b.Errors[fieldID(id)] = cfe.MessageEN()
			} else if cfe != nil {
				b.Errors[fieldID(id)] = cfe.MessageIT()
			}
			h.renderStaffMembers(c, http.StatusUnprocessableEntity, b, map[int64]string{id: truncate(raw, 32)})
			return
		}
	}
	switch err := h.store.SetStaffFiscalCode(c.Request.Context(), inst.ID, id, cf); {
	case errors.Is(err, db.ErrConflict):
		b.Errors[fieldID(id)] = b.T("staff.members.cf_taken")
		h.renderStaffMembers(c, http.StatusUnprocessableEntity, b, map[int64]string{id: cf})
		return
	case errors.Is(err, db.ErrNotFound):
		h.renderError(c, http.StatusNotFound, nil)
		return
	case err != nil:
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	h.staffAudit(c, "staff_fiscal_code", "success", map[string]any{"account": id, "set": cf != ""})
	h.flashRedirect(c, b.T("staff.members.saved"), "/"+inst.Code+"/operatori/impostazioni/operatori")
}

func fieldID(id int64) string { return "cf-" + strconv.FormatInt(id, 10) }
