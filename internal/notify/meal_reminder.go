package notify

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
)

// MealReminder reminds an adult, the evening before the cut-off, that
// children of theirs have no meal booked for a day (explicit booking
// mode). Day and Cutoff are in words already ("martedì 1 dicembre 2026",
// "9:30 di martedì 1 dicembre 2026").
type MealReminder struct {
	Comune    string
	Name      string
	Children  string // "Anna, Marco"
	Many      bool   // more than one child
	Day       string
	Cutoff    string
	BookURL   string // the family home's "Prossimi giorni"
	AlertsURL string // the "Avvisi" page, to stop the reminders
	Office    string
}

var reminderTemplates = func() map[string]langTemplates {
	out := map[string]langTemplates{}
	for _, lang := range []string{"it", "en"} {
		out[lang] = langTemplates{
			text: texttemplate.Must(texttemplate.ParseFS(templateFiles, "templates/meal_reminder."+lang+".txt")),
			html: htmltemplate.Must(htmltemplate.ParseFS(templateFiles, "templates/meal_reminder."+lang+".html")),
		}
	}
	return out
}()

// MealReminderMail is the e-mail of the reminder.
func MealReminderMail(lang, to string, d MealReminder) (Mail, error) {
	return renderWith(reminderTemplates, lang, to, "reminder", d)
}

// MealReminderSMS is the SMS of the reminder.
func MealReminderSMS(lang, to string, d MealReminder) (SMS, error) {
	return renderSMSWith(reminderTemplates, lang, to, "reminder_sms", d)
}

// MealReminderAppIO is the App IO message of the reminder.
func MealReminderAppIO(lang string, d MealReminder) (AppIOMessage, error) {
	t, ok := reminderTemplates[lang]
	if !ok {
		t = reminderTemplates["it"]
	}
	var subj, md bytes.Buffer
	if err := t.text.ExecuteTemplate(&subj, "reminder_subject", d); err != nil {
		return AppIOMessage{}, fmt.Errorf("render io subject: %w", err)
	}
	if err := t.text.ExecuteTemplate(&md, "reminder_io", d); err != nil {
		return AppIOMessage{}, fmt.Errorf("render io markdown: %w", err)
	}
	return AppIOMessage{Subject: strings.TrimSpace(subj.String()), Markdown: strings.TrimSpace(md.String())}, nil
}
