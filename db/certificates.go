package db

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"portalegenitori/internal/certificate"
)

// traceableChannels is certificate.Traceable in SQL: the top-up channels
// that count for the 730 certificate.
const traceableChannels = `lower(btrim(channel)) IN ('pagopa', 'pos', 'bonifico', 'bancomat', 'carta')`

// certificateLockSpace is the advisory-lock namespace that serialises the
// numbering of one installation's certificates.
const certificateLockSpace = 730

// Certificate is one issued version.
type Certificate struct {
	InstallationID int64         `db:"installation_id"`
	ID             int64         `db:"id"`
	AdultID        int64         `db:"adult_id"`
	Year           int           `db:"year"`
	Number         int           `db:"number"`
	Version        int           `db:"version"`
	TotalCents     int64         `db:"total_cents"`
	ContentJSON    []byte        `db:"content"`
	Reason         string        `db:"reason"`
	Code           string        `db:"code"`
	RunID          sql.NullInt64 `db:"run_id"`
	IssuedAt       time.Time     `db:"issued_at"`
	Latest         bool          `db:"latest"` // no newer version exists
}

// Document is the certificate as the renderers want it.
func (c *Certificate) Document() (certificate.Document, error) {
	d := certificate.Document{Number: c.Number, Version: c.Version, IssuedAt: c.IssuedAt, Code: c.Code, Reason: c.Reason}
	if err := json.Unmarshal(c.ContentJSON, &d.Content); err != nil {
		return d, fmt.Errorf("certificate %d content: %w", c.ID, err)
	}
	return d, nil
}

const certificateColumns = `c.installation_id, c.id, c.adult_id, c.year, c.number, c.version, c.total_cents, c.content,
	c.reason, c.code, c.run_id, c.issued_at,
	NOT EXISTS (SELECT 1 FROM certificates n WHERE n.installation_id = c.installation_id AND n.adult_id = c.adult_id
	            AND n.year = c.year AND n.version > c.version) AS latest`

// CertificateYears are the calendar years in which the adult paid by a
// traceable means, newest first.
func (s *Store) CertificateYears(ctx context.Context, installationID, adultID int64) ([]int, error) {
	var years []int
	err := s.db.SelectContext(ctx, &years, `
		SELECT DISTINCT extract(year FROM entry_date)::int AS y FROM ledger_entries
		WHERE installation_id = $1 AND adult_id = $2 AND kind = 'topup' AND amount_cents > 0 AND `+traceableChannels+`
		ORDER BY y DESC`, installationID, adultID)
	if err != nil {
		return nil, fmt.Errorf("certificate years of adult %d: %w", adultID, err)
	}
	return years, nil
}

// ReissueReason explains, in the certificate's language, why a new version
// replaces the previous one.
type ReissueReason func(prev, next certificate.Content) string

