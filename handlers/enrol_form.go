package handlers

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/delivery"
	"portalegenitori/internal/codicefiscale"
)

// EnrolmentForm is the enrolment request as typed; it is also the draft kept
// on the server (docs/enrolment.md).
type EnrolmentForm struct {
	Child        string   `json:"child"` // a child's ID, or "new"
	FirstName    string   `json:"first_name"`
	LastName     string   `json:"last_name"`
	BirthDate    string   `json:"birth_date"`
	FiscalCode   string   `json:"fiscal_code"`
	School       int64    `json:"school"`
	Class        string   `json:"class"`
	Answers      []string `json:"answers"`
	DocumentsAck bool     `json:"documents_ack"`
	PlanAccepted bool     `json:"plan_accepted"`
	AdultCF      string   `json:"adult_cf,omitempty"` // the office's entry: the requesting adult
	// the ISEE declared with the request, optional (db/tariff.go)
	ISEE       string `json:"isee,omitempty"`
	DSU        string `json:"dsu,omitempty"`
	ISEEExpiry string `json:"isee_expiry,omitempty"`
}

// EnrolmentFormView is the request form of a window, for a guardian or (Office)
// for a clerk entering a family's request.
type EnrolmentFormView struct {
	StaffBase
	Window   *db.EnrolmentWindow
	Children []db.ChildSummary // the guardian's children
	Form     EnrolmentForm
	Action   string    // the form's URL
	Saved    time.Time // when the draft was saved; zero: none
	Office   bool
	Refusal  string // the window is not open: why, instead of the form
	ISEE     bool   // the service has tariffs by ISEE: the form asks for it
}

// Answer is the typed answer to question i.
func (v EnrolmentFormView) Answer(i int) string {
	if i < len(v.Form.Answers) {
		return v.Form.Answers[i]
	}
	return ""
}

// QuestionID is the form name of question i.
func (EnrolmentFormView) QuestionID(i int) string { return "q" + strconv.Itoa(i) }

// ChildValue is a child's value in the choice of the child.
func (EnrolmentFormView) ChildValue(id int64) string { return strconv.FormatInt(id, 10) }

