package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
)

// FamilyView is the family home.
type FamilyView struct {
	Base
	Name      string
	Linked    bool
	StaleLink bool
	Children  []db.ChildSummary
}

func (h *Handler) familyShow(c *gin.Context) {
	inst := installation(c)
	acc := currentAccount(c)
	if acc.IsStaff() {
		redirect(c, homeOf(inst, acc))
		return
	}
	ctx := c.Request.Context()
	v := FamilyView{Base: h.base(c), Name: acc.DisplayName}
	v.Nav = "family"
	if acc.AdultID.Valid {
		adult, err := h.store.AdultByID(ctx, inst.ID, acc.AdultID.Int64)
		if err != nil {
			h.renderError(c, http.StatusInternalServerError, err)
			return
		}
		v.Linked = true
		v.Name = adult.FirstName
		// The registry's CF changed after the account was linked: staff must
		// relink the profile before the account sees the children again.
		v.StaleLink = acc.LinkedFiscalCode.Valid && acc.LinkedFiscalCode.String != adult.FiscalCode
		if !v.StaleLink {
			v.Children, err = h.store.ChildrenOfAdult(ctx, inst.ID, adult.ID)
			if err != nil {
				h.renderError(c, http.StatusInternalServerError, err)
				return
			}
		}
	}
	if v.Name == "" {
		v.Name = acc.Username
	}
	h.render(c, http.StatusOK, "family", v)
}
