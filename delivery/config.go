package delivery

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"portalegenitori/billing"
	"portalegenitori/db"
	"portalegenitori/internal/appio"
	"portalegenitori/internal/config"
	"portalegenitori/internal/notify"
)

// SendersFromConfig builds the SMTP mailer and the SMS adapter.
func SendersFromConfig(cfg config.Config) (Senders, error) {
	mailer, err := notify.NewSMTPMailer(notify.SMTPConfig{Host: cfg.SMTPHost, Port: cfg.SMTPPort, Username: cfg.SMTPUser,
		Password: cfg.SMTPPassword, From: cfg.SMTPFrom, TLS: cfg.SMTPTLS})
	if err != nil {
		return Senders{}, err
	}
	s := Senders{Mail: mailer, BaseURL: cfg.BaseURL}
	switch cfg.SMSAdapter {
	case "http":
		s.SMS = &notify.HTTPGateway{URL: cfg.SMSURL, Token: cfg.SMSToken, Sender: cfg.SMSSender}
	default:
		s.SMS = &notify.LogSMS{W: os.Stdout}
	}
	return s, nil
}

// appIOClients builds each Comune's App IO client from the deployment's
// settings (alerts and App IO).
func appIOClients(cfg config.Config, store *db.Store) (*AppIOClients, error) {
	sealer, err := appio.NewKeySealer(cfg.SecretKey)
	if err != nil {
		return nil, err
	}
	return &AppIOClients{BaseURL: cfg.AppIO.BaseURL, Sealer: sealer, Store: store}, nil
}

// Run works the queue until ctx ends, then stops gracefully (running jobs
// get up to 10 seconds; an unfinished one is retried later).
func Run(ctx context.Context, cfg config.Config, store *db.Store, log *slog.Logger) error {
	s, err := SendersFromConfig(cfg)
	if err != nil {
		return err
	}
	o := Options{RescueStuckJobsAfter: cfg.JobRescueAfter, SecretKey: cfg.SecretKey, ReconcileEvery: cfg.PagoPA.ReconcileEvery}
	if o.Billing, err = billing.New(store, log, billing.Options{SecretKey: cfg.SecretKey, Demo: cfg.PagoPA.DemoEmulator, PublicBase: cfg.BaseURL,
		Every: cfg.PagoPA.ReconcileEvery}); err != nil {
		return err
	}
	if o.RescueStuckJobsAfter > 0 && o.RescueStuckJobsAfter < time.Minute {
		o.JobTimeout = o.RescueStuckJobsAfter // River wants the rescue delay ≥ the job timeout
	}
	if s.AppIO, err = appIOClients(cfg, store); err != nil {
		return err
	}
	w, err := NewWorker(store, s, log, o)
	if err != nil {
		return err
	}
	// River stops hard when its start context ends: stop it gracefully instead
	if err := w.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("start delivery worker: %w", err)
	}
	log.Info("delivery worker started", "smtp", fmt.Sprintf("%s:%d", cfg.SMTPHost, cfg.SMTPPort), "sms", cfg.SMSAdapter)
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	return w.Stop(sctx)
}
