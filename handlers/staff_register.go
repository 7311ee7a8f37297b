package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/internal/calendar"
)

// StaffRegisterView is the attendance register of a school, service and
// day (a class, or the whole school).
type StaffRegisterView struct {
	StaffBase
	Schools, Services           []db.Option
	Classes                     []string
	SchoolID, ServiceID         int64
	Class, DayText, ServiceName string
	Day                         time.Time
	Rows                        []db.RegisterRow
	Chosen                      bool
	Closed                      string          // closure name, when closed
	NoService                   bool            // a weekday without service (Saturday, Sunday)
	Confirmed                   *db.RegisterDay // the day's register confirmed as closed (staff_register_bulk.go)
	// a refused "Salva il registro": what the clerk chose and what each
	// row showed, kept, and the row that failed
	Choice, Shown map[int64]string
	SaveError     string
	RowErrors     map[int64]string
}

// Checked tells whether the choice value is ticked in a child's row: the
// clerk's choice after a refused save, else what is stored.
func (v StaffRegisterView) Checked(child int64, stored, value string) bool {
	if c, ok := v.Choice[child]; ok {
		return c == value
	}
	return stored == value
}

// Was is what the row showed when the clerk loaded the page.
func (v StaffRegisterView) Was(child int64, stored string) string {
	if w, ok := v.Shown[child]; ok {
		return w
	}
	return stored
}

// RowStatus is the status cell of one row (also the htmx answer).
type RowStatus struct {
	StaffBase
	OK         bool
	Status     string
	RecordedAt time.Time
	Message    string
}

func (h *Handler) staffRegisterView(c *gin.Context, q url.Values) (StaffRegisterView, error) {
	inst := installation(c)
	ctx := c.Request.Context()
	v := StaffRegisterView{StaffBase: h.staffBase(c, "register")}
	var err error
	if v.Schools, err = h.store.Schools(ctx, inst.ID); err != nil {
		return v, err
	}
	if v.Services, err = h.store.Services(ctx, inst.ID); err != nil {
		return v, err
	}
	v.SchoolID, _ = strconv.ParseInt(q.Get("scuola"), 10, 64)
	v.ServiceID, _ = strconv.ParseInt(q.Get("servizio"), 10, 64)
	v.Class = truncate(cleanText(q.Get("classe")), 40)
	v.DayText = cleanText(q.Get("giorno"))
	day, ok := parseDay(v.DayText)
	if !ok {
		day = today()
	}
	v.Day, v.DayText = day, day.Format(time.DateOnly)
	if v.SchoolID == 0 && len(v.Schools) > 0 {
		v.SchoolID = v.Schools[0].ID
	}
	if v.ServiceID == 0 && len(v.Services) > 0 {
		v.ServiceID = v.Services[0].ID
	}
	for _, s := range v.Services {
		if s.ID == v.ServiceID {
			v.ServiceName = s.Name
		}
	}
	if v.SchoolID != 0 {
		if v.Classes, err = h.store.Classes(ctx, inst.ID, v.SchoolID); err != nil {
			return v, err
		}
	}
	v.Chosen = q.Get("scuola") != "" && v.SchoolID != 0 && v.ServiceID != 0
	if !v.Chosen {
		return v, nil
	}
	if !calendar.ServiceWeekday(day) {
		v.NoService = true // a register lists service days only
		return v, nil
	}
	closures, err := h.store.ClosuresBetween(ctx, inst.ID, day, day)
	if err != nil {
		return v, err
	}
	if len(closures) > 0 {
		v.Closed = closures[0].Description
		return v, nil
	}
	if v.Rows, err = h.store.ClassRegister(ctx, inst.ID, v.SchoolID, v.ServiceID, v.Class, day); err != nil {
		return v, err
	}
	v.Confirmed, err = h.store.RegisterClosedFor(ctx, inst.ID, v.SchoolID, v.ServiceID, v.Class, day)
	return v, err
}

