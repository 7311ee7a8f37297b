package handlers

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"net/http"
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/internal/money"
)

// The registry and enrollments CSV, as Comuni receive it from schools:
// one line per child and adult (and, optionally, an enrollment), header
// first, ';' or ',' separated, UTF-8 (a BOM is fine).
var importColumns = []string{"cf_bambino", "nome_bambino", "cognome_bambino", "data_nascita", "scuola", "classe",
	"cf_adulto", "nome_adulto", "cognome_adulto", "email", "cellulare", "ruolo",
	"servizio", "dal", "al", "dieta", "tariffa", "importo", "addebito"}

// StaffImportView is the import page and its report.
type StaffImportView struct {
	StaffBase
	Columns  []string
	CSV      string
	Ran      bool // a check or an import ran
	DryRun   bool
	Rows     int
	Problems []ImportProblem
	Result   db.ImportResult
	Imported bool
}

// ImportProblem is a line that would be rejected, and why.
type ImportProblem struct {
	Line   int
	Reason string
}

func (h *Handler) staffImportShow(c *gin.Context) {
	h.render(c, http.StatusOK, "staff_import", StaffImportView{StaffBase: h.staffBase(c, "import"), Columns: importColumns})
}

// staffImportSubmit checks ("verifica": a dry run that lists every line
// that would be rejected and why, the database's own refusals included) or
// imports ("importa": all or nothing, in one transaction).
func (h *Handler) staffImportSubmit(c *gin.Context) {
	inst := installation(c)
	ctx := c.Request.Context()
	v := StaffImportView{StaffBase: h.staffBase(c, "import"), Columns: importColumns, Ran: true}
	v.DryRun = c.PostForm("azione") != "importa"
	text := c.PostForm("csv")
	if fh, err := c.FormFile("file"); err == nil && fh.Size > 0 {
		f, err := fh.Open()
		if err != nil {
			h.renderError(c, http.StatusBadRequest, nil)
			return
		}
		b, err := io.ReadAll(io.LimitReader(f, maxImportBytes))
		f.Close()
		if err != nil {
			h.renderError(c, http.StatusBadRequest, nil)
			return
		}
		text = string(b)
	} else if err != nil && !errors.Is(err, http.ErrMissingFile) && !strings.Contains(err.Error(), "multipart") {
		h.renderError(c, http.StatusBadRequest, nil)
		return
	}
	text = strings.TrimPrefix(strings.ToValidUTF8(text, "\uFFFD"), "\uFEFF")
	v.CSV = text
	rows, problems, err := h.parseImport(c, text)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	v.Rows = len(rows) + countLines(problems)
	v.Problems = problems
	status := http.StatusOK
	switch {
	case v.DryRun:
		res, err := h.store.ImportRegistry(ctx, inst.ID, rows, true)
		if err != nil {
			h.renderError(c, http.StatusInternalServerError, err)
			return
		}
		for _, r := range res.Rejected {
			v.Problems = append(v.Problems, ImportProblem{Line: r.Line, Reason: importReason(v.StaffBase, r.Err)})
		}
		v.Result = res
		h.staffAudit(c, "import_check", "success", map[string]any{"rows": v.Rows, "rejected": len(v.Problems)})
	case len(problems) > 0:
		status = http.StatusUnprocessableEntity
		h.staffAudit(c, "import", "refused", map[string]any{"rows": v.Rows, "rejected": len(problems)})
	default:
		res, err := h.store.ImportRegistry(ctx, inst.ID, rows, false)
		var rowErr db.RowError
		if errors.As(err, &rowErr) {
			status = http.StatusUnprocessableEntity
			v.Problems = append(v.Problems, ImportProblem{Line: rowErr.Line, Reason: importReason(v.StaffBase, rowErr.Err)})
			h.staffAudit(c, "import", "refused", map[string]any{"rows": v.Rows, "line": rowErr.Line})
			break
		}
		if err != nil {
			h.renderError(c, http.StatusInternalServerError, err)
			return
		}
		v.Result, v.Imported = res, true
		h.staffAudit(c, "import", "success", map[string]any{"rows": v.Rows, "adults": res.Adults, "children": res.Children, "enrollments": res.Enrollments})
	}
	sortProblems(v.Problems)
	h.render(c, status, "staff_import", v)
}

func importReason(b StaffBase, err error) string {
	if errors.Is(err, db.ErrImportPayer) {
		return b.T("staff.import.err.payer")
	}
	return b.T("staff.import.err.db", err.Error())
}

func countLines(p []ImportProblem) int {
	seen := map[int]bool{}
	for _, x := range p {
		seen[x.Line] = true
	}
	return len(seen)
}

func sortProblems(p []ImportProblem) {
	for i := 1; i < len(p); i++ {
		for j := i; j > 0 && p[j].Line < p[j-1].Line; j-- {
			p[j], p[j-1] = p[j-1], p[j]
		}
	}
}

