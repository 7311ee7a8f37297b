package notify

import (
	htmltemplate "html/template"
	texttemplate "text/template"
)

// MealReceipt is the receipt of a meal change (Disdetta pasto), sent to an
// adult who asked for receipts by e-mail. No secret: the receipt code is
// shown on the portal to every guardian of the child anyway.
type MealReceipt struct {
	Comune   string
	Name     string
	Receipt  string
	Accepted string   // "03/12/2026 09:12:03"
	Cutoff   string   // "9:30 di giovedì 3 dicembre"; "" for a late office correction
	Office   bool     // made by the office
	Actor    string   // who made it
	Lines    []string // "giovedì 3 dicembre 2026 – Luca – Pasto disdetto"
	PageURL  string
	Contact  string
}

var bookingTemplates = func() map[string]langTemplates {
	out := map[string]langTemplates{}
	for _, lang := range []string{"it", "en"} {
		out[lang] = langTemplates{
			text: texttemplate.Must(texttemplate.ParseFS(templateFiles, "templates/booking."+lang+".txt")),
			html: htmltemplate.Must(htmltemplate.ParseFS(templateFiles, "templates/booking."+lang+".html")),
		}
	}
	return out
}()

// MealReceiptMail is the e-mail with the receipt of a meal change.
func MealReceiptMail(lang, to string, d MealReceipt) (Mail, error) {
	return renderWith(bookingTemplates, lang, to, "receipt", d)
}

// MealReceiptSMS is not sent (receipts go by e-mail only); it exists for
// the delivery helper's signature.
func MealReceiptSMS(lang, to string, d MealReceipt) (SMS, error) {
	return renderSMSWith(bookingTemplates, lang, to, "receipt_sms", d)
}
