package config

import (
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestFromEnv(t *testing.T) {
	c, err := FromEnv(env(map[string]string{"DATABASE_URL": "postgres://u@127.0.0.1/x"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":8080" || !c.CookieSecure || c.SessionIdle.Minutes() != 30 || c.SessionAbsolute.Hours() != 12 {
		t.Fatalf("unexpected defaults: %+v", c)
	}
	_, err = FromEnv(env(map[string]string{
		"GENITORI_ADDR": "8080", "GENITORI_COOKIE_SECURE": "maybe", "GENITORI_TRUSTED_PROXIES": "10.0.0.1,nonsense",
		"GENITORI_LOG_LEVEL": "loud",
	}))
	if err == nil {
		t.Fatal("bad configuration accepted")
	}
	for _, want := range []string{"DATABASE_URL is not set", "GENITORI_ADDR", "GENITORI_COOKIE_SECURE", "nonsense", "GENITORI_LOG_LEVEL"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %q: %v", want, err)
		}
	}
}
