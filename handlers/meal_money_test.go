package handlers_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"portalegenitori/db"
	"portalegenitori/internal/calendar"
)

// TestMealChangeMoneyAuditAndReceipt: what a parent's meal change leaves
// behind, written in the change's one transaction: the refund of a day
// already charged (once), the attendance, the audit row with its outcome
// and receipt, the receipt's e-mail job, the child's data version; a
// replay, a change to the same state and a refusal move no money and
// enqueue nothing; a change the kitchen's freeze refuses leaves nothing.
func TestMealChangeMoneyAuditAndReceipt(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := demoFamily(t, e)
	day := nextSchoolDay(t, e)
	far := schoolDayOnOrAfter(t, e, day.AddDate(0, 0, 31)) // beyond the 30 days ahead
	q := e.store.DB()
	ctx := context.Background()
	var inst, acc, payer int64
	mustGet(t, q, &inst, `SELECT id FROM installations WHERE code = 'demo'`)
	mustGet(t, q, &acc, `SELECT id FROM accounts WHERE installation_id = $1 AND username = 'mario.rossi'`, inst)
	mustGet(t, q, &payer, `SELECT adult_id FROM guardianships WHERE installation_id = $1 AND child_id = $2 AND role = 'payer'`, inst, f.luca)
	q.MustExec(`INSERT INTO booking_receipt_emails (installation_id, account_id) VALUES ($1, $2)`, inst, acc)
	// the day is already charged (as the register or the charge at the cut-off would)
	charge, _, err := e.store.AddEntry(ctx, db.NewEntry{InstallationID: inst, AdultID: payer, Kind: db.KindCharge, AmountCents: -480,
		EntryDate: day, ChildID: &f.luca, ServiceID: &f.mensa, AttendanceDay: &day, IdempotencyKey: db.ChargeKey(f.luca, f.mensa, day)})
	if err != nil {
		t.Fatal(err)
	}
	mario := signedIn(t, e, "mario.rossi", "Mensa-Scuola-2026")
	type after struct {
		entries int   // ledger entries of the day
		net     int64 // their sum
		jobs    int   // receipt jobs
		version int64 // the child's data version
		changes int
		audits  int
	}
	state := func() after {
		var a after
		mustGet(t, q, &a.entries, `SELECT count(*) FROM ledger_entries WHERE installation_id = $1 AND child_id = $2 AND attendance_day = $3`, inst, f.luca, day)
		mustGet(t, q, &a.net, `SELECT coalesce(sum(amount_cents), 0) FROM ledger_entries WHERE installation_id = $1 AND child_id = $2 AND attendance_day = $3`, inst, f.luca, day)
		mustGet(t, q, &a.jobs, `SELECT count(*) FROM river_job WHERE kind = 'meal_receipt' AND (args->>'account_id')::bigint = $1`, acc)
		mustGet(t, q, &a.version, `SELECT coalesce(max(version), 0) FROM data_versions WHERE installation_id = $1 AND scope = 'c' AND id = $2`, inst, f.luca)
		mustGet(t, q, &a.changes, `SELECT count(*) FROM meal_changes WHERE installation_id = $1 AND child_id = $2`, inst, f.luca)
		mustGet(t, q, &a.audits, `SELECT count(*) FROM audit_log WHERE installation_id = $1 AND action = 'meal_change'`, inst)
		return a
	}
	lastAudit := func() (outcome string, detail map[string]any) {
		var row struct {
			Outcome   string `db:"outcome"`
			Detail    []byte `db:"detail"`
			AccountID int64  `db:"account_id"`
			Actor     string `db:"actor"`
			IP        string `db:"ip"`
		}
		if err := q.Get(&row, `SELECT outcome, detail::text::bytea AS detail, account_id, actor, ip FROM audit_log
			WHERE installation_id = $1 AND action = 'meal_change' ORDER BY id DESC LIMIT 1`, inst); err != nil {
			t.Fatal(err)
		}
		if row.AccountID != acc || row.Actor != "mario.rossi" || row.IP == "" {
			t.Fatalf("audit row by %d %q from %q", row.AccountID, row.Actor, row.IP)
		}
		if err := json.Unmarshal(row.Detail, &detail); err != nil {
			t.Fatal(err)
		}
		return row.Outcome, detail
	}
	lastReceipt := func() string {
		var code string
		mustGet(t, q, &code, `SELECT receipt_code FROM meal_changes WHERE installation_id = $1 AND child_id = $2 ORDER BY id DESC LIMIT 1`, inst, f.luca)
		return code
	}
	cases := []struct {
		name, state, key string
		day              time.Time
		outcome          string
		changes          int   // new meal changes
		entries          int   // new ledger entries
		net              int64 // the day's net after
		jobs             int
		receipt          string // "new", "same" (as the last change), "" (none)
		refused          string
	}{
		{"cancel a day already charged: refunded", "cancelled", "test-money-01", day, "success", 1, 1, 0, 1, "new", ""},
		{"the same form again: nothing twice", "cancelled", "test-money-01", day, "replay", 0, 0, 0, 0, "same", ""},
		{"a fresh form to the same state", "cancelled", "test-money-02", day, "unchanged", 0, 0, 0, 0, "", ""},
		{"booked again in time: not charged", "booked", "test-money-03", day, "success", 1, 0, 0, 1, "new", ""},
		{"cancelled again: the charge was refunded once", "cancelled", "test-money-04", day, "success", 1, 0, 0, 1, "new", ""},
		{"refused: beyond the days ahead", "cancelled", "test-money-05", far, "refused", 0, 0, 0, 0, "", "ahead"},
	}
	for _, c := range cases {
		before := state()
		p := mario.post(mealURL(f.luca, f.mensa, c.day), mealForm(c.state, c.key))
		wantStatus(t, p, http.StatusSeeOther)
		now := state()
		if d := now.changes - before.changes; d != c.changes {
			t.Errorf("%s: %d meal changes, want %d", c.name, d, c.changes)
		}
		if d := now.entries - before.entries; d != c.entries || now.net != c.net {
			t.Errorf("%s: %d ledger entries (day nets %d), want %d (%d)", c.name, d, now.net, c.entries, c.net)
		}
		if d := now.jobs - before.jobs; d != c.jobs {
			t.Errorf("%s: %d receipt jobs, want %d", c.name, d, c.jobs)
		}
		if changed := now.version != before.version; changed != (c.changes+c.entries > 0) {
			t.Errorf("%s: data version %d then %d", c.name, before.version, now.version)
		}
		if now.audits != before.audits+1 {
			t.Fatalf("%s: %d audit rows, want one", c.name, now.audits-before.audits)
		}
		outcome, detail := lastAudit()
		want := map[string]any{"children": []any{float64(f.luca)}, "service": float64(f.mensa), "from": c.day.Format(time.DateOnly),
			"to": c.day.Format(time.DateOnly), "state": c.state, "channel": "parent"}
		switch c.receipt {
		case "new", "same":
			want["receipt"] = lastReceipt()
		default:
			want["receipt"] = ""
		}
		if c.refused != "" {
			want["reason_refused"] = c.refused
		}
		if outcome != c.outcome || !jsonEqual(detail, want) {
			t.Errorf("%s: audited %s %v, want %s %v", c.name, outcome, detail, c.outcome, want)
		}
		if c.jobs > 0 {
			var n int
			mustGet(t, q, &n, `SELECT count(*) FROM river_job WHERE kind = 'meal_receipt' AND args->>'receipt' = $1`, lastReceipt())
			if n != 1 {
				t.Errorf("%s: %d jobs for receipt %s", c.name, n, lastReceipt())
			}
		}
	}
	// the refund: the charge reversed, once, dated today, by Mario's account
	var refund struct {
		Amount  int64     `db:"amount_cents"`
		Adult   int64     `db:"adult_id"`
		Date    time.Time `db:"entry_date"`
		Reason  string    `db:"reason"`
		Key     string    `db:"idempotency_key"`
		By      int64     `db:"created_by"`
		Channel string    `db:"channel"`
	}
	mustGet(t, q, &refund, `SELECT amount_cents, adult_id, entry_date, reason, idempotency_key, created_by, channel FROM ledger_entries
		WHERE installation_id = $1 AND reverses_id = $2 AND kind = 'refund'`, inst, charge)
	today := calendar.DateOf(time.Now().In(calendar.Rome))
	if refund.Amount != 480 || refund.Adult != payer || !calendar.DateOf(refund.Date).Equal(today) || refund.Reason != "Pasto disdetto" ||
		refund.Key != "rev:"+itoaID(charge) || refund.By != acc || refund.Channel != "" {
		t.Errorf("refund %+v", refund)
	}
	// the attendance follows the meal: cancelled, an absence notified by the parent
	var status, source string
	mustGet(t, q, &status, `SELECT status FROM attendance WHERE installation_id = $1 AND child_id = $2 AND service_id = $3 AND day = $4`, inst, f.luca, f.mensa, day)
	mustGet(t, q, &source, `SELECT source FROM attendance WHERE installation_id = $1 AND child_id = $2 AND service_id = $3 AND day = $4`, inst, f.luca, f.mensa, day)
	if status != "absence_notified" || source != "parent" {
		t.Errorf("attendance %s by %s", status, source)
	}
	// the kitchen froze the day before the change committed: nothing of it stays
	q.MustExec(`INSERT INTO kitchen_counts (installation_id, service_id, day, cutoff_at) VALUES ($1, $2, $3, now() + interval '1 day')`,
		inst, f.mensa, day)
	before := state()
	p := mario.post(mealURL(f.luca, f.mensa, day), mealForm("booked", "test-money-06"))
	if p.status == http.StatusSeeOther {
		t.Fatalf("a change after the freeze answered %d", p.status)
	}
	if now := state(); now != before {
		t.Errorf("a change the freeze refused left %+v, before %+v", now, before)
	}
}

func itoaID(n int64) string { b, _ := json.Marshal(n); return string(b) }

// jsonEqual compares decoded JSON values.
func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}