func (h *Handler) staffRegister(c *gin.Context) {
	v, err := h.staffRegisterView(c, c.Request.URL.Query())
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	for _, r := range v.Rows {
		if r.Diet != "" { // the kitchen needs the restriction: the read is audited
			h.staffAudit(c, "diet_read", "success", map[string]any{"register": true, "school": v.SchoolID, "class": v.Class, "day": v.DayText})
			break
		}
	}
	h.render(c, http.StatusOK, "staff_register", v)
}

func (h *Handler) mark(c *gin.Context, child, service int64, day time.Time, status string) (db.MarkResult, error) {
	inst := installation(c)
	acc := currentAccount(c)
	res, err := h.store.MarkAttendance(c.Request.Context(), db.Mark{InstallationID: inst.ID, ChildID: child, ServiceID: service,
		Day: day, Status: status, AccountID: acc.ID, RecordedByName: staffName(acc), Today: today()})
	if err != nil {
		h.staffAudit(c, "attendance_mark", "refused", map[string]any{"child": child, "service": service, "day": day.Format(time.DateOnly), "status": status, "error": err.Error()})
		return res, err
	}
	if res.Before != status {
		outcome := "success"
		if res.Before != "" {
			outcome = "correction"
		}
		h.staffAudit(c, "attendance_mark", outcome, map[string]any{"child": child, "service": service, "day": day.Format(time.DateOnly),
			"before": res.Before, "after": status, "charge": res.ChargeID, "refund": res.RefundID})
	}
	return res, nil
}

// staffRegisterMark saves one row (htmx): the answer is the row's status
// cell, 200 also when the save is refused (htmx 2 swaps only 2xx), with
// the refusal in words; staff.js puts the row back then.
func (h *Handler) staffRegisterMark(c *gin.Context) {
	child, service := formID(c, "child"), formID(c, "service")
	status := c.PostForm("status")
	day, ok := parseDay(c.PostForm("day"))
	v := RowStatus{StaffBase: h.staffBase(c, "register"), Status: status}
	if !ok || child == 0 || service == 0 || (status != "present" && status != "absent") {
		v.Message = v.T("staff.register.refused")
		h.renderPart(c, http.StatusOK, "staff_register", "row-status", v)
		return
	}
	res, err := h.mark(c, child, service, day, status)
	switch {
	case errors.Is(err, db.ErrNotEnrolled):
		v.Message = v.T("staff.register.not_enrolled")
	case errors.Is(err, db.ErrClosed):
		v.Message = v.T("staff.register.closed")
	case errors.Is(err, db.ErrNoService):
		v.Message = v.T("staff.register.no_service")
	case errors.Is(err, db.ErrRegisterClosed):
		v.Message = v.T("staff.register.register_closed")
	case err != nil:
		h.log.Error("mark attendance", "err", err)
		v.Message = v.T("staff.register.failed")
	default:
		v.OK, v.RecordedAt = true, res.RecordedAt
	}
	if !wantsFragment(c.Request) { // a plain post of one row (no JS): back to the register
		msg := v.T("staff.register.saved", 1)
		if !v.OK {
			msg = v.T("staff.register.not_saved") + " " + v.Message
		}
		h.flashRedirect(c, msg, "/"+installation(c).Code+"/operatori/presenze")
		return
	}
	h.renderFragment(c, http.StatusOK, "staff_register", "row-status", v)
}