// ClassHint lists the classes a school of the window accepts.
func (v EnrolmentFormView) ClassHint() string {
	var parts []string
	for _, s := range v.Window.Schools {
		if len(s.Classes) > 0 {
			parts = append(parts, s.Name+": "+strings.Join(s.Classes, ", "))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return v.T("enrol.class_allowed", strings.Join(parts, "; "))
}

// readEnrolmentForm reads the posted form, each value cut to its length.
func readEnrolmentForm(c *gin.Context, w *db.EnrolmentWindow) EnrolmentForm {
	school, _ := idValue(c.PostForm("school"))
	f := EnrolmentForm{Child: truncate(formText(c, "child"), 20), FirstName: truncate(formText(c, "first_name"), 60),
		LastName: truncate(formText(c, "last_name"), 60), BirthDate: truncate(formText(c, "birth_date"), 20),
		FiscalCode: truncate(formText(c, "fiscal_code"), 30), School: school, Class: truncate(formText(c, "class"), 20),
		DocumentsAck: c.PostForm("documents_ack") == "1", PlanAccepted: c.PostForm("plan_accepted") == "1",
		AdultCF: truncate(formText(c, "adult_cf"), 30), ISEE: truncate(formText(c, "isee"), 20), DSU: truncate(formText(c, "dsu"), 40),
		ISEEExpiry: truncate(formText(c, "isee_expiry"), 20)}
	for i := range w.Questions {
		f.Answers = append(f.Answers, truncate(formText(c, "q"+strconv.Itoa(i)), 300))
	}
	return f
}

// checkEnrolmentForm checks the form against the window and fills the request;
// each problem is a message next to its field in errs.
func checkEnrolmentForm(b Base, errs map[string]string, w *db.EnrolmentWindow, f EnrolmentForm, kids []db.ChildSummary) db.NewEnrolmentRequest {
	r := db.NewEnrolmentRequest{WindowID: w.ID, SchoolID: f.School, ClassName: f.Class, DocumentsAck: f.DocumentsAck, PlanAccepted: f.PlanAccepted}
	switch {
	case f.Child == "new":
		r.FirstName, r.LastName = f.FirstName, f.LastName
		if r.FirstName == "" {
			errs["first_name"] = b.T("enrol.error.first_name")
		}
		if r.LastName == "" {
			errs["last_name"] = b.T("enrol.error.last_name")
		}
		birth, ok := parseDay(f.BirthDate)
		if !ok || birth.After(today()) {
			errs["birth_date"] = b.T("enrol.error.birth_date")
		}
		r.BirthDate = birth
		cf, err := codicefiscale.Validate(f.FiscalCode)
		var e *codicefiscale.Error
		switch {
		case strings.TrimSpace(f.FiscalCode) == "":
			errs["fiscal_code"] = b.T("enrol.error.fiscal_code_missing")
		case errors.As(err, &e):
			errs["fiscal_code"] = e.MessageIT()
			if b.Lang == "en" {
				errs["fiscal_code"] = e.MessageEN()
			}
		case err != nil:
			errs["fiscal_code"] = b.T("enrol.error.fiscal_code")
		case ok:
			if d, err := codicefiscale.BirthDate(cf, today()); err == nil && !d.Equal(birth) {
				errs["fiscal_code"] = b.T("enrol.error.fiscal_code_birth")
			}
		}
		r.FiscalCode = cf
	case f.Child != "":
		id, _ := idValue(f.Child)
		if !slices.ContainsFunc(kids, func(k db.ChildSummary) bool { return k.ID == id }) {
			errs["child"] = b.T("enrol.error.child")
		}
		r.ChildID = id
	default:
		errs["child"] = b.T("enrol.error.child")
	}
	i := slices.IndexFunc(w.Schools, func(s db.WindowSchool) bool { return s.SchoolID == f.School })
	switch {
	case i < 0:
		errs["school"] = b.T("enrol.error.school")
	case len(w.Schools[i].Classes) > 0 && !slices.Contains(w.Schools[i].Classes, strings.ToUpper(f.Class)):
		errs["class"] = b.T("enrol.error.class_list", strings.Join(w.Schools[i].Classes, ", "))
	case f.Class == "":
		errs["class"] = b.T("enrol.error.class")
	}
	if i >= 0 && len(w.Schools[i].Classes) > 0 {
		r.ClassName = strings.ToUpper(f.Class)
	}
	for q, question := range w.Questions {
		a := ""
		if q < len(f.Answers) {
			a = f.Answers[q]
		}
		if question.Kind == "yesno" && a != "si" && a != "no" {
			errs["q"+strconv.Itoa(q)] = b.T("enrol.error.yesno")
		}
		if question.Kind == "text" && utf8.RuneCountInString(a) > 300 {
			errs["q"+strconv.Itoa(q)] = b.T("enrol.error.too_long")
		}
		r.Answers = append(r.Answers, db.EnrolmentAnswer{Question: question.Text, Kind: question.Kind, Answer: a})
	}
	if f.ISEE != "" || f.DSU != "" || f.ISEEExpiry != "" {
		d := db.ISEEDeclaration{DSUProtocol: normalizeDSU(f.DSU, today())}
		var ok bool
		if d.ISEECents, ok = parseISEE(f.ISEE); !ok || d.ISEECents < 0 || d.ISEECents > maxISEECents {
			errs["isee"] = b.T("enrol.error.isee")
		}
		if d.DSUProtocol == "" {
			errs["dsu"] = b.T("enrol.error.dsu")
		}
		if d.ExpiresOn, ok = parseDay(f.ISEEExpiry); !ok || d.ExpiresOn.Before(today()) {
			errs["isee_expiry"] = b.T("enrol.error.isee_expiry")
		}
		r.ISEE = &d
	}
	if len(w.Documents) > 0 && !f.DocumentsAck {
		errs["documents_ack"] = b.T("enrol.error.documents")
	}
	return r
}

// submitEnrolment stores the checked request with its e-mail receipt; the
// errors a family can correct become messages on the form (false).
func (h *Handler) submitEnrolment(ctx context.Context, b Base, errs map[string]string, r db.NewEnrolmentRequest, mailTo int64) (db.EnrolmentReceipt, bool, error) {
	rc, err := h.store.SubmitEnrolment(ctx, r, func(ctx context.Context, tx *sql.Tx, id int64) error {
		if mailTo == 0 {
			return nil
		}
		return h.enqueue.EnrolmentReceipt(ctx, tx, delivery.EnrolmentReceiptArgs{InstallationID: r.InstallationID, AccountID: mailTo, RequestID: id})
	})
	switch {
	case errors.Is(err, db.ErrWindowNotOpen):
		errs["form"] = b.T("enrol.error.not_open")
	case errors.Is(err, db.ErrWindowClosed):
		errs["form"] = b.T("enrol.error.closed")
	case errors.Is(err, db.ErrAlreadyRequested) && r.ByOffice:
		errs["child"] = b.T("staff.enrol.error.already")
	case errors.Is(err, db.ErrAlreadyRequested):
		errs["child"] = b.T("enrol.error.already")
	case errors.Is(err, db.ErrDebtsBlock):
		errs["form"] = b.T("enrol.error.debts")
	case errors.Is(err, db.ErrPlanNeeded):
		errs["plan_accepted"] = b.T("enrol.error.plan")
	case errors.Is(err, db.ErrNotFound):
		errs["child"] = b.T("enrol.error.child")
	case err != nil:
		return rc, false, err
	default:
		return rc, true, nil
	}
	return rc, false, nil
}

// windowRefusal is why a family cannot send a request now ("" when open).
func windowRefusal(b Base, w *db.EnrolmentWindow) string {
	switch {
	case w.Early:
		return b.T("enrol.not_open_yet", w.Title, b.DateTimeMin(w.OpensAt))
	case w.Closed:
		return b.T("enrol.closed", w.Title, b.DateTimeMin(w.ClosesAt))
	}
	return ""
}

// hasISEETariffs is whether the service has tariffs by ISEE.
func (h *Handler) hasISEETariffs(c *gin.Context, serviceID int64) (bool, error) {
	_, err := h.store.TariffRulesOf(c.Request.Context(), installation(c).ID, serviceID)
	if errors.Is(err, db.ErrNoTariffRules) || errors.Is(err, db.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// DateTimeMin formats a time to the minute, Italian time: "31/01/2027 12:00".
func (b Base) DateTimeMin(t time.Time) string { return b.DateTimeSec(t)[:16] }

// enrolWindow loads the window of the path, answering 404 itself.
func (h *Handler) enrolWindow(c *gin.Context, param string) *db.EnrolmentWindow {
	id, ok := h.pathID(c, param)
	if !ok {
		return nil
	}
	w, err := h.store.EnrolmentWindowByID(c.Request.Context(), installation(c).ID, id)
	if err != nil {
		h.notFoundOr(c, err)
		return nil
	}
	return w
}

// enrolPrefill fills a new form from the registry and, for a renewal, from
// the child's request for the same service in an earlier window.
func (h *Handler) enrolPrefill(c *gin.Context, w *db.EnrolmentWindow, kids []db.ChildSummary, childID int64) (EnrolmentForm, error) {
	f := EnrolmentForm{Answers: make([]string, len(w.Questions))}
	if len(w.Schools) == 1 {
		f.School = w.Schools[0].SchoolID
	}
	i := slices.IndexFunc(kids, func(k db.ChildSummary) bool { return k.ID == childID })
	if i < 0 {
		return f, nil
	}
	k := kids[i]
	f.Child, f.Class = strconv.FormatInt(k.ID, 10), k.ClassName
	for _, s := range w.Schools {
		if s.Name == k.School {
			f.School = s.SchoolID
		}
	}
	prev, err := h.store.PreviousAnswers(c.Request.Context(), installation(c).ID, w.ID, k.ID)
	if err != nil {
		return f, err
	}
	for q, question := range w.Questions {
		for _, a := range prev {
			if a.Question == question.Text && a.Kind == question.Kind {
				f.Answers[q] = a.Answer
			}
		}
	}
	return f, nil
}

// enrolFormURL is the family's form of a window.
func enrolFormURL(inst *db.Installation, windowID int64) string {
	return fmt.Sprintf("/%s/iscrizioni/finestre/%d", inst.Code, windowID)
}

// enrolForm shows the form of a window: the saved draft, or a new form
// pre-filled for the child of ?bambino= (a renewal).
func (h *Handler) enrolForm(c *gin.Context) {
	adult := h.familyAdult(c)
	if adult == nil {
		return
	}
	w := h.enrolWindow(c, "window")
	if w == nil {
		return
	}
	inst, ctx := installation(c), c.Request.Context()
	kids, err := h.store.ChildrenOfAdult(ctx, inst.ID, adult.ID)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	v := &EnrolmentFormView{StaffBase: StaffBase{Base: h.base(c), Errors: map[string]string{}}, Window: w, Children: kids, Action: enrolFormURL(inst, w.ID)}
	v.Nav = "family"
	v.Refusal = windowRefusal(v.Base, w)
	if v.ISEE, err = h.hasISEETariffs(c, w.ServiceID); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	saved, ok, err := h.store.EnrolmentDraft(ctx, inst.ID, w.ID, adult.ID, &v.Form)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	if ok {
		v.Saved = saved
	} else {
		child, _ := idValue(c.Query("bambino"))
		if v.Form, err = h.enrolPrefill(c, w, kids, child); err != nil {
			h.renderError(c, http.StatusInternalServerError, err)
			return
		}
	}
	h.render(c, http.StatusOK, "enrol_form", v)
}

// enrolSubmit saves the draft (azione=bozza) or sends the request: checked,
// stored with its receipt queued, audited; the receipt page follows.
func (h *Handler) enrolSubmit(c *gin.Context) {
	adult := h.familyAdult(c)
	if adult == nil {
		return
	}
	w := h.enrolWindow(c, "window")
	if w == nil {
		return
	}
	inst, acc, ctx := installation(c), currentAccount(c), c.Request.Context()
	kids, err := h.store.ChildrenOfAdult(ctx, inst.ID, adult.ID)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	v := &EnrolmentFormView{StaffBase: StaffBase{Base: h.base(c), Errors: map[string]string{}}, Window: w, Children: kids, Action: enrolFormURL(inst, w.ID)}
	v.Nav = "family"
	v.Form = readEnrolmentForm(c, w)
	if v.ISEE, err = h.hasISEETariffs(c, w.ServiceID); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	if c.PostForm("azione") == "bozza" {
		if err := h.store.SaveEnrolmentDraft(ctx, inst.ID, w.ID, adult.ID, v.Form); err != nil {
			h.renderError(c, http.StatusInternalServerError, err)
			return
		}
		h.audit(c, db.AuditEvent{InstallationID: inst.ID, AccountID: acc.ID, Actor: acc.Username, Action: "enrolment_draft", Outcome: "success",
			Detail: map[string]any{"window": w.ID}})
		h.flashRedirect(c, v.T("enrol.draft_saved"), v.Action)
		return
	}
	r := checkEnrolmentForm(v.Base, v.Errors, w, v.Form, kids)
	if len(v.Errors) == 0 {
		r.InstallationID, r.AdultID, r.EnteredBy = inst.ID, adult.ID, acc.ID
		rc, ok, err := h.submitEnrolment(ctx, v.Base, v.Errors, r, acc.ID)
		if err != nil {
			h.renderError(c, http.StatusInternalServerError, err)
			return
		}
		if ok {
			h.audit(c, db.AuditEvent{InstallationID: inst.ID, AccountID: acc.ID, Actor: acc.Username, Action: "enrolment_submit", Outcome: "success",
				Detail: map[string]any{"window": w.ID, "request": rc.ID, "protocol": rc.Protocol, "again": rc.Again, "new_child": r.ChildID == 0}})
			if rc.ISEEDeclaration != 0 { // declared with the request: the same row as the ISEE page's
				h.audit(c, db.AuditEvent{InstallationID: inst.ID, AccountID: acc.ID, Actor: acc.Username, Action: "isee_declare", Outcome: "success",
					Detail: map[string]any{"declaration": rc.ISEEDeclaration, "adult": adult.ID, "request": rc.ID}})
			}
			h.flashRedirect(c, v.T("enrol.sent", rc.Protocol), fmt.Sprintf("/%s/iscrizioni/%d", inst.Code, rc.ID))
			return
		}
	}
	h.audit(c, db.AuditEvent{InstallationID: inst.ID, AccountID: acc.ID, Actor: acc.Username, Action: "enrolment_submit", Outcome: "refused",
		Detail: map[string]any{"window": w.ID, "fields": mapKeys(v.Errors)}})
	h.render(c, http.StatusUnprocessableEntity, "enrol_form", v)
}

func mapKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
