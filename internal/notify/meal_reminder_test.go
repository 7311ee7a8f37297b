package notify

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestMealReminderMessages: every rendering names the children, the day,
// the cut-off and the booking link, and the App IO one fits the API.
func TestMealReminderMessages(t *testing.T) {
	for _, lang := range []string{"it", "en"} {
		d := MealReminder{Comune: "Comune di Esempio", Name: "Anna Verdi", Children: "Luca, Sofia", Many: true,
			Day: "giovedì 11 marzo 2027", Cutoff: "9:30 di giovedì 11 marzo 2027",
			BookURL: "https://genitori.example.it/demo/famiglia#meal-days", AlertsURL: "https://genitori.example.it/demo/avvisi", Office: "Ufficio scuola"}
		m, err := MealReminderMail(lang, "anna@example.it", d)
		if err != nil {
			t.Fatal(err)
		}
		s, err := MealReminderSMS(lang, "+393331234567", d)
		if err != nil {
			t.Fatal(err)
		}
		io, err := MealReminderAppIO(lang, d)
		if err != nil {
			t.Fatal(err)
		}
		for name, text := range map[string]string{"mail": m.Text, "html": m.HTML, "sms": s.Text, "io": io.Markdown} {
			for _, want := range []string{d.Children, d.Day, d.Cutoff, d.BookURL} {
				if !strings.Contains(text, want) {
					t.Errorf("%s %s lacks %q:\n%s", lang, name, want, text)
				}
			}
		}
		if n := utf8.RuneCountInString(io.Subject); n < 10 || n > 120 {
			t.Errorf("%s io subject has %d characters: %q", lang, n, io.Subject)
		}
		if n := utf8.RuneCountInString(io.Markdown); n < 80 || n > 10000 {
			t.Errorf("%s io markdown has %d characters", lang, n)
		}
	}
}
