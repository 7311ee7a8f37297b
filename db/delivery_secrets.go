package db

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// Kinds of delivery secrets.
const (
	SecretPassword = "password" // a generated or temporary password
	SecretLink     = "link"     // the token of a one-time sign-in link
)

// DeliverySecret is the sealed copy of the secret one delivery job sends
// (00011): made once, so every channel and every retry sends the same one.
type DeliverySecret struct {
	ID             int64     `db:"id"` // names the messages that carry it
	InstallationID int64     `db:"installation_id"`
	AccountID      int64     `db:"account_id"`
	JobID          int64     `db:"job_id"`
	Kind           string    `db:"kind"`
	Sealed         string    `db:"sealed"`
	Ref            string    `db:"ref"` // password: its argon2id hash; link: hex SHA-256 of the token
	ExpiresAt      time.Time `db:"expires_at"`
	CreatedAt      time.Time `db:"created_at"`
}

// DeliverySecretOfJob returns the sealed secret of a job; ErrNotFound when
// the job has none (not made yet, or wiped).
func (s *Store) DeliverySecretOfJob(ctx context.Context, installationID, jobID int64) (*DeliverySecret, error) {
	var d DeliverySecret
	if err := s.db.GetContext(ctx, &d, `
		SELECT id, installation_id, account_id, job_id, kind, sealed, ref, expires_at, created_at
		FROM delivery_secrets WHERE installation_id = $1 AND job_id = $2`, installationID, jobID); err != nil {
		return nil, fmt.Errorf("delivery secret of job %d: %w", jobID, notFound(err))
	}
	return &d, nil
}

// CreateGeneratedPassword makes d.Ref (an argon2id hash) the temporary
// password of an account that still waits for its first password, and
// stores d, in one transaction. false means the account no longer waits (it
// already chose its password): nothing is stored and nothing must be sent.
// The password works once, within TempPasswordTTL.
func (s *Store) CreateGeneratedPassword(ctx context.Context, d *DeliverySecret) (bool, error) {
	d.Kind = SecretPassword
	waiting := false
	err := s.WithTx(ctx, func(tx *sqlx.Tx) error {
		err := tx.GetContext(ctx, &d.ExpiresAt, `
			UPDATE accounts SET temp_password_hash = $3, temp_password_expires_at = now() + $4 * interval '1 second',
				must_change_password = true
			WHERE installation_id = $1 AND id = $2 AND must_change_password AND password_changed_at IS NULL
			RETURNING temp_password_expires_at`,
			d.InstallationID, d.AccountID, d.Ref, TempPasswordTTL.Seconds())
		if err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return nil
			}
			return fmt.Errorf("set generated password: %w", err)
		}
		waiting = true
		return insertDeliverySecret(ctx, tx, d)
	})
	return waiting, err
}

// CreateTempPassword makes d.Ref (an argon2id hash) the account's temporary
// password until d.ExpiresAt, replacing any earlier one (the permanent
// password is left as it is), and stores d, in one transaction.
func (s *Store) CreateTempPassword(ctx context.Context, d *DeliverySecret) error {
	d.Kind = SecretPassword
	return s.WithTx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `
			UPDATE accounts SET temp_password_hash = $3, temp_password_expires_at = $4
			WHERE installation_id = $1 AND id = $2`, d.InstallationID, d.AccountID, d.Ref, d.ExpiresAt)
		if err != nil {
			return fmt.Errorf("set temporary password: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("set temporary password: %w", ErrNotFound)
		}
		return insertDeliverySecret(ctx, tx, d)
	})
}

