package spidtest

import (
	"bytes"
	"html/template"
	"net/http"
	"strings"
	"time"

	"portalegenitori/internal/identity/saml"
)

// User is an identity the demo IdP offers.
type User struct {
	Label                        string // shown in the list
	Name, FamilyName, FiscalCode string
	Email, Mobile, DateOfBirth   string
}

// SPInfo is what the IdP must know of a service provider (from its metadata).
type SPInfo struct {
	ACSURL, SLOURL string
	Attributes     []string
}

// Server is the demo IdP's web interface: a page that lists the test
// identities (with "Annulla", which answers ErrorCode nr25), the signed
// Response posted back to the portal, and single logout.
type Server struct {
	IdP     *IdP
	Users   []User
	Resolve func(spEntityID string) (SPInfo, bool)
	// Assets of the portal, so the pages look like it and pass its CSP.
	StyleURL, ScriptURL string
}

// ServeHTTP answers POST {base}/sso, {base}/sso/login and {base}/slo, where
// base is the path of the IdP's entityID.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	switch {
	case strings.HasSuffix(r.URL.Path, "/sso"):
		s.ssoPage(w, r)
	case strings.HasSuffix(r.URL.Path, "/sso/login"):
		s.ssoAnswer(w, r)
	case strings.HasSuffix(r.URL.Path, "/slo"):
		s.slo(w, r)
	default:
		http.NotFound(w, r)
	}
}

var pages = template.Must(template.New("idp").Parse(`
{{define "head"}}<!DOCTYPE html>
<html lang="it"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} – {{.IdPName}}</title>{{if .StyleURL}}<link rel="stylesheet" href="{{.StyleURL}}">{{end}}</head>
<body><header class="site-header"><div class="site-header__main"><div class="site-header__brand"><span class="site-header__comune">{{.IdPName}}</span></div></div></header>
<main id="main" class="container"><div class="login-box">{{end}}
{{define "foot"}}</div></main>{{if .ScriptURL}}<script src="{{.ScriptURL}}" defer></script>{{end}}</body></html>{{end}}
{{define "login"}}{{template "head" .}}
<h1>{{.Title}}</h1>
<div class="alert alert-info"><p>Questo è un gestore di identità <strong>di prova</strong>, attivo solo nell'installazione dimostrativa: nessuna password, nessun dato reale.</p></div>
<p>Servizio che chiede l'accesso: {{.SP}}. Livello richiesto: {{.Level}}.</p>
<form method="post" action="{{.Action}}">
<input type="hidden" name="SAMLRequest" value="{{.SAMLRequest}}"><input type="hidden" name="RelayState" value="{{.RelayState}}">
<fieldset class="form-group"><legend>Scegli l'identità con cui entrare</legend>
{{range $i, $u := .Users}}<div class="form-check"><input type="radio" id="user-{{$i}}" name="user" value="{{$i}}"{{if eq $i 0}} checked{{end}}><label for="user-{{$i}}">{{$u.Label}}</label></div>
{{end}}</fieldset>
<div class="form-actions"><button type="submit" name="action" value="login" class="btn btn-primary btn-block">Entra</button>
<button type="submit" name="action" value="cancel" class="btn btn-secondary btn-block">Annulla e torna al servizio</button></div>
</form>
{{template "foot" .}}{{end}}
{{define "post"}}{{template "head" .}}
<h1>{{.Title}}</h1>
<form method="post" action="{{.Action}}" data-saml-autosubmit>
<input type="hidden" name="{{.Field}}" value="{{.Message}}">{{if .RelayState}}<input type="hidden" name="RelayState" value="{{.RelayState}}">{{end}}
<p>Se la pagina non prosegue da sola, premi il pulsante.</p>
<button type="submit" class="btn btn-primary btn-block">Continua</button>
</form>
{{template "foot" .}}{{end}}
`))

type pageData struct {
	Title, IdPName, StyleURL, ScriptURL string
	SP, Level, Action                   string
	SAMLRequest, RelayState             string
	Users                               []User
	Field, Message                      string
}

