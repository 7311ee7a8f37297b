package db_test

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"testing"

	"portalegenitori/db/dbtest"
)

// TestDataVersionTriggers: a write to each tracked table gives a new
// version to exactly the child, adult or installation it concerns, in its
// transaction; what is rolled back, what another Comune writes, and the
// pagoPA bookkeeping columns change nothing.
func TestDataVersionTriggers(t *testing.T) {
	t.Parallel()
	s, _ := dbtest.New(t)
	d := lookupDemo(t, s)
	q := s.DB()
	snapshot := func() map[string]int64 {
		t.Helper()
		var rows []struct {
			Key     string `db:"key"`
			Version int64  `db:"version"`
		}
		dbtest.Select(t, q, &rows, `SELECT scope::text || ':' || id AS key, version FROM data_versions WHERE installation_id = $1`, d.inst)
		m := map[string]int64{}
		for _, r := range rows {
			m[r.Key] = r.Version
		}
		return m
	}
	var other int64
	dbtest.Get(t, q, &other, `SELECT id FROM installations WHERE id <> $1 ORDER BY id LIMIT 1`, d.inst)
	child := func(id int64) string { return fmt.Sprintf("c:%d", id) }
	adult := func(id int64) string { return fmt.Sprintf("a:%d", id) }
	const inst = "i:0"

	for _, c := range []struct {
		name string
		sql  string
		want []string
	}{
		{"attendance recorded", `INSERT INTO attendance (installation_id, child_id, service_id, day, status, source)
			VALUES ($1, $2, $4, '2027-05-05', 'present', 'staff')`, []string{child(d.luca)}},
		{"attendance corrected", `UPDATE attendance SET status = 'absent' WHERE child_id = $2 AND day = '2027-05-05'`, []string{child(d.luca)}},
		{"attendance deleted", `DELETE FROM attendance WHERE child_id = $2 AND day = '2027-05-05'`, []string{child(d.luca)}},
		{"meal change", `INSERT INTO meal_changes (installation_id, child_id, service_id, day, state, previous, accepted_at, cutoff_at,
			actor_name, channel, receipt_code, request_key)
			VALUES ($1, $3, $4, '2027-05-05', 'cancelled', 'booked', now(), now() + interval '1 day', 'Laura', 'parent', 'R1', 'k-versions')`, []string{child(d.sofia)}},
		{"charge for a child", `INSERT INTO ledger_entries (installation_id, adult_id, kind, amount_cents, entry_date, child_id, idempotency_key)
			VALUES ($1, $5, 'charge', -480, '2027-05-05', $2, 'v-1')`, []string{adult(d.mario), child(d.luca)}},
		{"top-up", `INSERT INTO ledger_entries (installation_id, adult_id, kind, amount_cents, entry_date, idempotency_key)
			VALUES ($1, $5, 'topup', 1000, '2027-05-05', 'v-2')`, []string{adult(d.mario)}},
		{"enrollment changed", `UPDATE enrollments SET tariff_name = tariff_name WHERE child_id = $2 AND service_id = $4`, []string{child(d.luca)}},
		{"enrollment event", `INSERT INTO enrollment_events (installation_id, enrollment_id, kind, effective_on)
			SELECT installation_id, id, 'changed', '2027-05-05' FROM enrollments WHERE child_id = $3 LIMIT 1`, []string{child(d.sofia)}},
		{"guardianship added", `INSERT INTO guardianships (installation_id, child_id, adult_id, role) VALUES ($1, $2, $6, 'guardian')`,
			[]string{child(d.luca), adult(d.giulia)}},
		{"guardianship removed", `DELETE FROM guardianships WHERE child_id = $2 AND adult_id = $6`, []string{child(d.luca), adult(d.giulia)}},
		{"child's class", `UPDATE children SET class_name = class_name || 'x' WHERE id = $3`, []string{child(d.sofia)}},
		{"adult's e-mail", `UPDATE adults SET email = 'l@example.org' WHERE id = $7`, []string{adult(d.laura)}},
		{"credit request", `INSERT INTO credit_requests (installation_id, adult_id, kind, amount_cents, iban, holder, requested_by)
			SELECT $1, $5, 'refund', 100, 'IT60X0542811101000000123456', 'Mario', id FROM accounts WHERE installation_id = $1 LIMIT 1`,
			[]string{adult(d.mario)}},
		{"pagoPA notice", `INSERT INTO pagopa_positions (installation_id, adult_id, kind, status, iupd, iuv, notice_number,
			amount_cents, description, due_date, attempt_key)
			VALUES ($1, $5, 'notice', 'pending', 'IUPD-V', '012345678901234', '301234567890123456', 1500, 'Avviso', '2027-06-01', 'v')`,
			[]string{adult(d.mario)}},
		{"pagoPA poll", `UPDATE pagopa_positions SET checks = checks + 1, last_checked_at = now(), next_check_at = now(),
			last_error = 'timeout' WHERE attempt_key = 'v'`, nil},
		{"pagoPA paid", `UPDATE pagopa_positions SET status = 'paid' WHERE attempt_key = 'v'`, []string{adult(d.mario)}},
		{"closure", `INSERT INTO closures (installation_id, day, description) VALUES ($1, '2027-05-06', 'Elezioni')`, []string{inst}},
		{"service renamed", `UPDATE services SET name = name || ' ' WHERE id = $4`, []string{inst}},
		{"school renamed", `UPDATE schools SET name = name || ' ' WHERE installation_id = $1`, []string{inst}},
		{"diet renamed", `UPDATE diets SET name = name || ' ' WHERE installation_id = $1`, []string{inst}},
		{"booking settings", `UPDATE booking_settings SET cutoff_time = '09:00' WHERE installation_id = $1`, []string{inst}},
		{"pagoPA settings", `UPDATE pagopa_settings SET updated_at = now() WHERE installation_id = $1`, []string{inst}},
		{"pagoPA reconciliation run", `UPDATE pagopa_settings SET last_run_at = now(), last_run_checked = 3, last_run_paid = 1,
			last_run_errors = 1, last_run_error = 'x' WHERE installation_id = $1`, nil},
		{"the Comune's settings", `UPDATE installations SET office_hours = 'lun-ven' WHERE id = $1`, []string{inst}},
		{"another Comune's closure", `INSERT INTO closures (installation_id, day, description) VALUES ($8, '2027-05-06', 'Altro')`, nil},
	} {
		before := snapshot()
		ids := []int64{d.inst, d.luca, d.sofia, d.mensa, d.mario, d.giulia, d.laura, other}
		stmt := regexp.MustCompile(`\$[1-8]`).ReplaceAllStringFunc(c.sql, func(p string) string { return fmt.Sprint(ids[p[1]-'1']) })
		if _, err := q.Exec(stmt); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		after := snapshot()
		var changed []string
		for k, v := range after {
			if before[k] != v {
				changed = append(changed, k)
			}
		}
		slices.Sort(changed)
		want := slices.Sorted(slices.Values(c.want))
		if !slices.Equal(changed, want) {
			t.Fatalf("%s: new versions for %v, want %v", c.name, changed, want)
		}
		for _, k := range changed {
			if after[k] <= before[k] {
				t.Fatalf("%s: %s went from %d to %d", c.name, k, before[k], after[k])
			}
		}
	}

	// a rolled-back write leaves every version as it was
	before := snapshot()
	tx, err := q.BeginTx(context.Background(), &sql.TxOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(`INSERT INTO closures (installation_id, day, description) VALUES ($1, '2027-05-07', 'Forse')`, d.inst); err != nil {
		t.Fatal(err)
	}
	var inside int64
	if err := tx.QueryRow(`SELECT version FROM data_versions WHERE installation_id = $1 AND scope = 'i'`, d.inst).Scan(&inside); err != nil {
		t.Fatal(err)
	}
	if inside == before[inst] {
		t.Fatal("the closure's transaction does not see its new version")
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if after := snapshot(); !maps.Equal(before, after) {
		t.Fatalf("a rollback changed versions: %v, was %v", after, before)
	}
}
