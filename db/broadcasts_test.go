package db_test

import (
	"context"
	"database/sql"
	"slices"
	"testing"
	"time"

	"portalegenitori/db"
	"portalegenitori/db/dbtest"
)

// TestBroadcastAudiences: each filter reaches exactly the guardians it
// names (demo registry: Luca 3ª B and Pietro 4ª A and Marco 2ª A at the
// primary school, Sofia and Elena at the infant school; Sofia alone at
// pre-school), the debtors are the payers with a negative balance, and no
// adult of another Comune is ever a recipient.
func TestBroadcastAudiences(t *testing.T) {
	t.Parallel()
	s, _ := dbtest.New(t)
	ctx := context.Background()
	d := lookupDemo(t, s)
	var primaria, infanzia int64
	if err := s.DB().Get(&primaria, `SELECT school_id FROM children WHERE id = $1`, d.luca); err != nil {
		t.Fatal(err)
	}
	if err := s.DB().Get(&infanzia, `SELECT school_id FROM children WHERE id = $1`, d.sofia); err != nil {
		t.Fatal(err)
	}
	// a debt for Giulia: a charge larger than her balance
	var bal int64
	if err := s.DB().Get(&bal, `SELECT coalesce(sum(amount_cents), 0) FROM ledger_entries WHERE installation_id = $1 AND adult_id = $2`, d.inst, d.giulia); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.AddEntry(ctx, db.NewEntry{InstallationID: d.inst, AdultID: d.giulia, Kind: "adjustment", AmountCents: -bal - 1000,
		EntryDate: mustDay("2026-11-02"), Reason: "test", IdempotencyKey: "test:debt"}); err != nil {
		t.Fatal(err)
	}
	var debtors []string
	if err := s.DB().Select(&debtors, `SELECT a.first_name FROM adults a WHERE a.installation_id = $1 AND
		(SELECT coalesce(sum(amount_cents), 0) FROM ledger_entries l WHERE l.installation_id = a.installation_id AND l.adult_id = a.id) < 0
		ORDER BY 1`, d.inst); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(debtors, "Giulia") {
		t.Fatalf("debtors %v", debtors)
	}
	var valleAdults []string
	if err := s.DB().Select(&valleAdults, `SELECT a.fiscal_code FROM adults a JOIN installations i ON i.id = a.installation_id WHERE i.code = 'valle'`); err != nil || len(valleAdults) == 0 {
		t.Fatalf("valle adults: %v %v", valleAdults, err)
	}
	for _, c := range []struct {
		name string
		a    db.Audience
		want []string // first names, sorted; nil: only checked against the registry
	}{
		{"all", db.Audience{Kind: db.AudienceAll}, nil},
		{"school", db.Audience{Kind: db.AudienceSchool, SchoolID: primaria}, []string{"Anna", "Laura", "Mario", "Paolo"}},
		{"other school", db.Audience{Kind: db.AudienceSchool, SchoolID: infanzia}, []string{"Giulia", "Laura", "Mario"}},
		{"class", db.Audience{Kind: db.AudienceClass, SchoolID: primaria, ClassName: "3ª B"}, []string{"Laura", "Mario"}},
		{"class of another school", db.Audience{Kind: db.AudienceClass, SchoolID: infanzia, ClassName: "3ª B"}, []string{}},
		{"service", db.Audience{Kind: db.AudienceService, ServiceID: d.pre, SchoolYear: 2026}, []string{"Laura", "Mario"}},
		{"service another year", db.Audience{Kind: db.AudienceService, ServiceID: d.pre, SchoolYear: 2020}, []string{}},
		{"debt", db.Audience{Kind: db.AudienceDebt}, debtors},
	} {
		t.Run(c.name, func(t *testing.T) {
			n, err := s.CountAudience(ctx, d.inst, c.a)
			if err != nil {
				t.Fatal(err)
			}
			id, err := s.CreateBroadcast(ctx, db.NewBroadcast{InstallationID: d.inst, Title: c.name, Body: "x", Audience: c.a, Channels: []string{"email"}}, noEnqueue)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.MaterializeBroadcast(ctx, d.inst, id, c.a.SchoolYear, false); err != nil {
				t.Fatal(err)
			}
			var got []string
			var codes []string
			if err := s.DB().Select(&got, `SELECT a.first_name FROM broadcast_recipients r JOIN adults a ON a.installation_id = r.installation_id AND a.id = r.adult_id
				WHERE r.broadcast_id = $1 ORDER BY 1`, id); err != nil {
				t.Fatal(err)
			}
			if err := s.DB().Select(&codes, `SELECT a.fiscal_code FROM broadcast_recipients r JOIN adults a ON a.installation_id = r.installation_id AND a.id = r.adult_id
				WHERE r.broadcast_id = $1`, id); err != nil {
				t.Fatal(err)
			}
			if got == nil {
				got = []string{}
			}
			if c.want != nil && !slices.Equal(got, c.want) {
				t.Fatalf("recipients %v, want %v", got, c.want)
			}
			if c.want == nil {
				var guardians int
				if err := s.DB().Get(&guardians, `SELECT count(DISTINCT adult_id) FROM guardianships WHERE installation_id = $1`, d.inst); err != nil {
					t.Fatal(err)
				}
				if len(got) != guardians || !slices.Contains(got, "Giulia") {
					t.Fatalf("all: %d recipients, %d guardians in the registry", len(got), guardians)
				}
			}
			for _, cf := range codes {
				if slices.Contains(valleAdults, cf) {
					t.Fatalf("an adult of another Comune received the message: %s", cf)
				}
			}
			if n.Adults != len(got) {
				t.Fatalf("preview counts %d, recipients %d", n.Adults, len(got))
			}
			var deliveries int
			if err := s.DB().Get(&deliveries, `SELECT count(*) FROM broadcast_deliveries WHERE broadcast_id = $1 AND channel = 'email'`, id); err != nil || deliveries != n.Email {
				t.Fatalf("e-mail deliveries %d, preview %d (%v)", deliveries, n.Email, err)
			}
			// a second materialisation (a retried job) adds no one
			if err := s.MaterializeBroadcast(ctx, d.inst, id, c.a.SchoolYear, false); err != nil {
				t.Fatal(err)
			}
			var again int
			if err := s.DB().Get(&again, `SELECT count(*) FROM broadcast_recipients WHERE broadcast_id = $1`, id); err != nil || again != len(got) {
				t.Fatalf("after a second run: %d recipients, want %d (%v)", again, len(got), err)
			}
		})
	}
}

