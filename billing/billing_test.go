package billing_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"portalegenitori/billing"
	"portalegenitori/db"
	"portalegenitori/db/dbtest"
	"portalegenitori/internal/calendar"
	"portalegenitori/internal/pagopa"
	"portalegenitori/internal/pagopa/emulator"
)

// world is a demo database, the pagoPA emulator over real HTTP, and the
// billing service pointed at it.
type world struct {
	store *db.Store
	emu   *emulator.Emulator
	svc   *billing.Service
	inst  *db.Installation
	st    *db.PagoPASettings
	mario *db.Adult
}

func newWorld(t *testing.T) *world {
	t.Helper()
	store, _ := dbtest.New(t)
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	emu := emulator.New(emulator.Options{DB: store.DB(), Log: log})
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	svc, err := billing.New(store, log, billing.Options{SecretKey: "0123456789abcdef0123456789abcdef", Demo: true, PublicBase: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	svc.Timeout = 3 * time.Second
	inst, err := store.InstallationByCode(ctx, "demo")
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.PagoPASettingsOf(ctx, inst.ID)
	if err != nil || !st.Enabled {
		t.Fatalf("demo pagoPA settings: %+v, %v", st, err)
	}
	var marioID int64
	if err := store.DB().Get(&marioID, `SELECT id FROM adults WHERE installation_id = $1 AND first_name = 'Mario'`, inst.ID); err != nil {
		t.Fatal(err)
	}
	mario, err := store.AdultByID(ctx, inst.ID, marioID)
	if err != nil {
		t.Fatal(err)
	}
	return &world{store: store, emu: emu, svc: svc, inst: inst, st: st, mario: mario}
}

func (w *world) open(t *testing.T, key string, cents int64) *db.Position {
	t.Helper()
	pos, err := w.svc.Open(context.Background(), billing.Request{Inst: w.inst, Settings: w.st, Payer: w.mario,
		Kind: db.PositionTopUp, AmountCents: cents, Description: "Ricarica test", AttemptKey: key})
	if err != nil {
		t.Fatalf("open %s: %v", key, err)
	}
	return pos
}

// ledgerOf counts the ledger entries of an IUV and sums them.
func (w *world) ledgerOf(t *testing.T, iuv string) (n int, sum int64, channel, receipt string) {
	t.Helper()
	err := w.store.DB().QueryRow(`SELECT count(*), coalesce(sum(amount_cents), 0), coalesce(max(channel), ''), coalesce(max(receipt_ref), '')
		FROM ledger_entries WHERE installation_id = $1 AND idempotency_key = $2`, w.inst.ID, db.PaymentKey(iuv)).Scan(&n, &sum, &channel, &receipt)
	if err != nil {
		t.Fatal(err)
	}
	return n, sum, channel, receipt
}

func TestPaymentBookedOnceByIUVWhateverTheRaces(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	if err := w.emu.SetSwitches(ctx, emulator.Switches{PayTwice: true}); err != nil {
		t.Fatal(err)
	}
	pos := w.open(t, "topup:test:1", 2000)
	if pos.Status != db.PositionPending || len(pos.NoticeNumber) != 18 || pos.NoticeNumber[1:] != pos.IUV {
		t.Fatalf("position after open: %+v", pos)
	}
	if _, _, _, err := pagopa.ParseNoticeNumber(pos.NoticeNumber); err != nil {
		t.Fatalf("notice number: %v", err)
	}
	// before payment: a check changes nothing and books nothing
	if out, err := w.svc.CheckNow(ctx, w.inst.ID, pos.ID); err != nil || out != billing.Unchanged {
		t.Fatalf("check before payment: %v %v", out, err)
	}
	if n, _, _, _ := w.ledgerOf(t, pos.IUV); n != 0 {
		t.Fatalf("%d entries before payment", n)
	}
	before := balance(t, w)
	if _, err := w.emu.Pay(ctx, w.st.CreditorFiscalCode, pos.NoticeNumber); err != nil {
		t.Fatal(err)
	}
	// the periodic run and several immediate checks at once
	var wg sync.WaitGroup
	for i := 0; i < 6; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			var err error
			if i%2 == 0 {
				_, err = w.svc.CheckNow(ctx, w.inst.ID, pos.ID)
			} else {
				_, err = w.store.DB().Exec(`UPDATE pagopa_positions SET next_check_at = now() WHERE id = $1`, pos.ID)
				if err == nil {
					_, err = w.svc.ReconcileDue(ctx, 100)
				}
			}
			if err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	n, sum, channel, receipt := w.ledgerOf(t, pos.IUV)
	if n != 1 || sum != 2000 || channel != "pagoPA" || receipt == "" {
		t.Fatalf("ledger: %d entries, sum %d, channel %q, receipt %q", n, sum, channel, receipt)
	}
	if got := balance(t, w); got != before+2000 {
		t.Fatalf("balance %d, want %d", got, before+2000)
	}
	pos, _ = w.store.PositionByID(ctx, w.inst.ID, pos.ID)
	if pos.Status != db.PositionPaid || pos.ReceiptRef != receipt || !pos.LedgerEntryID.Valid || !pos.ReceiptData.Valid {
		t.Fatalf("position after payment: %+v", pos)
	}
	if n, err := w.emu.PaymentAttempts(ctx, w.st.CreditorFiscalCode, pos.IUPD); err != nil || n != 2 {
		t.Fatalf("the emulator should have seen a duplicate payment: %d attempts, %v", n, err)
	}
}

func balance(t *testing.T, w *world) int64 {
	t.Helper()
	b, err := w.store.Balances(context.Background(), w.inst.ID, []int64{w.mario.ID})
	if err != nil {
		t.Fatal(err)
	}
	return b[w.mario.ID]
}

func TestOneAttemptMakesOnePosition(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	var wg sync.WaitGroup
	ids := make([]int64, 4)
	for i := range ids {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			ids[i] = w.open(t, "topup:test:double-click", 5000).ID
		}(i)
	}
	wg.Wait()
	for _, id := range ids[1:] {
		if id != ids[0] {
			t.Fatalf("one attempt made positions %v", ids)
		}
	}
	var here, there int
	mustGet(t, w, &here, `SELECT count(*) FROM pagopa_positions`)
	mustGet(t, w, &there, `SELECT count(*) FROM pagopa_emulator_positions`)
	if here != 1 || there != 1 {
		t.Fatalf("%d positions in the portal, %d in GPD", here, there)
	}
	if other := w.open(t, "topup:test:another", 5000); other.ID == ids[0] {
		t.Fatal("another attempt reused the position")
	}
}

func TestGPDDownLeavesNothingPayableNorPaid(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	if err := w.emu.SetSwitches(ctx, emulator.Switches{FailNext: 1}); err != nil {
		t.Fatal(err)
	}
	w.svc.DraftGrace = 0 // nothing is creating it any more once Open returns
	_, err := w.svc.Open(ctx, billing.Request{Inst: w.inst, Settings: w.st, Payer: w.mario, Kind: db.PositionTopUp,
		AmountCents: 2000, Description: "x", AttemptKey: "topup:down"})
	if !errors.Is(err, pagopa.ErrUnavailable) {
		t.Fatalf("open with GPD failing: %v", err)
	}
	pending, _ := w.store.Positions(ctx, w.inst.ID, db.PositionFilter{Status: db.PositionPending}, 0)
	if len(pending) != 0 {
		t.Fatalf("a position GPD never confirmed shows as payable: %+v", pending)
	}
	// the reconciliation finds GPD never made it and closes it
	if _, err := w.svc.ReconcileDue(ctx, 100); err != nil {
		t.Fatal(err)
	}
	all, _ := w.store.Positions(ctx, w.inst.ID, db.PositionFilter{}, 0)
	if len(all) != 1 || all[0].Status != db.PositionCancelled {
		t.Fatalf("after reconciliation: %+v", all)
	}
	if n, _, _, _ := w.ledgerOf(t, all[0].IUV); n != 0 {
		t.Fatal("an unpaid position is in the ledger")
	}
	st, _ := w.store.PagoPASettingsOf(ctx, w.inst.ID)
	if !st.LastRunAt.Valid || st.LastRunChecked != 1 {
		t.Fatalf("last run not recorded: %+v", st)
	}

	// GPD times out on creation; the same attempt replayed once it is back
	// gives the same position, now payable, and GPD holds one
	w.svc.DraftGrace, w.svc.Timeout = time.Hour, time.Second
	if err := w.emu.SetSwitches(ctx, emulator.Switches{Delay: 2 * time.Second}); err != nil {
		t.Fatal(err)
	}
	req := billing.Request{Inst: w.inst, Settings: w.st, Payer: w.mario, Kind: db.PositionTopUp,
		AmountCents: 2500, Description: "x", AttemptKey: "topup:slow"}
	first, err := w.svc.Open(ctx, req)
	if !errors.Is(err, pagopa.ErrUnavailable) || first.Status != db.PositionDraft {
		t.Fatalf("open with GPD slower than the timeout: %v", err)
	}
	if err := w.emu.SetSwitches(ctx, emulator.Switches{}); err != nil {
		t.Fatal(err)
	}
	w.svc.Timeout = 3 * time.Second
	again, err := w.svc.Open(ctx, req)
	if err != nil || again.ID != first.ID || again.Status != db.PositionPending {
		t.Fatalf("replay: %+v, %v", again, err)
	}
	var there int
	mustGet(t, w, &there, `SELECT count(*) FROM pagopa_emulator_positions WHERE amount_cents = 2500`)
	if there != 1 {
		t.Fatalf("GPD holds %d positions for one attempt", there)
	}
}

func mustGet(t *testing.T, w *world, dst any, query string) {
	t.Helper()
	if err := w.store.DB().Get(dst, query); err != nil {
		t.Fatal(err)
	}
}

func TestExpiredAndCancelledAreClosedUnbooked(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	exp := w.open(t, "topup:exp", 3000)
	if err := w.emu.Expire(ctx, w.st.CreditorFiscalCode, exp.IUPD); err != nil {
		t.Fatal(err)
	}
	if out, err := w.svc.CheckNow(ctx, w.inst.ID, exp.ID); err != nil || out != billing.Expired {
		t.Fatalf("check of an expired notice: %v %v", out, err)
	}
	exp, _ = w.store.PositionByID(ctx, w.inst.ID, exp.ID)
	if exp.Status != db.PositionExpired || exp.LastError == "" {
		t.Fatalf("expired position: %+v", exp)
	}
	can := w.open(t, "topup:can", 3000)
	if err := w.svc.Cancel(ctx, w.inst, w.st, can, "annullato dal test"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.emu.Pay(ctx, w.st.CreditorFiscalCode, can.NoticeNumber); !errors.Is(err, emulator.ErrNotPayable) {
		t.Fatalf("a cancelled notice was payable: %v", err)
	}
	for _, p := range []*db.Position{exp, can} {
		if n, _, _, _ := w.ledgerOf(t, p.IUV); n != 0 {
			t.Fatalf("%s is in the ledger", p.IUV)
		}
	}
	// a paid one cannot be cancelled: the office is told, and it is booked
	paid := w.open(t, "topup:paid", 3000)
	if _, err := w.emu.Pay(ctx, w.st.CreditorFiscalCode, paid.NoticeNumber); err != nil {
		t.Fatal(err)
	}
	if err := w.svc.Cancel(ctx, w.inst, w.st, paid, "x"); !errors.Is(err, pagopa.ErrConflict) {
		t.Fatalf("cancel of a paid notice: %v", err)
	}
	if out, err := w.svc.CheckNow(ctx, w.inst.ID, paid.ID); err != nil || out != billing.Booked {
		t.Fatalf("check after the refused cancel: %v %v", out, err)
	}
}

func TestMonthlyBillsOncePerAdultAndMonth(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	month := calendar.DateOf(time.Now().In(calendar.Rome)).AddDate(0, -1, 0).Format("2006-01")
	first, _ := time.ParseInLocation("2006-01", month, calendar.Rome)
	debts, err := w.store.MonthDebts(ctx, w.inst.ID, first)
	if err != nil || len(debts) == 0 {
		t.Fatalf("the demo has no charges in %s: %v", month, err)
	}
	for range 2 { // a second run (or a retried job) makes nothing new
		if _, err := w.svc.IssueMonthly(ctx, w.inst.ID, month, 0); err != nil {
			t.Fatal(err)
		}
	}
	list, _ := w.store.Positions(ctx, w.inst.ID, db.PositionFilter{Kind: db.PositionMonthly}, 0)
	if len(list) != len(debts) {
		t.Fatalf("%d bills for %d adults with debts", len(list), len(debts))
	}
	for _, p := range list {
		if p.AmountCents != debts[p.AdultID] || p.Status != db.PositionPending || !p.Month.Valid {
			t.Fatalf("bill %+v, debt %d", p, debts[p.AdultID])
		}
	}
}

func TestAPIKeySealedAtRest(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	sealed, err := w.svc.SealKey(w.inst.ID, "partner-subscription-key")
	if err != nil || sealed == "" || sealed[:3] != "v1:" || len(sealed) < 20 {
		t.Fatalf("sealed %q, %v", sealed, err)
	}
	st := *w.st
	st.APIKeySealed = sealed
	if _, err := w.svc.Client(context.Background(), w.inst, &st); err != nil {
		t.Fatalf("client with the sealed key: %v", err)
	}
	other := *w.inst
	other.ID++ // a sealed key copied onto another Comune does not open
	if _, err := w.svc.Client(context.Background(), &other, &st); !errors.Is(err, billing.ErrKeySealed) {
		t.Fatalf("moved key: %v", err)
	}
}

func TestTickRecordsIdleRunsAndEnqueuesDueOnes(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.svc.Every = 50 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); w.svc.Tick(ctx) }()
	defer func() { cancel(); <-done }()
	until := func(what, query string) {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for {
			var ok bool
			if err := w.store.DB().Get(&ok, query); err != nil {
				t.Fatal(err)
			}
			if ok {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within 15 s", what)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	// nothing to check: the run is recorded, no job is queued
	until("idle run recorded", `SELECT bool_and(last_run_at IS NOT NULL) FROM pagopa_settings WHERE enabled`)
	var jobs int
	mustGet(t, w, &jobs, `SELECT count(*) FROM river_job WHERE kind = 'pagopa_reconcile'`)
	if jobs != 0 {
		t.Fatalf("%d jobs queued with nothing to check", jobs)
	}
	// a position due: a run is queued
	w.open(t, "topup:tick", 2000)
	until("run queued", `SELECT count(*) > 0 FROM river_job WHERE kind = 'pagopa_reconcile'`)
}