// parseImport reads and validates the CSV: the rows that can be tried, and
// every problem found (a line can have several).
func (h *Handler) parseImport(c *gin.Context, text string) ([]db.ImportRow, []ImportProblem, error) {
	inst := installation(c)
	ctx := c.Request.Context()
	b := h.staffBase(c, "import")
	var problems []ImportProblem
	add := func(line int, key string, args ...any) {
		problems = append(problems, ImportProblem{Line: line, Reason: b.T(key, args...)})
	}
	if strings.TrimSpace(text) == "" {
		add(0, "staff.import.err.empty")
		return nil, problems, nil
	}
	sep := ';'
	if first, _, _ := strings.Cut(text, "\n"); !strings.Contains(first, ";") && strings.Contains(first, ",") {
		sep = ','
	}
	r := csv.NewReader(bytes.NewReader([]byte(text)))
	r.Comma, r.FieldsPerRecord, r.TrimLeadingSpace = sep, -1, true
	header, err := r.Read()
	if err != nil {
		add(1, "staff.import.err.header", strings.Join(importColumns, ";"))
		return nil, problems, nil
	}
	idx := map[string]int{}
	for i, hname := range header {
		idx[strings.ToLower(strings.TrimSpace(hname))] = i
	}
	for _, col := range importColumns {
		if _, ok := idx[col]; !ok {
			add(1, "staff.import.err.header", strings.Join(importColumns, ";"))
			return nil, problems, nil
		}
	}
	schools, err := h.store.Schools(ctx, inst.ID)
	if err != nil {
		return nil, nil, err
	}
	services, err := h.store.Services(ctx, inst.ID)
	if err != nil {
		return nil, nil, err
	}
	diets, err := h.store.Diets(ctx, inst.ID)
	if err != nil {
		return nil, nil, err
	}
	find := func(list []db.Option, name string) int64 {
		for _, o := range list {
			if strings.EqualFold(o.Name, name) || (o.Kind != "" && strings.EqualFold(o.Kind, name)) {
				return o.ID
			}
		}
		return 0
	}
	var rows []db.ImportRow
	payerOf := map[string]string{} // child CF → payer CF within the file
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.StartLine
			}
			add(line, "staff.import.err.csv")
			if pe == nil {
				break
			}
			continue
		}
		line, _ := r.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		get := func(col string) string {
			i := idx[col]
			if i >= len(rec) {
				return ""
			}
			return strings.TrimSpace(strings.Map(func(r rune) rune {
				if r < 0x20 {
					return -1
				}
				return r
			}, rec[i]))
		}
		before := len(problems)
		row := db.ImportRow{Line: line, ChildFirst: get("nome_bambino"), ChildLast: get("cognome_bambino"), Class: truncate(get("classe"), 40),
			AdultFirst: get("nome_adulto"), AdultLast: get("cognome_adulto"), Email: get("email"), Mobile: strings.ReplaceAll(get("cellulare"), " ", ""),
			TariffName: truncate(get("tariffa"), 80)}
		var key string
		if row.ChildCF, key = checkFiscalCode(get("cf_bambino")); key != "" {
			add(line, "staff.import.err.child_cf", get("cf_bambino"))
		}
		if row.AdultCF, key = checkFiscalCode(get("cf_adulto")); key != "" {
			add(line, "staff.import.err.adult_cf", get("cf_adulto"))
		}
		for _, n := range []struct{ v, col string }{{row.ChildFirst, "nome_bambino"}, {row.ChildLast, "cognome_bambino"}, {row.AdultFirst, "nome_adulto"}, {row.AdultLast, "cognome_adulto"}} {
			if n.v == "" || utf8.RuneCountInString(n.v) > 80 {
				add(line, "staff.import.err.missing", n.col)
			}
		}
		var ok bool
		if row.ChildBirth, ok = parseDay(get("data_nascita")); !ok {
			add(line, "staff.import.err.date", "data_nascita", get("data_nascita"))
		}
		if row.SchoolID = find(schools, get("scuola")); row.SchoolID == 0 {
			add(line, "staff.import.err.school", get("scuola"))
		}
		if row.Email != "" {
			if a, err := mail.ParseAddress(row.Email); err != nil || a.Address != row.Email {
				add(line, "staff.import.err.email", row.Email)
			}
		}
		if row.Mobile != "" && !validMobile(row.Mobile) {
			add(line, "staff.import.err.mobile", row.Mobile)
		}
		switch strings.ToLower(get("ruolo")) {
		case "", "pagante", "payer":
			row.Role = "payer"
		case "tutore", "genitore", "guardian":
			row.Role = "guardian"
		default:
			add(line, "staff.import.err.role", get("ruolo"))
		}
		if row.Role == "payer" && row.ChildCF != "" {
			if other, dup := payerOf[row.ChildCF]; dup && other != row.AdultCF {
				add(line, "staff.import.err.payer")
			}
			payerOf[row.ChildCF] = row.AdultCF
		}
		if svc := get("servizio"); svc != "" {
			if row.ServiceID = find(services, svc); row.ServiceID == 0 {
				add(line, "staff.import.err.service", svc)
			}
			var ok1, ok2 bool
			if row.From, ok1 = parseDay(get("dal")); !ok1 {
				add(line, "staff.import.err.date", "dal", get("dal"))
			}
			if row.To, ok2 = parseDay(get("al")); !ok2 {
				add(line, "staff.import.err.date", "al", get("al"))
			}
			if ok1 && ok2 && row.To.Before(row.From) {
				add(line, "staff.import.err.period")
			}
			if d := get("dieta"); d != "" {
				id := find(diets, d)
				if id == 0 {
					add(line, "staff.import.err.diet", d)
				}
				row.DietID = &id
			}
			cents, okc := money.Parse(get("importo"))
			if !okc || cents < 0 {
				add(line, "staff.import.err.amount", get("importo"))
			}
			row.TariffCents = cents
			switch strings.ToLower(get("addebito")) {
			case "", "giornaliero", "daily":
				row.Billing = "daily"
			case "mensile", "monthly":
				row.Billing = "monthly"
			default:
				add(line, "staff.import.err.billing", get("addebito"))
			}
		}
		if len(problems) == before {
			rows = append(rows, row)
		}
	}
	if len(rows) == 0 && len(problems) == 0 {
		add(0, "staff.import.err.empty")
	}
	return rows, problems, nil
}
