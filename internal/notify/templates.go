package notify

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
)

//go:embed templates/*
var templateFiles embed.FS

// Credentials is the data of the "your sign-in details" messages.
// Password is set only for a password generated at send time.
type Credentials struct {
	Comune   string
	Name     string
	Username string
	Password string
	LoginURL string
	Office   string
}

type langTemplates struct {
	text *texttemplate.Template
	html *htmltemplate.Template
}

var templates = func() map[string]langTemplates {
	out := map[string]langTemplates{}
	for _, lang := range []string{"it", "en"} {
		text := texttemplate.Must(texttemplate.ParseFS(templateFiles,
			"templates/credentials."+lang+".txt", "templates/sms."+lang+".txt"))
		html := htmltemplate.Must(htmltemplate.ParseFS(templateFiles, "templates/credentials."+lang+".html"))
		out[lang] = langTemplates{text: text, html: html}
	}
	return out
}()

func pick(lang string) langTemplates {
	if t, ok := templates[lang]; ok {
		return t
	}
	return templates["it"]
}

// CredentialsMail renders the e-mail in lang (Italian by default).
func CredentialsMail(lang, to string, d Credentials) (Mail, error) {
	t := pick(lang)
	var subj, text, html bytes.Buffer
	if err := t.text.ExecuteTemplate(&subj, "subject", d); err != nil {
		return Mail{}, fmt.Errorf("render subject: %w", err)
	}
	if err := t.text.ExecuteTemplate(&text, "text", d); err != nil {
		return Mail{}, fmt.Errorf("render text: %w", err)
	}
	if err := t.html.ExecuteTemplate(&html, "html", d); err != nil {
		return Mail{}, fmt.Errorf("render html: %w", err)
	}
	if lang != "en" {
		lang = "it"
	}
	return Mail{To: to, Subject: strings.TrimSpace(subj.String()), Text: text.String(), HTML: html.String(), Language: lang}, nil
}

// CredentialsSMS renders the SMS in lang (Italian by default).
func CredentialsSMS(lang, to string, d Credentials) (SMS, error) {
	var b bytes.Buffer
	if err := pick(lang).text.ExecuteTemplate(&b, "sms", d); err != nil {
		return SMS{}, fmt.Errorf("render sms: %w", err)
	}
	return SMS{To: to, Text: strings.TrimSpace(b.String())}, nil
}
