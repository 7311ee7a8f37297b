package db_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"portalegenitori/db"
	"portalegenitori/db/dbtest"
)

// TestTariffsOnMatchTariffFor: the set-based tariffs (one statement for
// every enrollment, what the family home reads) give TariffFor's answer,
// reason and parts included, for each child of the demo and each service,
// through the cases of TestTariffForBandsAndRules: no ISEE, the edges of a
// band, the day of expiry and the day after, a later declaration winning,
// above every band, a non-resident payer (with and without a non-resident
// rate), the second child's reduction and the only child left, a child
// without a paying adult.
func TestTariffsOnMatchTariffFor(t *testing.T) {
	t.Parallel()
	s, _ := dbtest.New(t)
	ctx := context.Background()
	d := lookupDemo(t, s)
	var keys []db.TariffKey
	for _, c := range []int64{d.luca, d.sofia, d.elena} {
		for _, sv := range []int64{d.mensa, d.trasporto, d.pre} {
			keys = append(keys, db.TariffKey{ChildID: c, ServiceID: sv})
		}
	}
	isee := func(cents int64, from, expires string) func() {
		return func() { confirmedISEE(t, s, d.inst, d.mario, cents, from, expires) }
	}
	exec := func(q string, args ...any) func() { return func() { s.DB().MustExec(q, args...) } }
	// the steps add up, in order
	steps := []struct {
		name  string
		setup func()
		days  []string
		kinds []string // the kinds the steps' days must show (the case is exercised)
	}{
		{"no ISEE", func() {}, []string{"2026-10-01"}, []string{db.TariffMax}},
		{"ISEE on the first band's upper edge, October only", isee(600000, "2026-10-01", "2026-10-31"),
			[]string{"2026-09-30", "2026-10-01", "2026-10-31", "2026-11-01"}, []string{db.TariffMax, db.TariffBand}},
		{"one cent above the edge from November", isee(600001, "2026-11-01", "2027-12-31"),
			[]string{"2026-10-31", "2026-11-01", "2026-11-30"}, []string{db.TariffBand}},
		{"the lower edge of band 2 on the same day: the later decision wins", isee(1200000, "2026-11-01", "2027-12-31"),
			[]string{"2026-11-01"}, []string{db.TariffBand}},
		{"above every band from December", isee(2000001, "2026-12-01", "2027-12-31"),
			[]string{"2026-11-30", "2026-12-01"}, []string{db.TariffBand, db.TariffAboveBands}},
		{"a non-resident payer", exec(`UPDATE adults SET resident = false WHERE id = $1`, d.mario),
			[]string{"2026-11-15", "2026-12-01"}, []string{db.TariffNonResident}},
		{"no non-resident rate: the ISEE again", exec(`UPDATE tariff_rules SET nonresident_cents = NULL WHERE service_id = $1`, d.mensa),
			[]string{"2026-11-15", "2026-12-01"}, []string{db.TariffBand, db.TariffAboveBands}},
		{"Luca leaves the canteen: Sofia is the only child", exec(`UPDATE enrollments SET ends_on = '2026-11-10' WHERE child_id = $1 AND service_id = $2`, d.luca, d.mensa),
			[]string{"2026-11-10", "2026-11-15"}, []string{db.TariffBand}},
		{"no sibling reduction", exec(`UPDATE tariff_rules SET sibling_percent = 0 WHERE service_id = $1`, d.mensa),
			[]string{"2026-11-10"}, []string{db.TariffBand}},
		{"a child without a paying adult", exec(`DELETE FROM guardianships WHERE child_id = $1 AND role = 'payer'`, d.sofia),
			[]string{"2026-11-10"}, []string{db.TariffMax, db.TariffBand}},
	}
	reduced := 0
	for _, st := range steps {
		st.setup()
		seen := map[string]bool{}
		for _, on := range st.days {
			set, err := s.TariffsOn(ctx, d.inst, keys, day(on))
			if err != nil {
				t.Fatalf("%s, %s: %v", st.name, on, err)
			}
			n := 0
			for _, k := range keys {
				want, err := s.TariffFor(ctx, nil, d.inst, k.ServiceID, k.ChildID, day(on))
				got, ok := db.TariffOf(set, k.ChildID, k.ServiceID)
				switch {
				case errors.Is(err, db.ErrNoTariffRules):
					if ok {
						t.Errorf("%s, %s, child %d service %d: a tariff %+v for a service without tariffs by ISEE", st.name, on, k.ChildID, k.ServiceID, got)
					}
					continue
				case err != nil:
					t.Fatal(err)
				}
				n++
				if !ok {
					t.Errorf("%s, %s, child %d service %d: no set-based tariff, TariffFor gives %+v", st.name, on, k.ChildID, k.ServiceID, want)
					continue
				}
				seen[got.Kind] = true
				if got.SiblingPercent > 0 {
					reduced++
				}
				if !sameTariff(got, want) {
					t.Errorf("%s, %s, child %d service %d:\nset-based %+v\nTariffFor %+v", st.name, on, k.ChildID, k.ServiceID, got, want)
				}
			}
			if n == 0 || len(set) != n {
				t.Errorf("%s, %s: %d set-based tariffs, TariffFor gives %d", st.name, on, len(set), n)
			}
		}
		for _, k := range st.kinds {
			if !seen[k] {
				t.Errorf("%s: no %q tariff on %v (the case is not exercised)", st.name, k, st.days)
			}
		}
	}
	if reduced == 0 {
		t.Error("no sibling reduction among the tariffs compared (the case is not exercised)")
	}
}

// sameTariff compares two tariffs, the band's ID by value.
func sameTariff(a, b db.Tariff) bool {
	if (a.BandID == nil) != (b.BandID == nil) || (a.BandID != nil && *a.BandID != *b.BandID) {
		return false
	}
	a.BandID, b.BandID = nil, nil
	return reflect.DeepEqual(a, b)
}
