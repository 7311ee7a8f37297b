package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
)

// StaffDishesView is "Piatti e allergeni": the Comune's dishes with the
// allergens each contains, the form to add or change one, and the
// allergens each diet excludes.
type StaffDishesView struct {
	StaffBase
	Dishes    []db.Dish
	Diets     []db.DietAllergens
	Allergens []db.Allergen
	Edit      *db.Dish // the dish the form changes; nil: a new one
	Name      string
	Checked   map[string]bool
	Action    string
}

// AllergenNames is "Glutine, Latte".
func (v StaffDishesView) AllergenNames(codes []string) string {
	names := make([]string, 0, len(codes))
	for _, c := range codes {
		for _, a := range v.Allergens {
			if a.Code == c {
				names = append(names, a.Name(v.Lang))
			}
		}
	}
	return strings.Join(names, ", ")
}

// Has reports whether a diet excludes an allergen.
func (v StaffDishesView) Has(list []string, code string) bool {
	for _, c := range list {
		if c == code {
			return true
		}
	}
	return false
}

func (h *Handler) staffDishesView(c *gin.Context) (StaffDishesView, error) {
	inst := installation(c)
	ctx := c.Request.Context()
	v := StaffDishesView{StaffBase: h.staffBase(c, "menus"), Checked: map[string]bool{}, Action: "/" + inst.Code + "/operatori/menu/piatti"}
	var err error
	if v.Dishes, err = h.store.Dishes(ctx, inst.ID); err != nil {
		return v, err
	}
	if v.Diets, err = h.store.DietsWithAllergens(ctx, inst.ID); err != nil {
		return v, err
	}
	v.Allergens, err = h.store.Allergens(ctx)
	return v, err
}

// editDish points the form at the dish id (0: a new dish); false when the
// Comune has no such dish.
func (v *StaffDishesView) editDish(id int64, inst string) bool {
	if id == 0 {
		return true
	}
	for i := range v.Dishes {
		if v.Dishes[i].ID == id {
			v.Edit = &v.Dishes[i]
			v.Action = fmt.Sprintf("/%s/operatori/menu/piatti/%d", inst, id)
			return true
		}
	}
	return false
}

func (h *Handler) staffDishes(c *gin.Context) {
	v, err := h.staffDishesView(c)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	if s := c.Query("piatto"); s != "" {
		id, _ := strconv.ParseInt(s, 10, 64)
		if id <= 0 || !v.editDish(id, installation(c).Code) {
			h.renderError(c, http.StatusNotFound, nil)
			return
		}
		v.Name = v.Edit.Name
		for _, a := range v.Edit.Allergens {
			v.Checked[a] = true
		}
	}
	h.render(c, http.StatusOK, "staff_dishes", v)
}

// formAllergens reads the checked allergens of a form; false when one is
// not of the 14.
func formAllergens(c *gin.Context, name string, all []db.Allergen) ([]string, bool) {
	var out []string
	for _, code := range c.PostFormArray(name) {
		ok := false
		for _, a := range all {
			ok = ok || a.Code == code
		}
		if !ok {
			return nil, false
		}
		out = append(out, code)
	}
	return out, true
}

// staffDishSave adds a dish (/menu/piatti) or changes one (/menu/piatti/:id).
func (h *Handler) staffDishSave(c *gin.Context) {
	inst := installation(c)
	v, err := h.staffDishesView(c)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	id, ok := optionalIDParam(c, "id")
	if !ok || !v.editDish(id, inst.Code) {
		h.renderError(c, http.StatusNotFound, nil)
		return
	}
	v.Name = truncate(formText(c, "dish-name"), 400)
	allergens, ok := formAllergens(c, "dish-allergens", v.Allergens)
	if !ok {
		h.renderError(c, http.StatusBadRequest, nil)
		return
	}
	for _, a := range allergens {
		v.Checked[a] = true
	}
	if v.Name == "" || utf8.RuneCountInString(v.Name) > 120 {
		v.Errors["dish-name"] = v.T("menu.error.dish_name")
	} else {
		id, err = h.store.SaveDish(c.Request.Context(), inst.ID, id, v.Name, allergens)
		switch {
		case errors.Is(err, db.ErrDishName):
			v.Errors["dish-name"] = v.T("menu.error.dish_taken")
		case err != nil:
			h.notFoundOr(c, err)
			return
		default:
			h.staffAudit(c, "dish_save", "success", map[string]any{"dish": id, "name": v.Name, "allergens": allergens})
			h.flashRedirect(c, v.T("menu.dish_saved", v.Name), "/"+inst.Code+"/operatori/menu/piatti#dish-"+strconv.FormatInt(id, 10))
			return
		}
	}
	h.render(c, http.StatusUnprocessableEntity, "staff_dishes", v)
}

// staffDietAllergensSave sets the allergens a diet excludes.
func (h *Handler) staffDietAllergensSave(c *gin.Context) {
	inst := installation(c)
	id, ok := h.pathID(c, "id")
	if !ok {
		return
	}
	all, err := h.store.Allergens(c.Request.Context())
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	allergens, ok := formAllergens(c, "diet-allergens", all)
	if !ok {
		h.renderError(c, http.StatusBadRequest, nil)
		return
	}
	if err := h.store.SetDietAllergens(c.Request.Context(), inst.ID, id, allergens); err != nil {
		h.notFoundOr(c, err)
		return
	}
	h.staffAudit(c, "diet_allergens_save", "success", map[string]any{"diet": id, "allergens": allergens})
	h.flashRedirect(c, tr(c, "staff.saved"), fmt.Sprintf("/%s/operatori/menu/piatti#diet-%d", inst.Code, id))
}

// staffDishDelete deletes a dish that no menu serves.
func (h *Handler) staffDishDelete(c *gin.Context) {
	inst := installation(c)
	id, ok := h.pathID(c, "id")
	if !ok {
		return
	}
	err := h.store.DeleteDish(c.Request.Context(), inst.ID, id)
	back := "/" + inst.Code + "/operatori/menu/piatti"
	if errors.Is(err, db.ErrReferenced) {
		h.flashRedirect(c, tr(c, "menu.dishes.in_use"), back)
		return
	}
	if err != nil {
		h.notFoundOr(c, err)
		return
	}
	h.staffAudit(c, "dish_delete", "success", map[string]any{"dish": id})
	h.flashRedirect(c, tr(c, "menu.dishes.deleted"), back)
}
