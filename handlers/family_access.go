package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
)

// familyAdult resolves the registry adult behind the signed-in parent for
// the pages of the family area. It answers the request itself and returns
// nil when there is nothing to show: staff go to their own home; a profile
// not linked to the registry, or linked with a codice fiscale the registry
// no longer has (stale link), goes to the family home, which explains what
// to do and shows no child data.
func (h *Handler) familyAdult(c *gin.Context) *db.Adult {
	if a := viewAsAdult(c); a != nil {
		return a // staff reading as the family (staff_view_as.go)
	}
	inst := installation(c)
	acc := currentAccount(c)
	if acc.IsStaff() {
		redirect(c, homeOf(inst, acc))
		return nil
	}
	if !acc.AdultID.Valid {
		redirect(c, "/"+inst.Code+"/famiglia")
		return nil
	}
	adult, err := h.store.AdultByID(c.Request.Context(), inst.ID, acc.AdultID.Int64)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return nil
	}
	if staleLink(acc, adult) {
		redirect(c, "/"+inst.Code+"/famiglia")
		return nil
	}
	return adult
}

// staleLink: the registry's CF changed after the account was linked; staff
// must relink the profile before the account sees the children again.
func staleLink(acc *db.Account, adult *db.Adult) bool {
	return acc.LinkedFiscalCode.Valid && acc.LinkedFiscalCode.String != adult.FiscalCode
}
