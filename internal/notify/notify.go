// Package notify sends e-mail over SMTP and SMS through an HTTP gateway (or
// to a development log), and renders the messages in Italian and English.
// It speaks neither HTTP routes nor SQL: the delivery jobs call it.
package notify

import (
	"context"
	"fmt"
	netmail "net/mail"
	"strings"
	"time"

	"github.com/wneessen/go-mail"
)

// Mail is one e-mail to send.
type Mail struct {
	To       string
	Subject  string
	Text     string // plain-text body
	HTML     string // HTML alternative, may be empty
	Language string
	// ID, when set, makes the Message-ID <ID@domain of the sender>: the
	// same on every attempt to send this message, so that a copy sent again
	// (the server accepted it but the sender died before it knew) is
	// recognisable as the same message. Empty: a random Message-ID.
	ID string
}

// Mailer sends e-mail.
type Mailer interface {
	Send(ctx context.Context, m Mail) error
}

// SMTPConfig is how to reach the SMTP server.
type SMTPConfig struct {
	Host     string
	Port     int
	Username string
	Password string
	From     string // "Portale Genitori <noreply@example.it>"
	TLS      string // "none", "starttls" (mandatory), "tls" (implicit, port 465)
	Timeout  time.Duration
}

// SMTPMailer sends through an SMTP server with go-mail.
type SMTPMailer struct {
	cfg    SMTPConfig
	domain string // of From, for Message-IDs
}

// NewSMTPMailer checks the configuration once.
func NewSMTPMailer(cfg SMTPConfig) (*SMTPMailer, error) {
	if cfg.Host == "" || cfg.Port <= 0 {
		return nil, fmt.Errorf("smtp: host and port are required")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 20 * time.Second
	}
	m := mail.NewMsg()
	if err := m.From(cfg.From); err != nil {
		return nil, fmt.Errorf("smtp: sender %q: %w", cfg.From, err)
	}
	domain := "localhost"
	if a, err := netmail.ParseAddress(cfg.From); err == nil {
		if at := strings.LastIndexByte(a.Address, '@'); at > 0 && at < len(a.Address)-1 {
			domain = a.Address[at+1:]
		}
	}
	return &SMTPMailer{cfg: cfg, domain: domain}, nil
}

// Send delivers one message; the error says what failed, without the body.
func (s *SMTPMailer) Send(ctx context.Context, msg Mail) error {
	opts := []mail.Option{mail.WithPort(s.cfg.Port), mail.WithTimeout(s.cfg.Timeout), mail.WithHELO("localhost")}
	switch s.cfg.TLS {
	case "tls":
		opts = append(opts, mail.WithSSL())
	case "starttls":
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	default:
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	}
	if s.cfg.Username != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover),
			mail.WithUsername(s.cfg.Username), mail.WithPassword(s.cfg.Password))
	}
	client, err := mail.NewClient(s.cfg.Host, opts...)
	if err != nil {
		return fmt.Errorf("smtp client: %w", err)
	}
	m := mail.NewMsg()
	if err := m.From(s.cfg.From); err != nil {
		return fmt.Errorf("smtp sender: %w", err)
	}
	if err := m.To(msg.To); err != nil {
		return fmt.Errorf("smtp recipient: %w", err)
	}
	m.Subject(msg.Subject)
	if msg.ID != "" {
		m.SetMessageIDWithValue(msg.ID + "@" + s.domain)
	} else {
		m.SetMessageID()
	}
	m.SetDate()
	if msg.Language != "" {
		m.SetGenHeader(mail.Header("Content-Language"), msg.Language)
	}
	m.SetBodyString(mail.TypeTextPlain, msg.Text)
	if msg.HTML != "" {
		m.AddAlternativeString(mail.TypeTextHTML, msg.HTML)
	}
	if err := client.DialAndSendWithContext(ctx, m); err != nil {
		return fmt.Errorf("smtp send to %s:%d: %w", s.cfg.Host, s.cfg.Port, err)
	}
	return nil
}

// Mask hides most of an e-mail address or phone number, for pages and logs:
// "a•••i@example.it", "+39•••••233".
func Mask(s string) string {
	if s == "" {
		return ""
	}
	if at := strings.LastIndexByte(s, '@'); at > 0 {
		local := []rune(s[:at])
		if len(local) <= 2 {
			return string(local[:1]) + "•••" + s[at:]
		}
		return string(local[:1]) + "•••" + string(local[len(local)-1:]) + s[at:]
	}
	r := []rune(s)
	if len(r) <= 6 {
		return "•••"
	}
	return string(r[:3]) + strings.Repeat("•", len(r)-6) + string(r[len(r)-3:])
}
