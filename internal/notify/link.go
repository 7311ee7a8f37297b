package notify

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
)

// LinkCode is the one-time code that proves the parent holds a contact the
// Comune's registry has for the adult whose codice fiscale a new profile
// gave. It goes to the registry's contacts only.
type LinkCode struct {
	Comune   string
	Name     string // the adult, as the registry names them
	Username string // the profile that asked to be linked
	Code     string
	Minutes  int // validity
	PageURL  string
	Office   string
}

var linkTemplates = func() map[string]langTemplates {
	out := map[string]langTemplates{}
	for _, lang := range []string{"it", "en"} {
		out[lang] = langTemplates{
			text: texttemplate.Must(texttemplate.ParseFS(templateFiles, "templates/link."+lang+".txt")),
			html: htmltemplate.Must(htmltemplate.ParseFS(templateFiles, "templates/link."+lang+".html")),
		}
	}
	return out
}()

func pickLink(lang string) (langTemplates, string) {
	if t, ok := linkTemplates[lang]; ok {
		return t, lang
	}
	return linkTemplates["it"], "it"
}

// LinkCodeMail is the e-mail with the code.
func LinkCodeMail(lang, to string, d LinkCode) (Mail, error) {
	t, lang := pickLink(lang)
	var subj, text, html bytes.Buffer
	if err := t.text.ExecuteTemplate(&subj, "link_subject", d); err != nil {
		return Mail{}, fmt.Errorf("render subject: %w", err)
	}
	if err := t.text.ExecuteTemplate(&text, "link_text", d); err != nil {
		return Mail{}, fmt.Errorf("render text: %w", err)
	}
	if err := t.html.ExecuteTemplate(&html, "link_html", d); err != nil {
		return Mail{}, fmt.Errorf("render html: %w", err)
	}
	return Mail{To: to, Subject: strings.TrimSpace(subj.String()), Text: text.String(), HTML: html.String(), Language: lang}, nil
}

// LinkCodeSMS is the SMS with the code.
func LinkCodeSMS(lang, to string, d LinkCode) (SMS, error) {
	t, _ := pickLink(lang)
	var b bytes.Buffer
	if err := t.text.ExecuteTemplate(&b, "link_sms", d); err != nil {
		return SMS{}, fmt.Errorf("render sms: %w", err)
	}
	return SMS{To: to, Text: strings.TrimSpace(b.String())}, nil
}
