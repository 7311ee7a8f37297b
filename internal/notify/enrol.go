package notify

import (
	htmltemplate "html/template"
	texttemplate "text/template"
)

// EnrolmentReceipt is the receipt of an enrolment request (Iscrizioni),
// sent by e-mail to the adult who sent it. No secret: the protocol number
// is shown on the portal to the child's guardians anyway.
type EnrolmentReceipt struct {
	Comune    string
	Name      string
	Protocol  string
	Submitted string // "03/12/2026 09:12:03", the database clock
	Window    string // "Mensa 2027/28"
	Child     string
	Late      bool // entered by the office after the deadline
	Documents []string
	PageURL   string
	Contact   string
}

var enrolTemplates = func() map[string]langTemplates {
	out := map[string]langTemplates{}
	for _, lang := range []string{"it", "en"} {
		out[lang] = langTemplates{
			text: texttemplate.Must(texttemplate.ParseFS(templateFiles, "templates/enrol."+lang+".txt")),
			html: htmltemplate.Must(htmltemplate.ParseFS(templateFiles, "templates/enrol."+lang+".html")),
		}
	}
	return out
}()

// EnrolmentReceiptMail is the e-mail with the receipt of a request.
func EnrolmentReceiptMail(lang, to string, d EnrolmentReceipt) (Mail, error) {
	return renderWith(enrolTemplates, lang, to, "enrol", d)
}

// EnrolmentReceiptSMS is not sent (receipts go by e-mail only); it exists
// for the delivery helper's signature.
func EnrolmentReceiptSMS(lang, to string, d EnrolmentReceipt) (SMS, error) {
	return renderSMSWith(enrolTemplates, lang, to, "enrol_sms", d)
}
