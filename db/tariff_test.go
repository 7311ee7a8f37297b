package db_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"portalegenitori/db"
	"portalegenitori/db/dbtest"
)

func day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

// confirmedISEE records a confirmed declaration directly, for the lookups.
func confirmedISEE(t *testing.T, s *db.Store, inst, adult, cents int64, from, expires string) {
	t.Helper()
	s.DB().MustExec(`INSERT INTO isee_declarations (installation_id, adult_id, isee_cents, dsu_protocol, expires_on, status, applies_from, decided_at)
		VALUES ($1, $2, $3, 'INPS-ISEE-2026-000000001-00', $4, 'confermata', $5, now())`, inst, adult, cents, expires, from)
}

// The demo canteen: bands 0–6.000,00 € 1,50; 6.000,01–12.000,00 € 3,20;
// 12.000,01–20.000,00 € 4,00; maximum € 4,80; non-residents € 5,50;
// siblings 20% off. Mario pays for Luca (born 2017) and Sofia (2020), both
// in the canteen from 2026-09-07.
func TestTariffForBandsAndRules(t *testing.T) {
	t.Parallel()
	s, _ := dbtest.New(t)
	ctx := context.Background()
	d := lookupDemo(t, s)
	tariff := func(child int64, on string) db.Tariff {
		t.Helper()
		tf, err := s.TariffFor(ctx, nil, d.inst, d.mensa, child, day(on))
		if err != nil {
			t.Fatal(err)
		}
		return tf
	}
	// no ISEE: the maximum; Sofia, the second child, 20% off
	if tf := tariff(d.luca, "2026-10-01"); tf.Cents != 480 || tf.Kind != db.TariffMax || tf.Why != "tariffa massima: nessun ISEE valido" || tf.BandID != nil {
		t.Fatalf("no ISEE: %+v", tf)
	}
	if tf := tariff(d.sofia, "2026-10-01"); tf.Cents != 384 || tf.SiblingPercent != 20 || tf.Why != "tariffa massima: nessun ISEE valido, riduzione fratelli 20%" {
		t.Fatalf("second child, no ISEE: %+v", tf)
	}
	// a service without tariffs by ISEE
	if _, err := s.TariffFor(ctx, nil, d.inst, d.trasporto, d.luca, day("2026-10-01")); !errors.Is(err, db.ErrNoTariffRules) {
		t.Fatalf("bus without rules: %v", err)
	}
	// ISEE exactly on the first band's limit, valid in October only
	confirmedISEE(t, s, d.inst, d.mario, 600000, "2026-10-01", "2026-10-31")
	for _, c := range []struct {
		on    string
		cents int64
		kind  string
		why   string
	}{
		{"2026-09-30", 480, db.TariffMax, "tariffa massima: nessun ISEE valido"}, // before the date it applies from
		{"2026-10-01", 150, db.TariffBand, "fascia 1, ISEE fino a € 6.000,00"},
		{"2026-10-31", 150, db.TariffBand, "fascia 1, ISEE fino a € 6.000,00"},   // the day of expiry
		{"2026-11-01", 480, db.TariffMax, "tariffa massima: nessun ISEE valido"}, // the day after
	} {
		if tf := tariff(d.luca, c.on); tf.Cents != c.cents || tf.Kind != c.kind || tf.Why != c.why {
			t.Errorf("ISEE 6.000,00 on %s: %+v, want %d %s %q", c.on, tf, c.cents, c.kind, c.why)
		}
	}
	// one cent above the limit, from November: band 2; the later declaration wins
	confirmedISEE(t, s, d.inst, d.mario, 600001, "2026-11-01", "2027-12-31")
	if tf := tariff(d.luca, "2026-11-01"); tf.Cents != 320 || tf.Band != 2 || tf.BandID == nil || tf.Why != "fascia 2, ISEE fino a € 12.000,00" {
		t.Fatalf("ISEE 6.000,01: %+v", tf)
	}
	if tf := tariff(d.sofia, "2026-11-01"); tf.Cents != 256 || tf.Name != "Fascia 2 (riduzione fratelli 20%)" {
		t.Fatalf("second child in band 2: %+v", tf)
	}
	// above every band, from December
	confirmedISEE(t, s, d.inst, d.mario, 2000001, "2026-12-01", "2027-12-31")
	if tf := tariff(d.luca, "2026-12-01"); tf.Cents != 480 || tf.Kind != db.TariffAboveBands {
		t.Fatalf("ISEE above the bands: %+v", tf)
	}
	// a non-resident paying adult pays the non-resident rate whatever the ISEE
	s.DB().MustExec(`UPDATE adults SET resident = false WHERE id = $1`, d.mario)
	if tf := tariff(d.luca, "2026-11-15"); tf.Cents != 550 || tf.Kind != db.TariffNonResident {
		t.Fatalf("non-resident: %+v", tf)
	}
	if tf := tariff(d.sofia, "2026-11-15"); tf.Cents != 440 {
		t.Fatalf("non-resident second child: %+v", tf)
	}
	// once Luca no longer eats at the canteen, Sofia is the only child: no reduction
	s.DB().MustExec(`UPDATE enrollments SET ends_on = '2026-11-10' WHERE child_id = $1 AND service_id = $2`, d.luca, d.mensa)
	if tf := tariff(d.sofia, "2026-11-15"); tf.Cents != 550 || tf.SiblingPercent != 0 {
		t.Fatalf("only child left: %+v", tf)
	}
}

