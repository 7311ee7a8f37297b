package db

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// SAMLSettings are an installation's SPID, CIE and CST-over-SAML settings
// (table installation_saml; a missing row gives the defaults).
type SAMLSettings struct {
	InstallationID   int64  `db:"installation_id"`
	EntityID         string `db:"entity_id"`
	SPIDLevel        string `db:"spid_level"`
	SPIDComparison   string `db:"spid_comparison"`
	CIELevel         string `db:"cie_level"`
	OrganizationName string `db:"organization_name"`
	OrganizationURL  string `db:"organization_url"`
	ContactEmail     string `db:"contact_email"`
	ContactPhone     string `db:"contact_phone"`
	Locality         string `db:"locality"`
	BelfioreCode     string `db:"belfiore_code"`
	Province         string `db:"province"`
	CSTIdPMetadata   string `db:"cst_idp_metadata"`
	CSTDemoIdP       bool   `db:"cst_demo_idp"`
}

// SAMLSettingsOf returns the installation's settings, or the defaults.
func (s *Store) SAMLSettingsOf(ctx context.Context, installationID int64) (*SAMLSettings, error) {
	var st SAMLSettings
	err := s.db.GetContext(ctx, &st, `SELECT installation_id, entity_id, spid_level, spid_comparison, cie_level,
		organization_name, organization_url, contact_email, contact_phone, locality, belfiore_code, province,
		cst_idp_metadata, cst_demo_idp FROM installation_saml WHERE installation_id = $1`, installationID)
	if errors.Is(err, sql.ErrNoRows) {
		return &SAMLSettings{InstallationID: installationID, SPIDLevel: "https://www.spid.gov.it/SpidL2",
			SPIDComparison: "minimum", CIELevel: "https://www.spid.gov.it/SpidL3"}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("saml settings: %w", err)
	}
	return &st, nil
}

// SAMLInstallationCodes lists the installations with a SAML sign-in.
func (s *Store) SAMLInstallationCodes(ctx context.Context) ([]string, error) {
	var codes []string
	err := s.db.SelectContext(ctx, &codes, `SELECT code FROM installations WHERE login_spid OR login_cie OR cst_mode ORDER BY code`)
	if err != nil {
		return nil, fmt.Errorf("saml installations: %w", err)
	}
	return codes, nil
}

// SAMLRequest is a request the portal sent to an IdP.
type SAMLRequest struct {
	InstallationID int64        `db:"installation_id"`
	ID             string       `db:"id"`
	Kind           string       `db:"kind"`
	Method         string       `db:"method"`
	IdPEntityID    string       `db:"idp_entity_id"`
	ACSURL         string       `db:"acs_url"`
	Level          string       `db:"level"`
	Comparison     string       `db:"comparison"`
	IssuedAt       time.Time    `db:"issued_at"`
	ExpiresAt      time.Time    `db:"expires_at"`
	UsedAt         sql.NullTime `db:"used_at"`
}

// ErrSAMLRequestUsed means the request was already answered (a replay).
var ErrSAMLRequestUsed = errors.New("SAML request already answered")

func relayHash(relay string) []byte {
	sum := sha256.Sum256([]byte(relay))
	return sum[:]
}

