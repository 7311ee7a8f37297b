package handlers

import (
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
	Rows         []LedgerRow // Entries as the table shows them (ledgerRows)
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

// LedgerRow is an entry of the ledger table, its texts worked out once:
// the table's loop calling the view's methods through reflection, four
// times a row, was most of the page's rendering.
type LedgerRow struct{ Date, Kind, Detail, Amount string }

func ledgerRows(b Base, entries []db.LedgerEntry) []LedgerRow {
	rows := make([]LedgerRow, len(entries))
	for i, e := range entries {
		rows[i] = LedgerRow{b.Date(e.EntryDate), b.Kind(e.Kind), b.EntryDetail(e), b.MoneySigned(e.AmountCents)}
	}
	return rows
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
	data   *db.PaymentsPage // what the page statement read (db/page_payments.go)
}

// paymentsRead says what the page needs beyond the payers and the filter's
// lists: a page of entries (limit) or all of them, the running balance's
// opening, the pagoPA block.
type paymentsRead struct {
	limit           int
	statement       bool // From and To default to the school year so far; opening when the balance runs
	pagopa          bool
	defaultFrom, to time.Time
}

// paymentsRequest reads the filter, then the page in one statement, and
// checks the filter against what the viewer may see (the statement already
// selects nothing outside it). It answers the request itself and returns
// nil when it must stop.
func (h *Handler) paymentsRequest(c *gin.Context, read paymentsRead) *paymentsQuery {
	adultID, linked, ok := h.familyViewer(c)
	if !ok {
		return nil
	}
	inst := installation(c)
	ctx := c.Request.Context()
	v := PaymentsView{Base: h.base(c), Errors: map[string]string{}, Kinds: db.LedgerKinds}
	v.Nav = "payments"
	v.Form = PaymentsForm{Payer: c.Query("pagante"), From: c.Query("dal"), To: c.Query("al"),
		Child: c.Query("bambino"), Service: c.Query("servizio"), Kind: c.Query("tipo")}
	q := &paymentsQuery{page: 1}

	// The filter as asked; the IDs are checked against the lists below.
	var f db.LedgerFilter
	bad := false // an ID that is not a number: 404 once the viewer is known to have payers
	var payerID int64
	if v.Form.Payer != "" {
		id, err := strconv.ParseInt(v.Form.Payer, 10, 64)
		bad, payerID = bad || err != nil || id <= 0, id
	}
	if v.Form.Child != "" {
		id, err := strconv.ParseInt(v.Form.Child, 10, 64)
		bad, f.ChildID = bad || err != nil || id <= 0, id
	}
	if v.Form.Service != "" {
		id, err := strconv.ParseInt(v.Form.Service, 10, 64)
		bad, f.ServiceID = bad || err != nil || id <= 0, id
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
	pq := db.PaymentsQuery{InstallationID: inst.ID, AdultID: adultID, LinkedFiscalCode: linked, SchoolYear: calendar.SchoolYear(today()),
		From: f.From, To: f.To, ChildID: f.ChildID, ServiceID: f.ServiceID, Kind: f.Kind, Limit: read.limit, Page: q.page, PagoPA: read.pagopa}
	if bad {
		pq.PayerID, pq.ChildID, pq.ServiceID = -1, 0, 0 // no payer: nothing read but the lists
	} else {
		pq.PayerID = payerID
	}
	if read.statement {
		if pq.From.IsZero() {
			pq.From = read.defaultFrom
		}
		if pq.To.IsZero() {
			pq.To = read.to
		}
		pq.Opening = f.ChildID == 0 && f.ServiceID == 0 && f.Kind == ""
	}
	// one statement: the adult, the guardianships, the payers and the page (db/page_payments.go)
	pg, err := h.store.PaymentsPage(ctx, pq)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return nil
	}
	if !h.familyAdultOf(c, pg.Adult) {
		return nil
	}
	q.data = pg
	v.Payers = pg.Payers
	if len(pg.Payers) == 0 {
		q.view = v
		return q
	}
	// The paying adult: the viewer, or one whose children the viewer guards.
	if bad || pg.Payer == nil {
		h.renderError(c, http.StatusNotFound, nil)
		return nil
	}
	v.Payer = *pg.Payer
	v.Own = v.Payer.AdultID == adultID
	f.AdultID = v.Payer.AdultID
	if !v.Own {
		f.Children = v.Payer.Children
	}
	for _, k := range pg.Children {
		if slices.Contains(v.Payer.Children, k.ID) {
			v.Children = append(v.Children, k)
		}
	}
	for _, e := range pg.Services {
		if !slices.ContainsFunc(v.Services, func(s ServiceOption) bool { return s.ID == e.ServiceID }) {
			v.Services = append(v.Services, ServiceOption{e.ServiceID, e.ServiceName})
		}
	}
	// A child or service outside the lists is a guessed ID: 404.
	if f.ChildID != 0 && !slices.Contains(v.Payer.Children, f.ChildID) {
		h.renderError(c, http.StatusNotFound, nil)
		return nil
	}
	if f.ServiceID != 0 && !slices.ContainsFunc(v.Services, func(s ServiceOption) bool { return s.ID == f.ServiceID }) {
		h.renderError(c, http.StatusNotFound, nil)
		return nil
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
	if h.notModified(c) { // page_etag.go
		return
	}
	q := h.paymentsRequest(c, paymentsRead{limit: paymentsPageSize, pagopa: true})
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
	pg := q.data
	v.Totals, v.Balance, v.Entries = pg.Totals, pg.Balance, pg.Entries
	v.Rows = ledgerRows(v.Base, v.Entries)
	v.PagoPA = pagopaBlockOf(c, pg, v.Own)
	v.Pages = max(1, (v.Totals.Count+paymentsPageSize-1)/paymentsPageSize)
	v.Page = pg.Page
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
	var parts [6]string
	n := 0
	add := func(part string) {
		if part != "" {
			parts[n] = part
			n++
		}
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
	return strings.Join(parts[:n], " – ")
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
