package config

import (
	"fmt"
	"strconv"
	"time"
)

// PagoPA is the process-wide part of the pagoPA settings (docs/pagopa.md);
// each Comune's connection (fiscal code, IBAN, key, base URLs) is in the
// database. Added by the pagoPA portal work: the platform side may bring
// its own flag for the emulator; there is one, this.
type PagoPA struct {
	// Demo (GENITORI_DEMO_PAGOPA, default false; make run sets true) serves
	// the pagoPA emulator inside the portal and points the Comuni whose
	// base URLs are empty at it. Never in production.
	Demo bool
	// ReconcileEvery (GENITORI_PAGOPA_RECONCILE_EVERY, default 5s) is how
	// often the worker looks for positions due for a check with GPD.
	ReconcileEvery time.Duration
}

func (c *Config) pagopa(getenv func(string) string) []error {
	c.PagoPA.ReconcileEvery = 5 * time.Second
	var errs []error
	if v := getenv("GENITORI_DEMO_PAGOPA"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("GENITORI_DEMO_PAGOPA=%q must be true or false", v))
		}
		c.PagoPA.Demo = b
	}
	if v := getenv("GENITORI_PAGOPA_RECONCILE_EVERY"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second {
			errs = append(errs, fmt.Errorf("GENITORI_PAGOPA_RECONCILE_EVERY=%q must be a duration of at least 1s, such as 5s", v))
		} else {
			c.PagoPA.ReconcileEvery = d
		}
	}
	return errs
}
