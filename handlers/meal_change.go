package handlers

import (
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/internal/booking"
	"portalegenitori/internal/calendar"
)

var formKeyRE = regexp.MustCompile(`^[A-Za-z0-9-]{8,64}$`)

// formKey is the idempotency key the form carries; a form without one (a
// hand-made request) gets a fresh key, so it is not deduplicated.
func formKey(c *gin.Context) string {
	if k := c.PostForm("chiave"); formKeyRE.MatchString(k) {
		return k
	}
	return rand.Text()
}

// mealTarget reads the state asked for.
func mealTarget(c *gin.Context) (string, bool) {
	switch t := c.PostForm("stato"); t {
	case booking.Booked, booking.Cancelled, booking.Plain:
		return t, true
	}
	return "", false
}

// mealChange is the parent's POST /{inst}/pasti/:child/:service/:day:
// cancel, undo, plain meal for one day. Without JavaScript it redirects
// back with the receipt (or the refusal) as the flash message; with htmx it
// answers the day's box and the text for the page's status region.
func (h *Handler) mealChange(c *gin.Context) {
	adultID, linked, ok := h.familyViewer(c)
	if !ok {
		return
	}
	inst := installation(c)
	acc := currentAccount(c)
	ctx := c.Request.Context()
	childID, ok1 := idParam(c, "child")
	serviceID, ok2 := idParam(c, "service")
	day, err := calendar.ParseDay(c.Param("day"))
	if !ok1 || !ok2 || err != nil {
		h.renderError(c, http.StatusNotFound, nil)
		return
	}
	dayPage := db.CalendarQuery{InstallationID: inst.ID, AdultID: adultID, LinkedFiscalCode: linked,
		ChildID: childID, ServiceID: serviceID, First: day, Last: day, Day: day}
	target, ok := mealTarget(c)
	if !ok {
		// the guardianship answers first, as it always has: 404, then 400
		if _, ok := h.calendarPageOf(c, dayPage); ok {
			h.renderError(c, http.StatusBadRequest, nil)
		}
		return
	}
	// the request's transaction checks the guardianship itself (the child
	// reachable through the viewer's, enrolled in the service: as the
	// calendar page) and writes the audit row (db/booking_change.go)
	req := db.MealRequest{InstallationID: inst.ID, ChildIDs: []int64{childID}, ServiceID: serviceID, From: day, To: day,
		Target: target, AccountID: acc.ID, Channel: db.ChannelParent, RequestKey: formKey(c), Receipt: h.mealReceipt(inst.ID),
		Viewer: &db.MealViewer{AdultID: adultID, LinkedFiscalCode: linked, Enrolled: true}}
	req.Audit = h.mealAudit(c, req)
	res, err := h.store.ChangeMeals(ctx, req)
	if !h.mealViewerOK(c, err) {
		return
	}
	msg, refused, err := h.mealOutcome(c, req, []string{res.Names[childID]}, res, err)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	back := familyPrefix(c) + "/famiglia#meal-days"
	if c.PostForm("ritorno") == "calendario" {
		back = calendarURL(c, childID, serviceID, day)
	}
	if !wantsFragment(c.Request) {
		h.mealRedirect(c, msg, refused, back)
		return
	}
	// the day as it is now: the page statement
	pg, err := h.store.CalendarPage(ctx, dayPage)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	if pg.Child == nil || pg.Settings == nil {
		h.renderError(c, http.StatusInternalServerError, fmt.Errorf("calendar page of child %d after a meal change: %w", childID, db.ErrNotFound))
		return
	}
	v := h.mealDayOf(c, pg, day, c.PostForm("ritorno") == "calendario")
	if v == nil {
		h.renderError(c, http.StatusInternalServerError, nil)
		return
	}
	v.Message, v.Refused = msg, refused
	if c.PostForm("ritorno") == "calendario" {
		v.Return, v.StatusID = "calendario", "cal-status"
		v.CellOOB = &CalCell{Cell: calendar.Cell{Date: day, Kind: calendar.ServiceDay, Future: day.After(today())}}
		if pg.DayRecord != nil {
			v.CellOOB.Status = pg.DayRecord.Status
		}
		v.CellOOB.State = v.CellOOB.Cell.State()
		v.CellOOB.Selected = true
		v.CellMonth = calendar.MonthOf(day)
		v.CellOOB.URL = "?" + url.Values{"mese": {v.CellMonth.String()}, "giorno": {day.Format(time.DateOnly)}}.Encode()
	}
	h.renderPart(c, http.StatusOK, "family", "meal-day-swap", v)
}

// mealRefusalFlash is the session's flash key of a refusal, shown as an
// error in the meal panel or the day's box rather than as the page's
// (success) message.
const mealRefusalFlash = "meal-refused"

// mealRedirect answers a request without JavaScript: back to the page,
// with the receipt as the page's message or the refusal as an error.
func (h *Handler) mealRedirect(c *gin.Context, msg string, refused bool, back string) {
	if !refused {
		h.flashRedirect(c, msg, back)
		return
	}
	sess := sessions.Default(c)
	sess.AddFlash(msg, mealRefusalFlash)
	if err := sess.Save(); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	redirect(c, back)
}

