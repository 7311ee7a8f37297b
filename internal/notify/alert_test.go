package notify

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestAlertMessages: every rendering says the balance, the threshold and
// the top-up link, and the App IO one fits the API's limits.
func TestAlertMessages(t *testing.T) {
	for _, lang := range []string{"it", "en"} {
		for _, debt := range []bool{false, true} {
			d := Alert{Comune: "Comune di Esempio", Name: "Anna Verdi", Debt: debt, Balance: "4,50 €", Threshold: "10,00 €",
				TopUpURL: "https://genitori.example.it/demo/pagamenti", AlertsURL: "https://genitori.example.it/demo/avvisi", Office: "Ufficio scuola"}
			m, err := AlertMail(lang, "anna@example.it", d)
			if err != nil {
				t.Fatal(err)
			}
			s, err := AlertSMS(lang, "+393331234567", d)
			if err != nil {
				t.Fatal(err)
			}
			io, err := AlertAppIO(lang, d)
			if err != nil {
				t.Fatal(err)
			}
			for name, text := range map[string]string{"mail": m.Text, "html": m.HTML, "sms": s.Text, "io": io.Markdown} {
				if !strings.Contains(text, d.Balance) || !strings.Contains(text, d.TopUpURL) || (!debt && !strings.Contains(text, d.Threshold)) {
					t.Errorf("%s %s debt=%v lacks balance, threshold or link:\n%s", lang, name, debt, text)
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
}
