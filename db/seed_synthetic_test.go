package db_test

import (
	"context"
	"testing"

	"portalegenitori/db"
	"portalegenitori/db/dbtest"
	"portalegenitori/internal/calendar"
)

// A small synthetic city (`genitori bench --children 200`) has three
// schools: every child must still get one, and its guardians.
func TestSeedSyntheticSmallCity(t *testing.T) {
	t.Parallel()
	s, _ := dbtest.New(t)
	ctx := context.Background()
	res, err := s.SeedSynthetic(ctx, db.SyntheticOptions{Code: "piccola", Children: 200,
		Start: calendar.Day(2026, 9, 7), Until: calendar.Day(2026, 9, 30)})
	if err != nil {
		t.Fatal(err)
	}
	var children, orphans, schoolless int
	q := s.DB()
	if err := q.GetContext(ctx, &children, `SELECT count(*) FROM children WHERE installation_id = $1`, res.InstallationID); err != nil {
		t.Fatal(err)
	}
	if err := q.GetContext(ctx, &orphans, `SELECT count(*) FROM children c WHERE c.installation_id = $1
		AND NOT EXISTS (SELECT FROM guardianships g WHERE g.installation_id = c.installation_id AND g.child_id = c.id AND g.role = 'payer')`, res.InstallationID); err != nil {
		t.Fatal(err)
	}
	if err := q.GetContext(ctx, &schoolless, `SELECT count(*) FROM children WHERE installation_id = $1 AND school_id IS NULL`, res.InstallationID); err != nil {
		t.Fatal(err)
	}
	if children != 200 || orphans != 0 || schoolless != 0 {
		t.Errorf("%d children (want 200), %d without a payer, %d without a school", children, orphans, schoolless)
	}
	if err := s.SeedSyntheticPanels(ctx, res.InstallationID); err != nil {
		t.Fatal(err)
	}
}
