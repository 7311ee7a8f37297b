package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
)

// EnrolmentPanel is what the family home shows of the enrolment: the windows
// open now and the requests of the adult's children.
type EnrolmentPanel struct {
	Windows  []db.EnrolmentWindow
	Requests []db.EnrolmentRequest
}

// EnrolmentListView is the family's "Iscrizioni" page.
type EnrolmentListView struct {
	Base
	EnrolmentPanel
	Children []db.ChildSummary
}

// enrolPanel loads the panel of the adult (nil when there is nothing to show).
func (h *Handler) enrolPanel(c *gin.Context, adultID int64) (*EnrolmentPanel, error) {
	ctx, inst := c.Request.Context(), installation(c)
	var p EnrolmentPanel
	var err error
	if p.Windows, err = h.store.EnrolmentWindows(ctx, inst.ID, true); err != nil {
		return nil, err
	}
	if p.Requests, err = h.store.EnrolmentRequestsOfAdult(ctx, inst.ID, adultID); err != nil {
		return nil, err
	}
	if len(p.Windows) == 0 && len(p.Requests) == 0 {
		return nil, nil
	}
	return &p, nil
}

func (h *Handler) enrolList(c *gin.Context) {
	adult := h.familyAdult(c)
	if adult == nil {
		return
	}
	v := EnrolmentListView{Base: h.base(c)}
	v.Nav = "family"
	p, err := h.enrolPanel(c, adult.ID)
	if err == nil && p != nil {
		v.EnrolmentPanel = *p
	}
	if err == nil {
		v.Children, err = h.store.ChildrenOfAdult(c.Request.Context(), installation(c).ID, adult.ID)
	}
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	h.render(c, http.StatusOK, "enrol_list", v)
}

// EnrolmentShowView is one request for the family: the receipt, then the outcome.
type EnrolmentShowView struct {
	Base
	Request *db.EnrolmentRequest
}

// enrolShow shows a request the adult sent or that concerns their child;
// any other ID is a page that does not exist.
func (h *Handler) enrolShow(c *gin.Context) {
	adult := h.familyAdult(c)
	if adult == nil {
		return
	}
	id, ok := h.pathID(c, "id")
	if !ok {
		return
	}
	r, err := h.store.EnrolmentRequestOfAdult(c.Request.Context(), installation(c).ID, adult.ID, id)
	if err != nil {
		h.notFoundOr(c, err)
		return
	}
	v := EnrolmentShowView{Base: h.base(c), Request: r}
	v.Nav = "family"
	h.render(c, http.StatusOK, "enrol_show", v)
}

// enrolRoutes mounts the family's enrolment pages (docs/enrolment.md).
func (h *Handler) enrolRoutes(auth *gin.RouterGroup) {
	auth.GET("/iscrizioni", h.enrolList)
	auth.GET("/iscrizioni/:id", h.enrolShow)
	auth.GET("/iscrizioni/finestre/:window", h.enrolForm) // enrol_form.go
	auth.POST("/iscrizioni/finestre/:window", h.enrolSubmit)
}
