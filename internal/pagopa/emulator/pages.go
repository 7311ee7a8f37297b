package emulator

import (
	"bytes"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"portalegenitori/internal/i18n"
)

// Page is what every emulator Page shows.
type Page struct {
	Lang      string
	Title     string
	OwnStyle  string
	OtherLang string // link to the same Page in the other language
	OtherName string
	AdminURL  string
}

type messageView struct {
	Page
	Text string
}

func t(lang, key string, args ...any) string { return i18n.T(lang, key, args...) }

// pageLang: ?lang=, then the form's lang, then Accept-Language.
func pageLang(r *http.Request) string {
	if l := i18n.Normalize(r.URL.Query().Get("lang")); l != "" {
		return l
	}
	if r.Method == http.MethodPost {
		if l := i18n.Normalize(r.PostFormValue("lang")); l != "" {
			return l
		}
	}
	return i18n.FromAcceptLanguage(r.Header.Get("Accept-Language"))
}

func (e *Emulator) newPage(r *http.Request, lang, titleKey string) Page {
	other, name := "en", "English"
	if lang == "en" {
		other, name = "it", "Italiano"
	}
	u := url.URL{Path: r.URL.Path, RawQuery: url.Values{"lang": {other}}.Encode()}
	return Page{Lang: lang, Title: t(lang, titleKey), OwnStyle: e.prefix + "/style.css",
		OtherLang: u.String(), OtherName: name, AdminURL: e.prefix + AdminPath + "?lang=" + lang}
}

