package delivery

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/riverqueue/river/rivertype"

	"portalegenitori/db"
)

// sealer seals the secret a job keeps between its attempts with AES-256-GCM
// under a key derived from GENITORI_SECRET_KEY (its own derivation: the
// same setting also keys the captcha's HMAC).
type sealer struct {
	aead cipher.AEAD
}

// newSealer derives the key; an empty setting gives a random key, which
// dies with the process: a secret sealed before a restart of the worker
// cannot be opened, and its job sends a new one on every channel.
func newSealer(setting string) (sealer, error) {
	material := []byte(setting)
	if setting == "" {
		material = make([]byte, 32)
		if _, err := rand.Read(material); err != nil {
			return sealer{}, err
		}
	}
	sum := sha256.Sum256(append([]byte("portalegenitori delivery secrets v1\x00"), material...))
	block, err := aes.NewCipher(sum[:])
	if err != nil {
		return sealer{}, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return sealer{}, err
	}
	return sealer{aead: aead}, nil
}

// seal encrypts secret for one job of one account (bound, the additional
// data, so a sealed copy moved to another row does not open).
func (s sealer) seal(secret, bound string) (string, error) {
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	return "v1:" + base64.RawStdEncoding.EncodeToString(s.aead.Seal(nonce, nonce, []byte(secret), []byte(bound))), nil
}

var errUnsealable = errors.New("delivery secret sealed under another key")

func (s sealer) open(sealed, bound string) (string, error) {
	raw, err := base64.RawStdEncoding.DecodeString(strings.TrimPrefix(sealed, "v1:"))
	if !strings.HasPrefix(sealed, "v1:") || err != nil || len(raw) < s.aead.NonceSize() {
		return "", errUnsealable
	}
	n := s.aead.NonceSize()
	pt, err := s.aead.Open(nil, raw[:n], raw[n:], []byte(bound))
	if err != nil {
		return "", errUnsealable
	}
	return string(pt), nil
}

func secretBound(installationID, accountID, jobID int64) string {
	return fmt.Sprintf("%d:%d:%d", installationID, accountID, jobID)
}

// messageKey names one message: the same on every attempt of its job, so a
// copy that goes out twice is recognisable (the e-mail's Message-ID, the
// SMS gateway's Idempotency-Key), and different for any other message, even
// one of another database (the job's creation time is part of it). secret
// is the ID of the secret the message carries (0: none): a new secret is a
// new message.
func messageKey(job *rivertype.JobRow, secret int64, channel string) string {
	return fmt.Sprintf("%s.%d.%d.%d.%s", strings.ReplaceAll(job.Kind, "_", "-"), job.ID, job.CreatedAt.UnixMicro(), secret, channel)
}

var errSecretSpent = errors.New("the secret no longer works")

// earlierSecret returns the secret an earlier attempt of the job made, in
// clear. No row and no error: none was made, or it was wiped.
// errSecretSpent: it was used, replaced by a newer one, or expired, and must
// not be sent again. errUnsealable: it cannot be opened with this key.
func (d jobDeps) earlierSecret(ctx context.Context, installationID, accountID, jobID int64) (*db.DeliverySecret, string, error) {
	row, err := d.store.DeliverySecretOfJob(ctx, installationID, jobID)
	if errors.Is(err, db.ErrNotFound) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	clear, err := d.sealer.open(row.Sealed, secretBound(installationID, accountID, jobID))
	if err != nil {
		return row, "", err
	}
	works, err := d.store.DeliverySecretWorks(ctx, row)
	if err != nil {
		return nil, "", err
	}
	if !works {
		return row, "", errSecretSpent
	}
	return row, clear, nil
}

// wipe deletes the job's sealed secret, retrying while the database
// restarts; a failure is only logged, because the sweep deletes it once the
// job has ended.
func (d jobDeps) wipe(ctx context.Context, installationID, jobID int64) {
	if err := persist(ctx, func(ctx context.Context) error {
		return d.store.WipeDeliverySecret(ctx, installationID, jobID)
	}); err != nil {
		d.log.Warn("sealed delivery secret not wiped; the sweep will", "job", jobID, "err", err)
	}
}

// sweepEvery is how often each worker deletes the sealed secrets that
// expired or whose job ended without wiping them (it gave up, or its
// process died before it could).
const sweepEvery = 15 * time.Minute

// sweepSecrets sweeps now, then every sweepEvery, until ctx ends. It is not
// a River job, so that it adds nothing to the queue.
func (d jobDeps) sweepSecrets(ctx context.Context) {
	t := time.NewTicker(sweepEvery)
	defer t.Stop()
	for {
		if n, err := d.store.SweepDeliverySecrets(ctx); err != nil && ctx.Err() == nil {
			d.log.Warn("sweep of sealed delivery secrets failed", "err", err)
		} else if n > 0 {
			d.log.Info("sealed delivery secrets swept", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
