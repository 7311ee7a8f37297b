package db

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Audience kinds of a message from the Comune.
const (
	AudienceAll     = "all"
	AudienceSchool  = "school"
	AudienceClass   = "class"
	AudienceService = "service"
	AudienceDebt    = "debt"
)

// Audience is who a message goes to: the adults of the registry who are
// guardians of a child (all, of a school, of a class, enrolled in a service
// in the school year), or the paying adults whose balance is negative.
type Audience struct {
	Kind       string
	SchoolID   int64
	ClassName  string
	ServiceID  int64
	SchoolYear int // for AudienceService
}

// qAudience selects the adult ids of an audience: $1 installation, $2 kind,
// $3 school, $4 class, $5 service, $6 school year.
const qAudience = `
	SELECT DISTINCT g.adult_id FROM guardianships g
	JOIN children ch ON ch.installation_id = g.installation_id AND ch.id = g.child_id
	WHERE g.installation_id = $1 AND (
	      $2 = 'all'
	   OR ($2 = 'school' AND ch.school_id = $3)
	   OR ($2 = 'class' AND ch.school_id = $3 AND ch.class_name = $4)
	   OR ($2 = 'service' AND EXISTS (SELECT 1 FROM enrollments e WHERE e.installation_id = ch.installation_id
	        AND e.child_id = ch.id AND e.service_id = $5 AND e.school_year = $6)))
	UNION
	SELECT adult_id FROM ledger_entries WHERE installation_id = $1 AND $2 = 'debt'
	GROUP BY adult_id HAVING sum(amount_cents) < 0`

func (a Audience) args(installationID int64) []any {
	return []any{installationID, a.Kind, a.SchoolID, a.ClassName, a.ServiceID, a.SchoolYear}
}

// qContacts are the contacts of the audience's adults: the account's own
// (confirmed) e-mail and mobile first, else the registry's.
const qContacts = `
	SELECT a.id AS adult_id, a.fiscal_code,
	       coalesce(nullif(acc.email, ''), a.email) AS email,
	       coalesce(nullif(acc.mobile, ''), a.mobile) AS mobile,
	       acc.id IS NOT NULL AS has_account
	FROM adults a LEFT JOIN accounts acc ON acc.installation_id = a.installation_id AND acc.adult_id = a.id
	WHERE a.installation_id = $1 AND a.id IN (` + qAudience + `)`

// AudienceCount is the preview of a message: recipients per channel.
type AudienceCount struct {
	Adults   int `db:"adults"`
	Accounts int `db:"accounts"` // can read it in the portal now
	Email    int `db:"email"`
	SMS      int `db:"sms"`
}

// CountAudience counts the recipients of an audience, per channel.
func (s *Store) CountAudience(ctx context.Context, installationID int64, a Audience) (AudienceCount, error) {
	var n AudienceCount
	err := s.db.GetContext(ctx, &n, `
		SELECT count(*) AS adults, count(*) FILTER (WHERE has_account) AS accounts,
		       count(*) FILTER (WHERE email <> '') AS email, count(*) FILTER (WHERE mobile <> '') AS sms
		FROM (`+qContacts+`) c`, a.args(installationID)...)
	if err != nil {
		return n, fmt.Errorf("count audience: %w", err)
	}
	return n, nil
}

// Broadcast is a message from the Comune.
type Broadcast struct {
	InstallationID int64          `db:"installation_id"`
	ID             int64          `db:"id"`
	Title          string         `db:"title"`
	Body           string         `db:"body"`
	Link           string         `db:"link"`
	Audience       string         `db:"audience"`
	SchoolID       sql.NullInt64  `db:"school_id"`
	ClassName      string         `db:"class_name"`
	ServiceID      sql.NullInt64  `db:"service_id"`
	Channels       pq.StringArray `db:"channels"`
	Status         string         `db:"status"`
	Recipients     int            `db:"recipients"`
	CreatedAt      time.Time      `db:"created_at"`
	FinishedAt     sql.NullTime   `db:"finished_at"`
	// for the office list: deliveries by status
	Sent    int `db:"sent"`
	Failed  int `db:"failed"`
	Pending int `db:"pending"`
	Read    int `db:"read"`
}

