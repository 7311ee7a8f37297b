package db

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"portalegenitori/internal/money"
	"portalegenitori/internal/text"
)

// Errors of the tariffs by ISEE.
var (
	// ErrNoTariffRules: the service has no tariffs by ISEE; its enrollments
	// keep the tariff the office types in.
	ErrNoTariffRules = fmt.Errorf("no tariffs by ISEE for the service: %w", ErrNotFound)
	// ErrDeclarationDecided: the declaration was confirmed, rejected or
	// replaced meanwhile.
	ErrDeclarationDecided = fmt.Errorf("ISEE declaration already decided: %w", ErrConflict)
	// ErrTariffsChanged: another clerk saved the service's tariffs after the
	// form was loaded.
	ErrTariffsChanged = fmt.Errorf("tariffs changed meanwhile: %w", ErrConflict)
	// ErrRetroactive: a date before today without an explicit, reasoned
	// "rettifica retroattiva".
	ErrRetroactive = errors.New("a date before today needs a retroactive adjustment with a reason")
	// ErrAfterExpiry: the band would apply from after the ISEE's expiry.
	ErrAfterExpiry = errors.New("the date is after the ISEE's expiry")
	// ErrBandsOverlap: bands unordered or overlapping.
	ErrBandsOverlap = errors.New("tariff bands unordered or overlapping")
)

// Tariff kinds.
const (
	TariffBand        = "band"        // a band by the confirmed ISEE
	TariffMax         = "max"         // no valid ISEE confirmed
	TariffAboveBands  = "above"       // a valid ISEE above every band: the maximum
	TariffNonResident = "nonresident" // the paying adult is not resident
)

// Tariff is what a child's enrollment in a service costs on a day (per
// meal, or per month for monthly billing), and why.
type Tariff struct {
	Name   string // short, for the enrollment: "Fascia 2"
	Cents  int64
	Why    string // in Italian: "fascia 2, ISEE fino a € 12.000,00"
	BandID *int64
	// the parts of Why, for other languages
	Kind           string
	Band           int
	UpToCents      int64
	SiblingPercent int // the reduction applied, 0 when none
}

// TariffRules are a service's rules; Bands ordered by band number.
type TariffRules struct {
	ServiceID        int64         `db:"service_id"`
	MaxCents         int64         `db:"max_cents"`
	NonResidentCents sql.NullInt64 `db:"nonresident_cents"`
	SiblingPercent   int           `db:"sibling_percent"`
	Version          int           `db:"version"`
	Bands            []TariffBandRow
}

// TariffBandRow is one band: ISEE from..to, both included.
type TariffBandRow struct {
	ID        int64 `db:"id"`
	Band      int   `db:"band"`
	FromCents int64 `db:"isee_from_cents"`
	ToCents   int64 `db:"isee_to_cents"`
	Cents     int64 `db:"amount_cents"`
}

// TariffRulesOf loads a service's rules and bands; ErrNoTariffRules when
// it has none.
func (s *Store) TariffRulesOf(ctx context.Context, installationID, serviceID int64) (*TariffRules, error) {
	return tariffRulesOf(ctx, s.db, installationID, serviceID)
}

func tariffRulesOf(ctx context.Context, q sqlx.QueryerContext, installationID, serviceID int64) (*TariffRules, error) {
	var r TariffRules
	err := sqlx.GetContext(ctx, q, &r, `SELECT service_id, max_cents, nonresident_cents, sibling_percent, version
		FROM tariff_rules WHERE installation_id = $1 AND service_id = $2`, installationID, serviceID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoTariffRules
	}
	if err != nil {
		return nil, fmt.Errorf("tariff rules of service %d: %w", serviceID, err)
	}
	err = sqlx.SelectContext(ctx, q, &r.Bands, `SELECT id, band, isee_from_cents, isee_to_cents, amount_cents
		FROM tariff_bands WHERE installation_id = $1 AND service_id = $2 ORDER BY band`, installationID, serviceID)
	return &r, wrap("tariff bands", err)
}

