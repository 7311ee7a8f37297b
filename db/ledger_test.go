package db_test

import (
	"context"
	"testing"
	"time"

	"portalegenitori/db"
	"portalegenitori/db/dbtest"
	"portalegenitori/internal/calendar"
)

// demoIDs looks up the demo rows the tests use.
type demoIDs struct {
	inst, mario, laura, giulia, luca, sofia, elena, mensa, trasporto, pre int64
}

func lookupDemo(t *testing.T, s *db.Store) demoIDs {
	t.Helper()
	var d demoIDs
	q := s.DB()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(q.Get(&d.inst, `SELECT id FROM installations WHERE code = 'demo'`))
	for name, p := range map[string]*int64{"Mario": &d.mario, "Laura": &d.laura, "Giulia": &d.giulia} {
		must(q.Get(p, `SELECT id FROM adults WHERE installation_id = $1 AND first_name = $2`, d.inst, name))
	}
	for name, p := range map[string]*int64{"Luca": &d.luca, "Sofia": &d.sofia, "Elena": &d.elena} {
		must(q.Get(p, `SELECT id FROM children WHERE installation_id = $1 AND first_name = $2`, d.inst, name))
	}
	for kind, p := range map[string]*int64{"mensa": &d.mensa, "trasporto": &d.trasporto, "pre-scuola": &d.pre} {
		must(q.Get(p, `SELECT id FROM services WHERE installation_id = $1 AND kind = $2`, d.inst, kind))
	}
	return d
}

func TestDemoBalanceIsTheSumOfEntries(t *testing.T) {
	t.Parallel()
	s, _ := dbtest.New(t)
	ctx := context.Background()
	d := lookupDemo(t, s)
	bal, err := s.Balances(ctx, d.inst, []int64{d.mario, d.laura, d.giulia})
	if err != nil {
		t.Fatal(err)
	}
	var sum int64
	if err := s.DB().Get(&sum, `SELECT coalesce(sum(amount_cents), 0) FROM ledger_entries WHERE installation_id = $1 AND adult_id = $2`, d.inst, d.mario); err != nil {
		t.Fatal(err)
	}
	if bal[d.mario] != sum || sum == 0 {
		t.Fatalf("balance %d, sum of entries %d", bal[d.mario], sum)
	}
	if _, ok := bal[d.laura]; ok {
		t.Fatalf("Laura pays nothing, yet has a balance %d", bal[d.laura])
	}
	tot, err := s.LedgerSum(ctx, d.inst, db.LedgerFilter{AdultID: d.mario})
	if err != nil {
		t.Fatal(err)
	}
	if tot.Net() != sum || tot.Credits <= 0 || tot.Debits >= 0 {
		t.Fatalf("totals %+v, sum %d", tot, sum)
	}
	// every filter's totals add up to the total
	var byKind int64
	for _, k := range db.LedgerKinds {
		tk, err := s.LedgerSum(ctx, d.inst, db.LedgerFilter{AdultID: d.mario, Kind: k})
		if err != nil {
			t.Fatal(err)
		}
		byKind += tk.Net()
	}
	if byKind != sum {
		t.Fatalf("sum by kind %d, total %d", byKind, sum)
	}
}

func TestOneChargePerMealEaten(t *testing.T) {
	t.Parallel()
	s, _ := dbtest.New(t)
	ctx := context.Background()
	d := lookupDemo(t, s)
	q := s.DB()
	// Every day present at a daily service has exactly one charge at the
	// tariff; no absent, notified or booked day has one (refunds aside).
	var bad int
	if err := q.Get(&bad, `
		SELECT count(*) FROM attendance a
		JOIN enrollments e ON e.installation_id = a.installation_id AND e.child_id = a.child_id AND e.service_id = a.service_id
		WHERE a.installation_id = $1 AND e.billing = 'daily' AND
		  (SELECT count(*) FROM ledger_entries l WHERE l.installation_id = a.installation_id AND l.child_id = a.child_id
		     AND l.service_id = a.service_id AND l.attendance_day = a.day AND l.kind = 'charge' AND l.amount_cents = -e.tariff_cents)
		  <> CASE WHEN a.status = 'present' THEN 1 ELSE 0 END
		  AND NOT (a.status <> 'present' AND EXISTS (SELECT 1 FROM ledger_entries r WHERE r.installation_id = a.installation_id
		     AND r.child_id = a.child_id AND r.service_id = a.service_id AND r.attendance_day = a.day AND r.kind = 'refund'))`, d.inst); err != nil {
		t.Fatal(err)
	}
	if bad != 0 {
		t.Fatalf("%d service days with a wrong number of charges", bad)
	}
	// the refunded day: charge + refund = 0
	var net int64
	dbtest.Get(t, q, &net, `SELECT sum(amount_cents) FROM ledger_entries WHERE installation_id = $1 AND child_id = $2 AND service_id = $3 AND attendance_day = '2026-09-18'`, d.inst, d.luca, d.mensa)
	if net != 0 {
		t.Fatalf("refunded day nets %d", net)
	}

	// A new day present is charged once, however often the job replays.
	day := calendar.Day(2027, time.June, 30)
	q.MustExec(`INSERT INTO attendance (installation_id, child_id, service_id, day, status, source) VALUES ($1, $2, $3, $4, 'present', 'staff')
		ON CONFLICT (installation_id, child_id, service_id, day) DO UPDATE SET status = 'present'`, d.inst, d.luca, d.mensa, day)
	before, _ := s.Balances(ctx, d.inst, []int64{d.mario})
	n, err := s.ChargeAttendance(ctx, d.inst, day, day)
	if err != nil || n != 1 {
		t.Fatalf("first charge: %d, %v", n, err)
	}
	for range 3 {
		n, err := s.ChargeAttendance(ctx, d.inst, calendar.Day(2026, time.September, 1), day)
		if err != nil || n != 0 {
			t.Fatalf("replay charged %d (%v)", n, err)
		}
		if n, err := s.ChargeMonthly(ctx, d.inst, calendar.Day(2026, time.October, 1)); err != nil || n != 0 {
			t.Fatalf("monthly replay charged %d (%v)", n, err)
		}
	}
	after, _ := s.Balances(ctx, d.inst, []int64{d.mario})
	if after[d.mario] != before[d.mario]-480 {
		t.Fatalf("balance %d -> %d, want -480", before[d.mario], after[d.mario])
	}
	// Monthly bus pass: once per month.
	var passes int
	dbtest.Get(t, q, &passes, `SELECT count(*) FROM ledger_entries WHERE installation_id = $1 AND child_id = $2 AND service_id = $3 AND entry_date = '2026-10-01'`, d.inst, d.luca, d.trasporto)
	if passes != 1 {
		t.Fatalf("October bus passes: %d", passes)
	}
}

