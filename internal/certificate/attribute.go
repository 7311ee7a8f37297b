// Package certificate computes and renders the 730 certificate: the school
// service fees a paying adult paid in a calendar year by traceable means,
// per child and service (docs/certificate-730.md).
package certificate

import (
	"sort"
	"strings"
	"time"
)

// Ledger entry kinds, as in the ledger_entries table.
const (
	kindTopUp      = "topup"
	kindCharge     = "charge"
	kindRefund     = "refund"
	kindAdjustment = "adjustment"
)

// Entry is one movement of the paying adult's balance (positive: credit).
type Entry struct {
	ID         int64
	Kind       string
	Cents      int64
	Date       time.Time
	ChildID    int64 // 0: about no child
	ServiceID  int64 // 0: about no service
	Channel    string
	ReversesID int64 // 0: reverses nothing
}

// Key is a child's service.
type Key struct{ ChildID, ServiceID int64 }

// Result is what a year's payments paid for.
type Result struct {
	// Paid: traceable payments made in the year, attributed to the charges
	// of a child's service they paid for
	Paid map[Key]int64
	// Unused: traceable payments of the year not used by any charge yet
	// (credit on the balance)
	Unused int64
	// Cash: payments of the year by untraceable means (not certified)
	Cash int64
}

// Total is the sum of Paid.
func (r Result) Total() int64 {
	var t int64
	for _, v := range r.Paid {
		t += v
	}
	return t
}

// Traceable tells whether a top-up channel is a traceable payment in the
// sense of L. 160/2019 art. 1 c. 679: pagoPA, a card at the POS, a bank or
// postal transfer. Cash, and any channel not known, are not.
func Traceable(channel string) bool {
	switch strings.ToLower(strings.TrimSpace(channel)) {
	case "pagopa", "pos", "bonifico", "bancomat", "carta":
		return true
	}
	return false
}

type source struct {
	date      time.Time
	year      int
	payment   bool // money the adult paid (a top-up), not a credit the Comune gave
	traceable bool
	left      int64
}

type use struct {
	key    Key
	cents  int64 // positive: what the charge costs after its refunds
	payout bool  // money given back to the adult: never certified
}

// Attribute matches the adult's money with what it paid for, first in
// first out: the payments (and credits) in date order pay the charges in
// date order, each charge net of its refunds. A charge's share paid by a
// traceable top-up dated in year is certified for that child and service,
// whatever the year of the charge: the expense is borne when it is paid
// (a debt of December paid in January counts in January's year).
func Attribute(entries []Entry, year int) Result {
	es := append([]Entry(nil), entries...)
	sort.SliceStable(es, func(i, j int) bool {
		if !es[i].Date.Equal(es[j].Date) {
			return es[i].Date.Before(es[j].Date)
		}
		return es[i].ID < es[j].ID
	})
	// top-ups net of their reversals
	topupIdx := map[int64]int{}
	var sources []source
	var uses []use
	chargeIdx := map[int64]int{} // ledger id → index in uses
	var credits []Entry          // refunds and credit adjustments about a child
	for _, e := range es {
		switch {
		case e.Kind == kindTopUp && e.Cents > 0:
			topupIdx[e.ID] = len(sources)
			sources = append(sources, source{date: e.Date, year: e.Date.Year(), payment: true, traceable: Traceable(e.Channel), left: e.Cents})
		case e.Kind == kindTopUp && e.Cents < 0:
			if i, ok := topupIdx[e.ReversesID]; ok {
				sources[i].left = max(0, sources[i].left+e.Cents) // a reversed top-up was never paid
			} else {
				uses = append(uses, use{cents: -e.Cents, payout: true})
			}
		case e.Cents < 0 && (e.Kind == kindCharge || e.Kind == kindAdjustment):
			chargeIdx[e.ID] = len(uses)
			uses = append(uses, use{key: Key{e.ChildID, e.ServiceID}, cents: -e.Cents})
		case e.Cents < 0 && e.Kind == kindRefund:
			uses = append(uses, use{cents: -e.Cents, payout: true}) // money handed back
		case e.Cents > 0 && e.ChildID != 0 && (e.Kind == kindRefund || e.Kind == kindAdjustment):
			credits = append(credits, e)
		case e.Cents > 0:
			// a credit about no child: the Comune's, not a payment
			sources = append(sources, source{date: e.Date, year: e.Date.Year(), left: e.Cents})
		}
	}
	// refunds net their charge, or else the latest charges of the same
	// child and service; what is left over is a credit, not a payment
	for _, cr := range credits {
		left := cr.Cents
		if i, ok := chargeIdx[cr.ReversesID]; ok {
			d := min(left, uses[i].cents)
			uses[i].cents -= d
			left -= d
		}
		for i := len(uses) - 1; i >= 0 && left > 0; i-- {
			if uses[i].payout || uses[i].key.ChildID != cr.ChildID || (cr.ServiceID != 0 && uses[i].key.ServiceID != cr.ServiceID) {
				continue
			}
			d := min(left, uses[i].cents)
			uses[i].cents -= d
			left -= d
		}
		if left > 0 {
			sources = append(sources, source{date: cr.Date, year: cr.Date.Year(), left: left})
		}
	}
	sort.SliceStable(sources, func(i, j int) bool { return sources[i].date.Before(sources[j].date) })
	r := Result{Paid: map[Key]int64{}}
	for _, s := range sources {
		if s.payment && !s.traceable && s.year == year {
			r.Cash += s.left
		}
	}
	si := 0
	for _, u := range uses {
		need := u.cents
		for need > 0 && si < len(sources) {
			s := &sources[si]
			d := min(need, s.left)
			if d > 0 && s.payment && s.traceable && s.year == year && !u.payout && u.key.ChildID != 0 && u.key.ServiceID != 0 {
				r.Paid[u.key] += d
			}
			s.left -= d
			need -= d
			if s.left == 0 {
				si++
			}
		}
	}
	for _, s := range sources[si:] {
		if s.payment && s.traceable && s.year == year {
			r.Unused += s.left
		}
	}
	for k, v := range r.Paid {
		if v == 0 {
			delete(r.Paid, k)
		}
	}
	return r
}
