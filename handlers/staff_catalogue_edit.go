package handlers

import (
	"errors"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
)

// staffCatalogueEdit renames, retires, restores or deletes a school, a
// service or a diet (/catalogo/voce/:what/:id/:action). Retiring is refused
// while it serves children from today on; deleting while anything in the
// history names it.
func (h *Handler) staffCatalogueEdit(c *gin.Context) {
	inst := installation(c)
	ctx := c.Request.Context()
	what, action := c.Param("what"), c.Param("action")
	if what != "school" && what != "service" && what != "diet" {
		h.renderError(c, http.StatusNotFound, nil)
		return
	}
	id, ok := h.pathID(c, "id")
	if !ok {
		return
	}
	base := h.staffBase(c, "catalogue")
	back := "/" + inst.Code + "/operatori/catalogo#" + what + "-" + c.Param("id")
	detail := map[string]any{"what": what, "id": id}
	var err error
	switch action {
	case "nome":
		name := formText(c, "name")
		if name == "" || utf8.RuneCountInString(name) > 80 {
			h.renderCatalogueInvalid(c, map[string]string{"rename-" + what + "-" + c.Param("id"): base.T("staff.error.name")})
			return
		}
		detail["name"] = name
		err = h.store.RenameCatalogue(ctx, inst.ID, what, id, name)
	case "ritira", "ripristina":
		var inUse int
		inUse, err = h.store.RetireCatalogue(ctx, inst.ID, what, id, action == "ritira", today())
		if errors.Is(err, db.ErrInUse) {
			h.staffAudit(c, "catalogue_retire", "in_use", detail)
			h.flashRedirect(c, base.T("staff.catalogue.in_use", inUse), back)
			return
		}
	case "elimina":
		err = h.store.DeleteCatalogue(ctx, inst.ID, what, id)
		if errors.Is(err, db.ErrReferenced) {
			h.staffAudit(c, "catalogue_delete", "referenced", detail)
			h.flashRedirect(c, base.T("staff.catalogue.referenced"), back)
			return
		}
	default:
		h.renderError(c, http.StatusNotFound, nil)
		return
	}
	if err != nil {
		h.notFoundOr(c, err)
		return
	}
	h.staffAudit(c, map[string]string{"nome": "catalogue_rename", "ritira": "catalogue_retire", "ripristina": "catalogue_restore",
		"elimina": "catalogue_delete"}[action], "success", detail)
	h.flashRedirect(c, base.T("staff.saved"), "/"+inst.Code+"/operatori/catalogo")
}

func (h *Handler) renderCatalogueInvalid(c *gin.Context, errs map[string]string) {
	v, err := h.staffCatalogueView(c)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	v.Errors = errs
	v.Typed = map[string]string{}
	for k := range errs {
		v.Typed[k] = formText(c, "name")
	}
	h.render(c, http.StatusUnprocessableEntity, "staff_catalogue", v)
}

// staffClosureDayAdd closes the services on a day (a holiday, a strike), or
// renames a closure: what was recorded for the day goes and its charges
// are reversed, in one transaction.
func (h *Handler) staffClosureDayAdd(c *gin.Context) {
	inst, me := installation(c), currentAccount(c)
	base := h.staffBase(c, "catalogue")
	dayText, desc := formText(c, "closure-day"), truncate(formText(c, "closure-description"), 120)
	errs := map[string]string{}
	day, ok := parseDay(dayText)
	if !ok {
		errs["closure-day"] = base.T("staff.error.date")
	}
	if desc == "" {
		errs["closure-description"] = base.T("staff.catalogue.closure_description_missing")
	}
	if len(errs) > 0 {
		v, err := h.staffCatalogueView(c)
		if err != nil {
			h.renderError(c, http.StatusInternalServerError, err)
			return
		}
		v.Errors, v.ClosureDay, v.ClosureDescription = errs, dayText, desc
		h.render(c, http.StatusUnprocessableEntity, "staff_catalogue", v)
		return
	}
	reversed, err := h.store.AddClosureDay(c.Request.Context(), inst.ID, day, desc, me.ID, today())
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	h.staffAudit(c, "closure_day_add", "success", map[string]any{"day": dayText, "description": desc, "reversed": reversed})
	h.flashRedirect(c, base.T("staff.catalogue.closure_added", base.Date(day), reversed), "/"+inst.Code+"/operatori/catalogo#chiusure")
}

// staffClosureDayRemove opens again a closure day from today on.
func (h *Handler) staffClosureDayRemove(c *gin.Context) {
	inst := installation(c)
	base := h.staffBase(c, "catalogue")
	day, ok := parseDay(c.Param("day"))
	if !ok {
		h.renderError(c, http.StatusNotFound, nil)
		return
	}
	err := h.store.RemoveClosureDay(c.Request.Context(), inst.ID, day, today())
	if errors.Is(err, db.ErrPastClosure) {
		h.flashRedirect(c, base.T("staff.catalogue.closure_past"), "/"+inst.Code+"/operatori/catalogo#chiusure")
		return
	}
	if err != nil {
		h.notFoundOr(c, err)
		return
	}
	h.staffAudit(c, "closure_day_remove", "success", map[string]any{"day": day.Format(time.DateOnly)})
	h.flashRedirect(c, base.T("staff.saved"), "/"+inst.Code+"/operatori/catalogo#chiusure")
}