func (s *Server) render(w http.ResponseWriter, status int, name string, d pageData) {
	d.IdPName, d.StyleURL, d.ScriptURL = s.IdP.Name, s.StyleURL, s.ScriptURL
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, d); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func (s *Server) ssoPage(w http.ResponseWriter, r *http.Request) {
	req, err := ParseAuthnRequest(r.PostForm.Get("SAMLRequest"))
	if err != nil || !req.Signed {
		http.Error(w, "AuthnRequest non valida o non firmata", http.StatusBadRequest)
		return
	}
	if _, ok := s.Resolve(strings.TrimSpace(req.Issuer)); !ok {
		http.Error(w, "service provider sconosciuto", http.StatusBadRequest)
		return
	}
	level := req.Level
	if level == "" {
		level = "non indicato"
	}
	s.render(w, http.StatusOK, "login", pageData{Title: "Accedi con l'identità di prova", SP: strings.TrimSpace(req.Issuer), Level: level,
		Action: strings.TrimSuffix(r.URL.Path, "/") + "/login", SAMLRequest: r.PostForm.Get("SAMLRequest"),
		RelayState: r.PostForm.Get("RelayState"), Users: s.Users})
}

func (s *Server) ssoAnswer(w http.ResponseWriter, r *http.Request) {
	req, err := ParseAuthnRequest(r.PostForm.Get("SAMLRequest"))
	if err != nil {
		http.Error(w, "AuthnRequest non valida", http.StatusBadRequest)
		return
	}
	sp, ok := s.Resolve(strings.TrimSpace(req.Issuer))
	if !ok {
		http.Error(w, "service provider sconosciuto", http.StatusBadRequest)
		return
	}
	issued, _ := time.Parse(time.RFC3339, req.IssueInstant)
	resp := Response{RequestID: req.ID, RequestIssued: issued, ACSURL: sp.ACSURL, Audience: strings.TrimSpace(req.Issuer), Level: req.Level}
	if resp.Level == "" {
		resp.Level = saml.SpidL2
	}
	if r.PostForm.Get("action") == "cancel" {
		resp.StatusCode = "urn:oasis:names:tc:SAML:2.0:status:Responder"
		resp.SubStatus = "urn:oasis:names:tc:SAML:2.0:status:AuthnFailed"
		resp.StatusMessage = "ErrorCode nr25"
	} else {
		idx := 0
		for i := range s.Users {
			if r.PostForm.Get("user") == string(rune('0'+i)) {
				idx = i
			}
		}
		if len(s.Users) == 0 {
			http.Error(w, "nessuna identità configurata", http.StatusInternalServerError)
			return
		}
		u := s.Users[idx]
		vals := map[string]string{"fiscalNumber": "TINIT-" + u.FiscalCode, "name": u.Name, "familyName": u.FamilyName,
			"email": u.Email, "mobilePhone": u.Mobile, "dateOfBirth": u.DateOfBirth}
		for _, a := range sp.Attributes {
			resp.Attributes = append(resp.Attributes, [2]string{a, vals[a]})
		}
	}
	xml, err := s.IdP.Build(resp)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	s.render(w, http.StatusOK, "post", pageData{Title: "Ritorno al servizio", Action: sp.ACSURL, Field: "SAMLResponse",
		Message: saml.Encode(xml), RelayState: r.PostForm.Get("RelayState")})
}

// slo answers an SP-initiated LogoutRequest with a signed LogoutResponse.
func (s *Server) slo(w http.ResponseWriter, r *http.Request) {
	raw, err := saml.Decode(r.PostForm.Get("SAMLRequest"))
	if err != nil {
		http.Error(w, "LogoutRequest non valida", http.StatusBadRequest)
		return
	}
	root, err := saml.ParseXML(raw)
	if err != nil || root.Tag != "LogoutRequest" {
		http.Error(w, "LogoutRequest non valida", http.StatusBadRequest)
		return
	}
	issuer := ""
	if is := root.FindElement("./Issuer"); is != nil {
		issuer = strings.TrimSpace(is.Text())
	}
	sp, ok := s.Resolve(issuer)
	if !ok {
		http.Error(w, "service provider sconosciuto", http.StatusBadRequest)
		return
	}
	xml, err := s.IdP.LogoutResponse(root.SelectAttrValue("ID", ""), sp.SLOURL)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	s.render(w, http.StatusOK, "post", pageData{Title: "Uscita dal servizio", Action: sp.SLOURL, Field: "SAMLResponse",
		Message: saml.Encode(xml), RelayState: r.PostForm.Get("RelayState")})
}
