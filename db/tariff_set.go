package db

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/lib/pq"
)

// The tariffs by ISEE of many enrollments in one statement: the rule of
// TariffFor written as SQL over a set of (child, service) pairs, so a page
// statement can carry them (the family home, page_family.go).
// TestTariffsOnMatchTariffFor holds the two to the same answers.

// TariffKey names a child's enrollment in a service.
type TariffKey struct{ ChildID, ServiceID int64 }

// EnrollmentTariff is the tariff of a child in a service on a day.
type EnrollmentTariff struct {
	TariffKey
	Tariff
}

// tariffsSQL selects, for each row (child_id, service_id) of the relation
// tq whose service has tariffs by ISEE, the parts of TariffFor's tariff on
// the day :day; $1 is the installation. The rule, as in TariffFor: the
// non-resident rate when the paying adult is not resident and the service
// has one; else the first band of the paying adult's confirmed ISEE valid
// on the day (the latest applies_from winning), the maximum without one,
// the maximum above every band; then the sibling reduction when an older
// child (birth date, then id) of the same paying adult is enrolled in the
// service on the day. A child without a paying adult pays the maximum.
const tariffsSQL = `
	SELECT tq.child_id, tq.service_id, k.kind,
	       CASE WHEN k.kind = 'band' THEN b.id END AS band_id,
	       CASE WHEN k.kind = 'band' THEN b.band END AS band,
	       CASE WHEN k.kind = 'band' THEN b.isee_to_cents END AS up_to_cents,
	       CASE k.kind WHEN 'nonresident' THEN r.nonresident_cents WHEN 'band' THEN b.amount_cents ELSE r.max_cents END AS base_cents,
	       CASE WHEN p.adult_id IS NOT NULL AND r.sibling_percent > 0 AND EXISTS (
	            SELECT 1 FROM guardianships g2
	            JOIN children c2 ON c2.installation_id = g2.installation_id AND c2.id = g2.child_id
	            JOIN enrollments e2 ON e2.installation_id = c2.installation_id AND e2.child_id = c2.id AND e2.service_id = tq.service_id
	                 AND :day::date BETWEEN e2.starts_on AND e2.ends_on
	            WHERE g2.installation_id = $1 AND g2.adult_id = p.adult_id AND g2.role = 'payer' AND c2.id <> tq.child_id
	              AND (c2.birth_date, c2.id) < (p.birth_date, tq.child_id))
	       THEN r.sibling_percent ELSE 0 END AS sibling_percent
	FROM tq
	JOIN tariff_rules r ON r.installation_id = $1 AND r.service_id = tq.service_id
	LEFT JOIN LATERAL (
		SELECT g.adult_id, a.resident, c.birth_date FROM guardianships g
		JOIN adults a ON a.installation_id = g.installation_id AND a.id = g.adult_id
		JOIN children c ON c.installation_id = g.installation_id AND c.id = g.child_id
		WHERE g.installation_id = $1 AND g.child_id = tq.child_id AND g.role = 'payer') p ON true
	LEFT JOIN LATERAL (
		SELECT d.isee_cents FROM isee_declarations d
		WHERE d.installation_id = $1 AND d.adult_id = p.adult_id AND d.status = 'confermata'
		  AND d.applies_from <= :day::date AND d.expires_on >= :day::date
		ORDER BY d.applies_from DESC, d.decided_at DESC, d.id DESC LIMIT 1) i ON true
	LEFT JOIN LATERAL (
		SELECT b.id, b.band, b.isee_to_cents, b.amount_cents FROM tariff_bands b
		WHERE b.installation_id = $1 AND b.service_id = tq.service_id AND i.isee_cents BETWEEN b.isee_from_cents AND b.isee_to_cents
		ORDER BY b.band LIMIT 1) b ON true
	CROSS JOIN LATERAL (SELECT CASE
		WHEN p.adult_id IS NOT NULL AND NOT p.resident AND r.nonresident_cents IS NOT NULL THEN 'nonresident'
		WHEN i.isee_cents IS NULL THEN 'max'
		WHEN b.id IS NULL THEN 'above'
		ELSE 'band' END AS kind) k`

// tariffsOn is tariffsSQL with the day's placeholder.
func tariffsOn(day string) string { return strings.ReplaceAll(tariffsSQL, ":day", day) }

// tariffRow is a row of tariffsSQL.
type tariffRow struct {
	ChildID   int64         `db:"child_id"`
	ServiceID int64         `db:"service_id"`
	Kind      string        `db:"kind"`
	BandID    sql.NullInt64 `db:"band_id"`
	Band      sql.NullInt64 `db:"band"`
	UpTo      sql.NullInt64 `db:"up_to_cents"`
	Base      int64         `db:"base_cents"`
	Sibling   int           `db:"sibling_percent"`
}

func tariffsOf(rows []tariffRow) []EnrollmentTariff {
	out := make([]EnrollmentTariff, len(rows))
	for i, r := range rows {
		var band *TariffBandRow
		if r.Kind == TariffBand {
			band = &TariffBandRow{ID: r.BandID.Int64, Band: int(r.Band.Int64), ToCents: r.UpTo.Int64}
		}
		out[i] = EnrollmentTariff{TariffKey{r.ChildID, r.ServiceID}, tariffOf(r.Kind, r.Base, band, r.Sibling)}
	}
	return out
}

// TariffsOn is TariffFor of each key on a day, in one statement; keys of a
// service without tariffs by ISEE are left out (where TariffFor answers
// ErrNoTariffRules). The order is by child and service.
func (s *Store) TariffsOn(ctx context.Context, installationID int64, keys []TariffKey, on time.Time) ([]EnrollmentTariff, error) {
	children, services := make([]int64, len(keys)), make([]int64, len(keys))
	for i, k := range keys {
		children[i], services[i] = k.ChildID, k.ServiceID
	}
	var raw []byte
	err := s.pageDB(ctx).QueryRowxContext(ctx, `WITH tq AS (
		SELECT DISTINCT child_id, service_id FROM unnest($2::bigint[], $3::bigint[]) AS k (child_id, service_id)
	) SELECT json_agg(t ORDER BY t.child_id, t.service_id) FROM (`+tariffsOn("$4")+`) t`,
		installationID, pq.Array(children), pq.Array(services), on).Scan(&raw)
	if err != nil {
		return nil, fmt.Errorf("tariffs by ISEE: %w", err)
	}
	var rows []tariffRow
	if err := scanJSON(raw, &rows); err != nil {
		return nil, err
	}
	return tariffsOf(rows), nil
}

// TariffOf finds the tariff of a key in a list of TariffsOn.
func TariffOf(list []EnrollmentTariff, childID, serviceID int64) (Tariff, bool) {
	for _, t := range list {
		if t.ChildID == childID && t.ServiceID == serviceID {
			return t.Tariff, true
		}
	}
	return Tariff{}, false
}
