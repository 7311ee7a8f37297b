package notify

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
)

// ContactProof is the message that proves a new e-mail (a one-time link) or
// mobile (a code); ContactNotice tells the old contact of the change.
type ContactProof struct {
	Comune   string
	Name     string
	Username string
	LinkURL  string // e-mail
	Code     string // SMS
	Minutes  int    // validity
	Office   string
}

// ContactNotice is sent to the contact that was replaced (no secret).
type ContactNotice struct {
	Comune   string
	Name     string
	Username string
	Email    bool   // the e-mail changed (else the mobile)
	NewValue string // masked
	When     string
	LoginURL string
	Office   string
}

var contactTemplates = func() map[string]langTemplates {
	out := map[string]langTemplates{}
	for _, lang := range []string{"it", "en"} {
		out[lang] = langTemplates{
			text: texttemplate.Must(texttemplate.ParseFS(templateFiles, "templates/contact."+lang+".txt")),
			html: htmltemplate.Must(htmltemplate.ParseFS(templateFiles, "templates/contact."+lang+".html")),
		}
	}
	return out
}()

func renderWith(set map[string]langTemplates, lang, to, prefix string, d any) (Mail, error) {
	t, ok := set[lang]
	if !ok {
		t, lang = set["it"], "it"
	}
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

func renderSMSWith(set map[string]langTemplates, lang, to, name string, d any) (SMS, error) {
	t, ok := set[lang]
	if !ok {
		t = set["it"]
	}
	var b bytes.Buffer
	if err := t.text.ExecuteTemplate(&b, name, d); err != nil {
		return SMS{}, fmt.Errorf("render sms: %w", err)
	}
	return SMS{To: to, Text: strings.TrimSpace(b.String())}, nil
}

// ContactProofMail is the e-mail with the link that confirms a new address.
func ContactProofMail(lang, to string, d ContactProof) (Mail, error) {
	return renderWith(contactTemplates, lang, to, "proof", d)
}

// ContactProofSMS is the SMS with the code that confirms a new mobile.
func ContactProofSMS(lang, to string, d ContactProof) (SMS, error) {
	return renderSMSWith(contactTemplates, lang, to, "proof_sms", d)
}

// ContactNoticeMail tells the old address of a change.
func ContactNoticeMail(lang, to string, d ContactNotice) (Mail, error) {
	return renderWith(contactTemplates, lang, to, "notice", d)
}

// ContactNoticeSMS tells the old mobile of a change.
func ContactNoticeSMS(lang, to string, d ContactNotice) (SMS, error) {
	return renderSMSWith(contactTemplates, lang, to, "notice_sms", d)
}