var pages = template.Must(template.New("").Funcs(template.FuncMap{"t": t}).Parse(`
{{define "head"}}<!doctype html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} · {{t .Lang "pagopaemu.name"}}</title>
<link rel="stylesheet" href="{{.OwnStyle}}">
</head>
<body>
<header class="emu-banner" role="banner">
<p><strong>{{t .Lang "pagopaemu.name"}}</strong> — {{t .Lang "pagopaemu.banner"}}</p>
<p><a href="{{.OtherLang}}" hreflang="{{if eq .Lang "it"}}en{{else}}it{{end}}" lang="{{if eq .Lang "it"}}en{{else}}it{{end}}">{{.OtherName}}</a></p>
</header>
<main id="contenuto" class="emu-main">
<h1>{{.Title}}</h1>
{{end}}
{{define "foot"}}</main>
</body>
</html>{{end}}

{{define "message"}}{{template "head" .Page}}
<p>{{.Text}}</p>
{{template "foot"}}{{end}}

{{define "pay"}}{{template "head" .Page}}
{{$l := .Lang}}
{{if .Closed}}
<p>{{t $l "pagopaemu.pay.closed"}}</p>
<p><a href="{{.ReturnURL}}">{{t $l "pagopaemu.pay.back"}}</a></p>
{{else}}
<p>{{t $l "pagopaemu.pay.lead"}}</p>
<h2>{{t $l "pagopaemu.pay.cart"}}</h2>
<ul class="emu-cards">{{range .Notices}}<li><dl>
<dt>{{t $l "pagopaemu.col.creditor"}}</dt><dd>{{.Company}}</dd>
<dt>{{t $l "pagopaemu.col.description"}}</dt><dd>{{.Description}}</dd>
<dt>{{t $l "pagopaemu.col.notice"}}</dt><dd>{{.Number}}</dd>
<dt>{{t $l "pagopaemu.col.amount"}}</dt><dd>{{.Amount}}</dd>
</dl></li>{{end}}</ul>
<p class="emu-total">{{t $l "pagopaemu.pay.total"}}: <strong>{{.Total}}</strong></p>
<form method="post" action="{{.ActionURL}}" novalidate>
<input type="hidden" name="lang" value="{{$l}}">
<div class="emu-field">
<label for="carta">{{t $l "pagopaemu.pay.card"}}</label>
<p id="carta-hint" class="emu-hint">{{t $l "pagopaemu.pay.card.hint"}}</p>
{{if .CardError}}<p id="carta-error" class="emu-error">{{.CardError}}</p>{{end}}
<input id="carta" name="carta" value="{{.Card}}" inputmode="numeric" autocomplete="off" aria-describedby="carta-hint{{if .CardError}} carta-error{{end}}"{{if .CardError}} aria-invalid="true"{{end}}>
</div>
<div class="emu-actions">
<button type="submit" name="azione" value="paga">{{t $l "pagopaemu.pay.submit" .Total}}</button>
<button type="submit" name="azione" value="annulla" class="emu-secondary">{{t $l "pagopaemu.pay.cancel"}}</button>
</div>
</form>
{{end}}
{{template "foot"}}{{end}}

{{define "admin"}}{{template "head" .Page}}
{{$l := .Lang}}
<p>{{t $l "pagopaemu.admin.lead"}}</p>
{{if .Notice}}<p class="emu-notice" role="status">{{.Notice}}</p>{{end}}
<form method="post" action="{{.SwitchesURL}}">
<input type="hidden" name="lang" value="{{$l}}">
<fieldset>
<legend>{{t $l "pagopaemu.admin.switches"}}</legend>
<div class="emu-field"><label for="ritardo">{{t $l "pagopaemu.admin.delay"}}</label>
<input id="ritardo" name="ritardo" inputmode="numeric" value="{{.DelayMS}}"></div>
<div class="emu-field"><label for="fallisci">{{t $l "pagopaemu.admin.fail_next"}}</label>
<input id="fallisci" name="fallisci" inputmode="numeric" value="{{.S.FailNext}}"></div>
<div class="emu-field"><label for="ogni">{{t $l "pagopaemu.admin.fail_every"}}</label>
<input id="ogni" name="ogni" inputmode="numeric" value="{{.S.FailEvery}}"></div>
<div class="emu-field"><label for="perdi">{{t $l "pagopaemu.admin.lose_next"}}</label>
<input id="perdi" name="perdi" inputmode="numeric" value="{{.S.LoseNext}}"></div>
<div class="emu-check"><input type="checkbox" id="blocca" name="blocca" value="1"{{if .S.Hang}} checked{{end}}>
<label for="blocca">{{t $l "pagopaemu.admin.hang"}}</label></div>
<div class="emu-check"><input type="checkbox" id="due-volte" name="due-volte" value="1"{{if .S.PayTwice}} checked{{end}}>
<label for="due-volte">{{t $l "pagopaemu.admin.pay_twice"}}</label></div>
<button type="submit">{{t $l "pagopaemu.admin.save"}}</button>
</fieldset>
</form>
<h2>{{t $l "pagopaemu.admin.positions"}}</h2>
{{if .Positions}}
<ul class="emu-cards">{{range .Positions}}<li><dl>
<dt>IUPD</dt><dd>{{.IUPD}}</dd>
<dt>{{t $l "pagopaemu.col.notice"}}</dt><dd>{{.Number}}</dd>
<dt>{{t $l "pagopaemu.col.payer"}}</dt><dd>{{.Payer}}</dd>
<dt>{{t $l "pagopaemu.col.amount"}}</dt><dd>{{.Amount}}</dd>
<dt>{{t $l "pagopaemu.col.status"}}</dt><dd>{{.Status}}</dd>
<dt>{{t $l "pagopaemu.col.attempts"}}</dt><dd>{{.Attempts}}</dd>
</dl>
{{if .Payable}}<div class="emu-actions"><form method="post" action="{{$.PayURL}}" class="emu-inline"><input type="hidden" name="lang" value="{{$l}}"><input type="hidden" name="org" value="{{.Org}}"><input type="hidden" name="nav" value="{{.NAV}}"><button type="submit">{{t $l "pagopaemu.admin.pay"}}<span class="emu-sr"> {{.Number}}</span></button></form>
<form method="post" action="{{$.ExpireURL}}" class="emu-inline"><input type="hidden" name="lang" value="{{$l}}"><input type="hidden" name="org" value="{{.Org}}"><input type="hidden" name="iupd" value="{{.IUPD}}"><button type="submit" class="emu-secondary">{{t $l "pagopaemu.admin.expire"}}<span class="emu-sr"> {{.Number}}</span></button></form></div>{{end}}
</li>{{end}}</ul>
{{else}}<p>{{t $l "pagopaemu.admin.none"}}</p>{{end}}
{{template "foot"}}{{end}}
`))

