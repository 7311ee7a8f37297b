package i18n

import "testing"

func TestCatalogueComplete(t *testing.T) {
	for k, v := range messages {
		if v[0] == "" {
			t.Errorf("key %q has no Italian text", k)
		}
		if v[1] == "" {
			t.Errorf("key %q has no English text", k)
		}
	}
}

func TestAcceptLanguage(t *testing.T) {
	cases := map[string]string{
		"":                        "it",
		"en-US,en;q=0.9":          "en",
		"it-IT,it;q=0.9,en;q=0.8": "it",
		"de-DE,en;q=0.5,it;q=0.7": "it",
		"fr, en;q=0.3":            "en",
		"zz":                      "it",
		"en;q=garbage, it;q=0.1":  "it",
	}
	for h, want := range cases {
		if got := FromAcceptLanguage(h); got != want {
			t.Errorf("FromAcceptLanguage(%q) = %q, want %q", h, got, want)
		}
	}
}

func TestT(t *testing.T) {
	if got := T("en", "login.error.throttled", 15); got == "login.error.throttled" || got == T("it", "login.error.throttled", 15) {
		t.Fatalf("English throttle message missing: %q", got)
	}
	if got := T("xx", "login.title"); got != "Accesso" {
		t.Fatalf("unknown language must fall back to Italian, got %q", got)
	}
	if got := T("it", "no.such.key"); got != "no.such.key" {
		t.Fatalf("missing key must show itself, got %q", got)
	}
}
