package emulator

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"portalegenitori/internal/pagopa/checkout"
)

// checkoutCarts is POST /carts: it stores the cart and answers 302 to the
// payment page, as Checkout does.
func (e *Emulator) checkoutCarts(w http.ResponseWriter, r *http.Request) {
	raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		problem(w, http.StatusBadRequest, "Bad Request", "unreadable body")
		return
	}
	var c checkout.CartRequest
	if err := json.Unmarshal(raw, &c); err != nil {
		problem(w, http.StatusBadRequest, "Bad Request", "malformed JSON: "+err.Error())
		return
	}
	if msg := validateCart(c); msg != "" {
		problem(w, http.StatusBadRequest, "Bad Request", msg)
		return
	}
	id := randomHex(12)
	if _, err := e.db.ExecContext(r.Context(), `INSERT INTO pagopa_emulator_carts (id, request, created_at) VALUES ($1, $2, $3)`,
		id, raw, e.now().UTC()); err != nil {
		e.log.Error("pagopa emulator: store cart", "err", err)
		problem(w, http.StatusInternalServerError, "Internal Server Error", "cart not stored")
		return
	}
	w.Header().Set("Location", e.prefix+PayPath+"/"+id)
	w.WriteHeader(http.StatusFound)
}

func validateCart(c checkout.CartRequest) string {
	if n := len(c.PaymentNotices); n < 1 || n > 5 {
		return "paymentNotices: size must be between 1 and 5"
	}
	for _, n := range c.PaymentNotices {
		switch {
		case len(n.NoticeNumber) != 18:
			return "noticeNumber: length must be 18"
		case len(n.FiscalCode) != 11:
			return "fiscalCode: length must be 11"
		case n.Amount < 1:
			return "amount: must be at least 1"
		case n.CompanyName == "" || len(n.CompanyName) > 140:
			return "companyName: size must be between 1 and 140"
		case n.Description == "" || len(n.Description) > 140:
			return "description: size must be between 1 and 140"
		}
	}
	u := c.ReturnUrls
	if u.ReturnOkUrl == "" || u.ReturnCancelUrl == "" || u.ReturnErrorUrl == "" {
		return "returnUrls: returnOkUrl, returnCancelUrl and returnErrorUrl are required"
	}
	return ""
}

type cart struct {
	ID        string          `db:"id"`
	Request   json.RawMessage `db:"request"`
	CreatedAt time.Time       `db:"created_at"`
	Outcome   *string         `db:"outcome"`
	req       checkout.CartRequest
}

func (c cart) returnURL() string {
	switch {
	case c.Outcome == nil:
		return ""
	case *c.Outcome == "paid":
		return c.req.ReturnUrls.ReturnOkUrl
	case *c.Outcome == "cancelled":
		return c.req.ReturnUrls.ReturnCancelUrl
	}
	return c.req.ReturnUrls.ReturnErrorUrl
}

var errNoCart = errors.New("emulator: no such cart")

func loadCart(ctx context.Context, q sqlx.QueryerContext, id string, lock bool) (cart, error) {
	var c cart
	query := `SELECT id, request, created_at, outcome FROM pagopa_emulator_carts WHERE id = $1`
	if lock {
		query += ` FOR UPDATE`
	}
	err := sqlx.GetContext(ctx, q, &c, query, id)
	if errors.Is(err, sql.ErrNoRows) {
		return c, errNoCart
	}
	if err != nil {
		return c, fmt.Errorf("emulator: load cart: %w", err)
	}
	if err := json.Unmarshal(c.Request, &c.req); err != nil {
		return c, fmt.Errorf("emulator: cart %s: %w", id, err)
	}
	return c, nil
}

// payView is the payment page's data.
type payView struct {
	Page
	Notices   []noticeView
	Total     string
	Card      string
	CardError string
	Closed    bool
	ReturnURL string
	ActionURL string
}

type noticeView struct {
	Company, Description, Amount, Number string
}

func (e *Emulator) payShow(w http.ResponseWriter, r *http.Request) {
	c, err := loadCart(r.Context(), e.db, r.PathValue("cart"), false)
	e.renderPay(w, r, c, err, "4242 4242 4242 4242", "")
}