func (e *Emulator) render(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, data); err != nil {
		e.log.Error("pagopa emulator: render", "page", name, "err", err)
		http.Error(w, "template error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

const css = `html{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;line-height:1.5;color:#1a1a1a;background:#fff;overflow-wrap:break-word;hyphens:auto}
body{margin:0}
h1{font-size:1.75rem;line-height:1.2;margin:.5rem 0 1rem}
h2{font-size:1.375rem;margin:1.5rem 0 .5rem}
a{color:#0b3f8a}
button{position:relative;font:inherit;background:#0b3f8a;color:#fff;border:2px solid #0b3f8a;border-radius:4px;cursor:pointer}
button:focus-visible,input:focus-visible,a:focus-visible,.emu-scroll:focus-visible{outline:3px solid #b35c00;outline-offset:2px}
fieldset{border:1px solid #5c6f82;padding:.5rem 1rem;margin:0;min-width:0}
legend{font-weight:bold;max-width:100%;white-space:normal}
.emu-check{margin:.75rem 0;display:flex;gap:.5rem;align-items:flex-start}
.emu-check input{width:1.5rem;height:1.5rem;flex:none}
.emu-banner{background:#fff3cd;border-bottom:2px solid #8a6d00;padding:.5rem 1rem;color:#1a1a1a}
.emu-banner p{margin:.25rem 0}
.emu-main{max-width:48rem;margin:0 auto;padding:1rem}
.emu-cards{list-style:none;padding:0;margin:0}
.emu-cards>li{border:1px solid #5c6f82;border-radius:4px;padding:.5rem 1rem;margin:0 0 1rem}
.emu-cards dl{margin:0;display:grid;grid-template-columns:minmax(0,auto) minmax(0,1fr);gap:.25rem 1rem}
.emu-cards dt{font-weight:bold}
.emu-cards dd{margin:0;overflow-wrap:break-word}
.emu-total{font-size:1.25rem}
.emu-field{margin:1rem 0}
.emu-field label{display:block;font-weight:bold}
.emu-field input{font:inherit;padding:.5rem;max-width:100%;box-sizing:border-box;width:20rem;border:2px solid #5c6f82;border-radius:4px}
.emu-hint{margin:.25rem 0;color:#33414f}
.emu-error{margin:.25rem 0;color:#a0001c;font-weight:bold}
.emu-actions button,.emu-main button{font-size:1rem;max-width:100%;white-space:normal;padding:.6rem 1rem;margin:.25rem .5rem .25rem 0;min-height:44px}
.emu-secondary{background:#fff;color:#0b3f8a;border:2px solid #0b3f8a}
.emu-inline{display:inline}
.emu-notice{border-left:4px solid #006b3c;padding:.5rem}
.emu-sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
@media (max-width:30rem){.emu-cards dl{grid-template-columns:minmax(0,1fr)}.emu-cards dd{margin-bottom:.5rem}.emu-field input{width:100%}.emu-actions button,.emu-actions form{display:block;width:100%;margin:.5rem 0}}
`

func (e *Emulator) style(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Write([]byte(css))
}

type adminView struct {
	Page
	S                              Switches
	DelayMS                        int64
	Notice                         string
	Positions                      []adminPosition
	SwitchesURL, PayURL, ExpireURL string
}

type adminPosition struct {
	Org, IUPD, NAV, Number, Payer, Amount, Status string
	Attempts                                      int
	Payable                                       bool
}

func (e *Emulator) adminShow(w http.ResponseWriter, r *http.Request) {
	lang := pageLang(r)
	v := adminView{Page: e.newPage(r, lang, "pagopaemu.admin.title"),
		SwitchesURL: e.prefix + AdminPath + "/interruttori", PayURL: e.prefix + AdminPath + "/paga", ExpireURL: e.prefix + AdminPath + "/scadenza"}
	switch r.URL.Query().Get("fatto") {
	case "interruttori":
		v.Notice = t(lang, "pagopaemu.admin.saved")
	case "pagato":
		v.Notice = t(lang, "pagopaemu.admin.paid")
	case "scaduto":
		v.Notice = t(lang, "pagopaemu.admin.expired")
	case "no":
		v.Notice = t(lang, "pagopaemu.admin.not_payable")
	}
	var err error
	if v.S, err = e.GetSwitches(r.Context()); err != nil {
		e.log.Error("pagopa emulator: admin", "err", err)
		e.render(w, http.StatusInternalServerError, "message", messageView{Page: e.newPage(r, lang, "pagopaemu.error.title"), Text: t(lang, "pagopaemu.error")})
		return
	}
	v.DelayMS = v.S.Delay.Milliseconds()
	var rows []position
	if err := e.db.SelectContext(r.Context(), &rows, `SELECT `+positionColumns+` FROM pagopa_emulator_positions
		ORDER BY inserted_at DESC LIMIT 50`); err != nil {
		e.log.Error("pagopa emulator: admin positions", "err", err)
	}
	now := e.now()
	for _, p := range rows {
		var d struct {
			FullName string `json:"fullName"`
		}
		jsonUnmarshal(p.Debtor, &d)
		status := statusV3(p.Status) + " / " + p.InstallmentStatus
		expired := p.SwitchToExpired && p.DueDate.Before(now)
		v.Positions = append(v.Positions, adminPosition{Org: p.Org, IUPD: p.IUPD, NAV: p.NAV, Number: groupDigits(p.NAV), Payer: d.FullName,
			Amount: euro(p.AmountCents), Status: status, Attempts: p.PaymentAttempts, Payable: p.Status == "VALID" && !expired})
	}
	e.render(w, http.StatusOK, "admin", v)
}

func (e *Emulator) adminDone(w http.ResponseWriter, r *http.Request, what string) {
	http.Redirect(w, r, e.prefix+AdminPath+"?lang="+pageLang(r)+"&fatto="+what, http.StatusSeeOther)
}

func (e *Emulator) adminSwitches(w http.ResponseWriter, r *http.Request) {
	num := func(name string) int {
		n, err := strconv.Atoi(r.PostFormValue(name))
		if err != nil || n < 0 {
			return 0
		}
		return n
	}
	s := Switches{Delay: time.Duration(num("ritardo")) * time.Millisecond, FailNext: num("fallisci"), FailEvery: num("ogni"), LoseNext: num("perdi"),
		Hang: r.PostFormValue("blocca") != "", PayTwice: r.PostFormValue("due-volte") != ""}
	if err := e.SetSwitches(r.Context(), s); err != nil {
		e.log.Error("pagopa emulator: admin switches", "err", err)
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	e.adminDone(w, r, "interruttori")
}

func (e *Emulator) adminPay(w http.ResponseWriter, r *http.Request) {
	if _, err := e.Pay(r.Context(), r.PostFormValue("org"), r.PostFormValue("nav")); err != nil {
		e.adminDone(w, r, "no")
		return
	}
	e.adminDone(w, r, "pagato")
}

func (e *Emulator) adminExpire(w http.ResponseWriter, r *http.Request) {
	if err := e.Expire(r.Context(), r.PostFormValue("org"), r.PostFormValue("iupd")); err != nil {
		e.adminDone(w, r, "no")
		return
	}
	e.adminDone(w, r, "scaduto")
}
