package notify

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
)

// Recovery is the data of the "Problemi con l'accesso" messages: a one-time
// link (e-mail) or a temporary password (SMS), never both in one message.
type Recovery struct {
	Comune   string
	Name     string
	Username string
	Password string // SMS: the temporary password made at send time
	LinkURL  string // e-mail: the one-time link
	LoginURL string
	Office   string
	Hours    int // validity
}

// PasswordChanged is the notice sent after a password change (no secret).
type PasswordChanged struct {
	Comune   string
	Name     string
	Username string
	When     string // "02/01/2006 alle 15:04"
	LoginURL string
	Office   string
}

var recoveryTemplates = func() map[string]langTemplates {
	out := map[string]langTemplates{}
	for _, lang := range []string{"it", "en"} {
		out[lang] = langTemplates{
			text: texttemplate.Must(texttemplate.ParseFS(templateFiles, "templates/recovery."+lang+".txt")),
			html: htmltemplate.Must(htmltemplate.ParseFS(templateFiles, "templates/recovery."+lang+".html")),
		}
	}
	return out
}()

func pickRecovery(lang string) (langTemplates, string) {
	if t, ok := recoveryTemplates[lang]; ok {
		return t, lang
	}
	return recoveryTemplates["it"], "it"
}

func renderMail(lang, to, prefix string, d any) (Mail, error) {
	t, lang := pickRecovery(lang)
	var subj, text, html bytes.Buffer
	if err := t.text.ExecuteTemplate(&subj, prefix+"_subject", d); err != nil {
		return Mail{}, fmt.Errorf("render subject: %w", err)
	}
	if err := t.text.ExecuteTemplate(&text, prefix+"_text", d); err != nil {
		return Mail{}, fmt.Errorf("render text: %w", err)
	}
	if err := t.html.ExecuteTemplate(&html, prefix+"_html", d); err != nil {
		return Mail{}, fmt.Errorf("render html: %w", err)
	}
	return Mail{To: to, Subject: strings.TrimSpace(subj.String()), Text: text.String(), HTML: html.String(), Language: lang}, nil
}

func renderSMS(lang, to, name string, d any) (SMS, error) {
	t, _ := pickRecovery(lang)
	var b bytes.Buffer
	if err := t.text.ExecuteTemplate(&b, name, d); err != nil {
		return SMS{}, fmt.Errorf("render sms: %w", err)
	}
	return SMS{To: to, Text: strings.TrimSpace(b.String())}, nil
}

// RecoveryMail is the e-mail with the one-time link.
func RecoveryMail(lang, to string, d Recovery) (Mail, error) {
	return renderMail(lang, to, "recovery", d)
}

// RecoverySMS is the SMS with the temporary password.
func RecoverySMS(lang, to string, d Recovery) (SMS, error) {
	return renderSMS(lang, to, "recovery_sms", d)
}

// PasswordChangedMail is the e-mail notice of a password change.
func PasswordChangedMail(lang, to string, d PasswordChanged) (Mail, error) {
	return renderMail(lang, to, "changed", d)
}

// PasswordChangedSMS is the SMS notice of a password change.
func PasswordChangedSMS(lang, to string, d PasswordChanged) (SMS, error) {
	return renderSMS(lang, to, "changed_sms", d)
}
