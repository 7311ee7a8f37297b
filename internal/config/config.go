// Package config reads the portal's settings from environment variables and
// validates them once at start-up, with messages that say what to fix.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
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
	SessionIdle     time.Duration // fixed (docs/architecture.md#sessions): 30 minutes
	SessionAbsolute time.Duration // 12 hours
	ShutdownTimeout time.Duration
	RequestTimeout  time.Duration // GENITORI_REQUEST_TIMEOUT, default 5s
	// InstallationCacheTTL bounds how long a change of a Comune's settings
	// takes to reach every app server (fixed: 5s; tests set 0).
	InstallationCacheTTL time.Duration

	// Delivery of e-mail and SMS (docs/architecture.md#delivery); defaults suit `make run`.
	BaseURL      string // GENITORI_BASE_URL, public URL for links in messages, default http://localhost:8080
	SMTPHost     string // GENITORI_SMTP_HOST, default 127.0.0.1 (the local mail catcher)
	SMTPPort     int    // GENITORI_SMTP_PORT, default 1025
	SMTPUser     string // GENITORI_SMTP_USER, empty: no authentication
	SMTPPassword string // GENITORI_SMTP_PASSWORD
	SMTPFrom     string // GENITORI_SMTP_FROM, default "Portale Genitori <noreply@localhost>"
	SMTPTLS      string // GENITORI_SMTP_TLS: none, starttls, tls; default none
	SMSAdapter   string // GENITORI_SMS_ADAPTER: log (development) or http; default log
	SMSURL       string // GENITORI_SMS_URL, gateway endpoint (adapter http)
	SMSToken     string // GENITORI_SMS_TOKEN, bearer token of the gateway
	SMSSender    string // GENITORI_SMS_SENDER, sender name or number, default "Comune"
	Worker       bool   // GENITORI_WORKER, run the delivery worker inside serve, default true
	SecretKey    string // GENITORI_SECRET_KEY, HMAC key of the captcha and key of the sealed secrets; serve and worker need it (SealingKeys)
	TOTPKey      string // GENITORI_TOTP_KEY, seals the staff's second-factor secrets (≥ 32 characters); serve needs it (SealingKeys)

	// GENITORI_JOB_RESCUE_AFTER: a delivery job left running by a killed
	// process is retried after this long; default 5 minutes (keep it above
	// the 1-minute job timeout; the fault tests shorten it)
	JobRescueAfter time.Duration

	CNS  CNS  // GENITORI_CNS_*: CNS/CRS smart-card sign-in (cns.go)
	SAML SAML // GENITORI_SAML_KEY_DIR, GENITORI_SPID_IDP_DIR, GENITORI_DEMO_IDP: SPID/CIE/CST sign-in (saml.go)
	// pagoPA (issue 16): GENITORI_DEMO_PAGOPA, the demo emulator (pagopa.go)
	PagoPA PagoPA

	// Alerts and App IO (appio.go)
	AppIO AppIO // GENITORI_APPIO_URL, GENITORI_DEMO_APPIO

	// Read replica (replica.go): DATABASE_REPLICA_URL, GENITORI_REPLICA_MAX_LAG
	Replica Replica
}

// SealingKeys tells why serve (web true) or worker must not start: a key
// that seals secrets at rest is not set, and without it they would be kept
// in clear (the seal package's "v0:"). The worker seals with
// GENITORI_SECRET_KEY only; the web server with both. Other commands
// (migrate, seed, bench) need neither.
func (c Config) SealingKeys(web bool) error {
	var errs []error
	if c.SecretKey == "" {
		errs = append(errs, errors.New("GENITORI_SECRET_KEY is not set: it seals the medical certificates of special diets, "+
			"the secrets delivery jobs keep between attempts and each Comune's pagoPA and App IO keys, which would otherwise be stored in clear. "+
			"Set it to at least 32 random characters (e.g. openssl rand -hex 32), the same on every server and worker, and keep it"))
	}
	if web && c.TOTPKey == "" {
		errs = append(errs, errors.New("GENITORI_TOTP_KEY is not set: it seals the staff's second-factor secrets, which would otherwise be stored in clear. "+
			"Set it to at least 32 random characters (e.g. openssl rand -hex 32), the same on every app server, and keep it"))
	}
	return errors.Join(errs...)
}

