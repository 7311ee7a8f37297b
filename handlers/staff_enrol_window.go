package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/internal/calendar"
)

// StaffEnrolWindowForm is an enrolment window as typed by the office.
type StaffEnrolWindowForm struct {
	Service                         int64
	Year, Title                     string
	OpensDay, OpensTime             string
	ClosesDay, ClosesTime           string
	StartsOn, EndsOn                string
	Debts                           string
	Schools                         map[int64]bool
	Classes                         map[int64]string
	YesNo, TextQuestions, Documents string
}

// StaffEnrolWindowView is the page that opens or changes a window.
type StaffEnrolWindowView struct {
	StaffBase
	ID       int64
	Version  int // of the window the page shows (db.ErrWindowChanged)
	Services []db.Option
	Schools  []db.Option
	Form     StaffEnrolWindowForm
}

// SchoolID is the form name of a school's checkbox, ClassesID of its classes.
func (StaffEnrolWindowView) SchoolID(id int64) string  { return "school-" + strconv.FormatInt(id, 10) }
func (StaffEnrolWindowView) ClassesID(id int64) string { return "classes-" + strconv.FormatInt(id, 10) }

func (h *Handler) staffEnrolWindowView(c *gin.Context) (*StaffEnrolWindowView, error) {
	inst, ctx := installation(c), c.Request.Context()
	v := &StaffEnrolWindowView{StaffBase: h.staffBase(c, "enrol")}
	var err error
	if v.Services, err = h.store.Services(ctx, inst.ID); err != nil {
		return nil, err
	}
	v.Schools, err = h.store.Schools(ctx, inst.ID)
	return v, err
}

func (h *Handler) staffEnrolWindowForm(c *gin.Context) {
	v, err := h.staffEnrolWindowView(c)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	if c.Param("window") != "" {
		w := h.enrolWindow(c, "window")
		if w == nil {
			return
		}
		v.ID, v.Version, v.Form = w.ID, w.Version, windowForm(w)
	} else {
		year := calendar.SchoolYear(today()) + 1
		v.Form = StaffEnrolWindowForm{Year: strconv.Itoa(year), OpensDay: today().Format("02/01/2006"), OpensTime: "08:00", ClosesTime: "12:00",
			StartsOn: fmt.Sprintf("07/09/%d", year), EndsOn: fmt.Sprintf("30/06/%d", year+1), Debts: "ignore",
			Schools: map[int64]bool{}, Classes: map[int64]string{}}
		for _, s := range v.Schools {
			v.Form.Schools[s.ID] = true
		}
		if len(v.Services) > 0 {
			v.Form.Service = v.Services[0].ID
		}
	}
	h.render(c, http.StatusOK, "staff_enrol_window", v)
}

func windowForm(w *db.EnrolmentWindow) StaffEnrolWindowForm {
	f := StaffEnrolWindowForm{Service: w.ServiceID, Year: strconv.Itoa(w.SchoolYear), Title: w.Title,
		OpensDay: w.OpensAt.In(calendar.Rome).Format("02/01/2006"), OpensTime: w.OpensAt.In(calendar.Rome).Format("15:04"),
		ClosesDay: w.ClosesAt.In(calendar.Rome).Format("02/01/2006"), ClosesTime: w.ClosesAt.In(calendar.Rome).Format("15:04"),
		StartsOn: w.StartsOn.Format("02/01/2006"), EndsOn: w.EndsOn.Format("02/01/2006"), Debts: w.Debts,
		Schools: map[int64]bool{}, Classes: map[int64]string{}, Documents: strings.Join(w.Documents, "\n")}
	for _, s := range w.Schools {
		f.Schools[s.SchoolID] = true
		f.Classes[s.SchoolID] = strings.Join(s.Classes, ", ")
	}
	var yn, tx []string
	for _, q := range w.Questions {
		if q.Kind == "yesno" {
			yn = append(yn, q.Text)
		} else {
			tx = append(tx, q.Text)
		}
	}
	f.YesNo, f.TextQuestions = strings.Join(yn, "\n"), strings.Join(tx, "\n")
	return f
}

// lines splits a textarea into its non-empty lines, each cut to n characters.
func lines(s string, n int) []string {
	var out []string
	for l := range strings.SplitSeq(s, "\n") {
		if l = strings.TrimSpace(cleanText(l)); l != "" {
			out = append(out, truncate(l, n))
		}
	}
	return out
}

// dateTimeIn is a day and an "HH:MM" time in Italian time.
func dateTimeIn(day, clock string) (time.Time, bool) {
	d, ok := parseDay(day)
	t, err := time.Parse("15:04", strings.TrimSpace(clock))
	if !ok || err != nil {
		return time.Time{}, false
	}
	return time.Date(d.Year(), d.Month(), d.Day(), t.Hour(), t.Minute(), 0, 0, calendar.Rome), true
}

