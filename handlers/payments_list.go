package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/internal/calendar"
)

const paymentsPageSize = 25

// PaymentsView is the ledger of a paying adult: balance, filters, entries
// newest first, totals for the filter, paging.
type PaymentsView struct {
	Base
	Payers       []db.Payer
	Payer        db.Payer
	Own          bool // the viewer is the paying adult
	Balance      int64
	Form         PaymentsForm
	Errors       map[string]string
	Children     []db.ChildSummary // the viewer's children this adult pays for
	Services     []ServiceOption
	Kinds        []string
	Entries      []db.LedgerEntry
	Totals       db.LedgerTotals
	Page, Pages  int
	PrevURL      string
	NextURL      string
	CSVURL       string
	StatementURL string
	ResetURL     string
	Filtered     bool
	PagoPA       *PagoPABlock // top-up, notices (pagopa_family.go); nil when pagoPA is off
}

// ServiceOption is a service in the filter.
type ServiceOption struct {
	ID   int64
	Name string
}

// PaymentsForm holds the filter as typed, to show it back.
type PaymentsForm struct {
	Payer, From, To, Child, Service, Kind string
}

// paymentsQuery is a parsed, authorised ledger request.
type paymentsQuery struct {
	view   PaymentsView
	filter db.LedgerFilter
	query  url.Values // the filter, for links (no page)
	page   int
}

// paymentsRequest reads the filter and checks it against what the viewer
// may see. It answers the request itself and returns nil when it must stop.
func (h *Handler) paymentsRequest(c *gin.Context) *paymentsQuery {
	adult := h.familyAdult(c)
	if adult == nil {
		return nil
	}
	inst := installation(c)
	ctx := c.Request.Context()
	payers, err := h.store.PayersFor(ctx, inst.ID, adult.ID)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return nil
	}
	v := PaymentsView{Base: h.base(c), Payers: payers, Errors: map[string]string{}, Kinds: db.LedgerKinds}
	v.Nav = "payments"
	v.Form = PaymentsForm{Payer: c.Query("pagante"), From: c.Query("dal"), To: c.Query("al"),
		Child: c.Query("bambino"), Service: c.Query("servizio"), Kind: c.Query("tipo")}
	q := &paymentsQuery{page: 1}
	if len(payers) == 0 {
		q.view = v
		return q
	}
	// The paying adult: the viewer, or one whose children the viewer guards.
	v.Payer = payers[0]
	if v.Form.Payer != "" {
		id, err := strconv.ParseInt(v.Form.Payer, 10, 64)
		i := slices.IndexFunc(payers, func(p db.Payer) bool { return p.AdultID == id })
		if err != nil || i < 0 {
			h.renderError(c, http.StatusNotFound, nil)
			return nil
		}
		v.Payer = payers[i]
	}
	v.Own = v.Payer.AdultID == adult.ID
	f := db.LedgerFilter{AdultID: v.Payer.AdultID}
	if !v.Own {
		f.Children = v.Payer.Children
	}
	kids, err := h.store.ChildrenOfAdult(ctx, inst.ID, adult.ID)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return nil
	}
	for _, k := range kids {
		if slices.Contains(v.Payer.Children, k.ID) {
			v.Children = append(v.Children, k)
		}
	}
	enr, err := h.store.EnrollmentsOfChildren(ctx, inst.ID, v.Payer.Children, calendar.SchoolYear(today()))
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return nil
	}
	for _, e := range enr {
		if !slices.ContainsFunc(v.Services, func(s ServiceOption) bool { return s.ID == e.ServiceID }) {
			v.Services = append(v.Services, ServiceOption{e.ServiceID, e.ServiceName})
		}
	}

	// The filter. A child or service outside the lists is a guessed ID: 404.
	if v.Form.Child != "" {
		id, err := strconv.ParseInt(v.Form.Child, 10, 64)
		if err != nil || !slices.Contains(v.Payer.Children, id) {
			h.renderError(c, http.StatusNotFound, nil)
			return nil
		}
		f.ChildID = id
	}
	if v.Form.Service != "" {
		id, err := strconv.ParseInt(v.Form.Service, 10, 64)
		if err != nil || !slices.ContainsFunc(v.Services, func(s ServiceOption) bool { return s.ID == id }) {
			h.renderError(c, http.StatusNotFound, nil)
			return nil
		}
		f.ServiceID = id
	}
	if v.Form.Kind != "" {
		if !slices.Contains(db.LedgerKinds, v.Form.Kind) {
			v.Errors["tipo"] = v.T("payments.error.kind")
		} else {
			f.Kind = v.Form.Kind
		}
	}
	parseDate := func(field, s string) time.Time {
		if s == "" {
			return time.Time{}
		}
		d, err := calendar.ParseDay(s)
		if err != nil || d.Year() < 2000 || d.Year() > 2100 {
			v.Errors[field] = v.T("payments.error.date")
			return time.Time{}
		}
		return d
	}
	f.From, f.To = parseDate("dal", v.Form.From), parseDate("al", v.Form.To)
	if !f.From.IsZero() && !f.To.IsZero() && f.To.Before(f.From) {
		v.Errors["al"] = v.T("payments.error.range")
		f.To = time.Time{}
	}
	if p, err := strconv.Atoi(c.Query("pagina")); err == nil && p > 0 {
		q.page = p
	}

	qs := url.Values{}
	for k, val := range map[string]string{"pagante": v.Form.Payer, "dal": v.Form.From, "al": v.Form.To,
		"bambino": v.Form.Child, "servizio": v.Form.Service, "tipo": v.Form.Kind} {
		if val != "" && v.Errors[k] == "" {
			qs.Set(k, val)
		}
	}
	v.Filtered = f.ChildID != 0 || f.ServiceID != 0 || f.Kind != "" || !f.From.IsZero() || !f.To.IsZero()
	base := familyPrefix(c) + "/pagamenti"
	v.CSVURL = withQuery(base+"/movimenti.csv", qs)
	v.StatementURL = withQuery(base+"/estratto", qs)
	reset := url.Values{}
	if v.Form.Payer != "" {
		reset.Set("pagante", v.Form.Payer)
	}
	v.ResetURL = withQuery(base, reset)
	q.view, q.filter, q.query = v, f, qs
	return q
}

