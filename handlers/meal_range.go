package handlers

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/internal/booking"
	"portalegenitori/internal/calendar"
)

// mealRange is POST /{inst}/pasti/periodo: cancel (or book again) every
// school day from..to of one or several children at one bookable service
// each (a week of illness, a family trip), in one transaction: all of it or
// nothing. It answers like mealChange; with htmx the whole panel is swapped.
func (h *Handler) mealRange(c *gin.Context) {
	adultID, linked, ok := h.familyViewer(c)
	if !ok {
		return
	}
	inst := installation(c)
	acc := currentAccount(c)
	ctx := c.Request.Context()
	back := familyPrefix(c) + "/famiglia#meal-days"
	b := h.base(c)
	target, ok := mealTarget(c)
	if !ok {
		h.renderError(c, http.StatusBadRequest, nil)
		return
	}
	from, okFrom := parseDay(c.PostForm("dal"))
	to, okTo := parseDay(c.PostForm("al"))
	if c.PostForm("al") == "" {
		to, okTo = from, okFrom
	}
	// "bambino" values are child:service pairs of the viewer's children:
	// each request's transaction checks the guardianship (a child of
	// another family is 404) and the service's rules
	byService := map[int64][]int64{}
	var order []int64 // the children in the form's order, for the answer
	for _, v := range c.PostFormArray("bambino") {
		childID, serviceID, ok := splitPair(v)
		if !ok {
			h.renderError(c, http.StatusNotFound, nil)
			return
		}
		byService[serviceID] = append(byService[serviceID], childID)
		order = append(order, childID)
	}
	// Each service's request is its own transaction: with more than one,
	// every pair is checked first, so a pair that must be refused (another
	// family's child, a service without bookings) leaves nothing written.
	if len(byService) > 1 && !h.mealPairsOK(c, adultID, byService) {
		return
	}
	var msg string
	refused := true // bad input, until a request is decided
	switch {
	case len(byService) == 0:
		msg = b.T("meal.range.no_child")
	case !okFrom || !okTo:
		msg = b.T("meal.range.bad_dates")
	case to.Before(from):
		msg = b.T("meal.range.reversed")
	case to.Sub(from).Hours() > 24*92:
		msg = b.T("meal.range.too_long")
	}
	if msg == "" {
		refused = false
		key := formKey(c)
		// one request per service (the mensa in practice): each is its own
		// transaction with its own receipt
		type done struct {
			req db.MealRequest
			res db.MealResult
			err error
		}
		var all []done
		names := map[int64]string{}
		for serviceID, children := range byService {
			req := db.MealRequest{InstallationID: inst.ID, ChildIDs: children, ServiceID: serviceID, From: from, To: to,
				Target: target, AccountID: acc.ID, Channel: db.ChannelParent,
				RequestKey: key + "-" + strconv.FormatInt(serviceID, 10), Receipt: h.mealReceipt(inst.ID),
				Viewer: &db.MealViewer{AdultID: adultID, LinkedFiscalCode: linked, Bookable: true}}
			req.Audit = h.mealAudit(c, req)
			res, err := h.store.ChangeMeals(ctx, req)
			if !h.mealViewerOK(c, err) {
				return
			}
			for id, n := range res.Names {
				names[id] = n
			}
			all = append(all, done{req, res, err})
		}
		var who []string
		for _, id := range order {
			who = append(who, names[id])
		}
		for _, d := range all {
			m, no, err := h.mealOutcome(c, d.req, who, d.res, d.err)
			refused = refused || no
			if err != nil {
				h.renderError(c, http.StatusInternalServerError, err)
				return
			}
			if msg != "" {
				msg += " "
			}
			msg += m
		}
	}
	if !wantsFragment(c.Request) {
		h.mealRedirect(c, msg, refused, back)
		return
	}
	// the panel as it is now: the family home's statement
	now := time.Now().In(calendar.Rome)
	mealFrom := booking.Today(now)
	month := calendar.MonthOf(today())
	pg, err := h.store.FamilyPage(ctx, db.FamilyQuery{InstallationID: inst.ID, AdultID: adultID, AccountID: acc.ID,
		LinkedFiscalCode: linked, SchoolYear: db.SchoolYearOf(today()), MonthFirst: month.First(), MonthLast: month.Last(),
		MealFrom: mealFrom, MealTo: mealFrom.AddDate(0, 0, mealPanelDays), Today: today()})
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	if !h.familyAdultOf(c, pg.Adult) {
		return
	}
	p := h.mealPanelOf(c, pg, familyChildrenOf(c, pg, adultID), now, mealFrom)
	if p == nil {
		h.renderError(c, http.StatusInternalServerError, nil)
		return
	}
	p.Flash = msg
	if okFrom {
		p.RangeFrom = from.Format("2006-01-02")
	}
	if okTo {
		p.RangeTo = to.Format("2006-01-02")
	}
	h.renderPart(c, http.StatusOK, "family", "meal-panel-swap", p)
}

// splitPair reads "12:3".
func splitPair(v string) (int64, int64, bool) {
	for i := 0; i < len(v); i++ {
		if v[i] == ':' {
			a, err1 := strconv.ParseInt(v[:i], 10, 64)
			b, err2 := strconv.ParseInt(v[i+1:], 10, 64)
			return a, b, err1 == nil && err2 == nil && a > 0 && b > 0
		}
	}
	return 0, 0, false
}

// mealReceipts is POST /{inst}/pasti/ricevute: the adult's choice to get
// every receipt by e-mail too.
func (h *Handler) mealReceipts(c *gin.Context) {
	inst := installation(c)
	acc := currentAccount(c)
	on := c.PostForm("email") == "1"
	if err := h.store.SetBookingReceiptEmail(c.Request.Context(), inst.ID, acc.ID, on); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	h.audit(c, db.AuditEvent{InstallationID: inst.ID, AccountID: acc.ID, Actor: acc.Username, Action: "meal_receipt_email",
		Outcome: "success", Detail: map[string]any{"on": on}})
	key := "meal.receipts.off"
	if on {
		key = "meal.receipts.on"
	}
	h.flashRedirect(c, tr(c, key), familyPrefix(c)+"/famiglia#meal-days")
}

// mealPairsOK answers 404 (false) unless every child is the viewer's and
// every service takes bookings.
func (h *Handler) mealPairsOK(c *gin.Context, adultID int64, byService map[int64][]int64) bool {
	settings, err := h.mealSettings(c)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return false
	}
	for serviceID, children := range byService {
		if _, ok := settings[serviceID]; !ok {
			h.renderError(c, http.StatusNotFound, nil)
			return false
		}
		for _, childID := range children {
			if _, err := h.store.ChildOfAdult(c.Request.Context(), installation(c).ID, adultID, childID); err != nil {
				h.notFoundOr(c, err)
				return false
			}
		}
	}
	return true
}
