package db

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"portalegenitori/internal/calendar"
)

// demoSchoolStart is the first day of services in the demo Comune.
var demoSchoolStart = calendar.Day(2026, time.September, 7)

// seedDemoActivity gives the demo Comune a school year lived up to today:
// closures, attendance since the start of the year (booked until the end of
// next month), a charge per meal eaten, bus passes, some absences notified
// by the parents, a correction by the office with its refund, an adjustment
// and top-ups through each channel. The days and amounts are fixed, so the
// same data comes out whenever the seed runs (only "today" moves).
func seedDemoActivity(ctx context.Context, tx *sqlx.Tx, inst int64, today time.Time,
	children, services, accounts map[string]int64) error {
	today = calendar.DateOf(today)
	if today.Before(demoSchoolStart) {
		today = demoSchoolStart
	}
	for _, y := range []int{2026, 2027} {
		for _, h := range calendar.Holidays(y) {
			if _, err := tx.ExecContext(ctx, `INSERT INTO closures (installation_id, day, description) VALUES ($1, $2, $3)
				ON CONFLICT DO NOTHING`, inst, h.Day, h.Description); err != nil {
				return fmt.Errorf("seed closure: %w", err)
			}
		}
	}
	until := calendar.MonthOf(today).Next().Last() // bookings up to the end of next month
	ids := make([]int64, 0, len(children))
	for _, id := range children {
		ids = append(ids, id)
	}
	// Past service days present, recorded by the school register (the bus
	// by its attendant); future days booked by default.
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO attendance (installation_id, child_id, service_id, day, status, source, recorded_by_name, recorded_at)
		SELECT e.installation_id, e.child_id, e.service_id, d::date,
		       CASE WHEN d::date > $3 THEN 'booked' ELSE 'present' END,
		       CASE WHEN d::date > $3 THEN 'default' ELSE 'register' END,
		       CASE WHEN d::date > $3 THEN ''
		            WHEN sv.kind = 'trasporto' THEN 'Accompagnatore scuolabus, linea 2'
		            WHEN ch.class_name LIKE 'Sezione%' THEN 'Registro della ' || ch.class_name
		            ELSE 'Registro di classe ' || ch.class_name END,
		       CASE WHEN d::date > $3 THEN e.starts_on - 10 + time '08:00'
		            ELSE d::date + CASE sv.kind WHEN 'pre-scuola' THEN time '07:40' WHEN 'trasporto' THEN time '07:55'
		                                      ELSE time '09:10' END
		       END AT TIME ZONE 'Europe/Rome'
		FROM enrollments e
		JOIN services sv ON sv.installation_id = e.installation_id AND sv.id = e.service_id
		JOIN children ch ON ch.installation_id = e.installation_id AND ch.id = e.child_id
		CROSS JOIN LATERAL generate_series(e.starts_on, least(e.ends_on, $4::date), interval '1 day') AS d
		WHERE e.installation_id = $1 AND e.child_id = ANY($2) AND extract(isodow FROM d) < 6
		  AND NOT EXISTS (SELECT 1 FROM closures cl WHERE cl.installation_id = e.installation_id AND cl.day = d::date)`,
		inst, pq.Array(ids), today, until); err != nil {
		return fmt.Errorf("seed attendance: %w", err)
	}
	// Absences. Those notified by a parent in the portal are not charged;
	// an absence not notified is recorded by the register (no meal either).
	type change struct {
		child, service, day, status, source, account, at string
	}
	script := []change{
		{"luca", "mensa", "2026-10-12", "absence_notified", "parent", "laura.rossi", "2026-10-12 07:41"},
		{"luca", "trasporto", "2026-10-12", "absence_notified", "parent", "laura.rossi", "2026-10-12 07:41"},
		{"luca", "mensa", "2026-10-13", "absence_notified", "parent", "laura.rossi", "2026-10-12 07:41"},
		{"luca", "trasporto", "2026-10-13", "absence_notified", "parent", "laura.rossi", "2026-10-12 07:41"},
		{"sofia", "mensa", "2026-10-20", "absence_notified", "parent", "mario.rossi", "2026-10-19 20:15"},
		{"sofia", "pre-scuola", "2026-10-20", "absence_notified", "parent", "mario.rossi", "2026-10-19 20:15"},
		{"luca", "mensa", "2026-11-16", "absent", "register", "", "2026-11-16 09:12"},
		{"sofia", "mensa", "2026-11-05", "absent", "register", "", "2026-11-05 09:08"},
		{"elena", "mensa", "2026-10-06", "absence_notified", "parent", "giulia.bianchi", "2026-10-05 18:30"},
	}
	for _, s := range script {
		day, _ := calendar.ParseDay(s.day)
		if day.After(today) {
			continue
		}
		var by any
		if s.account != "" {
			by = accounts[s.account]
		}
		name := ""
		if s.source == "register" {
			name = "Registro"
		}
		if _, err := tx.ExecContext(ctx, `
			UPDATE attendance SET status = $5, source = $6, recorded_by = $7,
			       recorded_by_name = CASE WHEN $8 = '' THEN '' ELSE recorded_by_name END,
			       recorded_at = $9::timestamp AT TIME ZONE 'Europe/Rome'
			WHERE installation_id = $1 AND child_id = $2 AND service_id = $3 AND day = $4`,
			inst, children[s.child], services[s.service], day, s.status, s.source, by, name, s.at); err != nil {
			return fmt.Errorf("seed absence: %w", err)
		}
	}
	// Charge the days present: the absences above are already recorded, so
	// they are never charged (ledger entries cannot be deleted, 00022).
	first := demoSchoolStart
	if _, err := chargeAttendance(ctx, tx, inst, first, today); err != nil {
		return err
	}
	for m := calendar.MonthOf(first); !calendar.MonthOf(today).Before(m); m = m.Next() {
		if _, err := chargeMonthly(ctx, tx, inst, m.First()); err != nil {
			return err
		}
	}

	// A correction by the office: Luca's meal of 18 September was charged,
	// then the office recorded the school trip (packed lunch) and refunded it.
	trip := calendar.Day(2026, time.September, 18)
	if !trip.After(today) {
		var chargeID int64
		if err := tx.GetContext(ctx, &chargeID, `SELECT id FROM ledger_entries WHERE installation_id = $1 AND idempotency_key = $2`,
			inst, ChargeKey(children["luca"], services["mensa"], trip)); err != nil {
			return fmt.Errorf("seed refund: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `
			UPDATE attendance SET status = 'absence_notified', source = 'staff', recorded_by = $4,
			       recorded_by_name = '', recorded_at = '2026-09-21 10:30'::timestamp AT TIME ZONE 'Europe/Rome'
			WHERE installation_id = $1 AND child_id = $2 AND service_id = $3 AND day = '2026-09-18'`,
			inst, children["luca"], services["mensa"], accounts["operatore"]); err != nil {
			return fmt.Errorf("seed correction: %w", err)
		}
		luca, mensa, op := children["luca"], services["mensa"], accounts["operatore"]
		if _, _, err := addEntry(ctx, tx, NewEntry{
			InstallationID: inst, AdultID: adultOfPayer(ctx, tx, inst, luca), Kind: KindRefund, AmountCents: 480,
			EntryDate: calendar.Day(2026, time.September, 21), ChildID: &luca, ServiceID: &mensa, AttendanceDay: &trip,
			Reason: "Uscita didattica con pranzo al sacco: pasto non consumato", ReversesID: &chargeID, CreatedBy: &op,
			IdempotencyKey: "refund:" + ChargeKey(luca, mensa, trip),
		}); err != nil {
			return err
		}
	}

	// Top-ups through every channel, and an adjustment after the ISEE check.
	mario := adultOfPayer(ctx, tx, inst, children["luca"])
	giulia := adultOfPayer(ctx, tx, inst, children["elena"])
	sofia, mensa := children["sofia"], services["mensa"]
	op := accounts["operatore"]
	for _, t := range []struct {
		adult            int64
		day              string
		cents            int64
		channel, receipt string
	}{
		{mario, "2026-09-01", 20000, "pagoPA", "RF18 0000 0000 0000 1234 5"},
		{mario, "2026-10-01", 15000, "contanti", "Ricevuta n. 457/2026"},
		{mario, "2026-10-15", 10000, "POS", "POS 7781-2026-10-15"},
		{mario, "2026-11-02", 15000, "pagoPA", "RF47 0000 0000 0000 7890 1"},
		{giulia, "2026-09-03", 10000, "bonifico", "CRO 0123456789"},
		{giulia, "2026-11-03", 20000, "pagoPA", "RF02 0000 0000 0000 4455 6"},
	} {
		day, _ := calendar.ParseDay(t.day)
		if day.After(today) {
			continue
		}
		if _, _, err := addEntry(ctx, tx, NewEntry{
			InstallationID: inst, AdultID: t.adult, Kind: KindTopUp, AmountCents: t.cents, EntryDate: day,
			Channel: t.channel, ReceiptRef: t.receipt, CreatedBy: &op,
			IdempotencyKey: "topup:" + t.channel + ":" + t.receipt,
		}); err != nil {
			return err
		}
	}
	if adj := calendar.Day(2026, time.October, 5); !adj.After(today) {
		if _, _, err := addEntry(ctx, tx, NewEntry{
			InstallationID: inst, AdultID: mario, Kind: KindAdjustment, AmountCents: 1500, EntryDate: adj,
			ChildID: &sofia, ServiceID: &mensa, CreatedBy: &op,
			Reason:         "Conguaglio tariffa ridotta (ISEE) di settembre",
			IdempotencyKey: "adj:isee:2026-09:" + fmt.Sprint(sofia),
		}); err != nil {
			return err
		}
	}
	return nil
}

// adultOfPayer is the paying adult of a child (0 when none: the insert fails).
func adultOfPayer(ctx context.Context, tx *sqlx.Tx, inst, child int64) int64 {
	var id int64
	_ = tx.GetContext(ctx, &id, `SELECT adult_id FROM guardianships WHERE installation_id = $1 AND child_id = $2 AND role = 'payer'`, inst, child)
	return id
}
