package i18n

import (
	"fmt"
	"testing"
)

// TestTOneStringMatchesSprintf holds T's shortcut for one string argument
// to fmt.Sprintf, for every text of the catalogue in both languages (those
// with other verbs, %%, or no verb at all included) and hostile arguments.
func TestTOneStringMatchesSprintf(t *testing.T) {
	msgs := map[string]string{"one": "giorno %s", "start": "%s dopo", "two": "%s e %s", "percent": "100%% di %s",
		"number": "%d pasti", "none": "niente", "end": "costo %", "quoted": "nome %q", "width": "%5s|"}
	for lang, texts := range catalogue {
		for k, v := range texts {
			msgs[lang+":"+k] = v
		}
	}
	for name, msg := range msgs {
		catalogue["it"]["test.fast"] = msg
		for _, a := range []string{"", "x", "%s", "100%", `<b>"&'+</b>`, "Zoë – %d"} {
			want := fmt.Sprintf(msg, a)
			if got := T("it", "test.fast", a); got != want {
				t.Errorf("%s (%q) with %q: got %q, want %q", name, msg, a, got, want)
			}
		}
	}
	delete(catalogue["it"], "test.fast")
}
