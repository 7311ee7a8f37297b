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

// TestSealingKeys: serve needs both keys, the worker the secret key; each
// missing one is named, and a set one is not.
func TestSealingKeys(t *testing.T) {
	const db, key = "postgres://u@127.0.0.1/x", "0123456789abcdef0123456789abcdef"
	for _, c := range []struct{ secret, totp string }{{"", ""}, {key, ""}, {"", key}, {key, key}} {
		cfg, err := FromEnv(env(map[string]string{"DATABASE_URL": db, "GENITORI_SECRET_KEY": c.secret, "GENITORI_TOTP_KEY": c.totp}))
		if err != nil {
			t.Fatal(err)
		}
		for _, web := range []bool{true, false} {
			msg := ""
			if err := cfg.SealingKeys(web); err != nil {
				msg = err.Error()
			}
			for name, missing := range map[string]bool{"GENITORI_SECRET_KEY": c.secret == "", "GENITORI_TOTP_KEY": web && c.totp == ""} {
				if said := strings.Contains(msg, name+" is not set"); said != missing {
					t.Errorf("secret %q, totp %q, web %v: %q, want %s reported missing: %v", c.secret, c.totp, web, msg, name, missing)
				}
			}
		}
	}
}