func (e *Emulator) renderPay(w http.ResponseWriter, r *http.Request, c cart, err error, card, cardError string) {
	lang := pageLang(r)
	if errors.Is(err, errNoCart) {
		e.render(w, http.StatusNotFound, "message", messageView{Page: e.newPage(r, lang, "pagopaemu.cart.missing.title"), Text: t(lang, "pagopaemu.cart.missing")})
		return
	}
	if err != nil {
		e.log.Error("pagopa emulator: payment page", "err", err)
		e.render(w, http.StatusInternalServerError, "message", messageView{Page: e.newPage(r, lang, "pagopaemu.error.title"), Text: t(lang, "pagopaemu.error")})
		return
	}
	v := payView{Page: e.newPage(r, lang, "pagopaemu.pay.title"), Card: card, CardError: cardError,
		ActionURL: e.prefix + PayPath + "/" + c.ID, Closed: c.Outcome != nil, ReturnURL: c.returnURL()}
	var total int64
	for _, n := range c.req.PaymentNotices {
		total += int64(n.Amount)
		v.Notices = append(v.Notices, noticeView{Company: n.CompanyName, Description: n.Description, Amount: euro(int64(n.Amount)), Number: groupDigits(n.NoticeNumber)})
	}
	v.Total = euro(total)
	status := http.StatusOK
	if cardError != "" {
		status = http.StatusUnprocessableEntity
	}
	e.render(w, status, "pay", v)
}

func (e *Emulator) paySubmit(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := r.PathValue("cart")
	action := r.PostFormValue("azione")
	card := strings.TrimSpace(r.PostFormValue("carta"))
	if action == "paga" {
		if msg := checkCard(card); msg != "" {
			c, err := loadCart(ctx, e.db, id, false)
			e.renderPay(w, r, c, err, card, t(pageLang(r), msg))
			return
		}
	}
	var c cart
	var paid []string // notice numbers, for PayTwice
	err := e.inTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		if c, err = loadCart(ctx, tx, id, true); err != nil {
			return err
		}
		if c.Outcome != nil { // a second submission: the first decided
			return nil
		}
		outcome := "cancelled"
		if action == "paga" {
			outcome = "paid"
			// Lock the notices in one order, so two carts sharing notices
			// cannot deadlock.
			notices := slices.Clone(c.req.PaymentNotices)
			slices.SortFunc(notices, func(a, b checkout.PaymentNotice) int {
				return strings.Compare(a.FiscalCode+a.NoticeNumber, b.FiscalCode+b.NoticeNumber)
			})
			for _, n := range notices {
				_, refusal, err := e.lockNotice(ctx, tx, n.FiscalCode, n.NoticeNumber, int64(n.Amount))
				if errors.Is(err, ErrNotPayable) || refusal != nil {
					outcome = "error"
					break
				}
				if err != nil {
					return err
				}
			}
			if outcome == "paid" {
				for _, n := range notices {
					if _, err := e.payNotice(ctx, tx, n.FiscalCode, n.NoticeNumber, int64(n.Amount)); err != nil {
						return fmt.Errorf("emulator: pay checked notice: %w", err)
					}
					paid = append(paid, n.FiscalCode+"|"+n.NoticeNumber)
				}
			}
		}
		c.Outcome = &outcome
		_, err = tx.ExecContext(ctx, `UPDATE pagopa_emulator_carts SET outcome = $2, ended_at = $3 WHERE id = $1`, id, outcome, e.now().UTC())
		return err
	})
	if err != nil {
		e.renderPay(w, r, c, err, card, "")
		return
	}
	for _, p := range paid {
		org, nav, _ := strings.Cut(p, "|")
		e.maybePayAgain(ctx, org, nav)
	}
	http.Redirect(w, r, c.returnURL(), http.StatusSeeOther)
}

// checkCard accepts any 13 to 19 digits (spaces allowed): the card is fake.
func checkCard(card string) string {
	d := strings.ReplaceAll(card, " ", "")
	if len(d) < 13 || len(d) > 19 || !allDigits(d) {
		return "pagopaemu.pay.card.error"
	}
	return ""
}

func euro(cents int64) string {
	s := fmt.Sprintf("%d,%02d €", cents/100, cents%100)
	return s
}

func groupDigits(s string) string {
	var b strings.Builder
	for i, c := range s {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(c)
	}
	return b.String()
}
