package handlers

import (
	"net/http"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
)

// StaffCatalogueView lists what the installation offers: schools,
// services, diets (tariffs are set on each enrollment).
type StaffCatalogueView struct {
	StaffBase
	Schools, Services, Diets []db.Option
	Kinds                    []string
}

var serviceKinds = []string{"mensa", "trasporto", "pre-scuola", "post-scuola", "nido"}

func (h *Handler) staffCatalogueView(c *gin.Context) (StaffCatalogueView, error) {
	inst := installation(c)
	ctx := c.Request.Context()
	v := StaffCatalogueView{StaffBase: h.staffBase(c, "catalogue"), Kinds: serviceKinds}
	var err error
	if v.Schools, err = h.store.Schools(ctx, inst.ID); err != nil {
		return v, err
	}
	if v.Services, err = h.store.Services(ctx, inst.ID); err != nil {
		return v, err
	}
	v.Diets, err = h.store.Diets(ctx, inst.ID)
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
	what, name, kind := c.PostForm("what"), formText(c, "name"), c.PostForm("kind")
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
	h.render(c, http.StatusUnprocessableEntity, "staff_catalogue", v)
}
