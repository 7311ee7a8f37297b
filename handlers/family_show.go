package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/delivery"
	"portalegenitori/internal/booking"
	"portalegenitori/internal/calendar"
)

// FamilyView is the family home.
type FamilyView struct {
	Base
	Name      string
	Linked    bool
	StaleLink bool
	// not linked yet: a code was sent to the registry's contacts (masked in
	// LinkSentTo), or the office is to confirm the link
	LinkCode    bool
	LinkOffice  bool
	LinkSentTo  string
	LinkMinutes int
	SchoolYear  int
	YearLabel   string // "2026/2027"
	Month       calendar.Month
	Children    []FamilyChild
	Balances    []FamilyBalance // once per paying adult, not per child
	Docs        FamilyDocs      // unread messages (messages_list.go)
	Meals       *MealPanel      // "Prossimi giorni" (meal_panel.go); nil without bookable services
	Enrol       *EnrolmentPanel // Iscrizioni open and requests (enrol_list.go); nil when none
	ISEE        *ISEEPanel      // tariffs by ISEE and why (isee_show.go); nil without such services
	Menu        *MenuToday      // today's menu (menu_family.go); nil without a mensa
}

// FamilyBalance is the balance of one paying adult and the children it pays for.
type FamilyBalance struct {
	PayerName string
	Own       bool // the viewer is the paying adult
	Balance   int64
	Children  string // "Luca, Sofia"
}

// FamilyChild is one child's card: school, services of the school year,
// this month's presences and the balance of the paying adult.
type FamilyChild struct {
	db.ChildSummary
	Services   []FamilyService
	Balance    int64
	OwnBalance bool // the viewer is the paying adult
}

// FamilyService is one enrollment with this month's presences.
type FamilyService struct {
	db.Enrollment
	Present     int
	CalendarURL string
}

func (h *Handler) familyShow(c *gin.Context) {
	inst := installation(c)
	acc := currentAccount(c)
	if acc.IsStaff() {
		redirect(c, homeOf(inst, acc))
		return
	}
	ctx := c.Request.Context()
	now := today()
	v := FamilyView{Base: h.base(c), Name: acc.DisplayName, SchoolYear: calendar.SchoolYear(now), Month: calendar.MonthOf(now)}
	v.Nav = "family"
	v.YearLabel = fmt.Sprintf("%d/%d", v.SchoolYear, v.SchoolYear+1)
	if acc.AdultID.Valid {
		day := now // of the tariffs and the menu
		// one statement: the adult, the guardianships and the page (db/page_family.go)
		now := time.Now().In(calendar.Rome)
		mealFrom := booking.Today(now)
		pg, err := h.store.FamilyPage(ctx, db.FamilyQuery{InstallationID: inst.ID, AdultID: acc.AdultID.Int64, AccountID: acc.ID,
			LinkedFiscalCode: acc.LinkedFiscalCode, SchoolYear: v.SchoolYear, MonthFirst: v.Month.First(), MonthLast: v.Month.Last(),
			MealFrom: mealFrom, MealTo: mealFrom.AddDate(0, 0, mealPanelDays), Today: day})
		if err == nil && pg.Adult == nil {
			err = fmt.Errorf("adult %d: %w", acc.AdultID.Int64, db.ErrNotFound)
		}
		if err != nil {
			h.renderError(c, http.StatusInternalServerError, err)
			return
		}
		adult := pg.Adult
		v.Linked = true
		v.Name = adult.FirstName
		v.StaleLink = staleLink(acc, adult)
		v.Docs = FamilyDocs{Unread: pg.Unread}
		if !v.StaleLink {
			v.Children = familyChildrenOf(c, pg, adult.ID)
			v.Balances = familyBalances(v.Children)
			v.Meals = h.mealPanelOf(c, pg, v.Children, now, mealFrom)
			// the panels, from the same statement (docs/performance.md)
			if lines := iseeLines(v.Base, v.Children, pg.Tariffs, day); len(lines) > 0 {
				v.ISEE = &ISEEPanel{Base: h.base(c), Tariffs: lines, Latest: pg.LatestISEE, Today: day}
			}
			if pg.Panels.Menus {
				if v.Menu, err = h.menuTodayOf(c, v.Children, pg.Menus, day); err != nil {
					h.renderError(c, http.StatusInternalServerError, err)
					return
				}
			}
			if len(pg.Windows) > 0 || len(pg.Requests) > 0 {
				v.Enrol = &EnrolmentPanel{Windows: pg.Windows, Requests: pg.Requests}
			}
		}
	}
	if !acc.AdultID.Valid {
		r, err := h.store.PendingLink(ctx, inst.ID, acc.ID)
		switch {
		case err == nil:
			v.LinkCode = r.AdultID.Valid && len(delivery.LinkTargets(inst, r.AdultEmail.String, r.AdultMobile.String)) > 0
			v.LinkOffice = !v.LinkCode
			v.LinkSentTo, v.LinkMinutes = r.CodeSentTo, int(delivery.LinkCodeTTL.Minutes())
		case !errors.Is(err, db.ErrNotFound):
			h.renderError(c, http.StatusInternalServerError, err)
			return
		}
	}
	if v.Name == "" {
		v.Name = acc.Username
	}
	h.render(c, http.StatusOK, "family", v)
}