// IssueCertificate computes the certificate of an adult's year from the
// ledger as it is now and returns the latest version: the one already
// issued when nothing changed, otherwise a new version (the first, or one
// that keeps the number and says why it replaces the previous one).
// ErrNotFound: the adult paid nothing by traceable means that year.
func (s *Store) IssueCertificate(ctx context.Context, installationID, adultID int64, year int, runID *int64, reason ReissueReason) (*Certificate, error) {
	var out *Certificate
	err := s.WithTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1::int, $2::int)`, certificateLockSpace, int32(installationID)); err != nil {
			return fmt.Errorf("certificate lock: %w", err)
		}
		content, err := computeCertificate(ctx, tx, installationID, adultID, year)
		if err != nil {
			return err
		}
		var prev Certificate
		err = tx.GetContext(ctx, &prev, `SELECT `+certificateColumns+` FROM certificates c
			WHERE c.installation_id = $1 AND c.adult_id = $2 AND c.year = $3 ORDER BY c.version DESC LIMIT 1`,
			installationID, adultID, year)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("latest certificate: %w", err)
		}
		havePrev := err == nil
		if content.TotalCents == 0 && content.UnusedCents == 0 && !havePrev {
			return ErrNotFound
		}
		raw, err := json.Marshal(content)
		if err != nil {
			return err
		}
		number, version, why := 0, 1, ""
		if havePrev {
			var same bool
			if err := tx.GetContext(ctx, &same, `SELECT $1::jsonb = $2::jsonb`, prev.ContentJSON, raw); err != nil {
				return fmt.Errorf("compare certificate: %w", err)
			}
			if same {
				out = &prev
				return nil
			}
			var old certificate.Content
			if err := json.Unmarshal(prev.ContentJSON, &old); err != nil {
				return fmt.Errorf("certificate %d content: %w", prev.ID, err)
			}
			number, version, why = prev.Number, prev.Version+1, reason(old, content)
		} else if err := tx.GetContext(ctx, &number, `
			SELECT coalesce(max(number), 0) + 1 FROM certificates WHERE installation_id = $1 AND year = $2`, installationID, year); err != nil {
			return fmt.Errorf("next certificate number: %w", err)
		}
		var c Certificate
		err = tx.GetContext(ctx, &c, `
			WITH c AS (
				INSERT INTO certificates (installation_id, adult_id, year, number, version, total_cents, content, reason, code, run_id)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING *)
			SELECT c.installation_id, c.id, c.adult_id, c.year, c.number, c.version, c.total_cents, c.content,
			       c.reason, c.code, c.run_id, c.issued_at, true AS latest FROM c`,
			installationID, adultID, year, number, version, content.TotalCents, raw, why, certificate.NewCode(), runID)
		if err != nil {
			return fmt.Errorf("insert certificate: %w", err)
		}
		out = &c
		return nil
	})
	return out, err
}

// computeCertificate reads what the certificate states: the Comune, the
// payer, the attribution of the payer's ledger, the names of the children
// and services it names.
func computeCertificate(ctx context.Context, q sqlx.QueryerContext, installationID, adultID int64, year int) (certificate.Content, error) {
	var com struct {
		Name       string `db:"name"`
		Address    string `db:"controller_address"`
		Office     string `db:"office_name"`
		FiscalCode string `db:"comune_fiscal_code"`
		Signatory  string `db:"signatory"`
	}
	if err := sqlx.GetContext(ctx, q, &com, `
		SELECT i.name, i.controller_address, i.office_name,
		       coalesce(s.comune_fiscal_code, '') AS comune_fiscal_code, coalesce(s.signatory, '') AS signatory
		FROM installations i LEFT JOIN certificate_settings s ON s.installation_id = i.id WHERE i.id = $1`, installationID); err != nil {
		return certificate.Content{}, fmt.Errorf("comune of certificate: %w", notFound(err))
	}
	var payer Adult
	if err := sqlx.GetContext(ctx, q, &payer, `
		SELECT installation_id, id, fiscal_code, first_name, last_name, email, mobile FROM adults
		WHERE installation_id = $1 AND id = $2`, installationID, adultID); err != nil {
		return certificate.Content{}, fmt.Errorf("payer of certificate: %w", notFound(err))
	}
	var rows []struct {
		ID         int64         `db:"id"`
		Kind       string        `db:"kind"`
		Cents      int64         `db:"amount_cents"`
		Date       time.Time     `db:"entry_date"`
		ChildID    sql.NullInt64 `db:"child_id"`
		ServiceID  sql.NullInt64 `db:"service_id"`
		Channel    string        `db:"channel"`
		ReversesID sql.NullInt64 `db:"reverses_id"`
	}
	if err := sqlx.SelectContext(ctx, q, &rows, `
		SELECT id, kind, amount_cents, entry_date, child_id, service_id, channel, reverses_id
		FROM ledger_entries WHERE installation_id = $1 AND adult_id = $2`, installationID, adultID); err != nil {
		return certificate.Content{}, fmt.Errorf("ledger of certificate: %w", err)
	}
	entries := make([]certificate.Entry, len(rows))
	for i, r := range rows {
		entries[i] = certificate.Entry{ID: r.ID, Kind: r.Kind, Cents: r.Cents, Date: r.Date, ChildID: r.ChildID.Int64,
			ServiceID: r.ServiceID.Int64, Channel: r.Channel, ReversesID: r.ReversesID.Int64}
	}
	res := certificate.Attribute(entries, year)
	children := map[int64]certificate.Person{}
	services := map[int64]certificate.Line{}
	var childIDs, serviceIDs []int64
	for k := range res.Paid {
		childIDs = append(childIDs, k.ChildID)
		serviceIDs = append(serviceIDs, k.ServiceID)
	}
	var kids []struct {
		ID         int64  `db:"id"`
		FiscalCode string `db:"fiscal_code"`
		Name       string `db:"name"`
	}
	if err := sqlx.SelectContext(ctx, q, &kids, `
		SELECT id, fiscal_code, first_name || ' ' || last_name AS name FROM children
		WHERE installation_id = $1 AND id = ANY($2)`, installationID, pq.Array(childIDs)); err != nil {
		return certificate.Content{}, fmt.Errorf("children of certificate: %w", err)
	}
	for _, k := range kids {
		children[k.ID] = certificate.Person{Name: k.Name, FiscalCode: k.FiscalCode}
	}
	var svcs []struct {
		ID   int64  `db:"id"`
		Kind string `db:"kind"`
		Name string `db:"name"`
	}
	if err := sqlx.SelectContext(ctx, q, &svcs, `SELECT id, kind, name FROM services WHERE installation_id = $1 AND id = ANY($2)`,
		installationID, pq.Array(serviceIDs)); err != nil {
		return certificate.Content{}, fmt.Errorf("services of certificate: %w", err)
	}
	for _, sv := range svcs {
		services[sv.ID] = certificate.Line{Service: sv.Name, Kind: sv.Kind}
	}
	return certificate.Build(year,
		certificate.Comune{Name: com.Name, Address: com.Address, FiscalCode: com.FiscalCode, Office: com.Office, Signatory: com.Signatory},
		certificate.Person{Name: payer.FirstName + " " + payer.LastName, FiscalCode: payer.FiscalCode},
		res, children, services), nil
}

// CertificateContent computes what the certificate of an adult's year
// would state now, without issuing it (the year still running).
// ErrNotFound: nothing paid by traceable means that year.
func (s *Store) CertificateContent(ctx context.Context, installationID, adultID int64, year int) (certificate.Content, error) {
	c, err := computeCertificate(ctx, s.db, installationID, adultID, year)
	if err == nil && c.TotalCents == 0 && c.UnusedCents == 0 {
		err = ErrNotFound
	}
	return c, err
}

// LatestCertificate is the newest version of an adult's certificate of a year.
func (s *Store) LatestCertificate(ctx context.Context, installationID, adultID int64, year int) (*Certificate, error) {
	var c Certificate
	err := s.db.GetContext(ctx, &c, `SELECT `+certificateColumns+` FROM certificates c
		WHERE c.installation_id = $1 AND c.adult_id = $2 AND c.year = $3 ORDER BY c.version DESC LIMIT 1`,
		installationID, adultID, year)
	if err != nil {
		return nil, fmt.Errorf("certificate of adult %d, %d: %w", adultID, year, notFound(err))
	}
	return &c, nil
}

// CertificateByCode finds a version of the installation by its
// verification code.
func (s *Store) CertificateByCode(ctx context.Context, installationID int64, code string) (*Certificate, error) {
	var c Certificate
	err := s.db.GetContext(ctx, &c, `SELECT `+certificateColumns+` FROM certificates c
		WHERE c.installation_id = $1 AND c.code = $2`, installationID, code)
	if err != nil {
		return nil, fmt.Errorf("certificate by code: %w", notFound(err))
	}
	return &c, nil
}

// CertificateSettings are the Comune's data for the certificate.
type CertificateSettings struct {
	FiscalCode string `db:"comune_fiscal_code"`
	Signatory  string `db:"signatory"`
}

// CertificateSettingsOf loads the settings (empty when never saved).
func (s *Store) CertificateSettingsOf(ctx context.Context, installationID int64) (CertificateSettings, error) {
	var cs CertificateSettings
	err := s.db.GetContext(ctx, &cs, `SELECT comune_fiscal_code, signatory FROM certificate_settings WHERE installation_id = $1`, installationID)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return cs, fmt.Errorf("certificate settings: %w", err)
	}
	return cs, nil
}

// SaveCertificateSettings stores the settings.
func (s *Store) SaveCertificateSettings(ctx context.Context, installationID int64, cs CertificateSettings) error {
	_, err := s.db.ExecContext(ctx, `
		INSERT INTO certificate_settings (installation_id, comune_fiscal_code, signatory) VALUES ($1, $2, $3)
		ON CONFLICT (installation_id) DO UPDATE SET comune_fiscal_code = EXCLUDED.comune_fiscal_code, signatory = EXCLUDED.signatory`,
		installationID, cs.FiscalCode, cs.Signatory)
	if err != nil {
		return fmt.Errorf("save certificate settings: %w", err)
	}
	return nil
}
