package db

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// VersionPage names the data versions a page's ETag is made of
// (data_versions.go).
type VersionPage byte

const (
	ChildVersions  VersionPage = 'c' // a page about one child: ChildPageVersions
	FamilyVersions VersionPage = 'f' // a page about the family: FamilyPageVersions
)

// PageVersions asks LoadSessionAccount for the versions of a page, read
// with the session, and holds the answer.
type PageVersions struct {
	Page    VersionPage
	ChildID int64 // for ChildVersions
	// the answer, as ChildPageVersions or FamilyPageVersions would give it
	// for the session's account; Loaded is false when the session has none
	Loaded   bool
	OK       bool
	Versions string
}

const sessionColumns = `
	SELECT s.token_hash, s.public_id, s.installation_id, s.account_id, s.data, s.user_agent, s.ip,
	       s.created_at, s.last_seen_at, s.expires_at, row_to_json(a) AS account`

const sessionFrom = `
	FROM sessions s
	LEFT JOIN accounts a ON a.installation_id = s.installation_id AND a.id = s.account_id`

const sessionWhere = `
	WHERE s.token_hash = $1 AND s.expires_at > now() AND s.last_seen_at > now() - $2 * interval '1 second'`

var sessionStatements = map[VersionPage]string{
	0: sessionColumns + sessionFrom + sessionWhere,
	ChildVersions: sessionColumns + `, v.ok AS versions_ok, v.versions` + sessionFrom +
		` LEFT JOIN LATERAL (` + versionsOf(ChildVersions) + `) v ON a.adult_id IS NOT NULL` + sessionWhere,
	FamilyVersions: sessionColumns + `, v.ok AS versions_ok, v.versions` + sessionFrom +
		` LEFT JOIN LATERAL (` + versionsOf(FamilyVersions) + `) v ON a.adult_id IS NOT NULL` + sessionWhere,
}

// LoadSessionAccount is LoadSession that reads the session's account in the
// same statement (nil when it has none or it is gone): with the page's own
// statement, a signed-in page costs two round trips. With versions (nil:
// none), it also reads the page's data versions for that account, so a
// page with an ETag costs two round trips too, and a 304 one. It stays on
// the primary: a session is written at sign-in and read at once; the caller
// asks for versions only when the page's reads go to the primary as well
// (a replica's page under the primary's versions would be cached as new).
func (s *Store) LoadSessionAccount(ctx context.Context, tokenHash []byte, idle time.Duration, versions *PageVersions) (*SessionRow, *Account, error) {
	var row struct {
		SessionRow
		Account    []byte         `db:"account"`
		VersionsOK sql.NullBool   `db:"versions_ok"`
		Versions   sql.NullString `db:"versions"`
	}
	var page VersionPage
	args := []any{tokenHash, idle.Seconds()}
	if versions != nil {
		page = versions.Page
		if page == ChildVersions {
			args = append(args, versions.ChildID)
		}
	}
	query, ok := sessionStatements[page]
	if !ok {
		return nil, nil, fmt.Errorf("load session: unknown versions %q", page)
	}
	err := s.stmts.on(s.db).QueryRowxContext(ctx, query, args...).StructScan(&row)
	if err != nil {
		return nil, nil, fmt.Errorf("load session: %w", notFound(err))
	}
	if time.Since(row.LastSeenAt) > time.Minute {
		if _, err := s.db.ExecContext(ctx,
			`UPDATE sessions SET last_seen_at = now() WHERE token_hash = $1`, tokenHash); err != nil {
			return nil, nil, fmt.Errorf("touch session: %w", err)
		}
	}
	acc, err := scanJSONOne[Account](row.Account)
	if err != nil {
		return nil, nil, fmt.Errorf("load session: %w", err)
	}
	if versions != nil && row.VersionsOK.Valid {
		versions.Loaded, versions.OK, versions.Versions = true, row.VersionsOK.Bool, row.Versions.String
	}
	return &row.SessionRow, acc, nil
}
