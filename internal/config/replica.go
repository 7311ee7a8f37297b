package config

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Replica: a PostgreSQL streaming standby for the parents' pages (docs/replicas.md).
type Replica struct {
	// URL of the standby, DATABASE_REPLICA_URL; empty: every read on DATABASE_URL.
	URL string
	// MaxLag, GENITORI_REPLICA_MAX_LAG (default 2s): reads go to the primary
	// while the standby is further behind.
	MaxLag time.Duration
}

func (c *Config) replica(getenv func(string) string) []error {
	var errs []error
	c.Replica.URL = strings.TrimSpace(getenv("DATABASE_REPLICA_URL"))
	if u := c.Replica.URL; u != "" && !strings.HasPrefix(u, "postgres://") && !strings.HasPrefix(u, "postgresql://") {
		errs = append(errs, errors.New("DATABASE_REPLICA_URL must start with postgres:// or postgresql:// (the standby, e.g. made by .ci/pg standby)"))
	}
	if u := c.Replica.URL; u != "" && u == c.DatabaseURL {
		errs = append(errs, errors.New("DATABASE_REPLICA_URL is the same as DATABASE_URL: give the standby's URL, or leave it empty"))
	}
	c.Replica.MaxLag = 2 * time.Second
	if v := getenv("GENITORI_REPLICA_MAX_LAG"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Errorf("GENITORI_REPLICA_MAX_LAG=%q must be a positive duration such as 2s", v))
		} else {
			c.Replica.MaxLag = d
		}
	}
	return errs
}
