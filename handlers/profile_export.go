package handlers

import (
	"archive/zip"
	"bytes"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/internal/calendar"
)

// exportAccount, exportAdult, exportChild and exportEntry are the records of
// the "my data" download: only what the account may see in the portal.
type exportAccount struct {
	Username    string     `json:"username"`
	DisplayName string     `json:"display_name,omitempty"`
	Email       string     `json:"email,omitempty"`
	Mobile      string     `json:"mobile,omitempty"`
	FiscalCode  string     `json:"fiscal_code,omitempty"`
	Language    string     `json:"language,omitempty"`
	FitTables   bool       `json:"fit_tables"`
	CreatedAt   time.Time  `json:"created_at"`
	LastLoginAt *time.Time `json:"last_login_at,omitempty"`
	Password    bool       `json:"has_password"`
}

type exportAdult struct {
	FiscalCode string `json:"fiscal_code"`
	FirstName  string `json:"first_name"`
	LastName   string `json:"last_name"`
	Email      string `json:"email"`
	Mobile     string `json:"mobile"`
}

type exportChild struct {
	FirstName  string          `json:"first_name"`
	LastName   string          `json:"last_name"`
	School     string          `json:"school,omitempty"`
	Class      string          `json:"class,omitempty"`
	YourRole   string          `json:"your_role"`
	Payer      string          `json:"paying_adult,omitempty"`
	Enrollment []exportService `json:"services"`
}

type exportService struct {
	Service string `json:"service"`
	From    string `json:"from"`
	To      string `json:"to"`
	Diet    string `json:"diet,omitempty"`
	Tariff  string `json:"tariff"`
	Cents   int64  `json:"tariff_cents"`
	Billing string `json:"billing"`
}

type exportEntry struct {
	Payer   string `json:"paying_adult"`
	Date    string `json:"date"`
	Kind    string `json:"kind"`
	Child   string `json:"child,omitempty"`
	Service string `json:"service,omitempty"`
	Day     string `json:"service_day,omitempty"`
	Channel string `json:"channel,omitempty"`
	Receipt string `json:"receipt,omitempty"`
	Reason  string `json:"reason,omitempty"`
	Cents   int64  `json:"amount_cents"`
}

// exportEnrolment, exportDiet and exportISEE are the requests the family
// pages show the adult: online enrolments, special diets, ISEE
// declarations, with what those pages show of them (not the clerks' names).
type exportEnrolment struct {
	Protocol    string               `json:"protocol"`
	Window      string               `json:"window"`
	Service     string               `json:"service"`
	SchoolYear  int                  `json:"school_year"`
	From        string               `json:"from"`
	To          string               `json:"to"`
	SentByYou   bool                 `json:"sent_by_you"`
	ByOffice    bool                 `json:"entered_by_office"`
	FiscalCode  string               `json:"child_fiscal_code"`
	FirstName   string               `json:"child_first_name"`
	LastName    string               `json:"child_last_name"`
	BirthDate   string               `json:"child_birth_date"`
	School      string               `json:"school"`
	Class       string               `json:"class,omitempty"`
	Answers     []db.EnrolmentAnswer `json:"answers"`
	SubmittedAt time.Time            `json:"submitted_at"`
	Late        bool                 `json:"late"`
	Status      string               `json:"status"`
	DecidedAt   *time.Time           `json:"decided_at,omitempty"`
	Reason      string               `json:"reason,omitempty"`
}

type exportDiet struct {
	Child        string     `json:"child"`
	Kind         string     `json:"kind"`
	Restriction  string     `json:"restriction"`
	SelfDeclared bool       `json:"self_declared"`
	RequestedAt  time.Time  `json:"requested_at"`
	Status       string     `json:"status"`
	DecidedAt    *time.Time `json:"decided_at,omitempty"`
	Note         string     `json:"note,omitempty"`
	Diet         string     `json:"diet,omitempty"`
	ValidFrom    string     `json:"valid_from,omitempty"`
	ValidTo      string     `json:"valid_to,omitempty"`
	Certificate  string     `json:"certificate,omitempty"` // its type and size; the file is on the diets page
}

type exportISEE struct {
	ISEECents   int64      `json:"isee_cents"`
	DSUProtocol string     `json:"dsu_protocol"`
	ExpiresOn   string     `json:"expires_on"`
	DeclaredAt  time.Time  `json:"declared_at"`
	Status      string     `json:"status"`
	DecidedAt   *time.Time `json:"decided_at,omitempty"`
	AppliesFrom string     `json:"applies_from,omitempty"`
	Retroactive bool       `json:"retroactive,omitempty"`
	Reason      string     `json:"reason,omitempty"`
}

// familyExport is exportFamily's answer.
type familyExport struct {
	children   []exportChild
	entries    []exportEntry
	enrolments []exportEnrolment
	diets      []exportDiet
	isee       []exportISEE
}

