package db

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// Data versions (migrations/00030_data_versions.sql, docs/caching.md):
// triggers set a new version of a child, an adult or the installation in
// the transaction of every write that touches it. A page's ETag is made of
// the versions of everything the page shows; these reads return them as
// one string, in one statement that also checks that the viewer may see
// the page. ok is false when it may not: the caller renders the page the
// normal way, which answers the refusal.

// Both read where the page's own reads go (pageDB: prepared, on the replica
// when the request's reads go there), and before them: a
// version read on the primary with a page read on a lagging replica would
// tag old rows with the new version, and keep them until the next write.

// ChildPageVersions are the versions behind a page about one child (the
// attendance calendar): the installation and the child. The child must be
// one the adult guards (a guardianship change is the child's version);
// linkedCF, when valid, must still be the adult's codice fiscale (a stale
// link sees no child). The adult's own version (its ledger, its pagoPA
// notices) does not count: the page shows the child's charges only.
func (s *Store) ChildPageVersions(ctx context.Context, inst, adultID int64, linkedCF sql.NullString, childID int64) (versions string, ok bool, err error) {
	err = s.pageDB(ctx).QueryRowxContext(ctx, `SELECT v.ok, v.versions FROM (`+childVersionsSQL+`) v`,
		inst, adultID, childID, linkedCF).Scan(&ok, &versions)
	if err != nil {
		return "", false, fmt.Errorf("child page versions: %w", err)
	}
	return versions, ok, nil
}

// FamilyPageVersions are the versions behind a page about the whole family
// of an adult (payments, statement): the installation, the adult, every
// child the adult guards and every adult who guards one of them (the
// payers whose ledgers the page can show).
func (s *Store) FamilyPageVersions(ctx context.Context, inst, adultID int64, linkedCF sql.NullString) (versions string, ok bool, err error) {
	err = s.pageDB(ctx).QueryRowxContext(ctx, `SELECT v.ok, v.versions FROM (`+familyVersionsSQL+`) v`,
		inst, adultID, linkedCF).Scan(&ok, &versions)
	if err != nil {
		return "", false, fmt.Errorf("family page versions: %w", err)
	}
	return versions, ok, nil
}

// The two reads as subqueries of (ok, versions), over $1 the installation,
// $2 the adult and the linked codice fiscale ($4 for a child page, $3 for a
// family page) and $3 the child; versionsOf rewrites them for the session
// statement, which takes these from the session's account.
const childVersionsSQL = `
	SELECT EXISTS (SELECT 1 FROM adults ad
	               JOIN guardianships g ON g.installation_id = ad.installation_id AND g.adult_id = ad.id AND g.child_id = $3
	               WHERE ad.installation_id = $1 AND ad.id = $2 AND ($4::text IS NULL OR ad.fiscal_code = $4)) AS ok,
	       coalesce((SELECT string_agg(d.scope::text || d.id || ':' || d.version, ',' ORDER BY d.scope, d.id)
	                 FROM data_versions d
	                 WHERE d.installation_id = $1 AND (d.scope, d.id) IN (('i', 0), ('c', $3))), '') AS versions`

const familyVersionsSQL = `
	WITH me AS (
	    SELECT ad.id FROM adults ad
	    WHERE ad.installation_id = $1 AND ad.id = $2 AND ($3::text IS NULL OR ad.fiscal_code = $3)
	), kids AS (
	    SELECT g.child_id FROM guardianships g JOIN me ON g.adult_id = me.id WHERE g.installation_id = $1
	), keys AS (
	    SELECT 'i'::"char" AS scope, 0::bigint AS id
	    UNION SELECT 'a', id FROM me
	    UNION SELECT 'c', child_id FROM kids
	    UNION SELECT 'a', g.adult_id FROM guardianships g
	          WHERE g.installation_id = $1 AND g.child_id IN (SELECT child_id FROM kids)
	)
	SELECT EXISTS (SELECT 1 FROM me) AS ok,
	       coalesce((SELECT string_agg(d.scope::text || d.id || ':' || d.version, ',' ORDER BY d.scope, d.id)
	                 FROM data_versions d JOIN keys k ON k.scope = d.scope AND k.id = d.id
	                 WHERE d.installation_id = $1), '') AS versions`

// versionsOf is a page's versions subquery reading the installation, the
// adult and the linked codice fiscale from the session's account (a), the
// child from $3.
func versionsOf(page VersionPage) string {
	switch page {
	case ChildVersions:
		return strings.NewReplacer("$1", "a.installation_id", "$2", "a.adult_id", "$4", "a.linked_fiscal_code").Replace(childVersionsSQL)
	case FamilyVersions:
		return strings.NewReplacer("$1", "a.installation_id", "$2", "a.adult_id", "$3", "a.linked_fiscal_code").Replace(familyVersionsSQL)
	}
	return ""
}