func TestTopUpReplayIsIdempotent(t *testing.T) {
	t.Parallel()
	s, _ := dbtest.New(t)
	ctx := context.Background()
	d := lookupDemo(t, s)
	e := db.NewEntry{InstallationID: d.inst, AdultID: d.mario, Kind: db.KindTopUp, AmountCents: 2500,
		EntryDate: calendar.Day(2026, 11, 20), Channel: "pagoPA", ReceiptRef: "RF99 TEST", IdempotencyKey: "topup:test:1"}
	before, _ := s.Balances(ctx, d.inst, []int64{d.mario})
	id1, created, err := s.AddEntry(ctx, e)
	if err != nil || !created {
		t.Fatalf("first: %v %v", created, err)
	}
	e.AmountCents = 9999 // a replay is the same event, whatever it carries
	id2, created, err := s.AddEntry(ctx, e)
	if err != nil || created || id2 != id1 {
		t.Fatalf("replay: id %d/%d created %v err %v", id1, id2, created, err)
	}
	after, _ := s.Balances(ctx, d.inst, []int64{d.mario})
	if after[d.mario]-before[d.mario] != 2500 {
		t.Fatalf("balance moved by %d", after[d.mario]-before[d.mario])
	}
	// a channel outside the list is refused
	e.IdempotencyKey, e.Channel = "topup:test:2", "bitcoin"
	if _, _, err := s.AddEntry(ctx, e); err == nil {
		t.Fatal("unknown channel accepted")
	}
}

func TestLedgerFilterAndGuardianView(t *testing.T) {
	t.Parallel()
	s, _ := dbtest.New(t)
	ctx := context.Background()
	d := lookupDemo(t, s)
	payers, err := s.PayersFor(ctx, d.inst, d.laura)
	if err != nil || len(payers) != 1 || payers[0].AdultID != d.mario || len(payers[0].Children) != 2 {
		t.Fatalf("payers for Laura: %+v %v", payers, err)
	}
	all, _ := s.LedgerPage(ctx, d.inst, db.LedgerFilter{AdultID: d.mario}, 0, 0)
	for i := 1; i < len(all); i++ {
		a, b := all[i-1], all[i]
		if a.EntryDate.Before(b.EntryDate) || (a.EntryDate.Equal(b.EntryDate) && a.ID < b.ID) {
			t.Fatalf("not newest first at %d", i)
		}
	}
	page2, _ := s.LedgerPage(ctx, d.inst, db.LedgerFilter{AdultID: d.mario}, 10, 10)
	if len(page2) != 10 || page2[0].ID != all[10].ID {
		t.Fatalf("paging")
	}
	f := db.LedgerFilter{AdultID: d.mario, ChildID: d.sofia, ServiceID: d.mensa, Kind: db.KindCharge,
		From: calendar.Day(2026, 10, 1), To: calendar.Day(2026, 10, 31)}
	list, _ := s.LedgerPage(ctx, d.inst, f, 0, 0)
	tot, _ := s.LedgerSum(ctx, d.inst, f)
	if len(list) == 0 || tot.Count != len(list) {
		t.Fatalf("filtered %d, totals %+v", len(list), tot)
	}
	var sum int64
	for _, e := range list {
		if e.ChildID.Int64 != d.sofia || e.ServiceID.Int64 != d.mensa || e.Kind != "charge" || e.EntryDate.Month() != 10 {
			t.Fatalf("filter let through %+v", e)
		}
		sum += e.AmountCents
	}
	if sum != tot.Net() || sum != -320*int64(len(list)) {
		t.Fatalf("sum %d, totals %+v", sum, tot)
	}
	// restricted to one child: entries about the other child disappear,
	// those about no child (top-ups) stay
	only, _ := s.LedgerPage(ctx, d.inst, db.LedgerFilter{AdultID: d.mario, Children: []int64{d.luca}}, 0, 0)
	topups := 0
	for _, e := range only {
		if e.ChildID.Valid && e.ChildID.Int64 != d.luca {
			t.Fatalf("entry of another child: %+v", e)
		}
		if e.Kind == "topup" {
			topups++
		}
	}
	if topups == 0 {
		t.Fatal("top-ups hidden")
	}
}