// profileExport downloads the account's data as JSON and CSV in a ZIP
// (GDPR art. 15 and 20): the account, the registry adult, the children the
// account sees with their services, the payments it may see, the sign-ins.
func (h *Handler) profileExport(c *gin.Context) {
	inst := installation(c)
	acc := currentAccount(c)
	ctx := c.Request.Context()
	if acc.IsStaff() {
		h.renderError(c, http.StatusNotFound, nil)
		return
	}
	a := exportAccount{Username: acc.Username, DisplayName: acc.DisplayName, Email: acc.Email, Mobile: acc.Mobile,
		FiscalCode: acc.LinkedFiscalCode.String, Language: acc.Lang, FitTables: acc.FitTables, CreatedAt: acc.CreatedAt,
		Password: acc.PasswordHash.Valid, LastLoginAt: timeOrNil(acc.LastLoginAt)}
	var adult *exportAdult
	var fam familyExport
	if acc.AdultID.Valid {
		ad, err := h.store.AdultByID(ctx, inst.ID, acc.AdultID.Int64)
		if err != nil {
			h.renderError(c, http.StatusInternalServerError, err)
			return
		}
		if !staleLink(acc, ad) {
			adult = &exportAdult{FiscalCode: ad.FiscalCode, FirstName: ad.FirstName, LastName: ad.LastName, Email: ad.Email, Mobile: ad.Mobile}
			if fam, err = h.exportFamily(c, ad.ID, acc.ID); err != nil {
				h.renderError(c, http.StatusInternalServerError, err)
				return
			}
		}
	}
	signins, err := h.store.SignInHistory(ctx, inst.ID, acc.ID)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}

	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	put := func(name string, write func(w *bytes.Buffer) error) error {
		var b bytes.Buffer
		if err := write(&b); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		f, err := z.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: time.Now()})
		if err != nil {
			return err
		}
		_, err = f.Write(b.Bytes())
		return err
	}
	asJSON := func(v any) func(w *bytes.Buffer) error {
		return func(w *bytes.Buffer) error {
			e := json.NewEncoder(w)
			e.SetIndent("", "  ")
			return e.Encode(v)
		}
	}
	asCSV := func(header []string, rows [][]string) func(w *bytes.Buffer) error {
		return func(w *bytes.Buffer) error {
			cw := csv.NewWriter(w)
			cw.Write(header)
			for _, r := range rows {
				for i := range r {
					r[i] = cell(r[i])
				}
				cw.Write(r)
			}
			cw.Flush()
			return cw.Error()
		}
	}
	var childRows, entryRows, signRows [][]string
	for _, k := range fam.children {
		if len(k.Enrollment) == 0 {
			childRows = append(childRows, []string{k.FirstName, k.LastName, k.School, k.Class, k.YourRole, k.Payer, "", "", "", "", "", ""})
		}
		for _, s := range k.Enrollment {
			childRows = append(childRows, []string{k.FirstName, k.LastName, k.School, k.Class, k.YourRole, k.Payer,
				s.Service, s.From, s.To, s.Diet, s.Tariff, strconv.FormatInt(s.Cents, 10)})
		}
	}
	for _, e := range fam.entries {
		entryRows = append(entryRows, []string{e.Payer, e.Date, e.Kind, e.Child, e.Service, e.Day, e.Channel, e.Receipt, e.Reason, strconv.FormatInt(e.Cents, 10)})
	}
	for _, s := range signins {
		signRows = append(signRows, []string{s.At.UTC().Format(time.RFC3339), s.Outcome, s.Method, s.IP})
	}
	files := []struct {
		name  string
		write func(w *bytes.Buffer) error
	}{
		{"profilo.json", asJSON(a)},
		{"anagrafica.json", asJSON(adult)},
		{"bambini.json", asJSON(fam.children)},
		{"bambini.csv", asCSV([]string{"first_name", "last_name", "school", "class", "your_role", "paying_adult",
			"service", "from", "to", "diet", "tariff", "tariff_cents"}, childRows)},
		{"movimenti.json", asJSON(fam.entries)},
		{"movimenti.csv", asCSV([]string{"paying_adult", "date", "kind", "child", "service", "service_day", "channel",
			"receipt", "reason", "amount_cents"}, entryRows)},
		{"iscrizioni.json", asJSON(fam.enrolments)},
		{"diete.json", asJSON(fam.diets)},
		{"isee.json", asJSON(fam.isee)},
		{"accessi.json", asJSON(signins)},
		{"accessi.csv", asCSV([]string{"at", "event", "method", "ip"}, signRows)},
	}
	for _, f := range files {
		if err := put(f.name, f.write); err != nil {
			h.renderError(c, http.StatusInternalServerError, err)
			return
		}
	}
	if err := z.Close(); err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	h.audit(c, db.AuditEvent{InstallationID: inst.ID, AccountID: acc.ID, Actor: acc.Username, Action: "data_export", Outcome: "success"})
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="miei-dati-%s-%s.zip"`, inst.Code, today().Format(time.DateOnly)))
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "application/zip", buf.Bytes())
}

// exportFamily is what the family pages show the adult (and the account,
// accountID): their children with this school year's services, the payments
// of each paying adult of those children as the payments page filters them,
// the enrolment requests the adult may read, the children's diet requests
// (the certificate's type and size only to the account that sent it, as the
// diets page) and all the adult's ISEE declarations, the replaced ones too.
func (h *Handler) exportFamily(c *gin.Context, adultID, accountID int64) (familyExport, error) {
	var out familyExport
	ctx := c.Request.Context()
	inst := installation(c)
	kids, err := h.store.ChildrenOfAdult(ctx, inst.ID, adultID)
	if err != nil {
		return out, err
	}
	ids := make([]int64, len(kids))
	for i, k := range kids {
		ids[i] = k.ID
	}
	enr, err := h.store.EnrollmentsOfChildren(ctx, inst.ID, ids, calendar.SchoolYear(today()))
	if err != nil {
		return out, err
	}
	for _, k := range kids {
		ec := exportChild{FirstName: k.FirstName, LastName: k.LastName, School: k.School, Class: k.ClassName, YourRole: k.Role, Payer: k.PayerName,
			Enrollment: []exportService{}}
		for _, e := range enr {
			if e.ChildID == k.ID {
				ec.Enrollment = append(ec.Enrollment, exportService{Service: e.ServiceName, From: e.StartsOn.Format(time.DateOnly),
					To: e.EndsOn.Format(time.DateOnly), Diet: e.Diet, Tariff: e.TariffName, Cents: e.TariffCents, Billing: e.Billing})
			}
		}
		out.children = append(out.children, ec)
	}
	payers, err := h.store.PayersFor(ctx, inst.ID, adultID)
	if err != nil {
		return out, err
	}
	for _, p := range payers {
		f := db.LedgerFilter{AdultID: p.AdultID}
		if p.AdultID != adultID {
			f.Children = p.Children
		}
		list, err := h.store.LedgerPage(ctx, inst.ID, f, 0, 0)
		if err != nil {
			return out, err
		}
		for _, e := range list {
			x := exportEntry{Payer: p.Name, Date: e.EntryDate.Format(time.DateOnly), Kind: e.Kind, Child: e.ChildName, Service: e.ServiceName,
				Channel: e.Channel, Receipt: e.ReceiptRef, Reason: e.Reason, Cents: e.AmountCents}
			if e.AttendanceDay.Valid {
				x.Day = e.AttendanceDay.Time.Format(time.DateOnly)
			}
			out.entries = append(out.entries, x)
		}
	}
	requests, err := h.store.EnrolmentRequestsOfAdult(ctx, inst.ID, adultID)
	if err != nil {
		return out, err
	}
	for _, r := range requests {
		out.enrolments = append(out.enrolments, exportEnrolment{Protocol: r.Protocol(), Window: r.WindowTitle, Service: r.ServiceName,
			SchoolYear: r.SchoolYear, From: r.StartsOn.Format(time.DateOnly), To: r.EndsOn.Format(time.DateOnly), SentByYou: r.AdultID == adultID,
			ByOffice: r.ByOffice, FiscalCode: r.FiscalCode, FirstName: r.FirstName, LastName: r.LastName, BirthDate: r.BirthDate.Format(time.DateOnly),
			School: r.SchoolName, Class: r.ClassName, Answers: r.Answers, SubmittedAt: r.SubmittedAt, Late: r.Late, Status: r.Status,
			DecidedAt: timeOrNil(r.DecidedAt), Reason: r.Reason})
	}
	diets, err := h.store.DietRequestsOfChildren(ctx, inst.ID, ids)
	if err != nil {
		return out, err
	}
	for _, d := range diets {
		x := exportDiet{Child: d.ChildName, Kind: d.Kind, Restriction: d.Restriction, SelfDeclared: d.SelfDeclared, RequestedAt: d.RequestedAt,
			Status: d.Status, DecidedAt: timeOrNil(d.DecidedAt), Note: d.Note, Diet: d.Diet, ValidFrom: dayOrEmpty(d.ValidFrom), ValidTo: dayOrEmpty(d.ValidTo)}
		if d.CertType != "" && !d.CertDeletedAt.Valid && d.RequestedBy == accountID {
			x.Certificate = fmt.Sprintf("%s, %d bytes", d.CertType, d.CertSize)
		}
		out.diets = append(out.diets, x)
	}
	decls, err := h.store.ISEEHistoryOf(ctx, inst.ID, adultID)
	if err != nil {
		return out, err
	}
	for _, d := range decls {
		out.isee = append(out.isee, exportISEE{ISEECents: d.ISEECents, DSUProtocol: d.DSUProtocol, ExpiresOn: d.ExpiresOn.Format(time.DateOnly),
			DeclaredAt: d.DeclaredAt, Status: d.Status, DecidedAt: timeOrNil(d.DecidedAt), AppliesFrom: dayOrEmpty(d.AppliesFrom),
			Retroactive: d.Retroactive, Reason: d.Reason})
	}
	return out, nil
}

func timeOrNil(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	return &t.Time
}

func dayOrEmpty(t sql.NullTime) string {
	if !t.Valid {
		return ""
	}
	return t.Time.Format(time.DateOnly)
}