// staffEnrolWindowSave opens a window or saves its changes, audited.
func (h *Handler) staffEnrolWindowSave(c *gin.Context) {
	inst, me := installation(c), currentAccount(c)
	id, ok := optionalIDParam(c, "window")
	if !ok {
		h.renderError(c, http.StatusNotFound, nil)
		return
	}
	v, err := h.staffEnrolWindowView(c)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	v.ID = id
	v.Version, _ = strconv.Atoi(c.PostForm("version"))
	service, _ := idValue(c.PostForm("service"))
	f := StaffEnrolWindowForm{Service: service, Year: truncate(formText(c, "year"), 4), Title: truncate(formText(c, "title"), 120),
		OpensDay: truncate(formText(c, "opens_day"), 20), OpensTime: truncate(formText(c, "opens_time"), 5),
		ClosesDay: truncate(formText(c, "closes_day"), 20), ClosesTime: truncate(formText(c, "closes_time"), 5),
		StartsOn: truncate(formText(c, "starts_on"), 20), EndsOn: truncate(formText(c, "ends_on"), 20), Debts: c.PostForm("debts"),
		Schools: map[int64]bool{}, Classes: map[int64]string{}, YesNo: truncate(c.PostForm("yesno"), 3000),
		TextQuestions: truncate(c.PostForm("text_questions"), 3000), Documents: truncate(c.PostForm("documents"), 3000)}
	v.Form = f
	in := db.EnrolmentWindowInput{InstallationID: inst.ID, ID: id, ServiceID: service, Title: f.Title, Debts: f.Debts, By: me.ID, Version: v.Version}
	if !slices.ContainsFunc(v.Services, func(o db.Option) bool { return o.ID == service }) {
		v.Errors["service"] = v.T("staff.enrol.error.service")
	}
	year, err := strconv.Atoi(f.Year)
	if err != nil || year < 2000 || year > 2100 {
		v.Errors["year"] = v.T("staff.enrol.error.year")
	}
	in.SchoolYear = year
	if f.Title == "" {
		v.Errors["title"] = v.T("staff.enrol.error.title")
	}
	if in.OpensAt, ok = dateTimeIn(f.OpensDay, f.OpensTime); !ok {
		v.Errors["opens_day"] = v.T("staff.enrol.error.when")
	}
	if in.ClosesAt, ok = dateTimeIn(f.ClosesDay, f.ClosesTime); !ok {
		v.Errors["closes_day"] = v.T("staff.enrol.error.when")
	} else if !in.ClosesAt.After(in.OpensAt) {
		v.Errors["closes_day"] = v.T("staff.enrol.error.closes")
	}
	var okFrom, okTo bool
	in.StartsOn, okFrom = parseDay(f.StartsOn)
	in.EndsOn, okTo = parseDay(f.EndsOn)
	switch {
	case !okFrom:
		v.Errors["starts_on"] = v.T("staff.error.date")
	case !okTo:
		v.Errors["ends_on"] = v.T("staff.error.date")
	case in.EndsOn.Before(in.StartsOn):
		v.Errors["ends_on"] = v.T("staff.enrol.error.period")
	}
	if f.Debts != "ignore" && f.Debts != "block" && f.Debts != "plan" {
		v.Errors["debts"] = v.T("staff.enrol.error.debts")
	}
	for _, s := range v.Schools {
		classes := truncate(formText(c, v.ClassesID(s.ID)), 300)
		v.Form.Classes[s.ID] = classes
		if c.PostForm(v.SchoolID(s.ID)) != "1" {
			continue
		}
		v.Form.Schools[s.ID] = true
		ws := db.WindowSchool{SchoolID: s.ID}
		for cl := range strings.SplitSeq(classes, ",") {
			if cl = strings.ToUpper(strings.TrimSpace(cl)); cl != "" && !slices.Contains(ws.Classes, cl) {
				ws.Classes = append(ws.Classes, truncate(cl, 20))
			}
		}
		in.Schools = append(in.Schools, ws)
	}
	if len(in.Schools) == 0 {
		v.Errors["schools"] = v.T("staff.enrol.error.schools")
	}
	for _, q := range lines(f.YesNo, 200) {
		in.Questions = append(in.Questions, db.EnrolmentQuestion{Kind: "yesno", Text: q})
	}
	for _, q := range lines(f.TextQuestions, 200) {
		in.Questions = append(in.Questions, db.EnrolmentQuestion{Kind: "text", Text: q})
	}
	in.Documents = lines(f.Documents, 200)
	if len(in.Questions) > 20 || len(in.Documents) > 20 {
		v.Errors["yesno"] = v.T("staff.enrol.error.too_many")
	}
	if len(v.Errors) > 0 {
		h.render(c, http.StatusUnprocessableEntity, "staff_enrol_window", v)
		return
	}
	saved, err := h.store.SaveEnrolmentWindow(c.Request.Context(), in)
	if errors.Is(err, db.ErrWindowHasRequests) {
		v.Errors["service"] = v.T("staff.enrol.error.has_requests")
		h.render(c, http.StatusUnprocessableEntity, "staff_enrol_window", v)
		return
	}
	if errors.Is(err, db.ErrWindowChanged) {
		// the clerk's input stays on the form, over the current version:
		// saving again replaces the other clerk's change on purpose
		w := h.enrolWindow(c, "window")
		if w == nil {
			return
		}
		v.Version = w.Version
		v.Errors["title"] = v.T("staff.enrol.error.changed")
		h.staffAudit(c, "enrolment_window_save", "changed_meanwhile", map[string]any{"window": id})
		h.render(c, http.StatusConflict, "staff_enrol_window", v)
		return
	}
	if err != nil {
		h.notFoundOr(c, err)
		return
	}
	h.staffAudit(c, "enrolment_window_save", "success", map[string]any{"window": saved, "new": id == 0, "service": service,
		"opens_at": in.OpensAt, "closes_at": in.ClosesAt, "debts": in.Debts, "schools": len(in.Schools)})
	h.flashRedirect(c, v.T("staff.enrol.window_saved", f.Title), "/"+inst.Code+"/operatori/iscrizioni")
}
