package handlers

import (
	"bytes"
	"database/sql"
	"html/template"
	"strconv"
	"testing"

	"portalegenitori/db"
	"portalegenitori/internal/calendar"
)

// paymentsTemplate is the payments page's content and its pagoPA part
// (fragments/partials/pagopa.html) that PaymentsView.ContentHTML and
// PagoPABlock.FormsHTML replaced, kept to hold the Go code to them byte
// for byte; topupTemplate is the top-up page's content as it was.
const paymentsTemplate = `{{define "content"}}
<p class="mb-0"><a class="action-link" href="{{.FamilyPrefix}}/famiglia">{{.T "cal.back"}}</a></p>
<h1>{{.T "payments.title"}}</h1>
{{if not .Payer.AdultID}}<p>{{.T "payments.none"}}</p>{{else}}
<div class="card">
  <p class="mb-0">{{if .Own}}{{.T "payments.your_balance"}}{{else}}{{.T "payments.balance_of" .Payer.Name}}{{end}}</p>
  <p class="balance-amount {{if lt .Balance 0}}balance-debit{{else}}balance-credit{{end}}"><strong>{{.BalanceText .Balance}}</strong></p>
  {{if lt .Balance 0}}<p>{{.T "payments.debit_hint"}}</p>{{end}}
  {{if not .Own}}<p class="muted">{{.T "payments.guardian_note"}}</p>{{end}}
  {{if and .Own (not .ViewAsName) (gt .Balance 0)}}<p><a class="action-link" href="/{{.Inst.Code}}/pagamenti/credito">{{.T "credit.link"}}</a></p>{{end}}
</div>
{{template "pagopa-payments" .}}
{{if .Errors}}<div class="alert alert-danger" role="alert"><p>{{.T "common.errors_title"}}</p><ul>{{range $k, $v := .Errors}}<li><a href="#f-{{$k}}">{{$v}}</a></li>{{end}}</ul></div>{{end}}
<form method="get" action="{{.FamilyPrefix}}/pagamenti" class="filter-form" aria-labelledby="filter-title">
  <h2 id="filter-title">{{.T "payments.filter"}}</h2>
  <div class="filter-grid">
  {{if gt (len .Payers) 1}}<div class="form-group"><label for="f-pagante">{{.T "payments.payer"}}</label>
    <select id="f-pagante" name="pagante">{{range .Payers}}<option value="{{.AdultID}}"{{if eq .AdultID $.Payer.AdultID}} selected{{end}}>{{.Name}}</option>{{end}}</select></div>
  {{else if .Form.Payer}}<input type="hidden" name="pagante" value="{{.Form.Payer}}">{{end}}
  <div class="form-group"><label for="f-dal">{{.T "payments.from"}}</label>
    <input type="date" id="f-dal" name="dal" value="{{.Form.From}}"{{with .Errors.dal}} class="is-invalid" aria-invalid="true" aria-describedby="e-dal"{{end}}>
    {{with .Errors.dal}}<span class="field-error" id="e-dal">{{$.T "common.error_prefix"}} {{.}}</span>{{end}}</div>
  <div class="form-group"><label for="f-al">{{.T "payments.to"}}</label>
    <input type="date" id="f-al" name="al" value="{{.Form.To}}"{{with .Errors.al}} class="is-invalid" aria-invalid="true" aria-describedby="e-al"{{end}}>
    {{with .Errors.al}}<span class="field-error" id="e-al">{{$.T "common.error_prefix"}} {{.}}</span>{{end}}</div>
  <div class="form-group"><label for="f-bambino">{{.T "payments.child"}}</label>
    <select id="f-bambino" name="bambino"><option value="">{{.T "payments.all_children"}}</option>{{range .Children}}<option value="{{.ID}}"{{if $.SelectedID .ID $.Form.Child}} selected{{end}}>{{.FirstName}}</option>{{end}}</select></div>
  <div class="form-group"><label for="f-servizio">{{.T "payments.service"}}</label>
    <select id="f-servizio" name="servizio"><option value="">{{.T "payments.all_services"}}</option>{{range .Services}}<option value="{{.ID}}"{{if $.SelectedID .ID $.Form.Service}} selected{{end}}>{{.Name}}</option>{{end}}</select></div>
  <div class="form-group"><label for="f-tipo">{{.T "payments.kind"}}</label>
    <select id="f-tipo" name="tipo"{{with .Errors.tipo}} class="is-invalid" aria-invalid="true" aria-describedby="e-tipo"{{end}}><option value="">{{.T "payments.all_kinds"}}</option>{{range .Kinds}}<option value="{{.}}"{{if eq . $.Form.Kind}} selected{{end}}>{{$.Kind .}}</option>{{end}}</select>
    {{with .Errors.tipo}}<span class="field-error" id="e-tipo">{{$.T "common.error_prefix"}} {{.}}</span>{{end}}</div>
  </div>
  <div class="form-actions mt-0"><button type="submit" class="btn btn-primary">{{.T "payments.apply"}}</button>{{if .Filtered}} <a class="btn btn-secondary" href="{{.ResetURL}}">{{.T "payments.reset"}}</a>{{end}}</div>
</form>
<h2>{{.T "payments.entries"}}</h2>
<dl class="facts">
  <dt>{{.T "payments.count"}}</dt><dd>{{.Totals.Count}}</dd>
  <dt>{{.T "payments.credits"}}</dt><dd>{{.MoneySigned .Totals.Credits}}</dd>
  <dt>{{.T "payments.debits"}}</dt><dd>{{.MoneySigned .Totals.Debits}}</dd>
  <dt>{{.T "payments.net"}}</dt><dd><strong>{{.MoneySigned .Totals.Net}}</strong></dd>
</dl>
<ul class="actions-list">
  <li><a class="btn btn-secondary" href="{{.CSVURL}}" download>{{.T "payments.csv"}}</a></li>
  <li><a class="btn btn-secondary" href="{{.StatementURL}}">{{.T "payments.statement"}}</a></li>
</ul>
{{if .Entries}}
<div class="table-wrap" tabindex="0" role="region" aria-labelledby="ledger-caption">
<table class="table stack-narrow ledger">
  <caption id="ledger-caption">{{.T "payments.caption" .Page .Pages}}</caption>
  <thead><tr><th scope="col">{{.T "ledger.date"}}</th><th scope="col">{{.T "ledger.kind"}}</th><th scope="col">{{.T "ledger.detail"}}</th><th scope="col" class="text-right">{{.T "ledger.amount"}}</th></tr></thead>
  <tbody>
  {{$date := .T "ledger.date"}}{{$kind := .T "ledger.kind"}}{{$detail := .T "ledger.detail"}}{{$amount := .T "ledger.amount"}}{{range .Rows}}<tr>
    <td data-label="{{$date}}">{{.Date}}</td>
    <td data-label="{{$kind}}">{{.Kind}}</td>
    <td data-label="{{$detail}}">{{.Detail}}</td>
    <td data-label="{{$amount}}" class="text-right amount">{{.Amount}}</td>
  </tr>{{end}}
  </tbody>
</table>
</div>
{{if gt .Pages 1}}<nav aria-label="{{.T "payments.pages"}}"><ul class="pager">
  <li>{{if .PrevURL}}<a class="btn btn-secondary" rel="prev" href="{{.PrevURL}}">{{.T "payments.prev"}}</a>{{end}}</li>
  <li aria-current="page">{{.T "payments.page_of" .Page .Pages}}</li>
  <li>{{if .NextURL}}<a class="btn btn-secondary" rel="next" href="{{.NextURL}}">{{.T "payments.next"}}</a>{{end}}</li>
</ul></nav>{{end}}
{{else}}<p>{{.T "payments.empty"}}</p>{{end}}
{{end}}
{{end}}
{{/* pagoPA on the payments page (handlers/pagopa_family.go): what is still
     to pay, and, for the paying adult, the top-up and the notice. */}}
{{define "pagopa-payments"}}{{with .PagoPA}}{{$p := .}}
<section class="card" aria-labelledby="pagopa-title">
  <h2 id="pagopa-title">{{$.T "pagopa.title"}}</h2>
  {{if .Open}}<h3>{{$.T "pagopa.open"}}</h3>
  <ul class="pagopa-open">{{range .Open}}<li>
    {{if $.ViewAsName}}{{$.PositionKind .Kind}} {{$.Money .AmountCents}}{{else}}<a href="/{{$.Inst.Code}}/pagamenti/pagopa/{{.ID}}">{{$.PositionKind .Kind}} {{$.Money .AmountCents}}</a>{{end}}
    – {{$.T "pagopa.notice_number"}} {{$.NoticeNumberText .NoticeNumber}}, {{$.T "pagopa.due" ($.Date .DueDate)}}
  </li>{{end}}</ul>{{end}}
  {{if .CanCreate}}{{template "pagopa-forms" (pagopaForms $ $p)}}{{else if not $.ViewAsName}}<p class="muted">{{$.T "pagopa.guardian"}}</p>{{end}}
</section>
{{end}}{{end}}

{{define "pagopa-forms"}}{{$b := .B}}{{$p := .P}}
<section aria-labelledby="topup-title">
  <h3 id="topup-title">{{$b.T "pagopa.topup.title"}}</h3>
  <p class="form-hint">{{$b.T "pagopa.topup.hint"}}</p>
  {{/* Two forms: Enter in the amount field submits that amount, never a preset. */}}
  {{if $p.Presets}}<form method="post" action="/{{$b.Inst.Code}}/pagamenti/ricarica">
    <input type="hidden" name="tentativo" value="{{$p.Token}}">
    <ul class="actions-list">{{range $p.Presets}}<li><button type="submit" name="taglio" value="{{.}}" class="btn btn-primary">{{$b.T "pagopa.topup.preset" ($b.Money .)}}</button></li>{{end}}</ul>
  </form>{{end}}
  <form method="post" action="/{{$b.Inst.Code}}/pagamenti/ricarica" novalidate>
    <input type="hidden" name="tentativo" value="{{$p.Token}}">
    <div class="form-group">
      <label for="importo">{{$b.T "pagopa.topup.other"}}</label>
      <p class="form-hint" id="importo-hint">{{$b.T "pagopa.amount.hint" ($b.Money $p.Min) ($b.Money $p.Max)}}</p>
      <input type="text" id="importo" name="importo" inputmode="decimal" maxlength="20" autocomplete="off" value="{{$p.Amount}}"
        aria-describedby="importo-hint{{if $p.Errors.importo}} importo-error{{end}}"{{if $p.Errors.importo}} class="is-invalid" aria-invalid="true" autofocus{{end}}>
      {{with $p.Errors.importo}}<p class="field-error" id="importo-error">{{$b.T "common.error_prefix"}} {{.}}</p>{{end}}
    </div>
    <div class="form-actions mt-0"><button type="submit" class="btn btn-primary">{{$b.T "pagopa.topup.submit"}}</button></div>
  </form>
</section>
<form method="post" action="/{{$b.Inst.Code}}/pagamenti/avviso" novalidate aria-labelledby="notice-title">
  <h3 id="notice-title">{{$b.T "pagopa.notice.title"}}</h3>
  <p class="form-hint">{{$b.T "pagopa.notice.hint"}}</p>
  <input type="hidden" name="tentativo" value="{{$p.Token}}">
  <div class="form-group">
    <label for="importo_avviso">{{$b.T "pagopa.notice.amount"}}</label>
    <p class="form-hint" id="importo_avviso-hint">{{$b.T "pagopa.amount.hint" ($b.Money $p.Min) ($b.Money $p.Max)}}</p>
    <input type="text" id="importo_avviso" name="importo_avviso" inputmode="decimal" maxlength="20" autocomplete="off" value="{{$p.Notice}}"
      aria-describedby="importo_avviso-hint{{if $p.Errors.importo_avviso}} importo_avviso-error{{end}}"{{if $p.Errors.importo_avviso}} class="is-invalid" aria-invalid="true" autofocus{{end}}>
    {{with $p.Errors.importo_avviso}}<p class="field-error" id="importo_avviso-error">{{$b.T "common.error_prefix"}} {{.}}</p>{{end}}
  </div>
  <div class="form-actions mt-0"><button type="submit" class="btn btn-secondary">{{$b.T "pagopa.notice.submit"}}</button></div>
</form>
{{end}}
`

