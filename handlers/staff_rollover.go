package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
)

// rolloverStepTime bounds one request of a run: the run goes on family by
// family and the next request resumes it, so no request waits for a whole
// city and a closed page only pauses the run.
const rolloverStepTime = 10 * time.Second

// StaffRolloverView is the year-end page: how each school ends, the choice
// for the new year, the dry run and the run's progress.
type StaffRolloverView struct {
	StaffBase
	Schools []db.RolloverSchool
	Form    RolloverForm
	Plan    *db.RolloverPlan
	Run     *db.RolloverRun
}

// RolloverForm is the choice as typed.
type RolloverForm struct {
	FromYear     int
	Renew        bool
	Starts, Ends string
}

// ToYear is the school year the run opens.
func (f RolloverForm) ToYear() int { return f.FromYear + 1 }

func (h *Handler) staffRolloverView(c *gin.Context) (StaffRolloverView, error) {
	inst := installation(c)
	ctx := c.Request.Context()
	y := db.SchoolYearOf(today())
	v := StaffRolloverView{StaffBase: h.staffBase(c, "settings"),
		Form: RolloverForm{FromYear: y, Renew: true, Starts: fmt.Sprintf("%d-09-07", y+1), Ends: fmt.Sprintf("%d-06-30", y+2)}}
	var err error
	if v.Schools, err = h.store.RolloverSchools(ctx, inst.ID); err != nil {
		return v, err
	}
	run, err := h.store.LatestRollover(ctx, inst.ID)
	if err != nil && !errors.Is(err, db.ErrNotFound) {
		return v, err
	}
	v.Run = run
	return v, nil
}

// rolloverForm reads the choice (query or form) and checks it.
func rolloverForm(c *gin.Context, v *StaffRolloverView) (db.RolloverOptions, bool) {
	get := func(k string) string {
		if c.Request.Method == http.MethodPost {
			return formText(c, k)
		}
		return queryText(c, k)
	}
	y, err := strconv.Atoi(get("anno"))
	if err != nil || y < 2000 || y > 2100 {
		v.Errors["anno"] = v.T("staff.rollover.error.year")
	} else {
		v.Form.FromYear = y
	}
	v.Form.Renew = get("rinnova") == "1"
	v.Form.Starts, v.Form.Ends = get("dal"), get("al")
	o := db.RolloverOptions{FromYear: v.Form.FromYear, Renew: v.Form.Renew}
	var ok bool
	if o.StartsOn, ok = parseDay(v.Form.Starts); !ok || o.StartsOn.Year() != v.Form.FromYear+1 {
		v.Errors["dal"] = v.T("staff.rollover.error.starts", v.Form.FromYear+1)
	}
	if o.EndsOn, ok = parseDay(v.Form.Ends); !ok || !o.EndsOn.After(o.StartsOn) {
		v.Errors["al"] = v.T("staff.error.period")
	}
	return o, len(v.Errors) == 0
}

func (h *Handler) staffRollover(c *gin.Context) {
	v, err := h.staffRolloverView(c)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	h.render(c, http.StatusOK, "staff_rollover", v)
}

// staffRolloverPreview is the dry run: it writes nothing.
func (h *Handler) staffRolloverPreview(c *gin.Context) {
	v, err := h.staffRolloverView(c)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	o, ok := rolloverForm(c, &v)
	if !ok {
		h.render(c, http.StatusUnprocessableEntity, "staff_rollover", v)
		return
	}
	plan, err := h.store.PlanRollover(c.Request.Context(), installation(c).ID, o, 300)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	v.Plan = &plan
	h.render(c, http.StatusOK, "staff_rollover", v)
}

// staffRolloverRun starts the run (or resumes it) and does as many
// families as fit in one step.
func (h *Handler) staffRolloverRun(c *gin.Context) {
	inst, me := installation(c), currentAccount(c)
	ctx := c.Request.Context()
	v, err := h.staffRolloverView(c)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	o, ok := rolloverForm(c, &v)
	if !ok {
		h.render(c, http.StatusUnprocessableEntity, "staff_rollover", v)
		return
	}
	id, err := h.store.StartRollover(ctx, inst.ID, o, me.ID)
	if errors.Is(err, db.ErrRolloverOptions) {
		v.Errors["anno"] = v.T("staff.rollover.error.options")
		h.render(c, http.StatusUnprocessableEntity, "staff_rollover", v)
		return
	}
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	finished, err := h.store.RolloverStep(ctx, inst.ID, id, me.ID, time.Now().Add(rolloverStepTime))
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	if v.Run, err = h.store.RolloverRunByID(ctx, inst.ID, id); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	h.staffAudit(c, "rollover_step", map[bool]string{true: "finished", false: "paused"}[finished],
		map[string]any{"run": id, "to_year": o.FromYear + 1, "done": v.Run.Done, "total": v.Run.Total})
	h.render(c, http.StatusOK, "staff_rollover", v)
}

// staffRolloverSchool saves how a school ends and its next level.
func (h *Handler) staffRolloverSchool(c *gin.Context) {
	inst := installation(c)
	id, ok := h.pathID(c, "id")
	if !ok {
		return
	}
	b := h.staffBase(c, "settings")
	last, _ := strconv.Atoi(c.PostForm("last_class"))
	age, _ := strconv.Atoi(c.PostForm("exit_age"))
	next := formID(c, "next_school")
	if last < 0 || last > 8 || age < 0 || age > 18 || next == id {
		h.flashRedirect(c, b.T("staff.rollover.error.school"), "/"+inst.Code+"/operatori/impostazioni/anno")
		return
	}
	err := h.store.SaveRolloverSchool(c.Request.Context(), inst.ID, id, last, age, next)
	if err != nil && isFKViolation(err) {
		h.flashRedirect(c, b.T("staff.rollover.error.school"), "/"+inst.Code+"/operatori/impostazioni/anno")
		return
	}
	if err != nil {
		h.notFoundOr(c, err)
		return
	}
	h.staffAudit(c, "school_end_rules", "success", map[string]any{"school": id, "last_class": last, "exit_age": age, "next": next})
	h.flashRedirect(c, b.T("staff.saved"), "/"+inst.Code+"/operatori/impostazioni/anno#scuola-"+c.Param("id"))
}
