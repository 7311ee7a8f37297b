package delivery_test

import (
	"context"
	"testing"
	"time"

	"portalegenitori/db/dbtest"
	"portalegenitori/delivery"
)

// TestDietRetentionJob: the worker's periodic job deletes the certificate
// of a diet whose validity ended long ago (the retention is counted with
// the real clock here), and only that one.
func TestDietRetentionJob(t *testing.T) {
	t.Parallel()
	store, _ := dbtest.New(t)
	q := store.DB()
	var inst, luca, sofia, mario, diet int64
	dbtest.Get(t, q, &inst, `SELECT id FROM installations WHERE code = 'demo'`)
	dbtest.Get(t, q, &luca, `SELECT id FROM children WHERE installation_id = $1 AND first_name = 'Luca'`, inst)
	dbtest.Get(t, q, &sofia, `SELECT id FROM children WHERE installation_id = $1 AND first_name = 'Sofia'`, inst)
	dbtest.Get(t, q, &mario, `SELECT id FROM accounts WHERE installation_id = $1 AND username = 'mario.rossi'`, inst)
	dbtest.Get(t, q, &diet, `SELECT id FROM diets WHERE installation_id = $1 AND name = 'Senza glutine'`, inst)
	for _, r := range []struct {
		child int64
		to    string
	}{{luca, "2025-06-30"}, {sofia, "2099-06-30"}} {
		var id int64
		dbtest.Get(t, q, &id, `INSERT INTO diet_requests (installation_id, child_id, kind, restriction, status, requested_by, decided_by, decided_at,
			diet_id, valid_from, valid_to) VALUES ($1, $2, 'coeliac', 'Senza glutine', 'accepted', $3, $3, now(), $4, '2024-09-01', $5) RETURNING id`,
			inst, r.child, mario, diet, r.to)
		q.MustExec(`INSERT INTO diet_certificates (installation_id, request_id, content_type, size_bytes, sealed)
			VALUES ($1, $2, 'application/pdf', 9, 'v0:%PDF-1.4')`, inst, id)
	}
	w := worker(t, store, 1, "http://127.0.0.1:1", delivery.Options{})
	if err := w.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer stopWorker(t, w)
	deadline := time.Now().Add(60 * time.Second)
	for {
		var deleted, kept int
		dbtest.Get(t, q, &deleted, `SELECT count(*) FROM diet_certificates c JOIN diet_requests r ON r.id = c.request_id
			WHERE r.child_id = $1 AND c.sealed IS NULL AND c.deleted_by = 'retention'`, luca)
		dbtest.Get(t, q, &kept, `SELECT count(*) FROM diet_certificates c JOIN diet_requests r ON r.id = c.request_id
			WHERE r.child_id = $1 AND c.sealed IS NOT NULL`, sofia)
		if kept != 1 {
			t.Fatal("the job deleted a certificate still needed")
		}
		if deleted == 1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the certificate past its retention was not deleted")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