// TestUnreadCount: a message is unread for each recipient until opened by
// them; an adult who is not a recipient cannot open it.
func TestUnreadCount(t *testing.T) {
	t.Parallel()
	s, _ := dbtest.New(t)
	ctx := context.Background()
	d := lookupDemo(t, s)
	a := db.Audience{Kind: db.AudienceService, ServiceID: d.pre, SchoolYear: 2026}
	base := map[int64]int{} // the seed's message to all families, unread
	for _, adult := range []int64{d.mario, d.laura, d.giulia} {
		n, err := s.UnreadCount(ctx, d.inst, adult)
		if err != nil {
			t.Fatal(err)
		}
		base[adult] = n
	}
	var ids []int64
	for _, title := range []string{"Uno", "Due"} {
		id, err := s.CreateBroadcast(ctx, db.NewBroadcast{InstallationID: d.inst, Title: title, Body: "x", Audience: a}, noEnqueue)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.MaterializeBroadcast(ctx, d.inst, id, 2026, false); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	unread := func(adult int64) int {
		n, err := s.UnreadCount(ctx, d.inst, adult)
		if err != nil {
			t.Fatal(err)
		}
		return n - base[adult]
	}
	if unread(d.mario) != 2 || unread(d.laura) != 2 || unread(d.giulia) != 0 {
		t.Fatalf("unread %d %d %d", unread(d.mario), unread(d.laura), unread(d.giulia))
	}
	if _, err := s.OpenMessage(ctx, d.inst, d.mario, ids[0], true); err != nil {
		t.Fatal(err)
	}
	if _, err := s.OpenMessage(ctx, d.inst, d.mario, ids[0], true); err != nil { // again: still one read
		t.Fatal(err)
	}
	if _, err := s.OpenMessage(ctx, d.inst, d.laura, ids[1], false); err != nil { // staff reading as Laura
		t.Fatal(err)
	}
	if unread(d.mario) != 1 || unread(d.laura) != 2 {
		t.Fatalf("after opening: Mario %d, Laura %d", unread(d.mario), unread(d.laura))
	}
	if _, err := s.OpenMessage(ctx, d.inst, d.giulia, ids[0], true); err == nil {
		t.Fatal("Giulia opened a message not sent to her")
	}
}

func noEnqueue(context.Context, *sql.Tx, int64) error { return nil }

func mustDay(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}
