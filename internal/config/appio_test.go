package config

import (
	"strings"
	"testing"
)

func TestAppIOSettings(t *testing.T) {
	base := map[string]string{"DATABASE_URL": "postgres://u@127.0.0.1/x", "GENITORI_BASE_URL": "http://localhost:8080"}
	with := func(extra map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	for _, tc := range []struct {
		name string
		env  map[string]string
		demo bool
		url  string
	}{
		{"production default", nil, false, "https://api.io.pagopa.it/api/v1"},
		{"demo: the portal's own emulator", map[string]string{"GENITORI_DEMO_APPIO": "true"}, true, "http://localhost:8080/_appio/api/v1"},
		{"explicit URL wins", map[string]string{"GENITORI_DEMO_APPIO": "true", "GENITORI_APPIO_URL": "https://io.example.it/api/v1/"}, true, "https://io.example.it/api/v1"},
	} {
		c, err := FromEnv(env(with(tc.env)))
		if err != nil || c.AppIO.Demo != tc.demo || c.AppIO.BaseURL != tc.url {
			t.Errorf("%s: %+v, %v; want demo %v, URL %s", tc.name, c.AppIO, err, tc.demo, tc.url)
		}
	}
	_, err := FromEnv(env(with(map[string]string{"GENITORI_DEMO_APPIO": "si", "GENITORI_APPIO_URL": "ftp://x"})))
	for _, want := range []string{"GENITORI_DEMO_APPIO", "GENITORI_APPIO_URL"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %s: %v", want, err)
		}
	}
}
