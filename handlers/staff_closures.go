package handlers

import (
	"net/http"

	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"

	"portalegenitori/db"
)

// StaffClosuresView lists the parents' requests to close their profile.
type StaffClosuresView struct {
	StaffBase
	Requests []db.ClosureRequest
}

func (h *Handler) staffClosures(c *gin.Context) {
	v := StaffClosuresView{StaffBase: h.staffBase(c, "closures")}
	var err error
	if v.Requests, err = h.store.OpenClosures(c.Request.Context(), installation(c).ID); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	h.render(c, http.StatusOK, "staff_closures", v)
}

// staffClosureConfirm closes the profile of an open request: the login goes,
// the registry data stay. Audited.
func (h *Handler) staffClosureConfirm(c *gin.Context) {
	inst := installation(c)
	id, ok := idParam(c, "id")
	if !ok {
		h.renderError(c, http.StatusNotFound, nil)
		return
	}
	req, err := h.findOpenClosure(c, id)
	if err != nil {
		h.notFoundOr(c, err)
		return
	}
	accountID, err := h.store.ConfirmClosure(c.Request.Context(), inst.ID, id, currentAccount(c).ID)
	if err != nil {
		h.notFoundOr(c, err)
		return
	}
	h.staffAudit(c, "account_closure", "closed", map[string]any{"account": accountID, "request": id})
	sess := sessions.Default(c)
	sess.AddFlash(tr(c, "staff.closures.done", req.Username))
	_ = sess.Save()
	redirect(c, "/"+inst.Code+"/operatori/chiusure")
}

func (h *Handler) findOpenClosure(c *gin.Context, id int64) (*db.ClosureRequest, error) {
	list, err := h.store.OpenClosures(c.Request.Context(), installation(c).ID)
	if err != nil {
		return nil, err
	}
	for i := range list {
		if list[i].ID == id {
			return &list[i], nil
		}
	}
	return nil, db.ErrNotFound
}