// staffRegisterSave saves the whole register at once (without JS, or the
// "Salva il registro" button) in one transaction: only the rows the clerk
// changed, that is whose choice differs from what the page showed (was-ID)
// and from what is stored now. A row without a choice (nothing recorded,
// or an absence the parent notified) keeps its state. When a row is
// refused (a child no longer enrolled, a day closed meanwhile) nothing is
// stored and the register comes back with every choice kept and the row
// that failed named.
func (h *Handler) staffRegisterSave(c *gin.Context) {
	inst := installation(c)
	if err := c.Request.ParseForm(); err != nil {
		h.renderError(c, http.StatusBadRequest, nil)
		return
	}
	q := url.Values{"scuola": {formText(c, "scuola")}, "servizio": {formText(c, "servizio")}, "classe": {formText(c, "classe")}, "giorno": {formText(c, "giorno")}}
	v, err := h.staffRegisterView(c, q)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	back := fmt.Sprintf("/%s/operatori/presenze?%s", inst.Code, q.Encode())
	if v.NoService || !v.Chosen {
		h.flashRedirect(c, v.T("staff.register.saved", 0), back)
		return
	}
	// the rows the page showed (was-ID), in the register's order; a row
	// no longer listed (its child's enrolment ended meanwhile) is tried too
	// and refused
	stored := map[int64]string{}
	var children []int64
	for _, r := range v.Rows {
		stored[r.ChildID] = r.Status.String
		children = append(children, r.ChildID)
	}
	var gone []int64
	for k := range c.Request.PostForm {
		id, err := strconv.ParseInt(strings.TrimPrefix(k, "was-"), 10, 64)
		if !strings.HasPrefix(k, "was-") || err != nil || id <= 0 {
			continue
		}
		if _, ok := stored[id]; !ok {
			gone = append(gone, id)
		}
	}
	slices.Sort(gone)
	children = append(children, gone...)
	acc := currentAccount(c)
	var marks []db.Mark
	for _, id := range children {
		st := c.PostForm(fmt.Sprintf("s-%d", id))
		was, shown := c.Request.PostForm[fmt.Sprintf("was-%d", id)]
		if !shown || st != "present" && st != "absent" || len(was) == 0 || st == was[0] || st == stored[id] {
			continue
		}
		marks = append(marks, db.Mark{InstallationID: inst.ID, ChildID: id, ServiceID: v.ServiceID, Day: v.Day, Status: st,
			AccountID: acc.ID, RecordedByName: staffName(acc), Today: today()})
	}
	results, err := h.store.MarkAttendanceAll(c.Request.Context(), marks)
	var rowErr *db.MarkRowError
	switch {
	case errors.As(err, &rowErr):
		m := marks[rowErr.Index]
		h.staffAudit(c, "attendance_mark", "refused", map[string]any{"child": m.ChildID, "service": m.ServiceID, "day": m.Day.Format(time.DateOnly),
			"status": m.Status, "rows": len(marks), "error": rowErr.Err.Error()})
		var why string
		switch {
		case errors.Is(rowErr.Err, db.ErrNotEnrolled):
			why = v.T("staff.register.not_enrolled")
		case errors.Is(rowErr.Err, db.ErrClosed):
			why = v.T("staff.register.closed")
		case errors.Is(rowErr.Err, db.ErrNoService):
			why = v.T("staff.register.no_service")
		case errors.Is(rowErr.Err, db.ErrRegisterClosed):
			why = v.T("staff.register.register_closed")
		default:
			h.renderError(c, http.StatusInternalServerError, err)
			return
		}
		name := fmt.Sprint(m.ChildID)
		if ch, err := h.store.ChildByID(c.Request.Context(), inst.ID, m.ChildID); err == nil {
			name = ch.LastName + " " + ch.FirstName
		}
		v.SaveError = v.T("staff.register.none_saved", name, why)
		v.RowErrors = map[int64]string{m.ChildID: why}
		v.Choice, v.Shown = map[int64]string{}, map[int64]string{}
		for _, id := range children {
			if st := c.PostForm(fmt.Sprintf("s-%d", id)); st == "present" || st == "absent" {
				v.Choice[id] = st
			}
			if was, ok := c.Request.PostForm[fmt.Sprintf("was-%d", id)]; ok && len(was) > 0 {
				v.Shown[id] = was[0]
			}
		}
		h.render(c, http.StatusUnprocessableEntity, "staff_register", v)
		return
	case err != nil:
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	saved := 0
	for i, res := range results {
		m := marks[i]
		if res.Before == m.Status {
			continue // stored so meanwhile: nothing written
		}
		saved++
		outcome := "success"
		if res.Before != "" {
			outcome = "correction"
		}
		h.staffAudit(c, "attendance_mark", outcome, map[string]any{"child": m.ChildID, "service": m.ServiceID, "day": m.Day.Format(time.DateOnly),
			"before": res.Before, "after": m.Status, "charge": res.ChargeID, "refund": res.RefundID, "register": true})
	}
	h.flashRedirect(c, v.T("staff.register.saved", saved), back)
}
