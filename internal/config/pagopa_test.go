package config

import (
	"strings"
	"testing"
)

func TestDemoPagoPA(t *testing.T) {
	base := map[string]string{"DATABASE_URL": "postgres://u@127.0.0.1/x"}
	c, err := FromEnv(env(base))
	if err != nil || c.PagoPA.DemoEmulator {
		t.Fatalf("default: %+v, %v", c.PagoPA, err)
	}
	base["GENITORI_DEMO_PAGOPA"] = "true"
	if c, err = FromEnv(env(base)); err != nil || !c.PagoPA.DemoEmulator {
		t.Fatalf("true: %+v, %v", c.PagoPA, err)
	}
	base["GENITORI_DEMO_PAGOPA"] = "yes please"
	if _, err = FromEnv(env(base)); err == nil || !strings.Contains(err.Error(), "GENITORI_DEMO_PAGOPA") {
		t.Fatalf("bad value: %v", err)
	}
}
