package config

import (
	"fmt"
	"strconv"
	"time"
)

// PagoPA configures the deployment side of pagoPA (issue 16). The
// Comune's own settings (fiscal code, segregation code, IBAN, subscription
// key, base URLs) are per installation, in the database.
type PagoPA struct {
	// DemoEmulator serves the built-in pagoPA emulator (GPD, Checkout and a
	// fake payment page) at /_demo-pagopa/. Demo and development only:
	// never in production.
	DemoEmulator bool // GENITORI_DEMO_PAGOPA, default false
	// ReconcileEvery (GENITORI_PAGOPA_RECONCILE_EVERY, default 5s) is how
	// often the worker looks for positions due for a check with GPD
	// (added by the portal side, package billing).
	ReconcileEvery time.Duration
}

func (c *Config) pagopa(getenv func(string) string) []error {
	var errs []error
	c.PagoPA.ReconcileEvery = 5 * time.Second
	if v := getenv("GENITORI_PAGOPA_RECONCILE_EVERY"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second {
			errs = append(errs, fmt.Errorf("GENITORI_PAGOPA_RECONCILE_EVERY=%q must be a duration of at least 1s, such as 5s", v))
		} else {
			c.PagoPA.ReconcileEvery = d
		}
	}
	if v := getenv("GENITORI_DEMO_PAGOPA"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("GENITORI_DEMO_PAGOPA=%q must be true or false (true only for the demo: it enables a fake pagoPA where nothing is really paid)", v))
		}
		c.PagoPA.DemoEmulator = b
	}
	return errs
}
