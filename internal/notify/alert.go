package notify

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
)

// Alert is a balance alert an adult asked for: the balance went below the
// threshold they chose (Debt: below zero). Amounts are formatted already.
type Alert struct {
	Comune    string
	Name      string
	Debt      bool
	Balance   string
	Threshold string
	TopUpURL  string // the payments page
	AlertsURL string // the "Avvisi" page, to change or stop the alerts
	Office    string
}

var alertTemplates = func() map[string]langTemplates {
	out := map[string]langTemplates{}
	for _, lang := range []string{"it", "en"} {
		out[lang] = langTemplates{
			text: texttemplate.Must(texttemplate.ParseFS(templateFiles, "templates/alert."+lang+".txt")),
			html: htmltemplate.Must(htmltemplate.ParseFS(templateFiles, "templates/alert."+lang+".html")),
		}
	}
	return out
}()

// AlertMail is the e-mail of a balance alert.
func AlertMail(lang, to string, d Alert) (Mail, error) {
	return renderWith(alertTemplates, lang, to, "alert", d)
}

// AlertSMS is the SMS of a balance alert.
func AlertSMS(lang, to string, d Alert) (SMS, error) {
	return renderSMSWith(alertTemplates, lang, to, "alert_sms", d)
}

// AppIOMessage is a message for App IO: a subject (10–120 characters) and
// a Markdown body (80–10000).
type AppIOMessage struct {
	Subject  string
	Markdown string
}

// AlertAppIO is the App IO message of a balance alert.
func AlertAppIO(lang string, d Alert) (AppIOMessage, error) {
	t, ok := alertTemplates[lang]
	if !ok {
		t = alertTemplates["it"]
	}
	var subj, md bytes.Buffer
	if err := t.text.ExecuteTemplate(&subj, "alert_subject", d); err != nil {
		return AppIOMessage{}, fmt.Errorf("render io subject: %w", err)
	}
	if err := t.text.ExecuteTemplate(&md, "alert_io", d); err != nil {
		return AppIOMessage{}, fmt.Errorf("render io markdown: %w", err)
	}
	return AppIOMessage{Subject: strings.TrimSpace(subj.String()), Markdown: strings.TrimSpace(md.String())}, nil
}
