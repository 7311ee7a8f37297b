package handlers

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
)

// staffEnrolRoutes mounts the office's enrolment pages (docs/enrolment.md):
// reading needs no permission, every change needs "anagrafica".
func (h *Handler) staffEnrolRoutes(staff *gin.RouterGroup) {
	staff.GET("/iscrizioni", h.staffEnrolQueue)
	staff.GET("/iscrizioni/finestre/nuova", h.staffEnrolWindowForm) // staff_enrol_window.go
	staff.POST("/iscrizioni/finestre", h.need("anagrafica"), h.staffEnrolWindowSave)
	staff.GET("/iscrizioni/finestre/:window", h.staffEnrolWindowForm)
	staff.POST("/iscrizioni/finestre/:window", h.need("anagrafica"), h.staffEnrolWindowSave)
	staff.GET("/iscrizioni/finestre/:window/domanda", h.staffEnrolEntryForm) // staff_enrol_entry.go
	staff.POST("/iscrizioni/finestre/:window/domanda", h.need("anagrafica"), h.staffEnrolEntrySubmit)
	staff.GET("/iscrizioni/domande/:id", h.staffEnrolRequest) // staff_enrol_request.go
	staff.POST("/iscrizioni/domande/:id/accetta", h.need("anagrafica"), h.staffEnrolAccept)
	staff.POST("/iscrizioni/domande/:id/rifiuta", h.need("anagrafica"), h.staffEnrolReject)
}

// StaffEnrolQueueView is the office's queue of enrolment requests with its
// filters, and the windows.
type StaffEnrolQueueView struct {
	StaffBase
	Windows  []db.EnrolmentWindow
	Schools  []db.Option
	Requests []db.EnrolmentRequest
	Filter   db.EnrolmentFilter
	Statuses []string
}

// Selected is whether id is the filter's value (for the selects).
func (v StaffEnrolQueueView) Selected(what string, id int64) bool {
	if what == "window" {
		return v.Filter.WindowID == id
	}
	return v.Filter.SchoolID == id
}

func (h *Handler) staffEnrolQueue(c *gin.Context) {
	inst, ctx := installation(c), c.Request.Context()
	v := StaffEnrolQueueView{StaffBase: h.staffBase(c, "enrol"), Statuses: []string{"submitted", "accepted", "rejected"}}
	q := c.Request.URL.Query()
	v.Filter.WindowID, _ = idValue(q.Get("finestra"))
	v.Filter.SchoolID, _ = idValue(q.Get("scuola"))
	v.Filter.Query = truncate(queryText(c, "q"), 64)
	if s := q.Get("stato"); s == "submitted" || s == "accepted" || s == "rejected" {
		v.Filter.Status = s
	}
	var err error
	if v.Windows, err = h.store.EnrolmentWindows(ctx, inst.ID, false); err == nil {
		if v.Schools, err = h.store.Schools(ctx, inst.ID); err == nil {
			v.Requests, err = h.store.EnrolmentQueue(ctx, inst.ID, v.Filter)
		}
	}
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	h.render(c, http.StatusOK, "staff_enrol", v)
}

// idValue parses a positive ID from a form or query value; 0 otherwise.
func idValue(s string) (int64, bool) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, false
	}
	return id, true
}