const topupTemplate = `{{define "content"}}
<p class="mb-0"><a class="action-link" href="/{{.Inst.Code}}/pagamenti">{{.T "pagopa.back"}}</a></p>
<h1>{{.T "pagopa.topup.page"}}</h1>
{{if .PagoPA.Errors}}<div class="alert alert-danger" role="alert"><p>{{.T "common.errors_title"}}</p><ul>{{range $k, $v := .PagoPA.Errors}}<li><a href="#{{$k}}">{{$v}}</a></li>{{end}}</ul></div>{{end}}
<div class="card">{{template "pagopa-forms" (pagopaForms . .PagoPA)}}</div>
{{end}}`

func TestPaymentsHTMLMatchesTemplate(t *testing.T) {
	funcs := template.FuncMap{"pagopaForms": func(page any, b *PagoPABlock) map[string]any { return map[string]any{"B": page, "P": b} }}
	old := template.Must(template.Must(template.New("").Funcs(funcs).Parse(paymentsTemplate)).Clone())
	oldTopup := template.Must(template.Must(old.Clone()).Parse(topupTemplate))
	parsed, err := parsedAssetsAndPages()
	if err != nil {
		t.Fatal(err)
	}
	hostile := `D'Amico "Zoë" <b>&amp; +1`
	withPagoPA := func(v *PaymentsView, can bool) {
		v.PagoPA = &PagoPABlock{Enabled: true, CanCreate: can, Presets: []int64{2000, 5000}, Min: 500, Max: 50000,
			Token: "t'<1>+", Errors: map[string]string{},
			Open: []db.Position{{ID: 41, Kind: "topup", AmountCents: 5000, NoticeNumber: "301000000000012345", DueDate: calendar.Day(2026, 12, 15)},
				{ID: 42, Kind: "notice", AmountCents: 2480, NoticeNumber: "3010<0>", DueDate: calendar.Day(2027, 1, 2)}}}
	}
	views := map[string]func(v *PaymentsView){
		"payer, page 2 of 4, filtered, pagoPA": func(v *PaymentsView) {},
		"payer, last page, in debit": func(v *PaymentsView) {
			v.Page, v.Pages, v.NextURL, v.Balance = 4, 4, "", -1520
			v.Form.Kind, v.Form.Child = "charge", "12"
		},
		"payer, one page, even, no filter, no pagoPA": func(v *PaymentsView) {
			v.Page, v.Pages, v.PrevURL, v.NextURL, v.Balance, v.Filtered, v.PagoPA = 1, 1, "", "", 0, false, nil
		},
		"payer, empty list": func(v *PaymentsView) {
			v.Entries, v.Rows, v.Totals, v.Page, v.Pages, v.PrevURL, v.NextURL = nil, nil, db.LedgerTotals{}, 1, 1, "", ""
		},
		"guardian who does not pay, two payers": func(v *PaymentsView) {
			other := db.Payer{AdultID: 9, Name: hostile, Children: []int64{11}}
			v.Payers = append(v.Payers, other)
			v.Payer, v.Own, v.Form.Payer = other, false, "9"
			withPagoPA(v, false)
		},
		"guardian, pagoPA without notices": func(v *PaymentsView) {
			v.Own = false
			withPagoPA(v, false)
			v.PagoPA.Open = nil
		},
		"no payer": func(v *PaymentsView) { v.Payers, v.Payer = nil, db.Payer{} },
		"errors and the form as typed": func(v *PaymentsView) {
			v.Form = PaymentsForm{Payer: "7", From: `2026-13-01"<x>`, To: "ieri & oggi", Child: "11", Service: "3", Kind: "nope+"}
			v.Errors = map[string]string{"dal": "Data non valida <b>", "al": "Intervallo & co.", "tipo": "Tipo 'sconosciuto'", `z"<&+ é`: "altro"}
		},
		"pagoPA errors, no presets, typed amounts": func(v *PaymentsView) {
			v.PagoPA.Presets, v.PagoPA.Amount, v.PagoPA.Notice = nil, `12,5"0<`, "1e3&+"
			v.PagoPA.Errors = map[string]string{"importo": "Importo <minimo>", "importo_avviso": `"troppo" & più`}
		},
		"staff reading as the family": func(v *PaymentsView) {
			v.ViewAsName, v.FamilyPrefix = hostile, "/demo/ufficio/famiglie/7 é"
			v.PagoPA.CanCreate = false
		},
		"hostile URLs and installation": func(v *PaymentsView) {
			v.Inst.Code = "dé mo?x=%zz%41"
			v.FamilyPrefix = "/dé mo"
			v.CSVURL, v.StatementURL = "javascript:alert(1)", "HTTPS://x.example/é?a=1&b=%zz"
			v.ResetURL, v.PrevURL, v.NextURL = "/demo/pagamenti?pagante=7&x=<y>", "mailto:a@b", "data:text/html,<x>"
		},
	}
	for name, change := range views {
		for _, lang := range []string{"it", "en"} {
			entries := benchLedgerEntries(25, hostile, "Mensa <scolastica> & più")
			entries[3].Reason, entries[4].ReceiptRef = `telefonata "urgente" & <b>`, "RF+1'2"
			entries[5].AttendanceDay = sql.NullTime{}
			v := benchPaymentsView(Base{Lang: lang}, entries)
			v.Children[1].FirstName = hostile
			v.Services[0].Name = "Mensa <scolastica> & più"
			withPagoPA(&v, true)
			change(&v)
			v.Rows = ledgerRows(v.Base, v.Entries)
			var want, got bytes.Buffer
			if err := old.ExecuteTemplate(&want, "content", v); err != nil {
				t.Fatal(name, err)
			}
			if err := parsed.pages.Render(&got, "payments", "content", v); err != nil {
				t.Fatal(name, err)
			}
			if got.String() != want.String() {
				t.Errorf("%s, %s:\n%s", name, lang, firstDiff(got.String(), want.String()))
			}
			if v.PagoPA == nil {
				continue
			}
			// the top-up page: the same forms, its own errors list
			tv := PagoPATopUpView{Base: v.Base, PagoPA: v.PagoPA}
			want.Reset()
			got.Reset()
			if err := oldTopup.ExecuteTemplate(&want, "content", tv); err != nil {
				t.Fatal(name, err)
			}
			if err := parsed.pages.Render(&got, "pagopa_topup", "content", tv); err != nil {
				t.Fatal(name, err)
			}
			if got.String() != want.String() {
				t.Errorf("%s, %s, top-up page:\n%s", name, lang, firstDiff(got.String(), want.String()))
			}
		}
	}
}

// firstDiff shows where two pages part.
func firstDiff(got, want string) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	from := max(0, i-120)
	return "got  …" + got[from:min(len(got), i+120)] + "\nwant …" + want[from:min(len(want), i+120)] +
		"\n(at byte " + strconv.Itoa(i) + ")"
}