// familyChildren loads the cards with four queries, whatever the number of
// children: children, enrollments, presences, balances.
func (h *Handler) familyChildren(c *gin.Context, adult *db.Adult, schoolYear int, month calendar.Month) ([]FamilyChild, error) {
	ctx := c.Request.Context()
	inst := installation(c)
	kids, err := h.store.ChildrenOfAdult(ctx, inst.ID, adult.ID)
	if err != nil || len(kids) == 0 {
		return nil, err
	}
	ids := make([]int64, len(kids))
	var payers []int64
	for i, k := range kids {
		ids[i] = k.ID
		if k.PayerID.Valid {
			payers = append(payers, k.PayerID.Int64)
		}
	}
	enrollments, err := h.store.EnrollmentsOfChildren(ctx, inst.ID, ids, schoolYear)
	if err != nil {
		return nil, err
	}
	counts, err := h.store.PresenceCounts(ctx, inst.ID, ids, month.First(), month.Last())
	if err != nil {
		return nil, err
	}
	balances, err := h.store.Balances(ctx, inst.ID, payers)
	if err != nil {
		return nil, err
	}
	present := map[[2]int64]int{}
	for _, p := range counts {
		present[[2]int64{p.ChildID, p.ServiceID}] = p.Present
	}
	out := make([]FamilyChild, len(kids))
	for i, k := range kids {
		fc := FamilyChild{ChildSummary: k, Balance: balances[k.PayerID.Int64], OwnBalance: k.PayerID.Int64 == adult.ID}
		for _, e := range enrollments {
			if e.ChildID != k.ID {
				continue
			}
			fc.Services = append(fc.Services, FamilyService{
				Enrollment:  e,
				Present:     present[[2]int64{k.ID, e.ServiceID}],
				CalendarURL: fmt.Sprintf("%s/presenze/%d/%d", familyPrefix(c), k.ID, e.ServiceID),
			})
		}
		out[i] = fc
	}
	return out, nil
}

// familyBalances groups the children by paying adult, in the cards' order.
func familyBalances(children []FamilyChild) []FamilyBalance {
	var out []FamilyBalance
	at := map[int64]int{}
	for _, k := range children {
		if !k.PayerID.Valid {
			continue
		}
		i, ok := at[k.PayerID.Int64]
		if !ok {
			i = len(out)
			at[k.PayerID.Int64] = i
			out = append(out, FamilyBalance{PayerName: k.PayerName, Own: k.OwnBalance, Balance: k.Balance})
		} else {
			out[i].Children += ", "
		}
		out[i].Children += k.FirstName
	}
	return out
}
