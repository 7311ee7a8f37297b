package notify

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
	"unicode/utf8"
)

// Broadcast is a message from the Comune to families: the text the office
// wrote, and the portal page where it stays ("Messaggi").
type Broadcast struct {
	Comune    string
	Title     string
	Body      string
	Link      string // optional, http(s)
	PortalURL string // the message in the portal
	Office    string
}

var broadcastTemplates = func() map[string]langTemplates {
	out := map[string]langTemplates{}
	for _, lang := range []string{"it", "en"} {
		out[lang] = langTemplates{
			text: texttemplate.Must(texttemplate.ParseFS(templateFiles, "templates/broadcast."+lang+".txt")),
			html: htmltemplate.Must(htmltemplate.ParseFS(templateFiles, "templates/broadcast."+lang+".html")),
		}
	}
	return out
}()

// BroadcastMail is the e-mail of a message from the Comune.
func BroadcastMail(lang, to string, d Broadcast) (Mail, error) {
	return renderWith(broadcastTemplates, lang, to, "broadcast", d)
}

// BroadcastSMS is the SMS of a message from the Comune: the title and the
// portal link (the text can be long).
func BroadcastSMS(lang, to string, d Broadcast) (SMS, error) {
	return renderSMSWith(broadcastTemplates, lang, to, "broadcast_sms", d)
}

// BroadcastAppIO is the App IO message of a message from the Comune. IO
// wants a subject of 10 to 120 characters: a short title gets the Comune's
// name before it.
func BroadcastAppIO(lang string, d Broadcast) (AppIOMessage, error) {
	t, ok := broadcastTemplates[lang]
	if !ok {
		t = broadcastTemplates["it"]
	}
	var md bytes.Buffer
	if err := t.text.ExecuteTemplate(&md, "broadcast_io", d); err != nil {
		return AppIOMessage{}, fmt.Errorf("render io markdown: %w", err)
	}
	subject := d.Title
	if utf8.RuneCountInString(subject) < 10 {
		subject = d.Comune + " – " + subject
	}
	if r := []rune(subject); len(r) > 120 {
		subject = string(r[:119]) + "…"
	}
	return AppIOMessage{Subject: subject, Markdown: strings.TrimSpace(md.String())}, nil
}
