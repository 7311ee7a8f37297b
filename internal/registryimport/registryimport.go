// Package registryimport reads the registry and enrollments CSV that Comuni
// receive from schools: one line per child and adult (and, optionally, an
// enrollment), header first, ';' or ',' separated, UTF-8 (a BOM is fine).
// It checks every line against the Comune's catalogue and returns the rows
// that can be tried and every problem found; writing them is the store's job
// (db.ImportRegistry), all or nothing.
package registryimport

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"portalegenitori/internal/calendar"
	"portalegenitori/internal/codicefiscale"
	"portalegenitori/internal/contact"
	"portalegenitori/internal/money"
	"portalegenitori/internal/text"
)

// Columns are the header names the file must have, in any order.
var Columns = []string{"cf_bambino", "nome_bambino", "cognome_bambino", "data_nascita", "scuola", "classe",
	"cf_adulto", "nome_adulto", "cognome_adulto", "email", "cellulare", "ruolo",
	"servizio", "dal", "al", "dieta", "tariffa", "importo", "addebito"}

// Row is one valid line.
type Row struct {
	Line                           int
	ChildCF, ChildFirst, ChildLast string
	ChildBirth                     time.Time
	SchoolID                       int64
	Class                          string
	AdultCF, AdultFirst, AdultLast string
	Email, Mobile                  string
	Role                           string // payer, guardian
	ServiceID                      int64  // 0: no enrollment on this line
	From, To                       time.Time
	DietID                         *int64
	TariffName                     string
	TariffCents                    int64
	Billing                        string // daily, monthly
}

// Option is a school, service or diet of the Comune: a line names it by its
// name or, for services, by its kind ("mensa").
type Option struct {
	ID         int64
	Name, Kind string
}

// Catalogue is what the lines may name.
type Catalogue struct {
	Schools, Services, Diets []Option
}

func (c Catalogue) find(list []Option, name string) int64 {
	for _, o := range list {
		if strings.EqualFold(o.Name, name) || (o.Kind != "" && strings.EqualFold(o.Kind, name)) {
			return o.ID
		}
	}
	return 0
}

// Problem is a reason a line is refused, as a message key of the catalogue
// (internal/i18n) and its arguments. Line 0 is the file as a whole.
type Problem struct {
	Line int
	Key  string
	Args []any
}

// Limits of the text fields, as the database columns hold them.
const (
	maxName   = 80
	maxClass  = 40
	maxTariff = 80
)

// Parse reads and checks the CSV text. A line with any problem gives no row;
// a line can have several problems.
func Parse(text string, cat Catalogue) ([]Row, []Problem) {
	text = strings.TrimPrefix(strings.ToValidUTF8(text, "\uFFFD"), "\uFEFF")
	var problems []Problem
	add := func(line int, key string, args ...any) {
		problems = append(problems, Problem{Line: line, Key: key, Args: args})
	}
	if strings.TrimSpace(text) == "" {
		add(0, "staff.import.err.empty")
		return nil, problems
	}
	sep := ';'
	if first, _, _ := strings.Cut(text, "\n"); !strings.Contains(first, ";") && strings.Contains(first, ",") {
		sep = ','
	}
	r := csv.NewReader(bytes.NewReader([]byte(text)))
	r.Comma, r.FieldsPerRecord, r.TrimLeadingSpace = sep, -1, true
	header, err := r.Read()
	if err != nil {
		add(1, "staff.import.err.header", strings.Join(Columns, ";"))
		return nil, problems
	}
	idx := map[string]int{}
	for i, name := range header {
		idx[strings.ToLower(strings.TrimSpace(name))] = i
	}
	for _, col := range Columns {
		if _, ok := idx[col]; !ok {
			add(1, "staff.import.err.header", strings.Join(Columns, ";"))
			return nil, problems
		}
	}
	var rows []Row
	payerOf := map[string]string{} // child CF → payer CF within the file
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				add(0, "staff.import.err.csv")
				break
			}
			add(pe.StartLine, "staff.import.err.csv")
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
		row := parseLine(line, get, cat, payerOf, add)
		if len(problems) == before {
			rows = append(rows, row)
		}
	}
	if len(rows) == 0 && len(problems) == 0 {
		add(0, "staff.import.err.empty")
	}
	return rows, problems
}

// parseLine checks the fields of one line, reporting each problem with add;
// payerOf holds the payer named for each child by the lines before.
func parseLine(line int, get func(string) string, cat Catalogue, payerOf map[string]string, add func(int, string, ...any)) Row {
	row := Row{Line: line, ChildFirst: get("nome_bambino"), ChildLast: get("cognome_bambino"), Class: text.Truncate(get("classe"), maxClass),
		AdultFirst: get("nome_adulto"), AdultLast: get("cognome_adulto"), Email: get("email"), Mobile: contact.NormalizeMobile(get("cellulare")),
		TariffName: text.Truncate(get("tariffa"), maxTariff)}
	var ok bool
	if row.ChildCF, ok = fiscalCode(get("cf_bambino")); !ok {
		add(line, "staff.import.err.child_cf", get("cf_bambino"))
	}
	if row.AdultCF, ok = fiscalCode(get("cf_adulto")); !ok {
		add(line, "staff.import.err.adult_cf", get("cf_adulto"))
	}
	for _, n := range []struct{ v, col string }{{row.ChildFirst, "nome_bambino"}, {row.ChildLast, "cognome_bambino"}, {row.AdultFirst, "nome_adulto"}, {row.AdultLast, "cognome_adulto"}} {
		if n.v == "" || utf8.RuneCountInString(n.v) > maxName {
			add(line, "staff.import.err.missing", n.col)
		}
	}
	if row.ChildBirth, ok = calendar.ParseDate(get("data_nascita")); !ok {
		add(line, "staff.import.err.date", "data_nascita", get("data_nascita"))
	}
	if row.SchoolID = cat.find(cat.Schools, get("scuola")); row.SchoolID == 0 {
		add(line, "staff.import.err.school", get("scuola"))
	}
	if row.Email != "" && !contact.ValidEmail(row.Email) {
		add(line, "staff.import.err.email", row.Email)
	}
	if row.Mobile != "" && !contact.ValidMobile(row.Mobile) {
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
	svc := get("servizio")
	if svc == "" {
		return row
	}
	if row.ServiceID = cat.find(cat.Services, svc); row.ServiceID == 0 {
		add(line, "staff.import.err.service", svc)
	}
	var ok1, ok2 bool
	if row.From, ok1 = calendar.ParseDate(get("dal")); !ok1 {
		add(line, "staff.import.err.date", "dal", get("dal"))
	}
	if row.To, ok2 = calendar.ParseDate(get("al")); !ok2 {
		add(line, "staff.import.err.date", "al", get("al"))
	}
	if ok1 && ok2 && row.To.Before(row.From) {
		add(line, "staff.import.err.period")
	}
	if d := get("dieta"); d != "" {
		id := cat.find(cat.Diets, d)
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
	return row
}

// fiscalCode normalises and validates a codice fiscale.
func fiscalCode(s string) (string, bool) {
	cf := codicefiscale.Normalize(s)
	if cf == "" {
		return cf, false
	}
	norm, err := codicefiscale.Validate(cf)
	if err != nil {
		return cf, false
	}
	return norm, true
}
