package db_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"portalegenitori/db"
	"portalegenitori/db/dbtest"
	"portalegenitori/internal/certificate"
)

// year2025 writes a hand-made 2025 into the demo ledger (the seed's
// entries start in September 2026): Mario pays Luca's and Sofia's services,
// Laura pays Sofia's meals of March on her own balance (two payers).
//
//	Mario  10/01 cash 40 €  → Luca's 8 meals of January (40 €): not certified
//	       03/02 pagoPA 80 € → Luca's 10 meals of February (50 €) less one
//	                           refunded (5 €) = 45 €, Sofia's pre-school 2 × 10 €
//	                           = 20 €, Luca's bus 15 € (not certified)
//	       15-16/12 Luca's 2 meals (10 €), paid by a transfer on 08/01/2026
//	Laura  01/03 transfer 30 € → Sofia's 6 meals of March (30 €)
//
// Mario's 2025: Luca mensa 45 €, Sofia pre-scuola 20 €, total 65 €, cash 40 €.
// Laura's 2025: Sofia mensa 30 €.
func year2025(t *testing.T, s *db.Store, d demoIDs) {
	t.Helper()
	ctx := context.Background()
	n := 0
	add := func(adult int64, kind string, cents int64, day string, child, service *int64, channel string, reverses *int64) int64 {
		t.Helper()
		n++
		date, _ := time.Parse(time.DateOnly, day)
		id, _, err := s.AddEntry(ctx, db.NewEntry{InstallationID: d.inst, AdultID: adult, Kind: kind, AmountCents: cents, EntryDate: date,
			ChildID: child, ServiceID: service, Channel: channel, ReversesID: reverses, IdempotencyKey: fmt.Sprintf("test2025:%d", n)})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	meals := func(adult int64, child *int64, service *int64, from string, count int, cents int64) []int64 {
		var ids []int64
		day, _ := time.Parse(time.DateOnly, from)
		for i := range count {
			ids = append(ids, add(adult, "charge", -cents, day.AddDate(0, 0, i).Format(time.DateOnly), child, service, "", nil))
		}
		return ids
	}
	add(d.mario, "topup", 4000, "2025-01-10", nil, nil, "contanti", nil)
	meals(d.mario, &d.luca, &d.mensa, "2025-01-13", 8, 500)
	add(d.mario, "topup", 8000, "2025-02-03", nil, nil, "pagoPA", nil)
	feb := meals(d.mario, &d.luca, &d.mensa, "2025-02-04", 10, 500)
	add(d.mario, "refund", 500, "2025-02-20", &d.luca, &d.mensa, "", &feb[3])
	meals(d.mario, &d.sofia, &d.pre, "2025-02-10", 2, 1000)
	meals(d.mario, &d.luca, &d.trasporto, "2025-02-28", 1, 1500)
	meals(d.mario, &d.luca, &d.mensa, "2025-12-15", 2, 500)
	add(d.mario, "topup", 1000, "2026-01-08", nil, nil, "bonifico", nil)
	add(d.laura, "topup", 3000, "2025-03-01", nil, nil, "bonifico", nil)
	meals(d.laura, &d.sofia, &d.mensa, "2025-03-03", 6, 500)
}

func lines(c certificate.Content) string {
	var out []string
	for _, ch := range c.Children {
		for _, l := range ch.Lines {
			out = append(out, fmt.Sprintf("%s/%s=%d", strings.Fields(ch.Name)[0], l.Kind, l.Cents))
		}
	}
	return strings.Join(out, " ")
}

// TestCertificateFromLedger issues the 2025 certificates of the two payers
// and checks them against the hand-computed sums; a second request with
// nothing changed gives the same version; a payment recorded later makes a
// new version that says why.
func TestCertificateFromLedger(t *testing.T) {
	t.Parallel()
	s, _ := dbtest.New(t)
	ctx := context.Background()
	d := lookupDemo(t, s)
	year2025(t, s, d)

	mario, err := s.IssueCertificate(ctx, d.inst, d.mario, 2025, nil, certificateReason)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := mario.Document()
	if err != nil {
		t.Fatal(err)
	}
	if got := lines(doc.Content); got != "Luca/mensa=4500 Sofia/pre-scuola=2000" || doc.TotalCents != 6500 || doc.CashCents != 4000 || doc.UnusedCents != 0 {
		t.Fatalf("Mario 2025: %s total %d cash %d unused %d", got, doc.TotalCents, doc.CashCents, doc.UnusedCents)
	}
	if doc.Payer.Name != "Mario Rossi" || len(doc.Payer.FiscalCode) != 16 || doc.Children[0].FiscalCode == "" || doc.Comune.Name == "" {
		t.Fatalf("names and codes: %+v", doc.Content)
	}
	if mario.Version != 1 || mario.Number < 1 || certificate.NormalizeCode(mario.Code) != mario.Code {
		t.Fatalf("number %d version %d code %q", mario.Number, mario.Version, mario.Code)
	}

	laura, err := s.IssueCertificate(ctx, d.inst, d.laura, 2025, nil, certificateReason)
	if err != nil {
		t.Fatal(err)
	}
	ldoc, _ := laura.Document()
	if got := lines(ldoc.Content); got != "Sofia/mensa=3000" || ldoc.TotalCents != 3000 || laura.Number == mario.Number {
		t.Fatalf("Laura 2025: %s total %d number %d (Mario's %d)", got, ldoc.TotalCents, laura.Number, mario.Number)
	}
	// Giulia paid nothing in 2025: no certificate
	if _, err := s.IssueCertificate(ctx, d.inst, d.giulia, 2025, nil, certificateReason); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("Giulia 2025: %v", err)
	}

	again, err := s.IssueCertificate(ctx, d.inst, d.mario, 2025, nil, certificateReason)
	if err != nil || again.ID != mario.ID || !again.Latest {
		t.Fatalf("unchanged ledger: %v, id %d want %d", err, again.ID, mario.ID)
	}

	// a POS payment of 20/12/2025 pays December's two meals (10 €) in 2025
	date, _ := time.Parse(time.DateOnly, "2025-12-20")
	if _, _, err := s.AddEntry(ctx, db.NewEntry{InstallationID: d.inst, AdultID: d.mario, Kind: "topup", AmountCents: 1000,
		EntryDate: date, Channel: "POS", IdempotencyKey: "test2025:late"}); err != nil {
		t.Fatal(err)
	}
	v2, err := s.IssueCertificate(ctx, d.inst, d.mario, 2025, nil, certificateReason)
	if err != nil {
		t.Fatal(err)
	}
	doc2, _ := v2.Document()
	if v2.Version != 2 || v2.Number != mario.Number || doc2.TotalCents != 7500 || lines(doc2.Content) != "Luca/mensa=5500 Sofia/pre-scuola=2000" {
		t.Fatalf("re-issue: version %d number %d total %d %s", v2.Version, v2.Number, doc2.TotalCents, lines(doc2.Content))
	}
	if v2.Reason != "total 6500 -> 7500" {
		t.Fatalf("reason %q", v2.Reason)
	}
	old, err := s.CertificateByCode(ctx, d.inst, mario.Code)
	if err != nil || old.Latest || old.Version != 1 {
		t.Fatalf("first version by code: %v latest %v", err, old != nil && old.Latest)
	}
	// the code is the installation's: another Comune does not find it
	var valle int64
	if err := s.DB().Get(&valle, `SELECT id FROM installations WHERE code = 'valle'`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CertificateByCode(ctx, valle, v2.Code); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("code found in another installation: %v", err)
	}
}