func withQuery(path string, q url.Values) string {
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

func (h *Handler) paymentsList(c *gin.Context) {
	if h.notModified(c, etagFamily) { // page_etag.go
		return
	}
	q := h.paymentsRequest(c)
	if q == nil {
		return
	}
	v := q.view
	status := http.StatusOK
	if len(v.Errors) > 0 {
		status = http.StatusUnprocessableEntity
	}
	if v.Payer.AdultID == 0 {
		h.render(c, status, "payments", v)
		return
	}
	ctx := c.Request.Context()
	inst := installation(c)
	var err error
	if v.Totals, err = h.store.LedgerSum(ctx, inst.ID, q.filter); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	bal, err := h.store.Balances(ctx, inst.ID, []int64{v.Payer.AdultID})
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	v.Balance = bal[v.Payer.AdultID]
	if v.PagoPA, err = h.pagopaBlock(c, v.Payer, v.Own); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	v.Pages = max(1, (v.Totals.Count+paymentsPageSize-1)/paymentsPageSize)
	v.Page = min(q.page, v.Pages)
	if v.Entries, err = h.store.LedgerPage(ctx, inst.ID, q.filter, paymentsPageSize, (v.Page-1)*paymentsPageSize); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	pageURL := func(p int) string {
		qs := url.Values{}
		for k, vals := range q.query {
			qs[k] = vals
		}
		if p > 1 {
			qs.Set("pagina", strconv.Itoa(p))
		}
		return withQuery(familyPrefix(c)+"/pagamenti", qs)
	}
	if v.Page > 1 {
		v.PrevURL = pageURL(v.Page - 1)
	}
	if v.Page < v.Pages {
		v.NextURL = pageURL(v.Page + 1)
	}
	h.render(c, status, "payments", v)
}

// EntryDetail describes what an entry concerns: "Luca – Mensa scolastica,
// 3 novembre", "pagoPA, ricevuta RF18...", a reason.
func (b Base) EntryDetail(e db.LedgerEntry) string {
	s := ""
	add := func(part string) {
		if part == "" {
			return
		}
		if s != "" {
			s += " – "
		}
		s += part
	}
	add(e.ChildName)
	add(e.ServiceName)
	if e.AttendanceDay.Valid {
		add(b.T("ledger.for_day", b.Date(e.AttendanceDay.Time)))
	}
	if e.Channel != "" {
		add(b.T("ledger.channel", b.Channel(e.Channel)))
	}
	if e.ReceiptRef != "" {
		add(b.T("ledger.receipt", e.ReceiptRef))
	}
	add(e.Reason)
	return s
}

// Channel names a payment channel.
func (b Base) Channel(ch string) string {
	if ch == "contanti" || ch == "bonifico" {
		return b.T("ledger.channel." + ch)
	}
	return ch // pagoPA, POS: the same in every language
}

// SelectedID tells whether an option's ID is the one in the form.
func (v PaymentsView) SelectedID(id int64, form string) bool { return fmt.Sprint(id) == form }
