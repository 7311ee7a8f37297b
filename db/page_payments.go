package db

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// PaymentsPage is what the payments page (or the statement) of a viewer
// shows, read in one statement: the paying adults of the viewer's
// children, the chosen one's entries under the filter, totals, balance.
type PaymentsPage struct {
	Adult     *Adult
	Payers    []Payer
	Payer     *Payer         // nil: the viewer's children have no paying adult, or PayerID is not one of them
	Children  []ChildSummary // the viewer's children: ID, first and last name
	Services  []Enrollment   // the enrollments of the payer's children (the viewer's) in the school year: child, service and its name, start
	Totals    LedgerTotals
	Balance   int64
	Entries   []LedgerEntry // newest first; without AdultID, ServiceKind, ReversesID, CreatedAt
	Page      int           // the page shown: the one asked for, within the pages the totals make
	Opening   int64         // the net of the entries before From (Opening asked)
	PagoPA    *PagoPASettings
	Positions []Position // the payer's pending pagoPA notices (PagoPA asked and on)
}

// PaymentsQuery names the page: the viewer, the paying adult asked for,
// the filter (zero values: none), paging.
type PaymentsQuery struct {
	InstallationID, AdultID int64
	LinkedFiscalCode        sql.NullString
	PayerID                 int64 // 0: the first, the viewer when they pay
	SchoolYear              int
	From, To                time.Time
	ChildID, ServiceID      int64
	Kind                    string
	Limit, Page             int  // Limit 0: every entry
	Opening                 bool // the net before From, for a statement's running balance
	PagoPA                  bool // the pagoPA settings and the payer's pending notices
}

// Each part reads only the columns the pages show (the filter's lists, the
// table): every column of every row is a value converted to JSON on each
// request (docs/performance.md).
//
// The payers are reached through the viewer's guardianships only; a
// guardian who does not pay sees the entries about their own children and
// those about no child, never another family's (restrict), and a child or
// service filter outside the payer's lists selects nothing.
const qPaymentsPage = `
WITH ad AS (
	SELECT installation_id, id, fiscal_code, first_name, last_name, email, mobile
	FROM adults WHERE installation_id = $1 AND id = $2
), vg AS (
	SELECT g.installation_id, g.child_id, g.role FROM ad JOIN guardianships g ON g.installation_id = ad.installation_id AND g.adult_id = ad.id
	WHERE $3::text IS NULL OR ad.fiscal_code = $3
), kids AS (
	SELECT c.id, c.first_name, c.last_name, row_number() OVER (ORDER BY c.birth_date, c.first_name, c.id) AS ord
	FROM vg g
	JOIN children c ON c.installation_id = g.installation_id AND c.id = g.child_id
), payers AS (
	SELECT p.adult_id, a.first_name || ' ' || a.last_name AS name, array_agg(g.child_id ORDER BY g.child_id) AS children,
	       row_number() OVER (ORDER BY p.adult_id = $2 DESC, a.last_name, a.first_name, p.adult_id) AS ord
	FROM vg g
	JOIN guardianships p ON p.installation_id = g.installation_id AND p.child_id = g.child_id AND p.role = 'payer'
	JOIN adults a ON a.installation_id = p.installation_id AND a.id = p.adult_id
	GROUP BY p.adult_id, a.first_name, a.last_name
), payer AS (
	SELECT adult_id, name, children, CASE WHEN adult_id = $2 THEN NULL ELSE children END AS restrict
	FROM payers WHERE $4::bigint IS NULL OR adult_id = $4 ORDER BY ord LIMIT 1
), svc AS (
	SELECT e.child_id, e.service_id, sv.name AS service_name, e.starts_on
	FROM enrollments e
	JOIN services sv ON sv.installation_id = e.installation_id AND sv.id = e.service_id
	WHERE e.installation_id = $1 AND e.child_id = ANY((SELECT children FROM payer)::bigint[]) AND e.school_year = $5
	  AND e.ends_on >= e.starts_on
), sel AS (
	SELECT l.* FROM ledger_entries l
	WHERE l.installation_id = $1 AND l.adult_id = (SELECT adult_id FROM payer)
	  AND ($6::date IS NULL OR l.entry_date >= $6::date)
	  AND ($7::date IS NULL OR l.entry_date <= $7::date)
	  AND ($8::bigint IS NULL OR (l.child_id = $8::bigint AND $8::bigint = ANY((SELECT children FROM payer)::bigint[])))
	  AND ($9::bigint IS NULL OR (l.service_id = $9::bigint AND $9::bigint IN (SELECT service_id FROM svc)))
	  AND ($10::text IS NULL OR l.kind = $10::text)
	  AND ((SELECT restrict FROM payer) IS NULL OR l.child_id IS NULL OR l.child_id = ANY((SELECT restrict FROM payer)::bigint[]))
), totals AS (
	SELECT count(*)::int AS count,
	       coalesce(sum(amount_cents) FILTER (WHERE amount_cents > 0), 0) AS credits,
	       coalesce(sum(amount_cents) FILTER (WHERE amount_cents < 0), 0) AS debits
	FROM sel
), pg AS (
	SELECT CASE WHEN $11::int IS NULL THEN 1
	            ELSE least(greatest($12::int, 1), greatest(1, (count + $11::int - 1) / $11::int)) END AS page
	FROM totals
), ps AS (
	SELECT ` + pagopaSettingsCols + ` FROM pagopa_settings WHERE installation_id = $1 AND $14::bool
)
SELECT
	(SELECT row_to_json(ad) FROM ad) AS adult,
	(SELECT json_agg(x ORDER BY x.ord) FROM (SELECT adult_id, name, children, ord FROM payers) x) AS payers,
	(SELECT row_to_json(x) FROM (SELECT adult_id, name, children FROM payer) x) AS payer,
	(SELECT json_agg(to_jsonb(kids) - 'ord' ORDER BY ord) FROM kids) AS children,
	(SELECT json_agg(svc ORDER BY svc.child_id, svc.service_id, svc.starts_on) FROM svc) AS services,
	(SELECT row_to_json(totals) FROM totals) AS totals,
	(SELECT coalesce(sum(amount_cents), 0) FROM ledger_entries
		WHERE installation_id = $1 AND adult_id = (SELECT adult_id FROM payer)) AS balance,
	(SELECT json_agg(x ORDER BY x.entry_date DESC, x.id DESC) FROM (
		SELECT l.id, l.kind, l.amount_cents, l.entry_date, l.child_id, coalesce(c.first_name, '') AS child_name,
		       l.service_id, coalesce(sv.name, '') AS service_name,
		       l.attendance_day, l.channel, l.receipt_ref, l.reason
		FROM (SELECT * FROM sel ORDER BY entry_date DESC, id DESC
		      LIMIT $11 OFFSET ((SELECT page FROM pg) - 1) * coalesce($11::int, 0)) l
		LEFT JOIN children c ON c.installation_id = l.installation_id AND c.id = l.child_id
		LEFT JOIN services sv ON sv.installation_id = l.installation_id AND sv.id = l.service_id) x) AS entries,
	(SELECT page FROM pg) AS page,
	(SELECT coalesce(sum(l.amount_cents), 0) FROM ledger_entries l
		WHERE $13::bool AND $6::date IS NOT NULL
		  AND l.installation_id = $1 AND l.adult_id = (SELECT adult_id FROM payer) AND l.entry_date < $6::date
		  AND ((SELECT restrict FROM payer) IS NULL OR l.child_id IS NULL OR l.child_id = ANY((SELECT restrict FROM payer)::bigint[]))) AS opening,
	(SELECT to_jsonb(ps) - 'api_key_sealed' FROM ps) AS pagopa,
	(SELECT json_agg(x ORDER BY x.created_at DESC, x.id DESC) FROM (
		SELECT ` + positionCols + positionFrom + `
		WHERE p.installation_id = $1 AND p.adult_id = (SELECT adult_id FROM payer) AND p.status = '` + PositionPending + `'
		  AND (SELECT enabled FROM ps)
		ORDER BY p.created_at DESC, p.id DESC LIMIT 50) x) AS positions`