const broadcastColumns = `b.installation_id, b.id, b.title, b.body, b.link, b.audience, b.school_id, b.class_name, b.service_id,
	b.channels, b.status, b.recipients, b.created_at, b.finished_at,
	(SELECT count(*) FROM broadcast_deliveries d WHERE d.installation_id = b.installation_id AND d.broadcast_id = b.id AND d.status = 'sent') AS sent,
	(SELECT count(*) FROM broadcast_deliveries d WHERE d.installation_id = b.installation_id AND d.broadcast_id = b.id AND d.status IN ('failed', 'unavailable')) AS failed,
	(SELECT count(*) FROM broadcast_deliveries d WHERE d.installation_id = b.installation_id AND d.broadcast_id = b.id AND d.status = 'pending') AS pending,
	(SELECT count(*) FROM broadcast_recipients r WHERE r.installation_id = b.installation_id AND r.broadcast_id = b.id AND r.read_at IS NOT NULL) AS read`

// NewBroadcast is a message to send.
type NewBroadcast struct {
	InstallationID int64
	Title, Body    string
	Link           string
	Audience       Audience
	Channels       []string
	CreatedBy      int64
}

// CreateBroadcast records a message and calls enqueue in the same
// transaction: the sending job exists exactly when the message does.
func (s *Store) CreateBroadcast(ctx context.Context, b NewBroadcast, enqueue func(ctx context.Context, tx *sql.Tx, id int64) error) (int64, error) {
	var id int64
	if b.Channels == nil {
		b.Channels = []string{} // only in the portal
	}
	err := s.WithTx(ctx, func(tx *sqlx.Tx) error {
		nullID := func(v int64) any {
			if v == 0 {
				return nil
			}
			return v
		}
		if err := tx.GetContext(ctx, &id, `
			INSERT INTO broadcasts (installation_id, title, body, link, audience, school_id, class_name, service_id, channels, created_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
			b.InstallationID, b.Title, b.Body, b.Link, b.Audience.Kind, nullID(b.Audience.SchoolID), b.Audience.ClassName,
			nullID(b.Audience.ServiceID), pq.StringArray(b.Channels), b.CreatedBy); err != nil {
			return fmt.Errorf("insert broadcast: %w", err)
		}
		return enqueue(ctx, tx.Tx, id)
	})
	return id, err
}

// BroadcastByID loads a message of the installation.
func (s *Store) BroadcastByID(ctx context.Context, installationID, id int64) (*Broadcast, error) {
	var b Broadcast
	if err := s.db.GetContext(ctx, &b, `SELECT `+broadcastColumns+` FROM broadcasts b WHERE b.installation_id = $1 AND b.id = $2`,
		installationID, id); err != nil {
		return nil, fmt.Errorf("broadcast %d: %w", id, notFound(err))
	}
	return &b, nil
}

// Broadcasts lists the installation's messages, newest first.
func (s *Store) Broadcasts(ctx context.Context, installationID int64, limit int) ([]Broadcast, error) {
	var out []Broadcast
	if err := s.db.SelectContext(ctx, &out, `SELECT `+broadcastColumns+` FROM broadcasts b WHERE b.installation_id = $1
		ORDER BY b.id DESC LIMIT $2`, installationID, limit); err != nil {
		return nil, fmt.Errorf("broadcasts: %w", err)
	}
	return out, nil
}

// MaterializeBroadcast fixes the recipients of a queued message and one
// delivery row per recipient and channel with a contact, once: a second
// call (a retried job) finds the message no longer queued and changes
// nothing. ioAvailable false records App IO deliveries as unavailable.
func (s *Store) MaterializeBroadcast(ctx context.Context, installationID, id int64, schoolYear int, ioAvailable bool) error {
	return s.WithTx(ctx, func(tx *sqlx.Tx) error {
		var b Broadcast
		err := tx.GetContext(ctx, &b, `SELECT installation_id, id, audience, school_id, class_name, service_id, channels, status
			FROM broadcasts WHERE installation_id = $1 AND id = $2 FOR UPDATE`, installationID, id)
		if err != nil {
			return fmt.Errorf("broadcast %d: %w", id, notFound(err))
		}
		if b.Status != "queued" {
			return nil
		}
		a := Audience{Kind: b.Audience, SchoolID: b.SchoolID.Int64, ClassName: b.ClassName, ServiceID: b.ServiceID.Int64, SchoolYear: schoolYear}
		args := append(a.args(installationID), id, pq.StringArray(b.Channels), ioAvailable)
		if _, err := tx.ExecContext(ctx, `
			WITH c AS (`+qContacts+`),
			r AS (INSERT INTO broadcast_recipients (installation_id, broadcast_id, adult_id)
			      SELECT $1, $7, adult_id FROM c ON CONFLICT DO NOTHING RETURNING adult_id)
			INSERT INTO broadcast_deliveries (installation_id, broadcast_id, adult_id, channel, recipient, status, error)
			SELECT $1, $7, c.adult_id, ch.channel, ch.recipient,
			       CASE WHEN ch.channel = 'io' AND NOT $9 THEN 'unavailable' ELSE 'pending' END,
			       CASE WHEN ch.channel = 'io' AND NOT $9 THEN 'App IO not configured' ELSE '' END
			FROM c JOIN r ON r.adult_id = c.adult_id
			CROSS JOIN LATERAL (VALUES ('email', c.email), ('sms', c.mobile), ('io', c.fiscal_code)) AS ch (channel, recipient)
			WHERE ch.channel = ANY($8) AND ch.recipient <> ''`, args...); err != nil {
			return fmt.Errorf("broadcast %d recipients: %w", id, err)
		}
		if _, err := tx.ExecContext(ctx, `
			UPDATE broadcasts SET status = 'sending',
			       recipients = (SELECT count(*) FROM broadcast_recipients WHERE installation_id = $1 AND broadcast_id = $2)
			WHERE installation_id = $1 AND id = $2`, installationID, id); err != nil {
			return fmt.Errorf("broadcast %d status: %w", id, err)
		}
		return nil
	})
}

// Delivery is one recipient and channel of a message.
type Delivery struct {
	AdultID   int64     `db:"adult_id"`
	Channel   string    `db:"channel"`
	Recipient string    `db:"recipient"`
	Status    string    `db:"status"`
	Attempts  int       `db:"attempts"`
	Error     string    `db:"error"`
	UpdatedAt time.Time `db:"updated_at"`
	Name      string    `db:"name"`
	Lang      string    `db:"lang"`
}

// PendingDeliveries are up to limit deliveries of a message not sent yet,
// after the adult afterAdult (keyset order).
func (s *Store) PendingDeliveries(ctx context.Context, installationID, id int64, limit int) ([]Delivery, error) {
	var out []Delivery
	err := s.db.SelectContext(ctx, &out, `
		SELECT d.adult_id, d.channel, d.recipient, d.status, d.attempts, d.error, d.updated_at,
		       a.first_name || ' ' || a.last_name AS name, coalesce(nullif(acc.lang, ''), 'it') AS lang
		FROM broadcast_deliveries d
		JOIN adults a ON a.installation_id = d.installation_id AND a.id = d.adult_id
		LEFT JOIN accounts acc ON acc.installation_id = d.installation_id AND acc.adult_id = d.adult_id
		WHERE d.installation_id = $1 AND d.broadcast_id = $2 AND d.status = 'pending'
		ORDER BY d.adult_id, d.channel LIMIT $3`, installationID, id, limit)
	if err != nil {
		return nil, fmt.Errorf("pending deliveries of broadcast %d: %w", id, err)
	}
	return out, nil
}

// RecordDelivery stores the outcome of one attempt; a 'sent' is never
// overwritten.
func (s *Store) RecordDelivery(ctx context.Context, installationID, id, adultID int64, channel, status, errText string) error {
	if len(errText) > 300 {
		errText = errText[:300]
	}
	_, err := s.db.ExecContext(ctx, `
		UPDATE broadcast_deliveries SET status = $5, error = $6, attempts = attempts + 1, updated_at = now()
		WHERE installation_id = $1 AND broadcast_id = $2 AND adult_id = $3 AND channel = $4 AND status <> 'sent'`,
		installationID, id, adultID, channel, status, errText)
	if err != nil {
		return fmt.Errorf("record delivery: %w", err)
	}
	return nil
}

// RetryFailedDeliveries puts back to pending the failed deliveries with
// fewer than maxAttempts attempts; it returns how many.
func (s *Store) RetryFailedDeliveries(ctx context.Context, installationID, id int64, maxAttempts int) (int64, error) {
	res, err := s.db.ExecContext(ctx, `
		UPDATE broadcast_deliveries SET status = 'pending'
		WHERE installation_id = $1 AND broadcast_id = $2 AND status = 'failed' AND attempts < $3`, installationID, id, maxAttempts)
	if err != nil {
		return 0, fmt.Errorf("retry deliveries: %w", err)
	}
	return res.RowsAffected()
}

// FinishBroadcast marks a message done.
func (s *Store) FinishBroadcast(ctx context.Context, installationID, id int64) error {
	_, err := s.db.ExecContext(ctx, `UPDATE broadcasts SET status = 'done', finished_at = now()
		WHERE installation_id = $1 AND id = $2 AND status <> 'done'`, installationID, id)
	if err != nil {
		return fmt.Errorf("finish broadcast: %w", err)
	}
	return nil
}

// BroadcastDeliveries lists the deliveries of a message for the office,
// page by page (offset), failed first.
func (s *Store) BroadcastDeliveries(ctx context.Context, installationID, id int64, limit, offset int) ([]Delivery, error) {
	var out []Delivery
	err := s.db.SelectContext(ctx, &out, `
		SELECT d.adult_id, d.channel, d.recipient, d.status, d.attempts, d.error, d.updated_at,
		       a.first_name || ' ' || a.last_name AS name, '' AS lang
		FROM broadcast_deliveries d JOIN adults a ON a.installation_id = d.installation_id AND a.id = d.adult_id
		WHERE d.installation_id = $1 AND d.broadcast_id = $2
		ORDER BY d.status = 'sent', a.last_name, a.first_name, d.adult_id, d.channel LIMIT $3 OFFSET $4`, installationID, id, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("deliveries of broadcast %d: %w", id, err)
	}
	return out, nil
}

// InboxMessage is a message as a family sees it.
type InboxMessage struct {
	ID        int64        `db:"id"`
	Title     string       `db:"title"`
	Body      string       `db:"body"`
	Link      string       `db:"link"`
	CreatedAt time.Time    `db:"created_at"`
	ReadAt    sql.NullTime `db:"read_at"`
}

// Inbox lists an adult's messages, newest first.
func (s *Store) Inbox(ctx context.Context, installationID, adultID int64, limit int) ([]InboxMessage, error) {
	var out []InboxMessage
	err := s.readDB(ctx).SelectContext(ctx, &out, `
		SELECT b.id, b.title, b.body, b.link, b.created_at, r.read_at
		FROM broadcast_recipients r JOIN broadcasts b ON b.installation_id = r.installation_id AND b.id = r.broadcast_id
		WHERE r.installation_id = $1 AND r.adult_id = $2 ORDER BY r.broadcast_id DESC LIMIT $3`, installationID, adultID, limit)
	if err != nil {
		return nil, fmt.Errorf("inbox of adult %d: %w", adultID, err)
	}
	return out, nil
}

// UnreadCount is the number of an adult's messages not opened yet.
func (s *Store) UnreadCount(ctx context.Context, installationID, adultID int64) (int, error) {
	var n int
	err := s.readDB(ctx).GetContext(ctx, &n, `SELECT count(*) FROM broadcast_recipients
		WHERE installation_id = $1 AND adult_id = $2 AND read_at IS NULL`, installationID, adultID)
	if err != nil {
		return 0, fmt.Errorf("unread messages of adult %d: %w", adultID, err)
	}
	return n, nil
}

// OpenMessage returns one of the adult's messages and marks it read when
// markRead (not when staff read as the family). ErrNotFound: not theirs.
func (s *Store) OpenMessage(ctx context.Context, installationID, adultID, id int64, markRead bool) (*InboxMessage, error) {
	if markRead {
		if _, err := s.db.ExecContext(ctx, `UPDATE broadcast_recipients SET read_at = now()
			WHERE installation_id = $1 AND adult_id = $2 AND broadcast_id = $3 AND read_at IS NULL`, installationID, adultID, id); err != nil {
			return nil, fmt.Errorf("mark message read: %w", err)
		}
	}
	var m InboxMessage
	err := s.db.GetContext(ctx, &m, `
		SELECT b.id, b.title, b.body, b.link, b.created_at, r.read_at
		FROM broadcast_recipients r JOIN broadcasts b ON b.installation_id = r.installation_id AND b.id = r.broadcast_id
		WHERE r.installation_id = $1 AND r.adult_id = $2 AND r.broadcast_id = $3`, installationID, adultID, id)
	if err != nil {
		return nil, fmt.Errorf("message %d: %w", id, notFound(err))
	}
	return &m, nil
}