// CheckBands reports whether bands (in band order) are ordered by ISEE and
// do not overlap: each starts after the previous one ends.
func CheckBands(bands []TariffBandRow) error {
	for i, b := range bands {
		if b.FromCents < 0 || b.ToCents < b.FromCents || b.Cents < 0 {
			return ErrBandsOverlap
		}
		if i > 0 && b.FromCents <= bands[i-1].ToCents {
			return ErrBandsOverlap
		}
	}
	return nil
}

// SaveTariffRules replaces a service's rules and bands in one transaction,
// with the audit row; version is the form's copy (0 for a service without
// rules yet).
func (s *Store) SaveTariffRules(ctx context.Context, installationID int64, r TariffRules, by int64, actor string) error {
	if err := CheckBands(r.Bands); err != nil {
		return err
	}
	return s.WithTx(ctx, func(tx *sqlx.Tx) error {
		var version int
		err := tx.GetContext(ctx, &version, `SELECT version FROM tariff_rules WHERE installation_id = $1 AND service_id = $2 FOR UPDATE`,
			installationID, r.ServiceID)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			version = 0
		case err != nil:
			return fmt.Errorf("lock tariff rules: %w", err)
		}
		if version != r.Version {
			return ErrTariffsChanged
		}
		if version == 0 {
			_, err = tx.ExecContext(ctx, `INSERT INTO tariff_rules (installation_id, service_id, max_cents, nonresident_cents, sibling_percent, updated_by)
				VALUES ($1, $2, $3, $4, $5, $6)`, installationID, r.ServiceID, r.MaxCents, r.NonResidentCents, r.SiblingPercent, by)
		} else {
			_, err = tx.ExecContext(ctx, `UPDATE tariff_rules SET max_cents = $3, nonresident_cents = $4, sibling_percent = $5,
				updated_by = $6, updated_at = now(), version = version + 1 WHERE installation_id = $1 AND service_id = $2`,
				installationID, r.ServiceID, r.MaxCents, r.NonResidentCents, r.SiblingPercent, by)
		}
		if err != nil {
			return fmt.Errorf("save tariff rules: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM tariff_bands WHERE installation_id = $1 AND service_id = $2`, installationID, r.ServiceID); err != nil {
			return fmt.Errorf("replace tariff bands: %w", err)
		}
		for i, b := range r.Bands {
			if _, err := tx.ExecContext(ctx, `INSERT INTO tariff_bands (installation_id, service_id, band, isee_from_cents, isee_to_cents, amount_cents)
				VALUES ($1, $2, $3, $4, $5, $6)`, installationID, r.ServiceID, i+1, b.FromCents, b.ToCents, b.Cents); err != nil {
				return fmt.Errorf("tariff band %d: %w", i+1, err)
			}
		}
		return auditTx(ctx, tx, AuditEvent{InstallationID: installationID, AccountID: by, Actor: actor, Action: "tariff_rules_save",
			Outcome: "success", Detail: map[string]any{"service": r.ServiceID, "max_cents": r.MaxCents, "nonresident_cents": r.NonResidentCents,
				"sibling_percent": r.SiblingPercent, "bands": r.Bands}})
	})
}

