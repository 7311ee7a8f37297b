package db

import (
	"context"
	"fmt"
	"time"
)

// Message is one row of the record of messages sent to an account. It never
// holds a secret: no password, no message body.
type Message struct {
	InstallationID int64     `db:"installation_id"`
	ID             int64     `db:"id"`
	AccountID      int64     `db:"account_id"`
	JobID          *int64    `db:"job_id"`
	Attempt        int       `db:"attempt"`
	Kind           string    `db:"kind"`
	Channel        string    `db:"channel"`
	Recipient      string    `db:"recipient"`
	Outcome        string    `db:"outcome"`
	Error          string    `db:"error"`
	TempPassword   bool      `db:"temp_password"`
	CreatedAt      time.Time `db:"created_at"`
}

// RecordMessage appends a delivery outcome.
func (s *Store) RecordMessage(ctx context.Context, m Message) error {
	if len(m.Error) > 300 {
		m.Error = m.Error[:300]
	}
	_, err := s.db.ExecContext(ctx, `
		INSERT INTO messages (installation_id, account_id, job_id, attempt, kind, channel, recipient, outcome, error, temp_password)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		m.InstallationID, m.AccountID, m.JobID, m.Attempt, m.Kind, m.Channel, m.Recipient, m.Outcome, m.Error, m.TempPassword)
	if err != nil {
		return fmt.Errorf("record message: %w", err)
	}
	return nil
}

// MessagesOfAccount lists the messages of an account, newest first.
func (s *Store) MessagesOfAccount(ctx context.Context, installationID, accountID int64) ([]Message, error) {
	var out []Message
	err := s.db.SelectContext(ctx, &out, `
		SELECT installation_id, id, account_id, job_id, attempt, kind, channel, recipient, outcome, error, temp_password, created_at
		FROM messages WHERE installation_id = $1 AND account_id = $2 ORDER BY created_at DESC, id DESC`,
		installationID, accountID)
	if err != nil {
		return nil, fmt.Errorf("messages of account: %w", err)
	}
	return out, nil
}

// MessageSentByJob tells whether a job already delivered on a channel (a
// retried job does not send twice what went through).
func (s *Store) MessageSentByJob(ctx context.Context, installationID, jobID int64, channel string) (bool, error) {
	var sent bool
	err := s.db.GetContext(ctx, &sent, `
		SELECT EXISTS (SELECT 1 FROM messages WHERE installation_id = $1 AND job_id = $2 AND channel = $3 AND outcome = 'sent')`,
		installationID, jobID, channel)
	if err != nil {
		return false, fmt.Errorf("message sent by job: %w", err)
	}
	return sent, nil
}

// InstallationByID loads an installation by its ID (for background jobs).
func (s *Store) InstallationByID(ctx context.Context, id int64) (*Installation, error) {
	var inst Installation
	if err := s.db.GetContext(ctx, &inst, `SELECT * FROM installations WHERE id = $1`, id); err != nil {
		return nil, fmt.Errorf("installation %d: %w", id, notFound(err))
	}
	return &inst, nil
}
