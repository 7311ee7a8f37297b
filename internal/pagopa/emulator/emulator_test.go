package emulator_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"portalegenitori/db/dbtest"
	"portalegenitori/internal/pagopa"
	"portalegenitori/internal/pagopa/emulator"
)

const (
	creditor = "01199250158"
	apiKey   = "demo-subscription-key"
)

// clock is the emulator's settable time.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type env struct {
	emu    *emulator.Emulator
	srv    *httptest.Server
	client pagopa.Client
	clock  *clock
	cfg    pagopa.Config
	seq    int64
}

// newEnv serves an emulator on a fresh database over real TLS HTTP and
// returns a pagopa.Client configured against it.
func newEnv(t *testing.T) *env {
	t.Helper()
	store, _ := dbtest.New(t)
	clk := &clock{t: time.Date(2026, 9, 14, 8, 0, 0, 0, time.UTC)}
	emu := emulator.New(emulator.Options{DB: store.DB(), APIKey: apiKey, Now: clk.Now})
	srv := httptest.NewTLSServer(emu)
	t.Cleanup(srv.Close)
	cfg := pagopa.Config{
		GPDBaseURL: emu.GPDBaseURL(srv.URL), CheckoutBaseURL: emu.CheckoutBaseURL(srv.URL), APIKey: apiKey,
		CreditorFiscalCode: creditor, CompanyName: "Comune di Milano", SegregationCode: "47", IBAN: "IT60X0542811101000000123456",
		TransferCategory: "9/0201133IM/", Timeout: 5 * time.Second, HTTPClient: srv.Client(),
	}
	c, err := pagopa.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &env{emu: emu, srv: srv, client: c, clock: clk, cfg: cfg}
}

func (e *env) newPosition(t *testing.T, iupd string, cents int64) pagopa.NewPosition {
	t.Helper()
	e.seq++
	base, _ := pagopa.IUVBase(e.seq)
	nav, iuv, err := pagopa.NoticeNumber("3", "47", base)
	if err != nil {
		t.Fatal(err)
	}
	return pagopa.NewPosition{IUPD: iupd, IUV: iuv, NoticeNumber: nav,
		Payer:       pagopa.Debtor{FiscalCode: "RSSMRA60D20F205R", FullName: "Mario Rossi", Email: "mario@example.org"},
		AmountCents: cents, Description: "Ricarica mensa scolastica", DueDate: e.clock.Now().Add(30 * 24 * time.Hour)}
}

func (e *env) cart(p pagopa.NewPosition) pagopa.Cart {
	return pagopa.Cart{Notices: []pagopa.CartNotice{{NoticeNumber: p.NoticeNumber, FiscalCode: creditor, AmountCents: p.AmountCents,
		CompanyName: "Comune di Milano", Description: p.Description}},
		ReturnOK: "https://portale.example/ok", ReturnCancel: "https://portale.example/annullato", ReturnError: "https://portale.example/errore"}
}

