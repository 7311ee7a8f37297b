package handlers

import (
	"bytes"
	"database/sql"
	"html/template"
	"os"
	"strings"
	"testing"

	"portalegenitori/db"
)

// layoutTemplate is the layout whose chrome LayoutHead, LayoutBody and
// LayoutFoot now write, kept to hold them to it byte for byte.
const layoutTemplate = `{{define "doc-title"}}{{template "title" .}}{{if .Inst}} – {{.Inst.Name}}{{end}} – {{.T "site.portal"}}{{end}}
{{define "layout"}}<!DOCTYPE html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="htmx-config" content='{"includeIndicatorStyles":false,"allowEval":false,"allowScriptTags":false,"historyCacheSize":0}'>
<title>{{template "doc-title" .}}</title>
<link rel="stylesheet" href="{{asset "css/app.css"}}">
<script src="{{asset "js/htmx.min.js"}}" defer></script>
{{if .Account}}<script src="{{asset "js/session.js"}}" defer></script>{{end}}
</head>
<body{{if .FitTables}} class="fit-tables"{{end}}>
<a class="skip-link" href="#main">{{.T "site.skip"}}</a>
<header class="site-header">
  <div class="site-header__top">
    <span class="site-header__region">{{if .Inst}}{{.Inst.RegionLabel}}{{end}}</span>
    <ul class="lang-switch" aria-label="{{.T "site.lang"}}">
      <li><a href="/lingua/it?next={{.Path}}" lang="it" hreflang="it"{{if eq .Lang "it"}} aria-current="true"{{end}}>{{.T "site.lang.it"}}</a></li>
      <li><a href="/lingua/en?next={{.Path}}" lang="en" hreflang="en"{{if eq .Lang "en"}} aria-current="true"{{end}}>{{.T "site.lang.en"}}</a></li>
    </ul>
  </div>
  <div class="site-header__main">
    <div class="site-header__brand">
      <span class="site-header__portal">{{.T "site.portal"}}</span>
      <span class="site-header__comune">{{if .Inst}}{{.Inst.Name}}{{else}}{{.T "site.portal"}}{{end}}</span>
    </div>
    {{if .Account}}
    <nav class="site-nav" aria-label="{{.T "site.nav"}}">
      <ul>
        {{if .Account.IsStaff}}<li><a href="/{{.Inst.Code}}/operatori"{{if eq .Nav "staff"}} aria-current="page"{{end}}>{{.T "nav.staff"}}</a></li>
        {{else}}<li><a href="/{{.Inst.Code}}/famiglia"{{if eq .Nav "family"}} aria-current="page"{{end}}>{{.T "nav.family"}}</a></li>
        <li><a href="/{{.Inst.Code}}/pagamenti"{{if eq .Nav "payments"}} aria-current="page"{{end}}>{{.T "nav.payments"}}</a></li>{{end}}
        <li><a href="/{{.Inst.Code}}/profilo"{{if eq .Nav "profile"}} aria-current="page"{{end}}>{{.T "nav.profile"}}</a></li>
        <li><a href="/{{.Inst.Code}}/sessioni"{{if eq .Nav "sessions"}} aria-current="page"{{end}}>{{.T "nav.sessions"}}</a></li>
        {{if .Account.PasswordHash.Valid}}<li><a href="/{{.Inst.Code}}/cambio-password"{{if eq .Nav "password"}} aria-current="page"{{end}}>{{.T "nav.password"}}</a></li>{{end}}
        <li><form method="post" action="/{{.Inst.Code}}/esci"><button type="submit" class="btn-link">{{.T "nav.logout"}}</button></form></li>
      </ul>
    </nav>
    {{end}}
  </div>
</header>
{{/* htmx swaps that cannot reach the server say so here (session.js, register.js); shown at the foot of the screen */}}
<div id="net-status" class="net-status" role="status" data-offline="{{.T "net.offline"}}" data-server="{{.T "net.server"}}"></div>
<main id="main" class="container" tabindex="-1">
{{if .ViewAsName}}<div class="alert alert-info" role="status"><p>{{.T "staff.viewas.banner" .ViewAsName}}</p></div>{{end}}
{{template "content" .}}
</main>
<footer class="site-footer">
  <div class="container">
    {{if .Inst}}<p>{{.T "site.footer.note" .Inst.Name}}</p>
    {{if not .HideFitForm}}
    <form method="post" action="/{{.Inst.Code}}/preferenze" class="fit-form">
      <input type="hidden" name="next" value="{{.Path}}">
      <div class="form-check">
        <input type="checkbox" id="fit-footer" name="fit" value="1"{{if .FitTables}} checked{{end}} aria-describedby="fit-footer-hint">
        <label for="fit-footer">{{.T "fit.label"}}</label>
      </div>
      <p class="form-hint" id="fit-footer-hint">{{.T "fit.hint"}}</p>
      <button type="submit" class="btn btn-secondary">{{.T "fit.apply"}}</button>
    </form>
    {{end}}
    <ul class="footer-links" aria-label="{{.T "site.footer"}}">
      <li><a href="/{{.Inst.Code}}/privacy">{{.T "site.privacy"}}</a></li>
      <li><a href="/{{.Inst.Code}}/accessibilita" data-element="accessibility-link">{{.T "site.accessibility"}}</a></li>
    </ul>{{end}}
  </div>
</footer>
</body>
</html>{{end}}
`