func TestCheckBandsRefusesOverlapAndDisorder(t *testing.T) {
	t.Parallel()
	for name, c := range map[string]struct {
		bands []db.TariffBandRow
		ok    bool
	}{
		"ordered":         {[]db.TariffBandRow{{FromCents: 0, ToCents: 100}, {FromCents: 101, ToCents: 200}}, true},
		"gap allowed":     {[]db.TariffBandRow{{FromCents: 0, ToCents: 100}, {FromCents: 500, ToCents: 600}}, true},
		"touching":        {[]db.TariffBandRow{{FromCents: 0, ToCents: 100}, {FromCents: 100, ToCents: 200}}, false},
		"unordered":       {[]db.TariffBandRow{{FromCents: 101, ToCents: 200}, {FromCents: 0, ToCents: 100}}, false},
		"upside down":     {[]db.TariffBandRow{{FromCents: 200, ToCents: 100}}, false},
		"negative amount": {[]db.TariffBandRow{{FromCents: 0, ToCents: 100, Cents: -1}}, false},
	} {
		if err := db.CheckBands(c.bands); (err == nil) != c.ok {
			t.Errorf("%s: %v", name, err)
		}
	}
}

type liveCharge struct {
	Day   time.Time `db:"attendance_day"`
	Cents int64     `db:"amount_cents"`
}

func liveChargesOf(t *testing.T, s *db.Store, child, service int64) []liveCharge {
	t.Helper()
	var list []liveCharge
	if err := s.DB().Select(&list, `SELECT attendance_day, amount_cents FROM ledger_entries l
		WHERE child_id = $1 AND service_id = $2 AND kind = 'charge'
		  AND NOT EXISTS (SELECT 1 FROM ledger_entries r WHERE r.reverses_id = l.id) ORDER BY attendance_day`, child, service); err != nil {
		t.Fatal(err)
	}
	return list
}