// FromEnv builds the configuration from getenv (os.Getenv in production).
func FromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		DatabaseURL:          strings.TrimSpace(getenv("DATABASE_URL")),
		Addr:                 ":8080",
		CookieSecure:         true,
		SessionIdle:          30 * time.Minute,
		SessionAbsolute:      12 * time.Hour,
		ShutdownTimeout:      15 * time.Second,
		RequestTimeout:       5 * time.Second,
		InstallationCacheTTL: 5 * time.Second,
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
	errs = append(errs, c.delivery(getenv, boolVar)...)
	errs = append(errs, c.cns(getenv)...)
	errs = append(errs, c.saml(getenv)...)
	errs = append(errs, c.pagopa(getenv)...) // pagoPA
	errs = append(errs, c.appio(getenv)...)  // alerts & App IO

	errs = append(errs, c.replica(getenv)...) // read replica (replica.go)
	if c.TOTPKey = getenv("GENITORI_TOTP_KEY"); c.TOTPKey != "" && len(c.TOTPKey) < 32 {
		errs = append(errs, errors.New("GENITORI_TOTP_KEY must be at least 32 characters (e.g. openssl rand -hex 32); keep it: the staff's second-factor secrets are sealed with it"))
	}
	return c, errors.Join(errs...)
}

// delivery reads and checks the e-mail and SMS settings.
func (c *Config) delivery(getenv func(string) string, boolVar func(string, *bool)) []error {
	var errs []error
	str := func(name, def string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return def
	}
	c.BaseURL = strings.TrimRight(str("GENITORI_BASE_URL", "http://localhost:8080"), "/")
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("GENITORI_BASE_URL=%q must be an absolute http(s) URL, e.g. https://genitori.comune.it", c.BaseURL))
	}
	c.SMTPHost = str("GENITORI_SMTP_HOST", "127.0.0.1")
	c.SMTPPort = 1025
	if v := getenv("GENITORI_SMTP_PORT"); v != "" {
		p, err := strconv.Atoi(v)
		if err != nil || p < 1 || p > 65535 {
			errs = append(errs, fmt.Errorf("GENITORI_SMTP_PORT=%q must be a port number (25, 465, 587, 1025...)", v))
		} else {
			c.SMTPPort = p
		}
	}
	c.SMTPUser = getenv("GENITORI_SMTP_USER")
	c.SMTPPassword = getenv("GENITORI_SMTP_PASSWORD")
	if c.SMTPUser != "" && c.SMTPPassword == "" {
		errs = append(errs, errors.New("GENITORI_SMTP_USER is set but GENITORI_SMTP_PASSWORD is empty"))
	}
	c.SMTPFrom = str("GENITORI_SMTP_FROM", "Portale Genitori <noreply@localhost>")
	if _, err := mail.ParseAddress(c.SMTPFrom); err != nil {
		errs = append(errs, fmt.Errorf("GENITORI_SMTP_FROM=%q is not an e-mail address (e.g. Portale Genitori <noreply@comune.it>)", c.SMTPFrom))
	}
	c.SMTPTLS = strings.ToLower(str("GENITORI_SMTP_TLS", "none"))
	switch c.SMTPTLS {
	case "none", "starttls", "tls":
	default:
		errs = append(errs, fmt.Errorf("GENITORI_SMTP_TLS=%q must be none, starttls or tls", c.SMTPTLS))
	}
	c.SMSAdapter = strings.ToLower(str("GENITORI_SMS_ADAPTER", "log"))
	c.SMSURL = getenv("GENITORI_SMS_URL")
	c.SMSToken = getenv("GENITORI_SMS_TOKEN")
	c.SMSSender = str("GENITORI_SMS_SENDER", "Comune")
	switch c.SMSAdapter {
	case "log":
	case "http":
		if u, err := url.Parse(c.SMSURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("GENITORI_SMS_URL=%q must be the gateway's http(s) URL when GENITORI_SMS_ADAPTER=http", c.SMSURL))
		}
	default:
		errs = append(errs, fmt.Errorf("GENITORI_SMS_ADAPTER=%q must be log (development) or http", c.SMSAdapter))
	}
	c.Worker = true
	boolVar("GENITORI_WORKER", &c.Worker)
	c.JobRescueAfter = 5 * time.Minute
	if v := getenv("GENITORI_JOB_RESCUE_AFTER"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Errorf("GENITORI_JOB_RESCUE_AFTER=%q must be a positive duration such as 5m", v))
		} else {
			c.JobRescueAfter = d
		}
	}
	c.SecretKey = getenv("GENITORI_SECRET_KEY")
	if c.SecretKey != "" && len(c.SecretKey) < 32 {
		errs = append(errs, errors.New("GENITORI_SECRET_KEY must be at least 32 characters (e.g. openssl rand -hex 32)"))
	}
	return errs
}

// FromOS is FromEnv(os.Getenv).
func FromOS() (Config, error) { return FromEnv(os.Getenv) }
