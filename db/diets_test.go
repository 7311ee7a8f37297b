package db_test

import (
	"context"
	"errors"
	"testing"

	"portalegenitori/db"
	"portalegenitori/db/dbtest"
	"portalegenitori/internal/calendar"
)

// TestPurgeDietCertificates: with a pinned day, a certificate is deleted
// the day after its diet's validity end plus the Comune's retention (a
// rejected request's, after the decision plus the retention), once; the
// tombstone keeps type, size, when and by what, and the audit log says so.
// A request is decided once.
func TestPurgeDietCertificates(t *testing.T) {
	t.Parallel()
	s, _ := dbtest.New(t)
	ctx := context.Background()
	q := s.DB()
	var inst, sofia, luca, mario, glutenFree int64
	dbtest.Get(t, q, &inst, `SELECT id FROM installations WHERE code = 'demo'`)
	dbtest.Get(t, q, &sofia, `SELECT id FROM children WHERE installation_id = $1 AND first_name = 'Sofia'`, inst)
	dbtest.Get(t, q, &luca, `SELECT id FROM children WHERE installation_id = $1 AND first_name = 'Luca'`, inst)
	dbtest.Get(t, q, &mario, `SELECT id FROM accounts WHERE installation_id = $1 AND username = 'mario.rossi'`, inst)
	dbtest.Get(t, q, &glutenFree, `SELECT id FROM diets WHERE installation_id = $1 AND name = 'Senza glutine'`, inst)
	add := func(child int64) int64 {
		id, err := s.AddDietRequest(ctx, db.NewDietRequest{InstallationID: inst, ChildID: child, Kind: "coeliac", Restriction: "Senza glutine",
			By: mario, CertType: "application/pdf", CertSize: 9, Seal: func(int64) (string, error) { return "v0:%PDF-1.4", nil }})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	accepted, rejected := add(sofia), add(luca)
	today := calendar.Day(2026, 11, 30)
	d := db.DietDecision{InstallationID: inst, RequestID: accepted, Accept: true, DietID: glutenFree,
		From: calendar.Day(2027, 1, 11), To: calendar.Day(2027, 1, 31), By: mario, Today: today}
	if _, err := s.DecideDietRequest(ctx, d); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DecideDietRequest(ctx, d); !errors.Is(err, db.ErrDietRequestDecided) {
		t.Fatalf("second decision: %v", err)
	}
	for day, want := range map[string]bool{"2027-01-10": false, "2027-01-11": true, "2027-01-31": true, "2027-02-01": false} {
		on, _ := calendar.ParseDate(day)
		got, err := s.DietInForce(ctx, inst, sofia, on)
		if err != nil || got.Valid != want || (want && got.Int64 != glutenFree) {
			t.Fatalf("diet in force on %s: %v (%v)", day, got, err)
		}
	}
	if _, err := s.DecideDietRequest(ctx, db.DietDecision{InstallationID: inst, RequestID: rejected, Note: "Certificato illeggibile", By: mario}); err != nil {
		t.Fatal(err)
	}
	q.MustExec(`UPDATE diet_requests SET decided_at = '2026-11-30 10:00+01' WHERE id = $1`, rejected)
	if err := s.SetDietRetentionDays(ctx, inst, 10); err != nil {
		t.Fatal(err)
	}
	purge := func(day string, want int) {
		t.Helper()
		d, _ := calendar.ParseDate(day)
		n, err := s.PurgeDietCertificates(ctx, d)
		if err != nil || n != want {
			t.Fatalf("purge on %s: %d deleted (%v), want %d", day, n, err, want)
		}
	}
	purge("2026-12-10", 0) // rejected on 30/11, kept 10 days: through 10/12
	purge("2026-12-11", 1)
	purge("2027-02-10", 0) // valid to 31/01, kept through 10/02
	purge("2027-02-11", 1)
	purge("2027-12-31", 0)
	var tomb struct {
		Sealed    *string `db:"sealed"`
		DeletedBy string  `db:"deleted_by"`
		Size      int     `db:"size_bytes"`
		Type      string  `db:"content_type"`
		Deleted   bool    `db:"deleted"`
	}
	dbtest.Get(t, q, &tomb, `SELECT sealed, deleted_by, size_bytes, content_type, deleted_at IS NOT NULL AS deleted FROM diet_certificates WHERE request_id = $1`, accepted)
	if tomb.Sealed != nil || tomb.DeletedBy != "retention" || tomb.Size != 9 || tomb.Type != "application/pdf" || !tomb.Deleted {
		t.Fatalf("tombstone %+v", tomb)
	}
	var audited int
	dbtest.Get(t, q, &audited, `SELECT count(*) FROM audit_log WHERE action = 'diet_certificate_delete' AND actor = 'retention'`)
	if audited != 2 {
		t.Fatalf("%d deletions audited, want 2", audited)
	}
}