func certificateReason(prev, next certificate.Content) string {
	return fmt.Sprintf("total %d -> %d", prev.TotalCents, next.TotalCents)
}

// TestCertificateRunResumes: a run fixes the adults who paid by traceable
// means in the year; one issued, the run stops (as if the process died);
// issuing the rest later gives every adult one certificate, the first one
// not issued twice.
func TestCertificateRunResumes(t *testing.T) {
	t.Parallel()
	s, _ := dbtest.New(t)
	ctx := context.Background()
	d := lookupDemo(t, s)
	year2025(t, s, d)
	var enqueued int64
	run, err := s.CreateCertificateRun(ctx, d.inst, 2025, 0, func(_ context.Context, _ *sql.Tx, id int64) error {
		enqueued = id
		return nil
	})
	if err != nil || enqueued != run {
		t.Fatalf("create run: %v (enqueued %d, run %d)", err, enqueued, run)
	}
	pending, err := s.PendingRunAdults(ctx, d.inst, run, 10)
	if err != nil || len(pending) != 2 {
		t.Fatalf("adults of the run: %v %v (want Mario and Laura)", pending, err)
	}
	issue := func(adult int64) int64 {
		c, err := s.IssueCertificate(ctx, d.inst, adult, 2025, &run, certificateReason)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.MarkRunItem(ctx, d.inst, run, adult, c.ID); err != nil {
			t.Fatal(err)
		}
		return c.ID
	}
	first := issue(pending[0])
	r, _ := s.CertificateRunByID(ctx, d.inst, run)
	if r.Done != 1 || r.Total != 2 {
		t.Fatalf("progress %d/%d", r.Done, r.Total)
	}
	// resumed: only the other adult is pending
	rest, _ := s.PendingRunAdults(ctx, d.inst, run, 10)
	if len(rest) != 1 || rest[0] != pending[1] {
		t.Fatalf("pending after one: %v", rest)
	}
	issue(rest[0])
	// the ZIP's walk, a page at a time: each certificate once, whatever the
	// page size (one per page, a full page then an empty one, one short page)
	for _, size := range []int{1, 2, 10} {
		var certs []db.Certificate
		err := s.EachRunCertificate(ctx, d.inst, run, size, func(c db.Certificate) error {
			certs = append(certs, c)
			return nil
		})
		if err != nil || len(certs) != 2 || certs[0].ID == certs[1].ID || (certs[0].ID != first && certs[1].ID != first) {
			t.Fatalf("run certificates, %d a page: %v %d", size, err, len(certs))
		}
	}
	stop := errors.New("stop")
	calls := 0
	if err := s.EachRunCertificate(ctx, d.inst, run, 1, func(db.Certificate) error { calls++; return stop }); !errors.Is(err, stop) || calls != 1 {
		t.Fatalf("an error of fn: %v after %d calls", err, calls)
	}
	var versions int
	if err := s.DB().Get(&versions, `SELECT count(*) FROM certificates WHERE installation_id = $1 AND year = 2025`, d.inst); err != nil || versions != 2 {
		t.Fatalf("certificates issued: %d %v", versions, err)
	}
}