// mealRefusal takes the refusal a redirect left, if any.
func mealRefusal(c *gin.Context) string {
	sess := sessions.Default(c)
	fl := sess.Flashes(mealRefusalFlash)
	if len(fl) == 0 {
		return ""
	}
	_ = sess.Save()
	var out []string
	for _, f := range fl {
		if s, ok := f.(string); ok {
			out = append(out, s)
		}
	}
	return strings.Join(out, " ")
}

// mealAudit is the audit row of a request, its outcome (and receipt) to
// be filled.
func (h *Handler) mealAudit(c *gin.Context, req db.MealRequest) *db.AuditEvent {
	detail := map[string]any{"children": req.ChildIDs, "service": req.ServiceID, "from": req.From.Format(time.DateOnly),
		"to": req.To.Format(time.DateOnly), "state": req.Target, "channel": req.Channel}
	if req.Reason != "" {
		detail["reason"] = req.Reason
	}
	acc := currentAccount(c)
	return &db.AuditEvent{InstallationID: req.InstallationID, AccountID: acc.ID, Actor: acc.Username,
		Action: "meal_change", IP: c.ClientIP(), Detail: detail}
}

// mealViewerOK answers a request whose transaction found the viewer's link
// stale (to the family home, as every family page) or the child not the
// viewer's (404). It returns false when it answered.
func (h *Handler) mealViewerOK(c *gin.Context, err error) bool {
	switch {
	case errors.Is(err, db.ErrStaleLink):
		redirect(c, "/"+installation(c).Code+"/famiglia")
		return false
	case errors.Is(err, db.ErrNotFound):
		h.renderError(c, http.StatusNotFound, nil)
		return false
	}
	return true
}

// mealOutcome audits a request and words its answer: the receipt, or why
// it was refused. err is returned only for a failure of the server.
func (h *Handler) mealOutcome(c *gin.Context, req db.MealRequest, names []string, res db.MealResult, err error) (string, bool, error) {
	b := h.base(c)
	e := h.mealAudit(c, req)
	detail := e.Detail
	audit := func(outcome string) {
		if req.Audit != nil {
			return // written in the request's transaction, with its outcome
		}
		detail["receipt"] = res.Receipt
		e.Outcome = outcome
		h.audit(c, *e)
	}
	var refusal *db.BookingRefusal
	switch {
	case errors.As(err, &refusal):
		detail["reason_refused"] = refusal.Reason
		audit("refused")
		return refusalText(b, req.Target, refusal), true, nil
	case errors.Is(err, db.ErrBookingDisabled):
		audit("refused")
		return b.T("meal.refused.disabled"), true, nil
	case errors.Is(err, db.ErrNoBookableDay):
		audit("refused")
		return b.T("meal.refused.no_day"), true, nil
	case err != nil:
		return "", false, err
	}
	if res.Replay {
		audit("replay")
	} else if len(res.Changes) > 0 {
		audit("success")
	} else {
		audit("unchanged")
	}
	who := strings.Join(names, ", ")
	if len(res.Changes) == 0 {
		return b.T("meal.unchanged", b.T("meal.state."+req.Target)), false, nil
	}
	first, last := res.Changes[0].Day, res.Changes[0].Day
	for _, m := range res.Changes {
		if m.Day.Before(first) {
			first = m.Day
		}
		if m.Day.After(last) {
			last = m.Day
		}
	}
	var what string
	if first.Equal(last) {
		what = b.T("meal.done."+req.Target, who, b.LongDate(first))
	} else {
		what = b.T("meal.done_range."+req.Target, len(res.Changes), who, b.DayMonth(first), b.DayMonth(last))
	}
	receipt := b.T("meal.receipt", res.Receipt, b.DateTimeSec(res.AcceptedAt))
	if res.Changes[0].Late {
		receipt += " " + b.T("meal.receipt_late")
	} else {
		receipt += " " + b.T("meal.receipt_cutoff", cutoffWords(b, res.Cutoff(), res.AcceptedAt))
	}
	return what + " " + receipt, false, nil
}

// refusalText words a refusal: "Le disdette per oggi si accettano fino
// alle 9:30."
func refusalText(b Base, target string, r *db.BookingRefusal) string {
	what := b.T("meal.what.changes")
	if target == booking.Cancelled {
		what = b.T("meal.what.cancels")
	}
	day := dayWords(b, r.Day, r.Now)
	switch r.Reason {
	case booking.TooLate:
		cut := r.Cutoff.In(calendar.Rome)
		hm := booking.Clock{Hour: cut.Hour(), Minute: cut.Minute()}.Words()
		if calendar.DateOf(cut).Equal(r.Day) {
			return b.T("meal.refused.cutoff_same", what, day, hm)
		}
		return b.T("meal.refused.cutoff_before", what, day, hm, dayWords(b, calendar.DateOf(cut), r.Now))
	case booking.TooEarly:
		return b.T("meal.refused.window", what, day, cutoffWords(b, r.Opens, r.Now))
	case "past":
		return b.T("meal.refused.past", b.LongDate(r.Day))
	case "ahead":
		return b.T("meal.refused.ahead", r.Limit)
	case "plain_limit":
		if r.Limit == 0 {
			return b.T("meal.refused.plain_none")
		}
		return b.T("meal.refused.plain_limit", r.Limit)
	}
	return b.T("meal.refused.other")
}
