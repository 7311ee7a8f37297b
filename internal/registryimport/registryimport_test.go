package registryimport

import (
	"strings"
	"testing"
)

var cat = Catalogue{
	Schools:  []Option{{ID: 1, Name: "Primaria Collodi"}},
	Services: []Option{{ID: 7, Name: "Refezione scolastica", Kind: "mensa"}},
	Diets:    []Option{{ID: 3, Name: "Senza glutine"}},
}

const header = "cf_bambino;nome_bambino;cognome_bambino;data_nascita;scuola;classe;cf_adulto;nome_adulto;cognome_adulto;email;cellulare;ruolo;servizio;dal;al;dieta;tariffa;importo;addebito\n"

// Valid codici fiscali (check letters computed).
const (
	child = "VRDMRC18B14L219I"
	adult = "VRDNNA87H43L219D"
)

func keys(ps []Problem) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Key)
	}
	return out
}

func TestParseValidLines(t *testing.T) {
	text := "\uFEFF" + header +
		child + ";Marco;Verdi;14/02/2018;primaria collodi;2A;" + strings.ToLower(adult) + ";Anna;Verdi;anna@example.it;+39 333 123 4567;pagante;mensa;2026-09-07;2027-06-10;Senza glutine;Base;4,80;giornaliero\n" +
		"\n" +
		child + ";Marco;Verdi;2018-02-14;Primaria Collodi;2A;" + adult + ";Anna;Verdi;;;genitore;;;;;;;\n"
	rows, problems := Parse(text, cat)
	if len(problems) != 0 {
		t.Fatalf("problems: %+v", problems)
	}
	if len(rows) != 2 {
		t.Fatalf("want 2 rows, got %d", len(rows))
	}
	r := rows[0]
	if r.Line != 2 || r.ChildCF != child || r.AdultCF != adult || r.SchoolID != 1 || r.ServiceID != 7 ||
		r.DietID == nil || *r.DietID != 3 || r.TariffCents != 480 || r.Billing != "daily" || r.Role != "payer" ||
		r.Mobile != "+393331234567" || r.ChildBirth.Format("2006-01-02") != "2018-02-14" {
		t.Errorf("first row: %+v", r)
	}
	if rows[1].Line != 4 || rows[1].Role != "guardian" || rows[1].ServiceID != 0 {
		t.Errorf("second row: %+v", rows[1])
	}
}

func TestParseCommaSeparated(t *testing.T) {
	text := strings.ReplaceAll(header, ";", ",") + child + ",Marco,Verdi,2017-05-10,Primaria Collodi,2A," + adult + ",Anna,Verdi,,,,,,,,,,\n"
	if rows, problems := Parse(text, cat); len(rows) != 1 || len(problems) != 0 {
		t.Fatalf("rows %d, problems %+v", len(rows), problems)
	}
}

func TestParseProblems(t *testing.T) {
	for name, tc := range map[string]struct {
		text string
		want []string
	}{
		"empty":          {"  \n", []string{"staff.import.err.empty"}},
		"header only":    {header, []string{"staff.import.err.empty"}},
		"missing column": {strings.Replace(header, ";addebito", "", 1) + "x\n", []string{"staff.import.err.header"}},
		"every field wrong": {header + "XXX;;Verdi;31/02/2017;Altra;2A;YYY;Anna;;not an address;12;zio;piscina;ieri;2027-06-10;Vegana;Base;-1;annuale\n",
			[]string{"staff.import.err.child_cf", "staff.import.err.adult_cf", "staff.import.err.missing", "staff.import.err.missing",
				"staff.import.err.date", "staff.import.err.school", "staff.import.err.email", "staff.import.err.mobile", "staff.import.err.role",
				"staff.import.err.service", "staff.import.err.date", "staff.import.err.diet", "staff.import.err.amount", "staff.import.err.billing"}},
		"period reversed": {header + child + ";Marco;Verdi;2018-02-14;Primaria Collodi;2A;" + adult + ";Anna;Verdi;;;;mensa;2027-06-10;2026-09-07;;;4,80;\n",
			[]string{"staff.import.err.period"}},
		"two payers": {header + child + ";Marco;Verdi;2018-02-14;Primaria Collodi;2A;" + adult + ";Anna;Verdi;;;pagante;;;;;;;\n" +
			child + ";Marco;Verdi;2018-02-14;Primaria Collodi;2A;RSSMRA80A01H501U;Mario;Rossi;;;pagante;;;;;;;\n",
			[]string{"staff.import.err.payer"}},
		"bad quoting": {header + "\"unterminated;x\n", []string{"staff.import.err.csv"}},
	} {
		rows, problems := Parse(tc.text, cat)
		if got := strings.Join(keys(problems), ","); got != strings.Join(tc.want, ",") {
			t.Errorf("%s: problems %s, want %s", name, got, strings.Join(tc.want, ","))
		}
		if name != "two payers" && len(rows) != 0 {
			t.Errorf("%s: a line with problems gave a row", name)
		}
	}
}