// CreateRecoveryLink stores the SHA-256 of a new one-time link (valid until
// d.ExpiresAt) and voids the account's earlier unused links (the newest
// message replaces the others), and stores d, in one transaction.
func (s *Store) CreateRecoveryLink(ctx context.Context, d *DeliverySecret, tokenHash []byte) error {
	d.Kind, d.Ref = SecretLink, hex.EncodeToString(tokenHash)
	return s.WithTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `
			UPDATE recovery_tokens SET used_at = now()
			WHERE installation_id = $1 AND account_id = $2 AND used_at IS NULL`, d.InstallationID, d.AccountID); err != nil {
			return fmt.Errorf("void earlier links: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO recovery_tokens (installation_id, account_id, token_hash, job_id, expires_at)
			VALUES ($1, $2, $3, NULLIF($4, 0), $5)`, d.InstallationID, d.AccountID, tokenHash, d.JobID, d.ExpiresAt); err != nil {
			return fmt.Errorf("create recovery link: %w", err)
		}
		return insertDeliverySecret(ctx, tx, d)
	})
}

func insertDeliverySecret(ctx context.Context, tx *sqlx.Tx, d *DeliverySecret) error {
	if err := tx.QueryRowxContext(ctx, `
		INSERT INTO delivery_secrets (installation_id, account_id, job_id, kind, sealed, ref, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id, created_at`,
		d.InstallationID, d.AccountID, d.JobID, d.Kind, d.Sealed, d.Ref, d.ExpiresAt).Scan(&d.ID, &d.CreatedAt); err != nil {
		return fmt.Errorf("store delivery secret: %w", err)
	}
	return nil
}

// DeliverySecretWorks tells whether the secret still opens the account: the
// password is still the account's unexpired temporary password, the link is
// unused, not replaced and unexpired.
func (s *Store) DeliverySecretWorks(ctx context.Context, d *DeliverySecret) (bool, error) {
	var ok bool
	var err error
	if d.Kind == SecretLink {
		err = s.db.GetContext(ctx, &ok, `
			SELECT EXISTS (SELECT 1 FROM recovery_tokens WHERE installation_id = $1 AND account_id = $2
				AND token_hash = decode($3, 'hex') AND used_at IS NULL AND expires_at > now())`,
			d.InstallationID, d.AccountID, d.Ref)
	} else {
		err = s.db.GetContext(ctx, &ok, `
			SELECT EXISTS (SELECT 1 FROM accounts WHERE installation_id = $1 AND id = $2
				AND temp_password_hash = $3 AND temp_password_expires_at > now())`,
			d.InstallationID, d.AccountID, d.Ref)
	}
	if err != nil {
		return false, fmt.Errorf("delivery secret works: %w", err)
	}
	return ok, nil
}

// WipeDeliverySecret deletes the sealed copy of a job's secret.
func (s *Store) WipeDeliverySecret(ctx context.Context, installationID, jobID int64) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM delivery_secrets WHERE installation_id = $1 AND job_id = $2`,
		installationID, jobID); err != nil {
		return fmt.Errorf("wipe delivery secret: %w", err)
	}
	return nil
}

// SweepDeliverySecrets deletes the sealed copies that expired or whose job
// will not run again (completed, cancelled, discarded, or gone): the ones a
// job could not wipe itself, because it gave up or its process died.
func (s *Store) SweepDeliverySecrets(ctx context.Context) (int64, error) {
	res, err := s.db.ExecContext(ctx, `
		DELETE FROM delivery_secrets d WHERE d.expires_at <= now()
			OR NOT EXISTS (SELECT 1 FROM river_job j WHERE j.id = d.job_id
				AND j.state NOT IN ('completed', 'cancelled', 'discarded'))`)
	if err != nil {
		return 0, fmt.Errorf("sweep delivery secrets: %w", err)
	}
	return res.RowsAffected()
}

// deliveryLockSpace is the first key of the delivery jobs' advisory locks
// ("dlvr"), so they meet no other lock of the database.
const deliveryLockSpace = 0x646c7672

// WithDeliveryLock runs fn holding the lock of one delivery job, so that two
// executions of the same job never send at once: River starts a job again
// when it has run past the rescue delay, and the first execution may still
// be at work (a slow send, a record waiting for the database). It is a
// transaction-level advisory lock, waited for as long as ctx allows: it ends
// with fn, or with the connection when the process dies or the database
// restarts.
func (s *Store) WithDeliveryLock(ctx context.Context, jobID int64, fn func() error) error {
	// the transaction outlives ctx: a job whose time is up still records
	// what it sent before it lets a second execution in
	tx, err := s.db.BeginTx(context.WithoutCancel(ctx), nil)
	if err != nil {
		return fmt.Errorf("delivery lock: %w", err)
	}
	defer tx.Rollback()
	// job IDs wrap to 32 bits: two jobs 2³² apart share a lock, which only
	// makes one wait for the other
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1::int, $2::int)`, deliveryLockSpace, int32(jobID)); err != nil {
		return fmt.Errorf("delivery lock of job %d: %w", jobID, err)
	}
	return fn()
}
