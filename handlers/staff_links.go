package handlers

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/delivery"
	"portalegenitori/internal/codicefiscale"
)

// StaffLinksView is the office's queue of profiles waiting to be linked to
// the registry: the evidence each parent gave, and Link / Refuse.
type StaffLinksView struct {
	StaffBase
	Requests []StaffLinkRow
}

// StaffLinkRow is one request with what the office needs to decide.
type StaffLinkRow struct {
	db.LinkRequest
	CodeTo   string // masked registry contacts a code can go to; "" none
	AdultCF  string // prefilled: the registry adult's CF, else the one typed
	FieldID  string
	Typed    string // what was typed in the CF field, on an error
	HasError bool
}

func (h *Handler) staffLinks(c *gin.Context) {
	h.renderStaffLinks(c, http.StatusOK, h.staffBase(c, "links"), 0, "")
}

func (h *Handler) renderStaffLinks(c *gin.Context, status int, b StaffBase, errID int64, typed string) {
	inst := installation(c)
	list, err := h.store.PendingLinks(c.Request.Context(), inst.ID)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	v := StaffLinksView{StaffBase: b}
	for _, r := range list {
		row := StaffLinkRow{LinkRequest: r, AdultCF: r.FiscalCode, FieldID: fieldID(r.ID)}
		if r.AdultFiscalCode.Valid {
			row.AdultCF = r.AdultFiscalCode.String
			row.CodeTo = delivery.MaskTargets(delivery.LinkTargets(inst, r.AdultEmail.String, r.AdultMobile.String))
		}
		if r.ID == errID {
			row.AdultCF, row.HasError = typed, true
		}
		v.Requests = append(v.Requests, row)
	}
	h.render(c, status, "staff_links", v)
}

// staffLinkApprove links the profile to the adult whose codice fiscale the
// office confirms (the registry adult the request named, or the one the
// office found for a codice fiscale that was not in the registry).
func (h *Handler) staffLinkApprove(c *gin.Context) {
	inst := installation(c)
	ctx := c.Request.Context()
	id, ok := h.pathID(c, "id")
	if !ok {
		return
	}
	b := h.staffBase(c, "links")
	r, err := h.store.PendingLinkByID(ctx, inst.ID, id)
	if errors.Is(err, db.ErrNotFound) {
		h.flashRedirect(c, b.T("staff.links.gone"), "/"+inst.Code+"/operatori/collegamenti")
		return
	}
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	raw := formText(c, "codice_fiscale")
	fail := func(msg string) {
		b.Errors[fieldID(id)] = msg
		h.renderStaffLinks(c, http.StatusUnprocessableEntity, b, id, truncate(raw, 32))
	}
	cf, err := codicefiscale.Validate(raw)
	if err != nil {
		var cfe *codicefiscale.Error
		switch {
		case errors.As(err, &cfe) && b.Lang == "en":
			fail(cfe.MessageEN())
		case cfe != nil:
			fail(cfe.MessageIT())
		default:
			fail(b.T("staff.links.adult_unknown"))
		}
		return
	}
	adult, _, err := h.store.AdultByFiscalCode(ctx, inst.ID, cf)
	if errors.Is(err, db.ErrNotFound) {
		fail(b.T("staff.links.adult_unknown"))
		return
	}
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	accountID, err := h.store.ApproveLink(ctx, inst.ID, id, adult.ID, currentAccount(c).ID)
	switch {
	case errors.Is(err, db.ErrAccountExists):
		fail(b.T("staff.links.adult_taken"))
		return
	case errors.Is(err, db.ErrNotFound):
		h.flashRedirect(c, b.T("staff.links.gone"), "/"+inst.Code+"/operatori/collegamenti")
		return
	case err != nil:
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	h.staffAudit(c, "link_approve", "success", map[string]any{"request": id, "account": accountID, "adult": adult.ID,
		"named_adult": r.AdultID.Int64, "proof": db.ProofOffice})
	h.flashRedirect(c, b.T("staff.links.approved", r.Username), "/"+inst.Code+"/operatori/collegamenti")
}

// staffLinkRefuse closes the request: the profile stays without a family.
func (h *Handler) staffLinkRefuse(c *gin.Context) {
	inst := installation(c)
	id, ok := h.pathID(c, "id")
	if !ok {
		return
	}
	b := h.staffBase(c, "links")
	r, err := h.store.PendingLinkByID(c.Request.Context(), inst.ID, id)
	if err == nil {
		_, err = h.store.RefuseLink(c.Request.Context(), inst.ID, id, currentAccount(c).ID)
	}
	switch {
	case errors.Is(err, db.ErrNotFound):
		h.flashRedirect(c, b.T("staff.links.gone"), "/"+inst.Code+"/operatori/collegamenti")
		return
	case err != nil:
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	h.staffAudit(c, "link_refuse", "success", map[string]any{"request": id, "account": r.AccountID, "named_adult": r.AdultID.Int64})
	h.flashRedirect(c, b.T("staff.links.refused", r.Username), "/"+inst.Code+"/operatori/collegamenti")
}
