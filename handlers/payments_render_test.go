package handlers

import (
	"bytes"
	"database/sql"
	"os"
	"testing"
	"time"

	"portalegenitori/db"
	"portalegenitori/internal/calendar"
)

// BenchmarkPaymentsRender renders the whole payments page of a paying
// adult (25 entries, a filter, the totals, two pending pagoPA notices and
// the top-up forms) without the database: its CPU and allocations per
// render, the view built as paymentsList builds it.
func BenchmarkPaymentsRender(b *testing.B) {
	parsed, err := parsedAssetsAndPages()
	if err != nil {
		b.Fatal(err)
	}
	entries := benchLedgerEntries(25, "Luca", "Mensa scolastica")
	var buf bytes.Buffer
	for b.Loop() {
		v := benchPaymentsView(Base{Lang: "it"}, entries)
		buf.Reset()
		if err := parsed.pages.Render(&buf, "payments", "layout", v); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "bytes")
	if out := os.Getenv("PAYMENTS_RENDER_OUT"); out != "" {
		if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
			b.Fatal(err)
		}
	}
}

// benchLedgerEntries are n entries of a family as the ledger has them:
// meal charges, refunds, top-ups by pagoPA and at the desk.
func benchLedgerEntries(n int, child, service string) []db.LedgerEntry {
	out := make([]db.LedgerEntry, n)
	day := calendar.Day(2026, 11, 27)
	for i := range out {
		e := db.LedgerEntry{ID: int64(1000 - i), AdultID: 7, EntryDate: day, CreatedAt: day.Add(10 * time.Hour)}
		switch i % 5 {
		case 3:
			e.Kind, e.AmountCents, e.Channel, e.ReceiptRef = "topup", 5000, "pagoPA", "RF18 0000 0000 0000 1234"
		case 4:
			e.Kind, e.AmountCents, e.Channel, e.Reason = "topup", 2000, "contanti", "Versamento allo sportello"
		default:
			e.Kind, e.AmountCents = "charge", -480
			e.ChildID, e.ChildName = sql.NullInt64{Int64: 11, Valid: true}, child
			e.ServiceID, e.ServiceName, e.ServiceKind = sql.NullInt64{Int64: 2, Valid: true}, service, "mensa"
			e.AttendanceDay = sql.NullTime{Time: day, Valid: true}
			if i%5 == 2 {
				e.Kind, e.AmountCents, e.Reason = "refund", 480, "Pasto disdetto"
			}
		}
		out[i] = e
		day = day.AddDate(0, 0, -1)
	}
	return out
}

// benchPaymentsView is the payments page's view as paymentsList builds it
// for a paying adult with two children: filtered by service, page 2 of 4.
func benchPaymentsView(b Base, entries []db.LedgerEntry) PaymentsView {
	b.FamilyPrefix = "/demo"
	b.Path = "/demo/pagamenti"
	b.Nav = "payments"
	b.Inst = &db.Installation{ID: 1, Code: "demo", Name: "Comune di Demo", RegionLabel: "Regione Demo"}
	b.Account = &db.Account{ID: 3, Username: "mario", Role: "parent", DisplayName: "Mario Rossi",
		PasswordHash: sql.NullString{String: "x", Valid: true}, AdultID: sql.NullInt64{Int64: 7, Valid: true}}
	payer := db.Payer{AdultID: 7, Name: "Mario Rossi", Children: []int64{11, 12}}
	v := PaymentsView{Base: b, Errors: map[string]string{}, Kinds: db.LedgerKinds,
		Payers: []db.Payer{payer}, Payer: payer, Own: true, Balance: 1240,
		Form:     PaymentsForm{Service: "2"},
		Children: []db.ChildSummary{{ID: 11, FirstName: "Luca"}, {ID: 12, FirstName: "Giulia"}},
		Services: []ServiceOption{{2, "Mensa scolastica"}, {3, "Trasporto scolastico"}},
		Totals:   db.LedgerTotals{Count: 90, Credits: 23000, Debits: -21760},
		Page:     2, Pages: 4, Filtered: true,
		PrevURL: "/demo/pagamenti?servizio=2", NextURL: "/demo/pagamenti?pagina=3&servizio=2",
		CSVURL: "/demo/pagamenti/movimenti.csv?servizio=2", StatementURL: "/demo/pagamenti/estratto?servizio=2",
		ResetURL: "/demo/pagamenti"}
	v.Entries = entries
	v.Rows = ledgerRows(v.Base, v.Entries)
	due := calendar.Day(2026, 12, 15)
	v.PagoPA = &PagoPABlock{Enabled: true, CanCreate: true, Presets: []int64{2000, 5000, 10000}, Min: 500, Max: 50000,
		Token: "tok-123", Errors: map[string]string{},
		Open: []db.Position{{ID: 41, Kind: "topup", AmountCents: 5000, NoticeNumber: "301000000000012345", DueDate: due},
			{ID: 42, Kind: "notice", AmountCents: 2480, NoticeNumber: "301000000000012346", DueDate: due}}}
	return v
}
