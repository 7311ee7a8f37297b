package handlers

import (
	"bytes"
	"html/template"
	"testing"

	"portalegenitori/db"
	"portalegenitori/internal/calendar"
)

// familyTemplate is the family home's content and the partials that
// FamilyView.LinkedHTML, MealPanel.BodyHTML, MenuCourses.CoursesHTML and
// Base.ISEETariffList replaced (the "meal-day" box was already Go), kept
// to hold the Go code to them byte for byte.
const familyTemplate = `{{define "title"}}{{.T "family.title"}}{{end}}
{{define "content"}}
<h1>{{.T "family.title"}}</h1>
{{template "flash" .}}
<p class="lead">{{.T "family.greeting" .Name}}</p>
{{if and (not .Linked) .LinkCode}}
<div class="alert alert-warning" id="link-wait"><p>{{.T "family.link_code_wait"}}</p>
  <p>{{if .LinkSentTo}}{{.T "link.sent_to" .LinkSentTo .LinkMinutes}}{{else}}{{.T "link.sending"}}{{end}}</p>
  <p><a class="btn btn-primary" href="/{{.Inst.Code}}/collegamento">{{.T "family.link_enter_code"}}</a></p></div>
{{else if and (not .Linked) .LinkOffice}}
<div class="alert alert-info" id="link-wait"><p>{{.T "link.office_wait" (officeName .Inst)}}</p></div>
{{else if not .Linked}}
<div class="alert alert-info"><p>{{.T "family.not_linked"}}</p>{{if .Inst.OfficeName}}<p>{{.T "common.contact_office" .Inst.OfficeName}}</p>{{end}}</div>
{{else if .StaleLink}}
<div class="alert alert-warning" role="alert"><p>{{.T "family.stale_link"}}</p>{{if .Inst.OfficeName}}<p>{{.T "common.contact_office" .Inst.OfficeName}}</p>{{end}}</div>
{{else}}
{{template "family-documents" .}}
{{template "family-enrol" .}}
{{with .Meals}}{{template "meal-panel" .}}{{end}}
{{with .ISEE}}{{template "isee-family" .}}{{end}}
{{with .Menu}}{{template "menu-today" .}}{{end}}
<h2>{{.T "family.children"}}</h2>
{{if .Children}}
{{range .Balances}}<p class="balance {{if lt .Balance 0}}balance-debit{{else}}balance-credit{{end}}">{{if .Own}}{{$.T "family.balance_own" .Children}}{{else}}{{$.T "family.balance_of" .PayerName .Children}}{{end}}: <strong>{{$.BalanceText .Balance}}</strong></p>
{{end}}<p><a class="action-link" href="{{.FamilyPrefix}}/pagamenti">{{.T "family.payments_link"}}</a></p>
{{template "alerts-link" .}}
{{template "diets-link" .}}
<ul class="card-grid child-list">
  {{range .Children}}{{$child := .}}<li class="card">
    <h3>{{.FirstName}} {{.LastName}}</h3>
    <dl class="facts">
      {{if .School}}<dt>{{$.T "family.school"}}</dt><dd>{{.School}}</dd>{{end}}
      {{if .ClassName}}<dt>{{$.T "family.class"}}</dt><dd>{{.ClassName}}</dd>{{end}}
      <dt>{{$.T "family.you_are"}}</dt><dd>{{if eq .Role "payer"}}{{$.T "family.role.payer"}}{{else}}{{$.T "family.role.guardian"}}{{end}}</dd>
      {{if and .PayerName (not .OwnBalance)}}<dt>{{$.T "family.payer"}}</dt><dd>{{.PayerName}}</dd>{{end}}
    </dl>
    <h4>{{$.T "family.services" $.YearLabel}}</h4>
    {{if .Services}}<ul class="service-list">
      {{range .Services}}<li>
        <p class="mb-0"><strong>{{.ServiceName}}</strong></p>
        <dl class="facts">
          <dt>{{$.T "family.period"}}</dt><dd>{{$.T "family.period_value" ($.Date .StartsOn) ($.Date .EndsOn)}}</dd>
          {{if eq .ServiceKind "mensa" "nido"}}<dt>{{$.T "family.diet"}}</dt><dd>{{if .Diet}}{{.Diet}}{{else}}{{$.T "family.diet_none"}}{{end}}</dd>{{end}}
          <dt>{{$.T "family.tariff"}}</dt><dd>{{.TariffName}}: {{$.Money .TariffCents}} {{if eq .Billing "monthly"}}{{$.T "family.per_month"}}{{else}}{{$.T "family.per_day"}}{{end}}</dd>
          <dt>{{$.T "family.present_month" ($.MonthLabel $.Month)}}</dt><dd>{{.Present}}</dd>
        </dl>
        <p><a class="action-link" href="{{.CalendarURL}}">{{$.T "family.calendar_link"}}<span class="visually-hidden"> – {{$child.FirstName}}, {{.ServiceName}}</span></a></p>
      </li>{{end}}
    </ul>{{else}}<p>{{$.T "family.no_services"}}</p>{{end}}
  </li>
  {{end}}
</ul>
{{else}}<p>{{.T "family.no_children"}}</p>{{end}}
{{end}}
{{end}}
{{define "flash"}}{{with .Message}}<div class="alert alert-success" role="status">{{.}}</div>{{end}}{{end}}
{{define "family-documents"}}<ul class="actions-list" id="family-documents">
  <li><a class="action-link" href="{{.FamilyPrefix}}/messaggi">{{.T "messages.title"}}{{if .Docs.Unread}} <span class="badge badge-danger">{{.T "messages.unread_count" .Docs.Unread}}</span>{{end}}</a></li>
  <li><a class="action-link" href="{{.FamilyPrefix}}/attestazioni">{{.T "certificate.list.title"}}</a></li>
</ul>{{end}}
{{define "family-enrol"}}{{with .Enrol}}<section id="enrol-panel" class="card enrol-panel" aria-labelledby="enrol-title">
<h2 id="enrol-title">{{$.T "enrol.title"}}</h2>
{{range .Windows}}<div class="enrol-window">
  <p class="mb-0"><strong>{{.Title}}</strong> – {{$.T "enrol.open_until" ($.DateTimeMin .ClosesAt)}}</p>
  <p><a class="btn btn-primary" href="/{{$.Inst.Code}}/iscrizioni/finestre/{{.ID}}">{{$.T "enrol.fill"}}<span class="visually-hidden"> – {{.Title}}</span></a></p>
</div>{{end}}
{{with .Requests}}<ul class="history" aria-label="{{$.T "enrol.your_requests"}}">{{range .}}<li>
  <a href="/{{$.Inst.Code}}/iscrizioni/{{.ID}}">{{.WindowTitle}} – {{.FirstName}} {{.LastName}}</a>: <strong>{{$.T (print "enrol.status." .Status)}}</strong>
  {{if eq .Status "accepted"}}{{$.T "enrol.accepted_period" .ServiceName ($.Date .StartsOn) ($.Date .EndsOn)}}{{end}}
</li>{{end}}</ul>{{end}}
<p><a class="action-link" href="/{{$.Inst.Code}}/iscrizioni">{{$.T "enrol.all_link"}}</a></p>
</section>{{end}}{{end}}
{{define "meal-day"}}{{.HTML}}{{end}}
{{define "meal-panel"}}<section id="meal-days" class="meal-panel" aria-labelledby="meal-days-title">
<h2 id="meal-days-title">{{.T "meal.title"}}</h2>
<p>{{.T "meal.intro"}}</p>
<div id="meal-status" class="visually-hidden" role="status"></div>
{{template "meal-panel-body" .}}
</section>{{end}}
{{define "meal-panel-body"}}<div id="meal-panel-body">
{{with .Refusal}}<div class="alert alert-danger" role="alert"><p>{{.}}</p></div>{{end}}
{{range .Children}}<h3>{{.FirstName}}: {{.ServiceName}}</h3>
{{if .Days}}<ul class="service-list meal-days">{{range .Days}}<li>{{template "meal-day" .}}</li>{{end}}</ul>{{else}}<p>{{$.T "meal.no_days"}}</p>{{end}}
{{end}}
<form method="post" action="{{.RangeAction}}" hx-post="{{.RangeAction}}" hx-target="#meal-panel-body" hx-swap="outerHTML" class="card meal-range" novalidate>
<h3>{{.T "meal.range.title"}}</h3>
{{with .Flash}}<div class="alert alert-info" id="mr-message"><p>{{.}}</p></div>{{end}}
<fieldset><legend>{{.T "meal.range.children"}}</legend>
{{range .Children}}<div class="form-check"><input type="checkbox" id="mr-{{.ChildID}}-{{.ServiceID}}" name="bambino" value="{{.ChildID}}:{{.ServiceID}}"><label for="mr-{{.ChildID}}-{{.ServiceID}}">{{.FirstName}} ({{.ServiceName}})</label></div>
{{end}}</fieldset>
<div class="form-group"><label for="mr-from">{{.T "meal.range.from"}}</label><input type="date" id="mr-from" name="dal" value="{{.RangeFrom}}"></div>
<div class="form-group"><label for="mr-to">{{.T "meal.range.to"}}</label><input type="date" id="mr-to" name="al" value="{{.RangeTo}}"></div>
<input type="hidden" name="stato" value="cancelled"><input type="hidden" name="chiave" value="{{.RangeKey}}">
<div class="form-actions"><button type="submit" class="btn btn-secondary" id="meal-range-submit">{{.T "meal.range.submit"}}</button></div>
</form>
{{if .HasEmail}}<form method="post" action="{{.EmailAction}}" class="meal-receipts">
<div class="form-check"><input type="checkbox" id="meal-receipts" name="email" value="1"{{if .ReceiptEmail}} checked{{end}}><label for="meal-receipts">{{.T "meal.receipts.label"}}</label></div>
<button type="submit" class="btn btn-secondary">{{.T "meal.receipts.save"}}</button>
</form>{{end}}
</div>{{end}}
{{define "meal-panel-swap"}}{{template "meal-panel-body" .}}
<div id="meal-status" hx-swap-oob="innerHTML">{{.Flash}}</div>{{end}}
{{define "isee-tariff-list"}}{{if .Tariffs}}<ul class="service-list" id="isee-tariffs">{{range .Tariffs}}<li>
  <strong>{{.Child}}, {{.Service}}</strong>: {{$.Money .Cents}} {{if eq .Billing "monthly"}}{{$.T "family.per_month"}}{{else}}{{$.T "family.per_day"}}{{end}}
  <br>{{if .Why}}{{.Why}}{{else}}{{$.T "isee.why.office"}}{{end}}</li>{{end}}</ul>
{{else}}<p>{{.T "isee.no_tariffs"}}</p>{{end}}{{end}}
{{define "isee-family"}}<section class="card" aria-labelledby="isee-family-title" id="isee-family">
  <h2 id="isee-family-title">{{.T "isee.family_title"}}</h2>
  {{template "isee-tariff-list" .}}
  {{with .Latest}}<p>{{$.T "isee.latest" ($.Money .ISEECents)}} <strong>{{$.ISEEState . $.Today}}</strong>{{if eq .Status "respinta"}} – {{$.T "isee.reason" .Reason}}{{end}}</p>{{end}}
  {{if not .ViewAsName}}<p><a class="action-link" href="/{{.Inst.Code}}/famiglia/isee">{{.T "isee.family_link"}}</a></p>{{end}}
</section>{{end}}
{{define "menu-today"}}<section class="card menu-today" id="menu-today" aria-labelledby="menu-today-title">
  <h2 id="menu-today-title">{{.T "menu.today_title"}}</h2>
  {{range .Children}}<h3>{{.FirstName}}</h3>
  {{if .Courses}}{{if .Diet}}<p class="form-hint">{{.T "menu.diet_note" .Diet}}</p>{{end}}{{template "menu-courses" .MenuCourses}}
  {{else}}<p>{{.T "menu.today_none"}}</p>{{end}}
  <p><a class="action-link" href="{{.WeekURL}}">{{.T "menu.week_link"}}<span class="visually-hidden"> – {{.FirstName}}</span></a></p>
  {{end}}
</section>{{end}}
{{define "menu-courses"}}<ul class="menu-courses">{{range .Courses}}
  <li><strong>{{$.CourseName .Course}}:</strong> {{.Dish}}{{if .Variant}} <span class="badge">{{$.T "menu.variant" .Diet}}</span>{{end}}
    {{- with .Allergens}}<br><span class="form-hint">{{$.T "menu.allergens"}} {{$.AllergenNames .}}</span>{{end}}</li>{{end}}
</ul>{{end}}
{{define "menu-day"}}<section class="menu-day" aria-labelledby="menu-day-title">
  <h4 id="menu-day-title">{{.T "menu.day_title"}}</h4>
  {{if .Diet}}<p class="form-hint">{{.T "menu.diet_note" .Diet}}</p>{{end}}
  {{template "menu-courses" .}}
</section>{{end}}
{{define "alerts-link"}}{{if and .Account (not .ViewAsName)}}<p><a class="action-link" href="/{{.Inst.Code}}/avvisi">{{.T "alerts.link"}}</a></p>{{end}}{{end}}
{{define "diets-link"}}{{if not .ViewAsName}}<p><a class="action-link" href="/{{.Inst.Code}}/diete">{{.T "diets.link"}}</a></p>{{end}}{{end}}`

