package certificate

import (
	"maps"
	"testing"
	"time"
)

func d(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

const (
	luca, sofia           = 1, 2
	mensa, pre, bus       = 10, 11, 12
	euro            int64 = 100
)

// charges makes n charges of cents each for a child's service, one a day
// from the given day, with ids from id.
func charges(id int64, child, service int64, from string, n int, cents int64) []Entry {
	var out []Entry
	for i := range n {
		out = append(out, Entry{ID: id + int64(i), Kind: "charge", Cents: -cents, Date: d(from).AddDate(0, 0, i), ChildID: child, ServiceID: service})
	}
	return out
}

func cat(parts ...[]Entry) []Entry {
	var out []Entry
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// TestAttributeHandComputed checks the attribution against sums worked out
// by hand (comments give the arithmetic).
func TestAttributeHandComputed(t *testing.T) {
	cases := []struct {
		name    string
		year    int
		entries []Entry
		paid    map[Key]int64
		unused  int64
		cash    int64
	}{{
		// 50 € cash pays January's 10 meals of 5 €; 100 € pagoPA pays
		// February's 12 meals (60 €) and leaves 40 € of credit
		name: "cash excluded",
		year: 2025,
		entries: cat(
			[]Entry{{ID: 1, Kind: "topup", Cents: 50 * euro, Date: d("2025-01-08"), Channel: "contanti"},
				{ID: 2, Kind: "topup", Cents: 100 * euro, Date: d("2025-02-01"), Channel: "pagoPA"}},
			charges(100, luca, mensa, "2025-01-09", 10, 5*euro),
			charges(200, luca, mensa, "2025-02-02", 12, 5*euro)),
		paid:   map[Key]int64{{luca, mensa}: 60 * euro},
		unused: 40 * euro, cash: 50 * euro,
	}, {
		// 3 meals of 5 €, one refunded: 10 € used of 30 € paid by POS
		name: "refund netted",
		year: 2025,
		entries: cat(
			[]Entry{{ID: 1, Kind: "topup", Cents: 30 * euro, Date: d("2025-03-01"), Channel: "POS"},
				{ID: 9, Kind: "refund", Cents: 5 * euro, Date: d("2025-03-10"), ChildID: luca, ServiceID: mensa, ReversesID: 3}},
			charges(2, luca, mensa, "2025-03-03", 3, 5*euro)),
		paid:   map[Key]int64{{luca, mensa}: 10 * euro},
		unused: 20 * euro,
	}, {
		// December's debt (4 meals, 20 €) is paid by January's transfer of
		// 50 €, with January's 2 meals (10 €): 30 € in the new year
		name: "debt of December paid in January",
		year: 2025,
		entries: cat(
			charges(10, luca, mensa, "2024-12-16", 4, 5*euro),
			[]Entry{{ID: 20, Kind: "topup", Cents: 50 * euro, Date: d("2025-01-05"), Channel: "bonifico"}},
			charges(30, luca, mensa, "2025-01-08", 2, 5*euro)),
		paid:   map[Key]int64{{luca, mensa}: 30 * euro},
		unused: 20 * euro,
	}, {
		name: "the same ledger seen from the year before",
		year: 2024,
		entries: cat(
			charges(10, luca, mensa, "2024-12-16", 4, 5*euro),
			[]Entry{{ID: 20, Kind: "topup", Cents: 50 * euro, Date: d("2025-01-05"), Channel: "bonifico"}},
			charges(30, luca, mensa, "2025-01-08", 2, 5*euro)),
		paid: map[Key]int64{},
	}, {
		// 40 € paid on 20 December, eaten in January (30 €): the expense
		// is of the year it was paid in
		name: "credit of December used in January",
		year: 2024,
		entries: cat(
			[]Entry{{ID: 1, Kind: "topup", Cents: 40 * euro, Date: d("2024-12-20"), Channel: "pagoPA"}},
			charges(2, luca, mensa, "2025-01-08", 6, 5*euro)),
		paid:   map[Key]int64{{luca, mensa}: 30 * euro},
		unused: 10 * euro,
	}, {
		// 100 € pays Luca's meals 30 €, Sofia's pre-school 20 €, Luca's bus 10 €
		name: "two children, three services",
		year: 2025,
		entries: cat(
			[]Entry{{ID: 1, Kind: "topup", Cents: 100 * euro, Date: d("2025-09-01"), Channel: "pagoPA"}},
			charges(10, luca, mensa, "2025-09-10", 6, 5*euro),
			charges(20, sofia, pre, "2025-09-10", 2, 10*euro),
			[]Entry{{ID: 30, Kind: "charge", Cents: -10 * euro, Date: d("2025-09-30"), ChildID: luca, ServiceID: bus}}),
		paid:   map[Key]int64{{luca, mensa}: 30 * euro, {sofia, pre}: 20 * euro, {luca, bus}: 10 * euro},
		unused: 40 * euro,
	}, {
		// a transfer recorded by mistake and reversed was never paid
		name: "reversed top-up",
		year: 2025,
		entries: cat(
			[]Entry{{ID: 1, Kind: "topup", Cents: 50 * euro, Date: d("2025-04-01"), Channel: "bonifico"},
				{ID: 2, Kind: "topup", Cents: -50 * euro, Date: d("2025-04-02"), ReversesID: 1}},
			charges(10, luca, mensa, "2025-04-03", 4, 5*euro)),
		paid: map[Key]int64{},
	}, {
		// 50 € paid, 20 € eaten, the 30 € left handed back to the parent
		name: "credit handed back",
		year: 2025,
		entries: cat(
			[]Entry{{ID: 1, Kind: "topup", Cents: 50 * euro, Date: d("2025-05-01"), Channel: "pagoPA"}},
			charges(10, luca, mensa, "2025-05-05", 4, 5*euro),
			[]Entry{{ID: 20, Kind: "refund", Cents: -30 * euro, Date: d("2025-06-30")}}),
		paid: map[Key]int64{{luca, mensa}: 20 * euro},
	}, {
		// a credit of 20 € from the Comune (ISEE check) comes first and pays
		// the first 20 € of 30 € of meals: 10 € paid by pagoPA
		name: "the Comune's credit is not a payment",
		year: 2025,
		entries: cat(
			[]Entry{{ID: 1, Kind: "adjustment", Cents: 20 * euro, Date: d("2025-01-02")},
				{ID: 2, Kind: "topup", Cents: 50 * euro, Date: d("2025-01-03"), Channel: "pagoPA"}},
			charges(10, luca, mensa, "2025-01-08", 6, 5*euro)),
		paid:   map[Key]int64{{luca, mensa}: 10 * euro},
		unused: 40 * euro,
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := Attribute(c.entries, c.year)
			if !maps.Equal(r.Paid, c.paid) || r.Unused != c.unused || r.Cash != c.cash {
				t.Fatalf("got paid %v unused %d cash %d, want paid %v unused %d cash %d", r.Paid, r.Unused, r.Cash, c.paid, c.unused, c.cash)
			}
		})
	}
}

func TestTraceable(t *testing.T) {
	for ch, want := range map[string]bool{"pagoPA": true, "POS": true, "bonifico": true, "contanti": false, "": false, "assegno?": false} {
		if Traceable(ch) != want {
			t.Errorf("Traceable(%q) = %v", ch, !want)
		}
	}
}
