package db

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// AuditEvent is one row of the audit log. Never put a secret in Detail.
type AuditEvent struct {
	InstallationID int64
	AccountID      int64 // 0 when unknown
	Actor          string
	Action         string
	Outcome        string
	IP             string
	Detail         map[string]any
}

// Audit appends an event to the audit log.
func (s *Store) Audit(ctx context.Context, e AuditEvent) error {
	detail, err := json.Marshal(e.Detail)
	if err != nil || e.Detail == nil {
		detail = []byte("{}")
	}
	_, err = s.db.ExecContext(ctx, `
		INSERT INTO audit_log (installation_id, account_id, actor, action, outcome, ip, detail)
		VALUES (NULLIF($1, 0), NULLIF($2, 0), $3, $4, $5, $6, $7)`,
		e.InstallationID, e.AccountID, e.Actor, e.Action, e.Outcome, e.IP, detail)
	if err != nil {
		return fmt.Errorf("audit %s: %w", e.Action, err)
	}
	return nil
}

// AuditRow is a stored audit event.
type AuditRow struct {
	ID        int64     `db:"id"`
	At        time.Time `db:"at"`
	AccountID *int64    `db:"account_id"`
	Actor     string    `db:"actor"`
	Action    string    `db:"action"`
	Outcome   string    `db:"outcome"`
	IP        string    `db:"ip"`
	Detail    string    `db:"detail"`
}

// RecentAudit lists the newest audit rows of an installation.
func (s *Store) RecentAudit(ctx context.Context, installationID int64, limit int) ([]AuditRow, error) {
	var rows []AuditRow
	err := s.db.SelectContext(ctx, &rows, `
		SELECT id, at, account_id, actor, action, outcome, ip, detail::text AS detail
		FROM audit_log WHERE installation_id = $1 ORDER BY at DESC, id DESC LIMIT $2`,
		installationID, limit)
	if err != nil {
		return nil, fmt.Errorf("recent audit: %w", err)
	}
	return rows, nil
}