// auditTx appends an audit row within tx, so the action and its record
// commit together.
func auditTx(ctx context.Context, tx *sqlx.Tx, e AuditEvent) error {
	detail, err := json.Marshal(e.Detail)
	if err != nil || e.Detail == nil {
		detail = []byte("{}")
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO audit_log (installation_id, account_id, actor, action, outcome, ip, detail)
		VALUES (NULLIF($1, 0), NULLIF($2, 0), $3, $4, $5, $6, $7)`, e.InstallationID, e.AccountID, e.Actor, e.Action, e.Outcome, e.IP, detail)
	return wrap("audit "+e.Action, err)
}

// TariffFor is the tariff a child's enrollment in a service should have on
// a day: the non-resident rate when the paying adult is not resident (and
// the service has one); otherwise the band of the paying adult's confirmed
// ISEE valid on the day (applies_from <= on <= expires_on, the latest
// applies_from winning), or the maximum when there is none or it is above
// every band; then the sibling reduction for the second and further child
// (oldest first) of the same paying adult enrolled in the service on the
// day. ErrNoTariffRules when the service has no tariffs by ISEE.
func (s *Store) TariffFor(ctx context.Context, q sqlx.QueryerContext, installationID, serviceID, childID int64, on time.Time) (Tariff, error) {
	if q == nil {
		q = s.pageDB(ctx) // a page's read: prepared, and on the replica when the request's reads go there
	}
	return tariffFor(ctx, q, installationID, serviceID, childID, on)
}

func tariffFor(ctx context.Context, q sqlx.QueryerContext, installationID, serviceID, childID int64, on time.Time) (Tariff, error) {
	var t Tariff
	var r struct {
		Max         int64         `db:"max_cents"`
		NonResident sql.NullInt64 `db:"nonresident_cents"`
		Sibling     int           `db:"sibling_percent"`
	}
	err := sqlx.GetContext(ctx, q, &r, `SELECT max_cents, nonresident_cents, sibling_percent FROM tariff_rules
		WHERE installation_id = $1 AND service_id = $2`, installationID, serviceID)
	if errors.Is(err, sql.ErrNoRows) {
		return t, ErrNoTariffRules
	}
	if err != nil {
		return t, fmt.Errorf("tariff rules: %w", err)
	}
	var payer struct {
		AdultID   int64     `db:"adult_id"`
		Resident  bool      `db:"resident"`
		BirthDate time.Time `db:"birth_date"`
	}
	err = sqlx.GetContext(ctx, q, &payer, `SELECT g.adult_id, a.resident, c.birth_date FROM guardianships g
		JOIN adults a ON a.installation_id = g.installation_id AND a.id = g.adult_id
		JOIN children c ON c.installation_id = g.installation_id AND c.id = g.child_id
		WHERE g.installation_id = $1 AND g.child_id = $2 AND g.role = 'payer'`, installationID, childID)
	hasPayer := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return t, fmt.Errorf("paying adult of child %d: %w", childID, err)
	}
	kind, base := TariffMax, r.Max
	var band *TariffBandRow
	switch {
	case hasPayer && !payer.Resident && r.NonResident.Valid:
		kind, base = TariffNonResident, r.NonResident.Int64
	case hasPayer:
		var isee int64
		err := sqlx.GetContext(ctx, q, &isee, `SELECT isee_cents FROM isee_declarations
			WHERE installation_id = $1 AND adult_id = $2 AND status = 'confermata' AND applies_from <= $3 AND expires_on >= $3
			ORDER BY applies_from DESC, decided_at DESC, id DESC LIMIT 1`, installationID, payer.AdultID, on)
		if errors.Is(err, sql.ErrNoRows) {
			break
		}
		if err != nil {
			return t, fmt.Errorf("ISEE of adult %d: %w", payer.AdultID, err)
		}
		var b TariffBandRow
		err = sqlx.GetContext(ctx, q, &b, `SELECT id, band, isee_from_cents, isee_to_cents, amount_cents FROM tariff_bands
			WHERE installation_id = $1 AND service_id = $2 AND $3 BETWEEN isee_from_cents AND isee_to_cents ORDER BY band LIMIT 1`,
			installationID, serviceID, isee)
		if errors.Is(err, sql.ErrNoRows) {
			kind = TariffAboveBands
			break
		}
		if err != nil {
			return t, fmt.Errorf("tariff band: %w", err)
		}
		kind, base, band = TariffBand, b.Cents, &b
	}
	sibling := 0
	if hasPayer && r.Sibling > 0 {
		var older int
		err := sqlx.GetContext(ctx, q, &older, `SELECT count(DISTINCT c.id) FROM guardianships g
			JOIN children c ON c.installation_id = g.installation_id AND c.id = g.child_id
			JOIN enrollments e ON e.installation_id = c.installation_id AND e.child_id = c.id AND e.service_id = $3
			     AND $4::date BETWEEN e.starts_on AND e.ends_on
			WHERE g.installation_id = $1 AND g.adult_id = $2 AND g.role = 'payer' AND c.id <> $5
			  AND (c.birth_date, c.id) < ($6::date, $5::bigint)`,
			installationID, payer.AdultID, serviceID, on, childID, payer.BirthDate)
		if err != nil {
			return t, fmt.Errorf("siblings of child %d: %w", childID, err)
		}
		if older > 0 {
			sibling = r.Sibling
		}
	}
	return tariffOf(kind, base, band, sibling), nil
}

// tariffOf is the tariff of a kind from its parts, named and explained:
// base is the amount before the sibling reduction, band the band of a
// TariffBand. TariffFor and the set-based tariffs (tariff_set.go) share it,
// so both explain a tariff in the same words.
func tariffOf(kind string, base int64, band *TariffBandRow, sibling int) Tariff {
	var t Tariff
	switch kind {
	case TariffNonResident:
		t = Tariff{Kind: kind, Name: "Non residenti", Cents: base, Why: "tariffa non residenti"}
	case TariffAboveBands:
		t = Tariff{Kind: kind, Name: "Tariffa massima", Cents: base, Why: "tariffa massima: ISEE oltre le fasce"}
	case TariffBand:
		id := band.ID
		t = Tariff{Kind: kind, Name: fmt.Sprintf("Fascia %d", band.Band), Cents: base, BandID: &id, Band: band.Band, UpToCents: band.ToCents,
			Why: fmt.Sprintf("fascia %d, ISEE fino a %s", band.Band, money.Format(band.ToCents, "it"))}
	default:
		t = Tariff{Kind: TariffMax, Name: "Tariffa massima", Cents: base, Why: "tariffa massima: nessun ISEE valido"}
	}
	if sibling > 0 {
		t.SiblingPercent = sibling
		t.Cents = (t.Cents*int64(100-sibling) + 50) / 100
		t.Name += fmt.Sprintf(" (riduzione fratelli %d%%)", sibling)
		t.Why += fmt.Sprintf(", riduzione fratelli %d%%", sibling)
	}
	return t
}

// EnrollmentTariffName is the tariff's name as the enrollment keeps it
// (the family home shows it): the reason, capitalised.
func (t Tariff) EnrollmentTariffName() string {
	if t.Why == "" {
		return t.Name
	}
	return text.Truncate(strings.ToUpper(t.Why[:1])+t.Why[1:], 80)
}

// ISEEDeclaration is a family's ISEE as declared and, later, decided.
type ISEEDeclaration struct {
	ID             int64          `db:"id"`
	InstallationID int64          `db:"installation_id"`
	AdultID        int64          `db:"adult_id"`
	AdultName      string         `db:"adult_name"`
	ISEECents      int64          `db:"isee_cents"`
	DSUProtocol    string         `db:"dsu_protocol"`
	ExpiresOn      time.Time      `db:"expires_on"`
	Status         string         `db:"status"` // dichiarata, confermata, respinta, sostituita
	DeclaredBy     int64          `db:"declared_by"`
	DeclaredAt     time.Time      `db:"declared_at"`
	DecidedBy      sql.NullString `db:"decided_by_name"`
	DecidedAt      sql.NullTime   `db:"decided_at"`
	AppliesFrom    sql.NullTime   `db:"applies_from"`
	Retroactive    bool           `db:"retroactive"`
	Reason         string         `db:"reason"`
}

// State is the status as the family reads it on day: a confirmed
// declaration past its expiry is "scaduta".
func (d ISEEDeclaration) State(today time.Time) string {
	if (d.Status == "confermata" || d.Status == "dichiarata") && d.ExpiresOn.Before(today) {
		return "scaduta"
	}
	return d.Status
}

// DeclareISEETx records a family's declaration as "dichiarata" (to be
// verified) and returns its id. A declaration still waiting for the office
// is replaced ("sostituita") by the new one.
func (s *Store) DeclareISEETx(ctx context.Context, tx *sqlx.Tx, d ISEEDeclaration) (int64, error) {
	// the adult's row orders two declarations sent at once: the second
	// replaces the first instead of colliding with it on the one-open index
	if _, err := tx.ExecContext(ctx, `SELECT 1 FROM adults WHERE installation_id = $1 AND id = $2 FOR UPDATE`, d.InstallationID, d.AdultID); err != nil {
		return 0, fmt.Errorf("lock the declaring adult: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE isee_declarations SET status = 'sostituita', decided_at = now()
		WHERE installation_id = $1 AND adult_id = $2 AND status = 'dichiarata'`, d.InstallationID, d.AdultID); err != nil {
		return 0, fmt.Errorf("replace open ISEE declaration: %w", err)
	}
	var by any
	if d.DeclaredBy != 0 {
		by = d.DeclaredBy
	}
	var id int64
	err := tx.GetContext(ctx, &id, `INSERT INTO isee_declarations (installation_id, adult_id, isee_cents, dsu_protocol, expires_on, declared_by)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, d.InstallationID, d.AdultID, d.ISEECents, d.DSUProtocol, d.ExpiresOn, by)
	return id, wrap("declare ISEE", err)
}

// DeclareISEE is DeclareISEETx in its own transaction, with the audit row.
func (s *Store) DeclareISEE(ctx context.Context, d ISEEDeclaration, actor, ip string) (int64, error) {
	var id int64
	err := s.WithTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		if id, err = s.DeclareISEETx(ctx, tx, d); err != nil {
			return err
		}
		return auditTx(ctx, tx, AuditEvent{InstallationID: d.InstallationID, AccountID: d.DeclaredBy, Actor: actor, IP: ip,
			Action: "isee_declare", Outcome: "success", Detail: map[string]any{"declaration": id, "adult": d.AdultID}})
	})
	return id, err
}

const qISEEDeclarations = `
	SELECT d.id, d.installation_id, d.adult_id, a.first_name || ' ' || a.last_name AS adult_name, d.isee_cents, d.dsu_protocol,
	       d.expires_on, d.status, coalesce(d.declared_by, 0) AS declared_by, d.declared_at, db.username AS decided_by_name,
	       d.decided_at, d.applies_from, d.retroactive, d.reason
	FROM isee_declarations d
	JOIN adults a ON a.installation_id = d.installation_id AND a.id = d.adult_id
	LEFT JOIN accounts db ON db.installation_id = d.installation_id AND db.id = d.decided_by`

// ISEEDeclarationsOf lists an adult's declarations, newest first (replaced
// ones left out).
func (s *Store) ISEEDeclarationsOf(ctx context.Context, installationID, adultID int64) ([]ISEEDeclaration, error) {
	var list []ISEEDeclaration
	err := sqlx.SelectContext(ctx, s.pageDB(ctx), &list, qISEEDeclarations+` WHERE d.installation_id = $1 AND d.adult_id = $2 AND d.status <> 'sostituita'
		ORDER BY d.declared_at DESC, d.id DESC`, installationID, adultID)
	return list, wrap("ISEE declarations of adult", err)
}

// ISEEHistoryOf lists all of an adult's declarations, the replaced ones
// too, newest first: the adult's data export.
func (s *Store) ISEEHistoryOf(ctx context.Context, installationID, adultID int64) ([]ISEEDeclaration, error) {
	var list []ISEEDeclaration
	err := sqlx.SelectContext(ctx, s.db, &list, qISEEDeclarations+` WHERE d.installation_id = $1 AND d.adult_id = $2
		ORDER BY d.declared_at DESC, d.id DESC`, installationID, adultID)
	return list, wrap("ISEE history of adult", err)
}

// ISEEQueue lists the declarations waiting for the office (oldest first),
// then the last decided ones.
func (s *Store) ISEEQueue(ctx context.Context, installationID int64, decided int) ([]ISEEDeclaration, error) {
	var list []ISEEDeclaration
	err := s.db.SelectContext(ctx, &list, `(`+qISEEDeclarations+` WHERE d.installation_id = $1 AND d.status = 'dichiarata' ORDER BY d.declared_at, d.id)
		UNION ALL (`+qISEEDeclarations+` WHERE d.installation_id = $1 AND d.status IN ('confermata', 'respinta')
		ORDER BY d.decided_at DESC NULLS LAST, d.id DESC LIMIT $2)`, installationID, decided)
	return list, wrap("ISEE queue", err)
}

// ISEEDecision is the office's decision on a declaration.
type ISEEDecision struct {
	InstallationID, DeclarationID int64
	Confirm                       bool
	AppliesFrom                   time.Time // confirm: the first day of the band
	Retroactive                   bool      // confirm: AppliesFrom before Today, explicitly
	Reason                        string    // rejection, or the retroactive adjustment's reason
	By                            int64
	Actor, IP                     string
	Today                         time.Time
}

// ISEEDecisionResult is what a confirmation did to the enrollments.
type ISEEDecisionResult struct {
	AdultID int64
	Changed int // enrollments continued with a new tariff
	Ledger  EnrollmentChangeResult
}

// DecideISEE confirms or rejects a declaration in one transaction, with its
// audit row. Confirming applies the tariffs of the paying adult's children
// from AppliesFrom (ApplyTariffsTx): charges before the date stay as they
// are; charges from the date are reversed and made again at the new tariff.
func (s *Store) DecideISEE(ctx context.Context, dec ISEEDecision) (ISEEDecisionResult, error) {
	var res ISEEDecisionResult
	err := s.WithTx(ctx, func(tx *sqlx.Tx) error {
		var d struct {
			AdultID   int64     `db:"adult_id"`
			Status    string    `db:"status"`
			ExpiresOn time.Time `db:"expires_on"`
			ISEE      int64     `db:"isee_cents"`
		}
		if err := tx.GetContext(ctx, &d, `SELECT adult_id, status, expires_on, isee_cents FROM isee_declarations
			WHERE installation_id = $1 AND id = $2 FOR UPDATE`, dec.InstallationID, dec.DeclarationID); err != nil {
			return fmt.Errorf("ISEE declaration %d: %w", dec.DeclarationID, notFound(err))
		}
		if d.Status != "dichiarata" {
			return ErrDeclarationDecided
		}
		res.AdultID = d.AdultID
		detail := map[string]any{"declaration": dec.DeclarationID, "adult": d.AdultID}
		if !dec.Confirm {
			if _, err := tx.ExecContext(ctx, `UPDATE isee_declarations SET status = 'respinta', reason = $3, decided_by = $4, decided_at = now()
				WHERE installation_id = $1 AND id = $2`, dec.InstallationID, dec.DeclarationID, dec.Reason, dec.By); err != nil {
				return fmt.Errorf("reject ISEE declaration: %w", err)
			}
			detail["reason"] = dec.Reason
			return auditTx(ctx, tx, AuditEvent{InstallationID: dec.InstallationID, AccountID: dec.By, Actor: dec.Actor, IP: dec.IP,
				Action: "isee_reject", Outcome: "success", Detail: detail})
		}
		if dec.AppliesFrom.Before(dec.Today) && (!dec.Retroactive || strings.TrimSpace(dec.Reason) == "") {
			return ErrRetroactive
		}
		if dec.AppliesFrom.After(d.ExpiresOn) {
			return ErrAfterExpiry
		}
		retro := dec.AppliesFrom.Before(dec.Today)
		reason := ""
		if retro {
			reason = dec.Reason
		}
		if _, err := tx.ExecContext(ctx, `UPDATE isee_declarations SET status = 'confermata', applies_from = $3, retroactive = $4, reason = $5,
			decided_by = $6, decided_at = now() WHERE installation_id = $1 AND id = $2`,
			dec.InstallationID, dec.DeclarationID, dec.AppliesFrom, retro, reason, dec.By); err != nil {
			return fmt.Errorf("confirm ISEE declaration: %w", err)
		}
		why := "Tariffa dall'ISEE confermato dal " + dec.AppliesFrom.Format("02/01/2006")
		if retro {
			why = "Rettifica retroattiva: " + reason
		}
		var err error
		res.Changed, res.Ledger, err = ApplyTariffsTx(ctx, tx, dec.InstallationID, d.AdultID, dec.AppliesFrom, dec.Today, dec.By, why)
		if err != nil {
			return err
		}
		detail["applies_from"] = dec.AppliesFrom.Format(time.DateOnly)
		detail["isee_cents"] = d.ISEE
		detail["enrollments_changed"] = res.Changed
		detail["ledger"] = res.Ledger
		action := "isee_confirm"
		if retro {
			action = "isee_confirm_retroactive"
			detail["reason"] = reason
		}
		return auditTx(ctx, tx, AuditEvent{InstallationID: dec.InstallationID, AccountID: dec.By, Actor: dec.Actor, IP: dec.IP,
			Action: action, Outcome: "success", Detail: detail})
	})
	return res, err
}

// ApplyTariffsTx sets the tariff by ISEE of every enrollment of the
// children adultID pays for, in a service with tariffs by ISEE, from the
// day from on: where the tariff TariffFor gives differs from the
// enrollment's, the enrollment continues with the new tariff through
// ChangeEnrollment (charges from that day reversed and made again). The
// days a tariff can change within an enrollment are checked too: the day a
// confirmed ISEE starts to apply and the day after one expires, so the
// maximum tariff follows an expiry without a job. It returns the number of
// changes and their ledger total.
func ApplyTariffsTx(ctx context.Context, tx *sqlx.Tx, installationID, adultID int64, from, today time.Time, by int64, reason string) (int, EnrollmentChangeResult, error) {
	var total EnrollmentChangeResult
	// serialise with other tariff applications for the same family
	if _, err := tx.ExecContext(ctx, `SELECT 1 FROM adults WHERE installation_id = $1 AND id = $2 FOR NO KEY UPDATE`, installationID, adultID); err != nil {
		return 0, total, fmt.Errorf("lock adult %d: %w", adultID, err)
	}
	type enr struct {
		ID          int64         `db:"id"`
		ChildID     int64         `db:"child_id"`
		ServiceID   int64         `db:"service_id"`
		StartsOn    time.Time     `db:"starts_on"`
		EndsOn      time.Time     `db:"ends_on"`
		DietID      sql.NullInt64 `db:"diet_id"`
		TariffName  string        `db:"tariff_name"`
		TariffCents int64         `db:"tariff_cents"`
		Billing     string        `db:"billing"`
		Version     int           `db:"version"`
	}
	var list []enr
	if err := tx.SelectContext(ctx, &list, `SELECT e.id, e.child_id, e.service_id, e.starts_on, e.ends_on, e.diet_id, e.tariff_name,
			e.tariff_cents, e.billing, e.version
		FROM enrollments e
		JOIN guardianships g ON g.installation_id = e.installation_id AND g.child_id = e.child_id AND g.role = 'payer'
		JOIN tariff_rules r ON r.installation_id = e.installation_id AND r.service_id = e.service_id
		WHERE e.installation_id = $1 AND g.adult_id = $2 AND e.ends_on >= $3 AND e.ends_on >= e.starts_on
		ORDER BY e.child_id, e.service_id, e.starts_on, e.id`, installationID, adultID, from); err != nil {
		return 0, total, fmt.Errorf("enrollments to apply tariffs to: %w", err)
	}
	var marks []time.Time
	if err := tx.SelectContext(ctx, &marks, `SELECT applies_from FROM isee_declarations
		WHERE installation_id = $1 AND adult_id = $2 AND status = 'confermata'
		UNION SELECT expires_on + 1 FROM isee_declarations WHERE installation_id = $1 AND adult_id = $2 AND status = 'confermata'`,
		installationID, adultID); err != nil {
		return 0, total, fmt.Errorf("ISEE dates: %w", err)
	}
	changed := 0
	for _, e := range list {
		start := from
		if e.StartsOn.After(start) {
			start = e.StartsOn
		}
		days := []time.Time{start}
		for _, m := range marks {
			if m.After(start) && !m.After(e.EndsOn) {
				days = append(days, m)
			}
		}
		sort.Slice(days, func(i, j int) bool { return days[i].Before(days[j]) })
		cur := e
		for _, day := range days {
			t, err := tariffFor(ctx, tx, installationID, e.ServiceID, e.ChildID, day)
			if err != nil {
				return 0, total, err
			}
			name := t.EnrollmentTariffName()
			if t.Cents == cur.TariffCents && name == cur.TariffName {
				continue
			}
			var diet *int64
			if cur.DietID.Valid {
				diet = &cur.DietID.Int64
			}
			r, err := changeEnrollment(ctx, tx, EnrollmentChange{InstallationID: installationID, EnrollmentID: cur.ID, Version: cur.Version,
				From: day, ServiceID: cur.ServiceID, DietID: diet, TariffName: name, TariffCents: t.Cents, Billing: cur.Billing,
				Reason: reason, By: by, Today: today})
			if err != nil {
				return 0, total, fmt.Errorf("apply tariff to enrollment %d: %w", cur.ID, err)
			}
			changed++
			total.Reversed += r.Reversed
			total.ReversedCents += r.ReversedCents
			total.Charged += r.Charged
			total.ChargedCents += r.ChargedCents
			cur.ID, cur.Version, cur.TariffName, cur.TariffCents, cur.StartsOn = r.NewEnrollmentID, 1, name, t.Cents, day
		}
	}
	return changed, total, nil
}

// AdultResident reports whether the office has the adult as resident.
func (s *Store) AdultResident(ctx context.Context, installationID, adultID int64) (bool, error) {
	var r bool
	err := s.db.GetContext(ctx, &r, `SELECT resident FROM adults WHERE installation_id = $1 AND id = $2`, installationID, adultID)
	if err != nil {
		return false, fmt.Errorf("residency of adult %d: %w", adultID, notFound(err))
	}
	return r, nil
}

// SetResident records the adult's residency and applies the tariffs of the
// children they pay for from today, in one transaction with the audit row.
func (s *Store) SetResident(ctx context.Context, installationID, adultID int64, resident bool, by int64, actor, ip string, today time.Time) (int, error) {
	var changed int
	err := s.WithTx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE adults SET resident = $3, updated_at = now() WHERE installation_id = $1 AND id = $2 AND resident <> $3`,
			installationID, adultID, resident)
		if err != nil {
			return fmt.Errorf("residency of adult %d: %w", adultID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // already so (or no such adult: the caller loaded it)
		}
		why := "Residenza aggiornata dal " + today.Format("02/01/2006")
		if changed, _, err = ApplyTariffsTx(ctx, tx, installationID, adultID, today, today, by, why); err != nil {
			return err
		}
		return auditTx(ctx, tx, AuditEvent{InstallationID: installationID, AccountID: by, Actor: actor, IP: ip, Action: "adult_residency",
			Outcome: "success", Detail: map[string]any{"adult": adultID, "resident": resident, "enrollments_changed": changed}})
	})
	return changed, err
}

// IsPayer reports whether the adult pays for at least one child.
func (s *Store) IsPayer(ctx context.Context, installationID, adultID int64) (bool, error) {
	var ok bool
	err := s.db.GetContext(ctx, &ok, `SELECT EXISTS (SELECT 1 FROM guardianships WHERE installation_id = $1 AND adult_id = $2 AND role = 'payer')`,
		installationID, adultID)
	return ok, wrap("paying adult", err)
}

// ISEEDeclarationByID loads one declaration of the installation.
func (s *Store) ISEEDeclarationByID(ctx context.Context, installationID, id int64) (*ISEEDeclaration, error) {
	var d ISEEDeclaration
	if err := s.db.GetContext(ctx, &d, qISEEDeclarations+` WHERE d.installation_id = $1 AND d.id = $2`, installationID, id); err != nil {
		return nil, fmt.Errorf("ISEE declaration %d: %w", id, notFound(err))
	}
	return &d, nil
}