const layoutStubs = `{{define "title"}}{{.T "family.title"}} & <co>{{end}}{{define "content"}}<p>{{.Path}}</p>{{end}}`

func TestLayoutChromeMatchesTemplate(t *testing.T) {
	funcs := template.FuncMap{"asset": func(p string) string { return "/static/" + p + "?v=1" }}
	old := template.Must(template.Must(template.New("").Funcs(funcs).Parse(layoutTemplate)).Parse(layoutStubs))
	current, err := os.ReadFile("../fragments/layout.html")
	if err != nil {
		t.Fatal(err)
	}
	cur := template.Must(template.Must(template.New("").Funcs(funcs).Parse(string(current))).Parse(layoutStubs))
	inst := &db.Installation{Code: "demo", Name: "Comune d'Italia & <co>", RegionLabel: "Regione +Lazio"}
	parent := &db.Account{Role: "parent", PasswordHash: sql.NullString{Valid: true, String: "x"}}
	spid := &db.Account{Role: "parent"}
	staff := &db.Account{Role: "staff", PasswordHash: sql.NullString{Valid: true, String: "x"}}
	odd := "/demo/famiglia/à b?x=1&y=+2%zz%41\"'<>"
	var views []Base
	for _, lang := range []string{"it", "en"} {
		for _, nav := range []string{"family", "payments", "profile", "sessions", "password", "staff", ""} {
			views = append(views,
				Base{Lang: lang, Inst: inst, Account: parent, Nav: nav, Path: "/demo/famiglia"},
				Base{Lang: lang, Inst: inst, Account: staff, Nav: nav, Path: odd, FitTables: true},
			)
		}
		views = append(views,
			Base{Lang: lang, Path: "/"},
			Base{Lang: lang, Inst: inst, Path: odd, HideFitForm: true},
			Base{Lang: lang, Inst: inst, Account: spid, Path: "/demo/profilo", ViewAsName: "Anna D'Angelo <x>"},
			Base{Lang: lang, Inst: inst, Path: "/demo/accesso", FitTables: true},
		)
	}
	for i, v := range views {
		var want, got bytes.Buffer
		if err := old.ExecuteTemplate(&want, "layout", v); err != nil {
			t.Fatal(err)
		}
		if err := cur.ExecuteTemplate(&got, "layout", v); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("view %d (%+v):\n got %s\nwant %s", i, v, got.String(), want.String())
		}
	}
	// where the template stopped with an error (an account without an
	// installation), no link may point to another host ("//famiglia")
	if body := string(Base{Lang: "it", Account: parent, Path: "/"}.LayoutBody()); strings.Contains(body, `"//`) {
		t.Errorf("account without installation: %s", body)
	}
}