func TestFamilyHTMLMatchesTemplate(t *testing.T) {
	old := template.Must(template.New("").Funcs(template.FuncMap{"officeName": officeOf}).Parse(familyTemplate))
	parsed, err := parsedAssetsAndPages()
	if err != nil {
		t.Fatal(err)
	}
	day := calendar.Day(2026, 11, 30)
	type state struct {
		name  string
		o     familyOpts
		tweak func(*FamilyView)
	}
	states := []state{
		{name: "every panel"},
		{name: "hostile texts", o: familyOpts{hostile: true, flash: "Salvato: <ok> & \"bene\" +1", unread: 3}},
		{name: "no panels", o: familyOpts{noMeals: true, noISEE: true, noMenu: true, noEnrol: true}},
		{name: "no meals", o: familyOpts{noMeals: true, hostile: true}},
		{name: "no ISEE, no menu", o: familyOpts{noISEE: true, noMenu: true}},
		{name: "no enrolments", o: familyOpts{noEnrol: true, unread: 1}},
		{name: "no children, enrolments", o: familyOpts{noChildren: true}},
		{name: "no children, nothing", o: familyOpts{noChildren: true, noEnrol: true}},
		{name: "second child without services", o: familyOpts{noServices: true, hostile: true}},
		{name: "another payer, debit", o: familyOpts{otherPayer: true, debit: true, hostile: true}},
		{name: "another payer, even", o: familyOpts{otherPayer: true, even: true}},
		{name: "debit", o: familyOpts{debit: true}},
		{name: "view as", o: familyOpts{viewAs: true, hostile: true}},
		{name: "view as, plain", o: familyOpts{viewAs: true}},
		{name: "meal refusal, range flash, receipts", o: familyOpts{hostile: true, refusal: "Troppo tardi <per> & oggi", rangeFlash: "Disdetti 3 pasti \"ok\"",
			hasEmail: true, receipt: true}},
		{name: "receipts offered", o: familyOpts{hasEmail: true}},
		{name: "ISEE expired", o: familyOpts{latest: &db.ISEEDeclaration{ISEECents: 1234567, Status: "confermata", ExpiresOn: day.AddDate(0, 0, -1)}}},
		{name: "ISEE refused", o: familyOpts{hostile: true, latest: &db.ISEEDeclaration{ISEECents: 800000, Status: "respinta", ExpiresOn: day.AddDate(1, 0, 0),
			Reason: "DSU \"scaduta\" & <altro> +"}}},
		{name: "ISEE declared", o: familyOpts{latest: &db.ISEEDeclaration{ISEECents: 0, Status: "dichiarata", ExpiresOn: day.AddDate(1, 0, 0)}}},
		{name: "ISEE without tariffs", tweak: func(v *FamilyView) { v.ISEE.Tariffs = nil }},
		{name: "no account", tweak: func(v *FamilyView) { v.Account = nil }},
		{name: "a course without allergens, no diet note", o: familyOpts{hostile: true}, tweak: func(v *FamilyView) {
			v.Menu.Children[0].Courses[1].Allergens = nil
			v.Menu.Children[0].Diet = ""
		}},
		{name: "odd URLs", o: familyOpts{hostile: true}, tweak: func(v *FamilyView) {
			v.Inst.Code = "d%zz%41+&'\"<>?x=1#f"
			v.FamilyPrefix = "/" + v.Inst.Code + "/à b"
			v.Children[0].Services[0].CalendarURL = "javascript:alert(1)"
			v.Children[0].Services[1].CalendarURL = "HTTPS://example.org/a b?c=d&e=%zz"
			v.Children[1].Services[0].CalendarURL = "mailto:a@b"
			v.Children[1].Services[1].CalendarURL = "data:text/html,<x>"
			v.Menu.Children[0].WeekURL = "vbscript:x"
			v.Menu.Children[1].WeekURL = "/demo/menu/12?settimana=2026-11-30&x=à"
			v.Meals.RangeAction = "javascript:void(0)"
			v.Meals.EmailAction = "//other.example/ricevute?x=1"
			v.Meals.HasEmail = true
		}},
		{name: "waiting for the code", tweak: func(v *FamilyView) {
			*v = FamilyView{Base: v.Base, Name: "Anna", LinkCode: true, LinkSentTo: "a***@example.org", LinkMinutes: 15}
		}},
		{name: "waiting for the code to be sent", tweak: func(v *FamilyView) {
			*v = FamilyView{Base: v.Base, Name: "Anna <x>", LinkCode: true}
		}},
		{name: "waiting for the office", tweak: func(v *FamilyView) { *v = FamilyView{Base: v.Base, Name: "Anna", LinkOffice: true} }},
		{name: "not linked", tweak: func(v *FamilyView) { *v = FamilyView{Base: v.Base, Name: "utente+1"} }},
		{name: "stale link", tweak: func(v *FamilyView) {
			v.StaleLink, v.Children, v.Balances, v.Meals, v.ISEE, v.Menu, v.Enrol = true, nil, nil, nil, nil, nil, nil
		}},
	}
	render := func(name, block string, data any) (string, string) {
		t.Helper()
		var want, got bytes.Buffer
		if err := old.ExecuteTemplate(&want, block, data); err != nil {
			t.Fatal(name, block, err)
		}
		if err := parsed.pages.Render(&got, "family", block, data); err != nil {
			t.Fatal(name, block, err)
		}
		return got.String(), want.String()
	}
	compared := map[string]int{}
	for _, lang := range []string{"it", "en"} {
		for _, s := range states {
			s.o.lang = lang
			v := benchFamilyView(s.o)
			if s.tweak != nil {
				s.tweak(&v)
			}
			name := lang + ", " + s.name
			if got, want := render(name, "content", v); got != want {
				t.Errorf("%s:\n got %s\nwant %s", name, got, want)
			}
			compared["content"]++
			if v.Meals != nil {
				if got, want := render(name, "meal-panel-swap", v.Meals); got != want {
					t.Errorf("%s, meal-panel-swap:\n got %s\nwant %s", name, got, want)
				}
				compared["meal-panel-swap"]++
			}
			if v.Menu != nil {
				for _, k := range v.Menu.Children {
					if got, want := render(name, "menu-day", &k.MenuCourses); got != want {
						t.Errorf("%s, menu-day:\n got %s\nwant %s", name, got, want)
					}
					compared["menu-day"]++
				}
			}
			if v.ISEE != nil {
				for _, data := range []any{ISEEView{Base: v.Base, Tariffs: v.ISEE.Tariffs}, StaffISEEAdultView{StaffBase: StaffBase{Base: v.Base}, Tariffs: v.ISEE.Tariffs}} {
					if got, want := render(name, "isee-tariff-list", data); got != want {
						t.Errorf("%s, isee-tariff-list:\n got %s\nwant %s", name, got, want)
					}
					compared["isee-tariff-list"]++
				}
			}
		}
	}
	// every part was compared in more than one state
	for _, block := range []string{"content", "meal-panel-swap", "menu-day", "isee-tariff-list"} {
		if compared[block] < 4 {
			t.Errorf("%s compared %d times", block, compared[block])
		}
	}
}