func declare(t *testing.T, s *db.Store, inst, adult, cents int64, expires time.Time) int64 {
	t.Helper()
	var id int64
	err := s.WithTx(context.Background(), func(tx *sqlx.Tx) error {
		var err error
		id, err = s.DeclareISEETx(context.Background(), tx, db.ISEEDeclaration{InstallationID: inst, AdultID: adult, ISEECents: cents,
			DSUProtocol: "INPS-ISEE-2026-000000042-00", ExpiresOn: expires})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// A retroactive confirmation: the charges before the date are unchanged,
// those from the date are reversed and made again at the band's amount, the
// sibling reduction included; the adjustment is audited with its reason.
// A later expiry brings the maximum back from the day after, by itself.
func TestISEEConfirmationChangesChargesFromItsDate(t *testing.T) {
	t.Parallel()
	s, _ := dbtest.New(t)
	ctx := context.Background()
	d := lookupDemo(t, s)
	luca := liveChargesOf(t, s, d.luca, d.mensa)
	if len(luca) < 6 {
		t.Fatalf("only %d canteen charges for Luca", len(luca))
	}
	from := luca[len(luca)-3].Day
	today := luca[len(luca)-1].Day.AddDate(0, 0, 1)
	expires := today.AddDate(0, 0, 20)
	id := declare(t, s, d.inst, d.mario, 1000000, expires)

	// a date before today without the explicit adjustment: refused, nothing written
	dec := db.ISEEDecision{InstallationID: d.inst, DeclarationID: id, Confirm: true, AppliesFrom: from, Today: today, Actor: "operatore"}
	if _, err := s.DecideISEE(ctx, dec); !errors.Is(err, db.ErrRetroactive) {
		t.Fatalf("retroactive without reason: %v", err)
	}
	dec.Retroactive, dec.Reason = true, "ISEE presentato in ritardo per errore dell'ufficio"
	if _, err := s.DecideISEE(ctx, db.ISEEDecision{InstallationID: d.inst, DeclarationID: id, Confirm: true, AppliesFrom: expires.AddDate(0, 0, 1),
		Today: today}); !errors.Is(err, db.ErrAfterExpiry) {
		t.Fatalf("from after the expiry: %v", err)
	}
	res, err := s.DecideISEE(ctx, dec)
	if err != nil {
		t.Fatal(err)
	}
	if res.Changed < 2 { // Luca and Sofia from the date, then the maximum after the expiry
		t.Fatalf("changed %d enrollments", res.Changed)
	}
	for _, c := range []struct {
		child  int64
		before []liveCharge
		band   int64
	}{{d.luca, luca, 320}, {d.sofia, nil, 256}} {
		after := liveChargesOf(t, s, c.child, d.mensa)
		if c.before == nil {
			c.before = after
		}
		if len(after) != len(c.before) {
			t.Fatalf("child %d: %d charges, before %d", c.child, len(after), len(c.before))
		}
		for i, ch := range after {
			want := c.before[i].Cents // unchanged before the date
			if !ch.Day.Before(from) {
				want = -c.band
			}
			if ch.Cents != want {
				t.Errorf("child %d, %s: charged %d, want %d", c.child, ch.Day.Format(time.DateOnly), ch.Cents, want)
			}
		}
	}
	// the enrollments: the band from the date, the maximum from the day after the expiry
	var terms []struct {
		StartsOn time.Time `db:"starts_on"`
		Cents    int64     `db:"tariff_cents"`
		Name     string    `db:"tariff_name"`
	}
	if err := s.DB().Select(&terms, `SELECT starts_on, tariff_cents, tariff_name FROM enrollments WHERE child_id = $1 AND service_id = $2
		AND ends_on >= starts_on ORDER BY starts_on`, d.luca, d.mensa); err != nil {
		t.Fatal(err)
	}
	if len(terms) != 3 || !terms[1].StartsOn.Equal(from) || terms[1].Cents != 320 || terms[1].Name != "Fascia 2, ISEE fino a € 12.000,00" ||
		!terms[2].StartsOn.Equal(expires.AddDate(0, 0, 1)) || terms[2].Cents != 480 {
		t.Fatalf("terms %+v", terms)
	}
	var audited int
	if err := s.DB().Get(&audited, `SELECT count(*) FROM audit_log WHERE action = 'isee_confirm_retroactive'
		AND detail->>'reason' = $1 AND detail->>'applies_from' = $2`, dec.Reason, from.Format(time.DateOnly)); err != nil || audited != 1 {
		t.Fatalf("retroactive adjustment audited %d times (%v)", audited, err)
	}
	// decided once only
	if _, err := s.DecideISEE(ctx, dec); !errors.Is(err, db.ErrDeclarationDecided) {
		t.Fatalf("second decision: %v", err)
	}
}

// A confirmation from today changes no charge already made.
func TestISEEConfirmationFromTodayKeepsPastCharges(t *testing.T) {
	t.Parallel()
	s, _ := dbtest.New(t)
	ctx := context.Background()
	d := lookupDemo(t, s)
	before := liveChargesOf(t, s, d.luca, d.mensa)
	today := before[len(before)-1].Day.AddDate(0, 0, 1)
	id := declare(t, s, d.inst, d.mario, 500000, day("2027-12-31"))
	res, err := s.DecideISEE(ctx, db.ISEEDecision{InstallationID: d.inst, DeclarationID: id, Confirm: true, AppliesFrom: today, Today: today})
	if err != nil {
		t.Fatal(err)
	}
	if res.Ledger.Reversed != 0 || res.Changed != 2 {
		t.Fatalf("from today: %+v", res)
	}
	after := liveChargesOf(t, s, d.luca, d.mensa)
	if len(after) != len(before) || after[len(after)-1].Cents != before[len(before)-1].Cents {
		t.Fatal("a past charge changed")
	}
	tf, err := s.TariffFor(ctx, nil, d.inst, d.mensa, d.luca, today)
	if err != nil || tf.Cents != 150 {
		t.Fatalf("tariff from today: %+v %v", tf, err)
	}
	var cents int64
	if err := s.DB().Get(&cents, `SELECT tariff_cents FROM enrollments WHERE child_id = $1 AND service_id = $2 AND $3 BETWEEN starts_on AND ends_on`,
		d.luca, d.mensa, today); err != nil || cents != 150 {
		t.Fatalf("enrollment from today: %d %v", cents, err)
	}
}

// TestISEEDeclaredTwiceAtOnce: two declarations of the same adult sent at
// the same moment both succeed; the later replaces the earlier.
func TestISEEDeclaredTwiceAtOnce(t *testing.T) {
	t.Parallel()
	s, _ := dbtest.New(t)
	d := lookupDemo(t, s)
	expires := time.Now().AddDate(0, 6, 0)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.DeclareISEE(context.Background(), db.ISEEDeclaration{InstallationID: d.inst, AdultID: d.mario,
				ISEECents: int64(1000000 + i), DSUProtocol: fmt.Sprintf("INPS-ISEE-2026-00000000%d-00", i), ExpiresOn: expires}, "mario.rossi", "127.0.0.1")
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("declaration %d: %v", i, err)
		}
	}
	var open, replaced int
	dbtest.Get(t, s.DB(), &open, `SELECT count(*) FROM isee_declarations WHERE adult_id = $1 AND status = 'dichiarata'`, d.mario)
	dbtest.Get(t, s.DB(), &replaced, `SELECT count(*) FROM isee_declarations WHERE adult_id = $1 AND status = 'sostituita'`, d.mario)
	if open != 1 || replaced < len(errs)-1 {
		t.Fatalf("%d open and %d replaced declarations, want 1 and at least %d", open, replaced, len(errs)-1)
	}
}
