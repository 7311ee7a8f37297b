// Package config reads the portal's settings from environment variables and
// validates them once at start-up, with messages that say what to fix.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"
)

// Config is passed down from main; nothing reads the environment elsewhere.
type Config struct {
	DatabaseURL     string        // DATABASE_URL (required)
	Addr            string        // GENITORI_ADDR, default ":8080"
	CookieSecure    bool          // GENITORI_COOKIE_SECURE, default true
	TrustedProxies  []string      // GENITORI_TRUSTED_PROXIES, comma-separated IPs or CIDRs
	AutoMigrate     bool          // GENITORI_AUTO_MIGRATE, default false
	LogLevel        slog.Level    // GENITORI_LOG_LEVEL: debug, info, warn, error
	SessionIdle     time.Duration // fixed by DESIGN §5: 30 minutes
	SessionAbsolute time.Duration // 12 hours
	ShutdownTimeout time.Duration
	RequestTimeout  time.Duration // GENITORI_REQUEST_TIMEOUT, default 5s
}

// FromEnv builds the configuration from getenv (os.Getenv in production).
func FromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		DatabaseURL:     strings.TrimSpace(getenv("DATABASE_URL")),
		Addr:            ":8080",
		CookieSecure:    true,
		SessionIdle:     30 * time.Minute,
		SessionAbsolute: 12 * time.Hour,
		ShutdownTimeout: 15 * time.Second,
		RequestTimeout:  5 * time.Second,
	}
	var errs []error
	if c.DatabaseURL == "" {
		errs = append(errs, errors.New("DATABASE_URL is not set: give the PostgreSQL URL, e.g. postgres://user@127.0.0.1:5432/genitori?sslmode=disable (make run sets it for you)"))
	} else if !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		errs = append(errs, errors.New("DATABASE_URL must start with postgres:// or postgresql://"))
	}
	if v := getenv("GENITORI_ADDR"); v != "" {
		if _, _, err := net.SplitHostPort(v); err != nil {
			errs = append(errs, fmt.Errorf("GENITORI_ADDR=%q is not host:port (e.g. :8080 or 127.0.0.1:8080): %v", v, err))
		}
		c.Addr = v
	}
	boolVar := func(name string, dst *bool) {
		v := getenv(name)
		if v == "" {
			return
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s=%q must be true or false", name, v))
			return
		}
		*dst = b
	}
	boolVar("GENITORI_COOKIE_SECURE", &c.CookieSecure)
	boolVar("GENITORI_AUTO_MIGRATE", &c.AutoMigrate)
	if v := getenv("GENITORI_TRUSTED_PROXIES"); v != "" {
		for _, p := range strings.Split(v, ",") {
			p = strings.TrimSpace(p)
			if p == "" {
				continue
			}
			if _, err := netip.ParsePrefix(p); err != nil {
				if _, err := netip.ParseAddr(p); err != nil {
					errs = append(errs, fmt.Errorf("GENITORI_TRUSTED_PROXIES: %q is neither an IP address nor a CIDR", p))
					continue
				}
			}
			c.TrustedProxies = append(c.TrustedProxies, p)
		}
	}
	switch strings.ToLower(getenv("GENITORI_LOG_LEVEL")) {
	case "", "info":
		c.LogLevel = slog.LevelInfo
	case "debug":
		c.LogLevel = slog.LevelDebug
	case "warn":
		c.LogLevel = slog.LevelWarn
	case "error":
		c.LogLevel = slog.LevelError
	default:
		errs = append(errs, fmt.Errorf("GENITORI_LOG_LEVEL=%q must be debug, info, warn or error", getenv("GENITORI_LOG_LEVEL")))
	}
	if v := getenv("GENITORI_REQUEST_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Errorf("GENITORI_REQUEST_TIMEOUT=%q must be a positive duration such as 10s", v))
		} else {
			c.RequestTimeout = d
		}
	}
	return c, errors.Join(errs...)
}

// FromOS is FromEnv(os.Getenv).
func FromOS() (Config, error) { return FromEnv(os.Getenv) }