// browser is a client that does not follow redirects, like checking
// where the payment page sends the payer.
func (e *env) browser() *http.Client {
	c := *e.srv.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

func (e *env) get(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := e.browser().Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// submit posts the payment form and returns the status and Location.
func (e *env) submit(t *testing.T, payURL string, form url.Values) (int, string, string) {
	t.Helper()
	resp, err := e.browser().PostForm(payURL, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

func TestCreatePayAndRead(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	np := e.newPosition(t, "IUPD-ricarica-1", 2000)
	created, err := e.client.CreatePosition(ctx, np)
	if err != nil {
		t.Fatal(err)
	}
	if created.Status != pagopa.StatusValid || created.InstallmentStatus != pagopa.InstallmentUnpaid || created.NoticeNumber != np.NoticeNumber {
		t.Fatalf("created = %+v", created)
	}
	got, err := e.client.GetPosition(ctx, np.IUPD)
	if err != nil {
		t.Fatal(err)
	}
	if got.Paid() || got.AmountCents != 2000 || got.IUV != np.IUV || got.PayerFiscalCode != "RSSMRA60D20F205R" || !got.DueDate.Equal(np.DueDate) {
		t.Fatalf("before payment: %+v", got)
	}

	redirect, err := e.client.StartCheckout(ctx, e.cart(np))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(redirect, e.srv.URL+emulator.DefaultPrefix+emulator.PayPath+"/") {
		t.Fatalf("checkout redirect = %q", redirect)
	}
	status, page := e.get(t, redirect)
	for _, want := range []string{`lang="it"`, "20,00 €", "3470 0000 0000 0001", "Comune di Milano", `<label for="carta">`, "Paga 20,00 €"} {
		if status != http.StatusOK || !strings.Contains(page, want) {
			t.Fatalf("payment page (%d) lacks %q:\n%s", status, want, page)
		}
	}
	code, loc, _ := e.submit(t, redirect, url.Values{"azione": {"paga"}, "carta": {"4242 4242 4242 4242"}})
	if code != http.StatusSeeOther || loc != "https://portale.example/ok" {
		t.Fatalf("pay: %d to %q", code, loc)
	}
	paid, err := e.client.GetPosition(ctx, np.IUPD)
	if err != nil {
		t.Fatal(err)
	}
	if !paid.Paid() || paid.Status != pagopa.StatusPaid || paid.ReceiptID == "" || paid.PSPCompany != emulator.DemoPSP ||
		!paid.PaymentDate.Equal(e.clock.Now().Truncate(time.Millisecond)) {
		t.Fatalf("after payment: %+v", paid)
	}
	// The raw answer is GPD's: v3 statuses, the receipt on the
	// installment, date-times as Java LocalDateTime (UTC, no zone).
	req, _ := http.NewRequest(http.MethodGet, e.cfg.GPDBaseURL+"/organizations/"+creditor+"/debtpositions/"+np.IUPD, nil)
	req.Header.Set("Ocp-Apim-Subscription-Key", apiKey)
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`"status":"PAID"`, `"paymentDate":"2026-09-14T08:00:00"`, `"idReceipt":"` + paid.ReceiptID + `"`,
		`"pspCompany":"` + emulator.DemoPSP + `"`, `"nav":"` + np.NoticeNumber + `"`, `"iuv":"` + np.IUV + `"`} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("GPD JSON lacks %s:\n%s", want, raw)
		}
	}

	// A second submission of the same form (double click, back button)
	// changes nothing and lands on the same return URL.
	code, loc, _ = e.submit(t, redirect, url.Values{"azione": {"paga"}, "carta": {"4242 4242 4242 4242"}})
	if code != http.StatusSeeOther || loc != "https://portale.example/ok" {
		t.Fatalf("second submission: %d to %q", code, loc)
	}
	if n, _ := e.emu.PaymentAttempts(ctx, creditor, np.IUPD); n != 1 {
		t.Errorf("payment attempts after a resubmission = %d, want 1", n)
	}
	if err := e.client.DeletePosition(ctx, np.IUPD); !errors.Is(err, pagopa.ErrConflict) {
		t.Errorf("deleting a paid position: %v, want ErrConflict", err)
	}

	// State is in PostgreSQL: another emulator (a restarted portal) sees it.
	again, err := e.client.GetPosition(ctx, np.IUPD)
	if err != nil || again.ReceiptID != paid.ReceiptID {
		t.Errorf("re-read: %+v, %v", again, err)
	}
}

func TestCreateIsIdempotentPerIUPD(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	np := e.newPosition(t, "IUPD-attempt-1", 5000)
	first, err := e.client.CreatePosition(ctx, np)
	if err != nil {
		t.Fatal(err)
	}
	// The same attempt retried (the first answer was lost): GPD says 409,
	// the client returns the position it already has.
	retry, err := e.client.CreatePosition(ctx, np)
	if err != nil || retry.IUV != first.IUV || retry.NoticeNumber != first.NoticeNumber {
		t.Fatalf("retry = %+v, %v", retry, err)
	}
	// Another IUPD with the same IUV, or the same IUPD with another amount,
	// is a real conflict.
	other := np
	other.IUPD = "IUPD-attempt-2"
	if _, err := e.client.CreatePosition(ctx, other); !errors.Is(err, pagopa.ErrConflict) {
		t.Errorf("same IUV, other IUPD: %v, want ErrConflict", err)
	}
	changed := np
	changed.AmountCents = 6000
	if _, err := e.client.CreatePosition(ctx, changed); !errors.Is(err, pagopa.ErrConflict) {
		t.Errorf("same IUPD, other amount: %v, want ErrConflict", err)
	}
	var apiErr *pagopa.APIError
	if _, err := e.client.CreatePosition(ctx, other); !errors.As(err, &apiErr) || apiErr.Status != http.StatusConflict ||
		!strings.Contains(apiErr.Title, "uniqueness") {
		t.Errorf("conflict error = %#v", err)
	}
}

func TestErrorsAreMapped(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()

	if _, err := e.client.GetPosition(ctx, "no-such-iupd"); !errors.Is(err, pagopa.ErrNotFound) {
		t.Errorf("unknown IUPD: %v, want ErrNotFound", err)
	}

	// 5xx: the next call fails, the retry of the same attempt succeeds once.
	np := e.newPosition(t, "IUPD-5xx", 2000)
	if err := e.emu.SetSwitches(ctx, emulator.Switches{FailNext: 1}); err != nil {
		t.Fatal(err)
	}
	var apiErr *pagopa.APIError
	if _, err := e.client.CreatePosition(ctx, np); !errors.Is(err, pagopa.ErrUnavailable) || !errors.As(err, &apiErr) || apiErr.Status != 500 {
		t.Fatalf("with FailNext: %v, want ErrUnavailable with status 500", err)
	}
	if _, err := e.client.CreatePosition(ctx, np); err != nil {
		t.Fatalf("retry after the failure: %v", err)
	}
	withBadEmail := e.cart(np)
	withBadEmail.EmailNotice = "not an address"
	if _, err := e.client.StartCheckout(ctx, withBadEmail); err != nil {
		t.Fatalf("checkout after the failure, with an unusable receipt address: %v", err)
	}

	// The answer to a create is lost after the position was made: the retry
	// of the same attempt gets 409 and returns that position, not a second.
	lost := e.newPosition(t, "IUPD-lost-answer", 2500)
	if err := e.emu.SetSwitches(ctx, emulator.Switches{LoseNext: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.CreatePosition(ctx, lost); !errors.Is(err, pagopa.ErrUnavailable) {
		t.Fatalf("with LoseNext: %v, want ErrUnavailable", err)
	}
	if got, err := e.client.CreatePosition(ctx, lost); err != nil || got.IUPD != lost.IUPD || got.Status != pagopa.StatusValid {
		t.Fatalf("retry after a lost answer: %+v, %v", got, err)
	}

	// Every 2nd call fails.
	if err := e.emu.SetSwitches(ctx, emulator.Switches{FailEvery: 2}); err != nil {
		t.Fatal(err)
	}
	var failed int
	for range 4 {
		if _, err := e.client.GetPosition(ctx, np.IUPD); errors.Is(err, pagopa.ErrUnavailable) {
			failed++
		} else if err != nil {
			t.Fatal(err)
		}
	}
	if failed != 2 {
		t.Errorf("FailEvery 2: %d of 4 calls failed, want 2", failed)
	}

	// Slow but within the timeout: fine.
	if err := e.emu.SetSwitches(ctx, emulator.Switches{Delay: 150 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := e.client.GetPosition(ctx, np.IUPD); err != nil || time.Since(start) < 150*time.Millisecond {
		t.Errorf("slow answer: %v after %v", err, time.Since(start))
	}

	// No answer: the client's timeout makes it ErrUnavailable.
	if err := e.emu.SetSwitches(ctx, emulator.Switches{Hang: true}); err != nil {
		t.Fatal(err)
	}
	short := e.cfg
	short.Timeout = 300 * time.Millisecond
	impatient, err := pagopa.New(short)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := impatient.GetPosition(ctx, np.IUPD); !errors.Is(err, pagopa.ErrUnavailable) {
		t.Errorf("hang: %v, want ErrUnavailable", err)
	}
	if _, err := impatient.StartCheckout(ctx, e.cart(np)); !errors.Is(err, pagopa.ErrUnavailable) {
		t.Errorf("hang on checkout: %v, want ErrUnavailable", err)
	}
	if err := impatient.DeletePosition(ctx, np.IUPD); !errors.Is(err, pagopa.ErrUnavailable) {
		t.Errorf("hang on delete: %v, want ErrUnavailable", err)
	}
	// Mounted in the portal, the request's own deadline (5 s there) can
	// end the hang before the client's timeout: the answer is then a 504,
	// never a 200 that a delete would take for success.
	deadline := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// long enough for the emulator's own statements on a busy machine
		rctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		e.emu.ServeHTTP(w, r.WithContext(rctx))
	}))
	defer deadline.Close()
	viaPortal := e.cfg
	viaPortal.GPDBaseURL, viaPortal.HTTPClient = e.emu.GPDBaseURL(deadline.URL), deadline.Client()
	viaPortal.Timeout = 30 * time.Second // the request's deadline ends the hang, not the client
	portalClient, err := pagopa.New(viaPortal)
	if err != nil {
		t.Fatal(err)
	}
	if err := portalClient.DeletePosition(ctx, np.IUPD); !errors.Is(err, pagopa.ErrUnavailable) || !errors.As(err, &apiErr) || apiErr.Status != http.StatusGatewayTimeout {
		t.Errorf("hang cut by the request deadline: %v, want ErrUnavailable 504", err)
	}
	if err := e.emu.SetSwitches(ctx, emulator.Switches{}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.GetPosition(ctx, np.IUPD); err != nil {
		t.Errorf("the hung delete deleted the position: %v", err)
	}

	// Nobody listening.
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	down := e.cfg
	down.GPDBaseURL, down.HTTPClient = deadURL+emulator.GPDPath, nil
	unreachable, err := pagopa.New(down)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := unreachable.GetPosition(ctx, np.IUPD); !errors.Is(err, pagopa.ErrUnavailable) {
		t.Errorf("connection refused: %v, want ErrUnavailable", err)
	}

	// A wrong subscription key is 401: rejected, not retryable.
	wrong := e.cfg
	wrong.APIKey = "not-the-key"
	badKey, err := pagopa.New(wrong)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := badKey.GetPosition(ctx, np.IUPD); !errors.Is(err, pagopa.ErrRejected) || !errors.As(err, &apiErr) || apiErr.Status != 401 ||
		!strings.Contains(apiErr.Detail, "invalid subscription key") {
		t.Errorf("wrong key: %v, want ErrRejected 401", err)
	}

	// Deleting an unpaid position: gone, then 404.
	if err := e.client.DeletePosition(ctx, np.IUPD); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, err := e.client.GetPosition(ctx, np.IUPD); !errors.Is(err, pagopa.ErrNotFound) {
		t.Errorf("after delete: %v, want ErrNotFound", err)
	}
	if err := e.client.DeletePosition(ctx, np.IUPD); !errors.Is(err, pagopa.ErrNotFound) {
		t.Errorf("second delete: %v, want ErrNotFound", err)
	}

	// Bad input is refused before or by the platform.
	bad := e.newPosition(t, "IUPD-bad", 100)
	bad.NoticeNumber = "302012387654312384" // wrong check digits
	if _, err := e.client.CreatePosition(ctx, bad); !errors.Is(err, pagopa.ErrRejected) {
		t.Errorf("bad notice number: %v, want ErrRejected", err)
	}
	late := e.newPosition(t, "IUPD-late", 100)
	late.DueDate = e.clock.Now().Add(-time.Minute)
	if _, err := e.client.CreatePosition(ctx, late); !errors.Is(err, pagopa.ErrConflict) {
		t.Errorf("publishing after the due date: %v, want ErrConflict (GPD's 409)", err)
	}
	if _, err := e.client.GetPosition(ctx, late.IUPD); !errors.Is(err, pagopa.ErrNotFound) {
		t.Errorf("a refused publication left a position: %v", err)
	}
	six := pagopa.Cart{ReturnOK: "https://x/ok", ReturnCancel: "https://x/ko", ReturnError: "https://x/err"}
	for range 6 {
		six.Notices = append(six.Notices, e.cart(np).Notices[0])
	}
	if _, err := e.client.StartCheckout(ctx, six); !errors.Is(err, pagopa.ErrRejected) {
		t.Errorf("6 notices: %v, want ErrRejected", err)
	}
	resp, err := e.srv.Client().Post(e.cfg.CheckoutBaseURL+"/carts", "application/json", strings.NewReader(`{"paymentNotices":[]}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), `"status":400`) {
		t.Errorf("empty cart: %d %s", resp.StatusCode, b)
	}
}

func TestPayTwiceKeepsOneReceipt(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	if err := e.emu.SetSwitches(ctx, emulator.Switches{PayTwice: true}); err != nil {
		t.Fatal(err)
	}
	np := e.newPosition(t, "IUPD-twice", 2000)
	if _, err := e.client.CreatePosition(ctx, np); err != nil {
		t.Fatal(err)
	}
	redirect, err := e.client.StartCheckout(ctx, e.cart(np))
	if err != nil {
		t.Fatal(err)
	}
	if code, loc, _ := e.submit(t, redirect, url.Values{"azione": {"paga"}, "carta": {"4242424242424242"}}); code != http.StatusSeeOther || loc != "https://portale.example/ok" {
		t.Fatalf("pay: %d %q", code, loc)
	}
	first, err := e.client.GetPosition(ctx, np.IUPD)
	if err != nil || !first.Paid() {
		t.Fatalf("after payment: %+v %v", first, err)
	}
	if n, _ := e.emu.PaymentAttempts(ctx, creditor, np.IUPD); n != 2 {
		t.Errorf("attempts with PayTwice = %d, want 2", n)
	}
	// Paid again at a tabaccheria with the printed notice: refused.
	if _, err := e.emu.Pay(ctx, creditor, np.NoticeNumber); !errors.Is(err, emulator.ErrNotPayable) {
		t.Errorf("paying a paid notice: %v, want ErrNotPayable", err)
	}
	after, err := e.client.GetPosition(ctx, np.IUPD)
	if err != nil || after.ReceiptID != first.ReceiptID || !after.PaymentDate.Equal(first.PaymentDate) {
		t.Errorf("receipt changed: %+v then %+v (%v)", first, after, err)
	}
	if n, _ := e.emu.PaymentAttempts(ctx, creditor, np.IUPD); n != 3 {
		t.Errorf("attempts = %d, want 3 (paid, its PayTwice duplicate, the tabaccheria refused)", n)
	}
}

func TestExpiryAndCancel(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()

	// Due in an hour, expiring after the due date (switchToExpired).
	np := e.newPosition(t, "IUPD-expiring", 3000)
	np.DueDate = e.clock.Now().Add(time.Hour)
	np.SwitchToExpired = true
	if _, err := e.client.CreatePosition(ctx, np); err != nil {
		t.Fatal(err)
	}
	redirect, err := e.client.StartCheckout(ctx, e.cart(np))
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Add(2 * time.Hour)
	got, err := e.client.GetPosition(ctx, np.IUPD)
	if err != nil || got.Status != pagopa.StatusUnpayable || got.InstallmentStatus != pagopa.InstallmentExpired || !got.Expired() {
		t.Fatalf("after the due date: %+v, %v", got, err)
	}
	if code, loc, _ := e.submit(t, redirect, url.Values{"azione": {"paga"}, "carta": {"4242424242424242"}}); code != http.StatusSeeOther || loc != "https://portale.example/errore" {
		t.Errorf("paying an expired notice: %d to %q, want the error URL", code, loc)
	}
	if got, _ := e.client.GetPosition(ctx, np.IUPD); got.Paid() {
		t.Errorf("expired notice was paid: %+v", got)
	}

	// Expired on demand (the admin page's button).
	np2 := e.newPosition(t, "IUPD-forced", 1000)
	if _, err := e.client.CreatePosition(ctx, np2); err != nil {
		t.Fatal(err)
	}
	if err := e.emu.Expire(ctx, creditor, np2.IUPD); err != nil {
		t.Fatal(err)
	}
	if got, err := e.client.GetPosition(ctx, np2.IUPD); err != nil || !got.Expired() || !got.Unpayable() {
		t.Errorf("forced expiry: %+v, %v", got, err)
	}
	if _, err := e.emu.Pay(ctx, creditor, np2.NoticeNumber); !errors.Is(err, emulator.ErrNotPayable) {
		t.Errorf("paying a forced-expired notice: %v", err)
	}

	// Cancel on the payment page: back to the cancel URL, nothing paid.
	np3 := e.newPosition(t, "IUPD-cancel", 2000)
	if _, err := e.client.CreatePosition(ctx, np3); err != nil {
		t.Fatal(err)
	}
	redirect, err = e.client.StartCheckout(ctx, e.cart(np3))
	if err != nil {
		t.Fatal(err)
	}
	if code, loc, _ := e.submit(t, redirect, url.Values{"azione": {"annulla"}}); code != http.StatusSeeOther || loc != "https://portale.example/annullato" {
		t.Errorf("cancel: %d to %q", code, loc)
	}
	if got, _ := e.client.GetPosition(ctx, np3.IUPD); got.Paid() || got.Status != pagopa.StatusValid {
		t.Errorf("after cancel: %+v", got)
	}
}

func TestPaymentPageInputAndLanguage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	np := e.newPosition(t, "IUPD-page", 2000)
	if _, err := e.client.CreatePosition(ctx, np); err != nil {
		t.Fatal(err)
	}
	redirect, err := e.client.StartCheckout(ctx, e.cart(np))
	if err != nil {
		t.Fatal(err)
	}
	status, page := e.get(t, redirect+"?lang=en")
	if status != http.StatusOK || !strings.Contains(page, `lang="en"`) || !strings.Contains(page, "Pay with pagoPA") || !strings.Contains(page, "Pay 20,00 €") {
		t.Errorf("English page (%d):\n%s", status, page)
	}
	// A card number with letters: the page again, message next to the
	// field, what was typed kept, nothing paid.
	code, _, body := e.submit(t, redirect, url.Values{"azione": {"paga"}, "carta": {"4242 abcd"}, "lang": {"it"}})
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, "Scrivi il numero della carta") ||
		!strings.Contains(body, `value="4242 abcd"`) || !strings.Contains(body, `aria-invalid="true"`) {
		t.Errorf("bad card (%d):\n%s", code, body)
	}
	if got, _ := e.client.GetPosition(ctx, np.IUPD); got.Paid() {
		t.Error("paid with a bad card")
	}
	if status, _ := e.get(t, e.srv.URL+emulator.DefaultPrefix+emulator.PayPath+"/nonexistent"); status != http.StatusNotFound {
		t.Errorf("unknown cart: %d", status)
	}
	// The admin page lists the position and pays it like a tabaccheria.
	status, admin := e.get(t, e.srv.URL+emulator.DefaultPrefix+emulator.AdminPath)
	if status != http.StatusOK || !strings.Contains(admin, "IUPD-page") {
		t.Fatalf("admin page (%d):\n%s", status, admin)
	}
	code, loc, _ := e.submit(t, e.srv.URL+emulator.DefaultPrefix+emulator.AdminPath+"/paga", url.Values{"org": {creditor}, "nav": {np.NoticeNumber}})
	if code != http.StatusSeeOther || !strings.Contains(loc, "fatto=pagato") {
		t.Errorf("admin pay: %d %q", code, loc)
	}
	if got, _ := e.client.GetPosition(ctx, np.IUPD); !got.Paid() {
		t.Error("admin pay did not pay")
	}
	code, _, _ = e.submit(t, e.srv.URL+emulator.DefaultPrefix+emulator.AdminPath+"/interruttori", url.Values{"ritardo": {"10"}, "due-volte": {"1"}})
	if sw, _ := e.emu.GetSwitches(ctx); code != http.StatusSeeOther || sw.Delay != 10*time.Millisecond || !sw.PayTwice {
		t.Errorf("admin switches: %d %+v", code, sw)
	}
}

// Two carts for one notice paid at the same moment, and the printed notice
// paid at a shop meanwhile: one payment, one receipt, the others refused.
func TestConcurrentPaymentsPayOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	np := e.newPosition(t, "IUPD-race", 2000)
	if _, err := e.client.CreatePosition(ctx, np); err != nil {
		t.Fatal(err)
	}
	var carts []string
	for range 2 {
		u, err := e.client.StartCheckout(ctx, e.cart(np))
		if err != nil {
			t.Fatal(err)
		}
		carts = append(carts, u)
	}
	var wg sync.WaitGroup
	locs := make([]string, len(carts))
	var shopErr error
	for i, u := range carts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := e.browser().PostForm(u, url.Values{"azione": {"paga"}, "carta": {"4242424242424242"}})
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			locs[i] = resp.Header.Get("Location")
		}()
	}
	wg.Add(1)
	go func() { defer wg.Done(); _, shopErr = e.emu.Pay(ctx, creditor, np.NoticeNumber) }()
	wg.Wait()
	paid := 0
	for _, l := range locs {
		if l == "https://portale.example/ok" {
			paid++
		} else if l != "https://portale.example/errore" {
			t.Errorf("cart ended at %q", l)
		}
	}
	if shopErr == nil {
		paid++
	} else if !errors.Is(shopErr, emulator.ErrNotPayable) {
		t.Fatal(shopErr)
	}
	if paid != 1 {
		t.Errorf("%d payments succeeded, want exactly 1 (carts %q, shop %v)", paid, locs, shopErr)
	}
	got, err := e.client.GetPosition(ctx, np.IUPD)
	if err != nil || !got.Paid() || got.ReceiptID == "" {
		t.Errorf("position: %+v, %v", got, err)
	}
}
