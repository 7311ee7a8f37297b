package handlers

import (
	"fmt"
	"net/http"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
)

// StaffCatalogueView lists what the installation offers: schools,
// services, diets (tariffs are set on each enrollment).
type StaffCatalogueView struct {
	StaffBase
	Schools, Services, Diets []db.CatalogueItem
	Kinds                    []string
	Closures                 []db.ClosureDay   // from today on
	Typed                    map[string]string // a rename as typed, on an error
	ClosureDay               string
	ClosureDescription       string
}

// CatalogueList is one kind of item with the page, for the shared partial.
type CatalogueList struct {
	V    StaffCatalogueView
	What string
	List []db.CatalogueItem
}

// Items pairs a list with the page for the "catalogue-items" partial.
func (v StaffCatalogueView) Items(what string, list []db.CatalogueItem) CatalogueList {
	return CatalogueList{V: v, What: what, List: list}
}

// TypedName is the name in an item's rename field: as typed, or its own.
func (v StaffCatalogueView) TypedName(what string, it db.CatalogueItem) string {
	if t, ok := v.Typed[fmt.Sprintf("rename-%s-%d", what, it.ID)]; ok {
		return t
	}
	return it.Name
}

var serviceKinds = []string{"mensa", "trasporto", "pre-scuola", "post-scuola", "nido"}

func (h *Handler) staffCatalogueView(c *gin.Context) (StaffCatalogueView, error) {
	inst := installation(c)
	ctx := c.Request.Context()
	v := StaffCatalogueView{StaffBase: h.staffBase(c, "catalogue"), Kinds: serviceKinds}
	var err error
	if v.Schools, err = h.store.CatalogueItems(ctx, inst.ID, "school", today()); err != nil {
		return v, err
	}
	if v.Services, err = h.store.CatalogueItems(ctx, inst.ID, "service", today()); err != nil {
		return v, err
	}
	if v.Diets, err = h.store.CatalogueItems(ctx, inst.ID, "diet", today()); err != nil {
		return v, err
	}
	v.Closures, err = h.store.ClosureDays(ctx, inst.ID, today())
	return v, err
}

func (h *Handler) staffCatalogue(c *gin.Context) {
	v, err := h.staffCatalogueView(c)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	h.render(c, http.StatusOK, "staff_catalogue", v)
}

func (h *Handler) staffCatalogueAdd(c *gin.Context) {
	inst := installation(c)
	what, kind := c.PostForm("what"), c.PostForm("kind")
	name := formText(c, "name-"+what) // the field of each of the page's forms
	base := h.staffBase(c, "catalogue")
	field := "name-" + what
	errs := map[string]string{}
	if name == "" || utf8.RuneCountInString(name) > 80 {
		errs[field] = base.T("staff.error.name")
	}
	okKind := what != "service"
	for _, k := range serviceKinds {
		okKind = okKind || k == kind
	}
	if !okKind {
		errs["kind"] = base.T("staff.error.kind_service")
	}
	if what != "school" && what != "service" && what != "diet" {
		h.renderError(c, http.StatusBadRequest, nil)
		return
	}
	if len(errs) == 0 {
		if err := h.store.AddCatalogue(c.Request.Context(), inst.ID, what, name, kind); err != nil {
			h.renderError(c, http.StatusInternalServerError, err)
			return
		}
		h.staffAudit(c, "catalogue_add", "success", map[string]any{"what": what, "name": name, "kind": kind})
		h.flashRedirect(c, base.T("staff.saved"), "/"+inst.Code+"/operatori/catalogo")
		return
	}
	v, err := h.staffCatalogueView(c)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	v.Errors = errs
	v.Typed = map[string]string{field: name}
	h.render(c, http.StatusUnprocessableEntity, "staff_catalogue", v)
}