// PaymentsPage reads the payments page (or statement) in one statement.
func (s *Store) PaymentsPage(ctx context.Context, q PaymentsQuery) (*PaymentsPage, error) {
	opt := func(ok bool, v any) any {
		if ok {
			return v
		}
		return nil
	}
	var raw struct {
		Adult, Payers, Payer, Children, Services, Totals []byte
		Balance                                          int64
		Entries                                          []byte
		Page                                             int
		Opening                                          int64
		PagoPA, Positions                                []byte
	}
	err := s.pageDB(ctx).QueryRowxContext(ctx, qPaymentsPage, q.InstallationID, q.AdultID, q.LinkedFiscalCode,
		opt(q.PayerID != 0, q.PayerID), q.SchoolYear, opt(!q.From.IsZero(), q.From), opt(!q.To.IsZero(), q.To),
		opt(q.ChildID != 0, q.ChildID), opt(q.ServiceID != 0, q.ServiceID), opt(q.Kind != "", q.Kind),
		opt(q.Limit > 0, q.Limit), q.Page, q.Opening, q.PagoPA).Scan(&raw.Adult, &raw.Payers, &raw.Payer, &raw.Children,
		&raw.Services, &raw.Totals, &raw.Balance, &raw.Entries, &raw.Page, &raw.Opening, &raw.PagoPA, &raw.Positions)
	if err != nil {
		return nil, fmt.Errorf("payments page of adult %d: %w", q.AdultID, err)
	}
	p := &PaymentsPage{Balance: raw.Balance, Page: raw.Page, Opening: raw.Opening}
	if p.Adult, err = scanJSONOne[Adult](raw.Adult); err != nil {
		return nil, err
	}
	if p.Payer, err = scanJSONOne[Payer](raw.Payer); err != nil {
		return nil, err
	}
	if p.PagoPA, err = scanJSONOne[PagoPASettings](raw.PagoPA); err != nil {
		return nil, err
	}
	if q.PagoPA && p.PagoPA == nil {
		d := DefaultPagoPASettings(q.InstallationID)
		p.PagoPA = &d
	}
	var payers []struct {
		Payer
		Ord int `db:"ord"`
	}
	for _, l := range []struct {
		raw  []byte
		dest any
	}{{raw.Payers, &payers}, {raw.Children, &p.Children}, {raw.Services, &p.Services}, {raw.Totals, &p.Totals},
		{raw.Entries, &p.Entries}, {raw.Positions, &p.Positions}} {
		if err := scanJSON(l.raw, l.dest); err != nil {
			return nil, err
		}
	}
	for _, x := range payers {
		p.Payers = append(p.Payers, x.Payer)
	}
	return p, nil
}
