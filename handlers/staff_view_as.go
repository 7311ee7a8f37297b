package handlers

import (
	"fmt"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
)

const ctxViewAsAdult = "view_as_adult"

// viewAsFamily lets staff read the family area exactly as the adult of the
// path sees it: the family pages take their adult from here instead of the
// signed-in account, and every link they draw stays under
// /{inst}/operatori/adulti/{id}/come-famiglia. Only GET routes are mounted,
// so nothing can be changed on the family's behalf. Each read is audited.
func (h *Handler) viewAsFamily(c *gin.Context) {
	inst := installation(c)
	id, ok := h.pathID(c, "id")
	if !ok {
		return
	}
	adult, err := h.store.AdultByID(c.Request.Context(), inst.ID, id)
	if err != nil {
		h.notFoundOr(c, err)
		return
	}
	c.Set(ctxViewAsAdult, adult)
	h.staffAudit(c, "view_as_family", "success", map[string]any{"adult": id, "path": c.Request.URL.Path})
	c.Next()
}

// viewAsAdult returns the adult staff are viewing as, if any.
func viewAsAdult(c *gin.Context) *db.Adult {
	if a, ok := c.Get(ctxViewAsAdult); ok {
		return a.(*db.Adult)
	}
	return nil
}

// familyPrefix is where the family-area links of this request start:
// "/{inst}" for the parent, the view-as path for staff.
func familyPrefix(c *gin.Context) string {
	inst := installation(c)
	if a := viewAsAdult(c); a != nil {
		return fmt.Sprintf("/%s/operatori/adulti/%d/come-famiglia", inst.Code, a.ID)
	}
	return "/" + inst.Code
}
