package db_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"portalegenitori/db"
	"portalegenitori/db/dbtest"
	"portalegenitori/internal/codicefiscale"
)

// TestImportRegistryAllOrNothing: a row the database refuses in the middle
// of the file (a negative tariff, past the handler's checks) rolls back the
// rows before it; the dry run lists it and writes nothing.
func TestImportRegistryAllOrNothing(t *testing.T) {
	t.Parallel()
	store, _ := dbtest.New(t)
	ctx := context.Background()
	if err := store.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	demo, err := store.InstallationByCode(ctx, "demo")
	if err != nil {
		t.Fatal(err)
	}
	schools, _ := store.Schools(ctx, demo.ID)
	services, _ := store.Services(ctx, demo.ID)
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	row := func(line int, child, adult string, cents int64) db.ImportRow {
		return db.ImportRow{Line: line, ChildCF: codicefiscale.Compute("Conti", child, day("2018-01-01"), false, "F205"), ChildFirst: child, ChildLast: "Conti",
			ChildBirth: day("2018-01-01"), SchoolID: schools[0].ID, AdultCF: codicefiscale.Compute("Conti", adult, day("1980-01-01"), false, "F205"),
			AdultFirst: adult, AdultLast: "Conti", Role: "payer", ServiceID: services[0].ID, From: day("2026-09-07"), To: day("2027-06-30"),
			TariffName: "T", TariffCents: cents, Billing: "daily"}
	}
	rows := []db.ImportRow{row(2, "Aldo", "Piero", 480), row(3, "Bruno", "Piero", -1), row(4, "Carlo", "Piero", 480)}
	children := func() (n int) {
		dbtest.Get(t, store.DB(), &n, `SELECT count(*) FROM children WHERE last_name = 'Conti'`)
		return
	}
	res, err := store.ImportRegistry(ctx, demo.ID, rows, true)
	if err != nil || len(res.Rejected) != 1 || res.Rejected[0].Line != 3 || res.Children != 2 {
		t.Fatalf("dry run: %+v, %v", res, err)
	}
	if children() != 0 {
		t.Fatal("dry run wrote")
	}
	_, err = store.ImportRegistry(ctx, demo.ID, rows, false)
	var re db.RowError
	if !errors.As(err, &re) || re.Line != 3 {
		t.Fatalf("import: %v", err)
	}
	if children() != 0 {
		t.Fatal("the rows before the bad one stayed")
	}
	rows[1].TariffCents = 480
	if res, err = store.ImportRegistry(ctx, demo.ID, rows, false); err != nil || res.Children != 3 || res.Enrollments != 3 {
		t.Fatalf("import: %+v %v", res, err)
	}
	// a replay adds no enrollment
	if res, err = store.ImportRegistry(ctx, demo.ID, rows, false); err != nil || res.Enrollments != 0 {
		t.Fatalf("replay: %+v %v", res, err)
	}
}

// TestMarkAttendanceIdempotent: one live charge per day present, whatever
// the sequence of marks; reversals never delete.
func TestMarkAttendanceIdempotent(t *testing.T) {
	t.Parallel()
	store, _ := dbtest.New(t)
	ctx := context.Background()
	if err := store.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	var inst, child, service, staff int64
	dbtest.Get(t, store.DB(), &inst, `SELECT id FROM installations WHERE code = 'demo'`)
	dbtest.Get(t, store.DB(), &child, `SELECT id FROM children WHERE first_name = 'Sofia'`)
	dbtest.Get(t, store.DB(), &service, `SELECT id FROM services WHERE installation_id = $1 AND kind = 'mensa'`, inst)
	dbtest.Get(t, store.DB(), &staff, `SELECT id FROM accounts WHERE username = 'operatore'`)
	d := time.Date(2027, 4, 7, 0, 0, 0, 0, time.UTC)
	live := func() (n int, sum int64) {
		dbtest.Get(t, store.DB(), &n, `SELECT count(*) FROM ledger_entries WHERE child_id = $1 AND attendance_day = $2 AND service_id = $3`, child, d, service)
		dbtest.Get(t, store.DB(), &sum, `SELECT coalesce(sum(amount_cents),0) FROM ledger_entries WHERE child_id = $1 AND attendance_day = $2 AND service_id = $3`, child, d, service)
		return
	}
	for i, st := range []string{"present", "present", "absent", "present", "absent", "absent", "present"} {
		if _, err := store.MarkAttendance(ctx, db.Mark{InstallationID: inst, ChildID: child, ServiceID: service, Day: d, Status: st,
			AccountID: staff, RecordedByName: "Ufficio", Today: d}); err != nil {
			t.Fatalf("mark %d: %v", i, err)
		}
	}
	if n, sum := live(); n != 5 || sum != -320 { // 3 charges, 2 refunds: net one meal at Sofia's tariff
		t.Fatalf("%d entries, %d cents", n, sum)
	}
	if _, err := store.MarkAttendance(ctx, db.Mark{InstallationID: inst, ChildID: child, ServiceID: service, Day: time.Date(2030, 1, 8, 0, 0, 0, 0, time.UTC),
		Status: "present", AccountID: staff}); !errors.Is(err, db.ErrNotEnrolled) {
		t.Fatalf("not enrolled: %v", err)
	}
}
