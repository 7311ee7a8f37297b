package config

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// AppIO configures the App IO channel (alerts and the Comune's messages).
// Each Comune's IO service key is in the database (sealed, staff settings);
// these are the deployment's.
type AppIO struct {
	// BaseURL of the IO services API; with DemoAppIO it is the portal's own
	// emulator (BaseURL + "/_appio/api/v1") unless set explicitly.
	BaseURL string // GENITORI_APPIO_URL, default https://api.io.pagopa.it/api/v1
	// Demo mounts the local App IO emulator at /_appio/ (its API and a page
	// showing what each codice fiscale received). Demo and development
	// only: never in production.
	Demo bool // GENITORI_DEMO_APPIO, default false
}

// Alerts & App IO: GENITORI_APPIO_URL, GENITORI_DEMO_APPIO.
func (c *Config) appio(getenv func(string) string) []error {
	var errs []error
	if v := getenv("GENITORI_DEMO_APPIO"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("GENITORI_DEMO_APPIO=%q must be true or false (true only for the demo: it enables a fake App IO)", v))
		}
		c.AppIO.Demo = b
	}
	c.AppIO.BaseURL = strings.TrimRight(strings.TrimSpace(getenv("GENITORI_APPIO_URL")), "/")
	switch {
	case c.AppIO.BaseURL != "":
		if u, err := url.Parse(c.AppIO.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("GENITORI_APPIO_URL=%q must be an absolute http(s) URL, e.g. https://api.io.pagopa.it/api/v1", c.AppIO.BaseURL))
		}
	case c.AppIO.Demo:
		c.AppIO.BaseURL = c.BaseURL + "/_appio/api/v1"
	default:
		c.AppIO.BaseURL = "https://api.io.pagopa.it/api/v1"
	}
	return errs
}