// SaveSAMLRequest records a request with its RelayState handle, and now
// and then drops requests that expired over a day ago.
func (s *Store) SaveSAMLRequest(ctx context.Context, r *SAMLRequest, relay string) error {
	_, err := s.db.ExecContext(ctx, `
		INSERT INTO saml_requests (installation_id, id, kind, method, relay_hash, idp_entity_id, acs_url, level, comparison, issued_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		r.InstallationID, r.ID, r.Kind, r.Method, relayHash(relay), r.IdPEntityID, r.ACSURL, r.Level, r.Comparison, r.IssuedAt, r.ExpiresAt)
	if err != nil {
		return fmt.Errorf("save saml request: %w", err)
	}
	if r.IssuedAt.UnixNano()%50 == 0 {
		_, _ = s.db.ExecContext(ctx, `DELETE FROM saml_requests WHERE expires_at < now() - interval '1 day'`)
	}
	return nil
}

// SAMLRequestFor finds the request an answer refers to: by its RelayState
// when given, otherwise by the ID the answer says it responds to. Used or
// expired requests are returned too; the caller decides.
func (s *Store) SAMLRequestFor(ctx context.Context, installationID int64, kind, relay, inResponseTo string) (*SAMLRequest, error) {
	var r SAMLRequest
	var err error
	const cols = `installation_id, id, kind, method, idp_entity_id, acs_url, level, comparison, issued_at, expires_at, used_at`
	if relay != "" {
		err = s.db.GetContext(ctx, &r, `SELECT `+cols+` FROM saml_requests WHERE installation_id = $1 AND kind = $2 AND relay_hash = $3`,
			installationID, kind, relayHash(relay))
	} else {
		err = s.db.GetContext(ctx, &r, `SELECT `+cols+` FROM saml_requests WHERE installation_id = $1 AND kind = $2 AND id = $3`,
			installationID, kind, inResponseTo)
	}
	if err != nil {
		return nil, fmt.Errorf("saml request: %w", notFound(err))
	}
	return &r, nil
}

// UseSAMLRequest marks the request answered; only the first call wins.
func (s *Store) UseSAMLRequest(ctx context.Context, installationID int64, id string) error {
	res, err := s.db.ExecContext(ctx, `UPDATE saml_requests SET used_at = now()
		WHERE installation_id = $1 AND id = $2 AND used_at IS NULL`, installationID, id)
	if err != nil {
		return fmt.Errorf("use saml request: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrSAMLRequestUsed
	}
	return nil
}

// SAMLLogin is a sign-in through an IdP, kept for single logout.
type SAMLLogin struct {
	InstallationID   int64  `db:"installation_id"`
	ID               int64  `db:"id"`
	AccountID        int64  `db:"account_id"`
	Method           string `db:"method"`
	IdPEntityID      string `db:"idp_entity_id"`
	NameID           string `db:"name_id"`
	SessionIndex     string `db:"session_index"`
	SessionTokenHash []byte `db:"session_token_hash"`
}

// RecordSAMLLogin stores the IdP session behind a portal session.
func (s *Store) RecordSAMLLogin(ctx context.Context, l *SAMLLogin) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO saml_logins (installation_id, account_id, method, idp_entity_id, name_id, session_index, session_token_hash)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, l.InstallationID, l.AccountID, l.Method, l.IdPEntityID, l.NameID, l.SessionIndex, l.SessionTokenHash)
	if err != nil {
		return fmt.Errorf("record saml login: %w", err)
	}
	return nil
}

// EndSAMLLogins ends the portal sessions opened by the IdP session
// nameID (and sessionIndex, when given): IdP-initiated single logout. It
// returns the accounts whose sessions ended.
func (s *Store) EndSAMLLogins(ctx context.Context, installationID int64, idp, nameID string, sessionIndexes []string) ([]int64, error) {
	var accounts []int64
	err := s.WithTx(ctx, func(tx *sqlx.Tx) error {
		var rows []SAMLLogin
		if err := tx.SelectContext(ctx, &rows, `SELECT installation_id, id, account_id, method, idp_entity_id, name_id, session_index, session_token_hash
			FROM saml_logins WHERE installation_id = $1 AND idp_entity_id = $2 AND name_id = $3 AND ended_at IS NULL FOR UPDATE`,
			installationID, idp, nameID); err != nil {
			return err
		}
		for _, r := range rows {
			if len(sessionIndexes) > 0 && !contains(sessionIndexes, r.SessionIndex) {
				continue
			}
			if r.SessionTokenHash != nil {
				if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1 AND installation_id = $2`, r.SessionTokenHash, installationID); err != nil {
					return err
				}
			}
			if _, err := tx.ExecContext(ctx, `UPDATE saml_logins SET ended_at = now() WHERE installation_id = $1 AND id = $2`, installationID, r.ID); err != nil {
				return err
			}
			accounts = append(accounts, r.AccountID)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("end saml logins: %w", err)
	}
	return accounts, nil
}

// EndSAMLLoginOfSession marks the SAML login of a portal session ended
// (SP-initiated logout).
func (s *Store) EndSAMLLoginOfSession(ctx context.Context, installationID int64, tokenHash []byte) error {
	_, err := s.db.ExecContext(ctx, `UPDATE saml_logins SET ended_at = now() WHERE installation_id = $1 AND session_token_hash = $2 AND ended_at IS NULL`,
		installationID, tokenHash)
	return err
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
