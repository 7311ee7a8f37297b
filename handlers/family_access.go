package handlers

import (
	"errors"
	"net/http"
	"strconv"

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

// idParam parses a positive numeric ID from the path; anything else is a
// page that does not exist.
func idParam(c *gin.Context, name string) (int64, bool) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	return id, err == nil && id > 0
}

// pathID is idParam for a handler: it answers 404 itself when the ID is
// not a positive number.
func (h *Handler) pathID(c *gin.Context, name string) (int64, bool) {
	id, ok := idParam(c, name)
	if !ok {
		h.renderError(c, http.StatusNotFound, nil)
	}
	return id, ok
}

// notFoundOr answers 404 for db.ErrNotFound (another family's child, a
// guessed ID: the same answer whether or not it exists), 500 otherwise.
func (h *Handler) notFoundOr(c *gin.Context, err error) {
	if errors.Is(err, db.ErrNotFound) {
		h.renderError(c, http.StatusNotFound, nil)
		return
	}
	h.renderError(c, http.StatusInternalServerError, err)
}
