// Package pagopa talks to the pagoPA platform on behalf of a Comune (the
// creditor, "ente creditore"): it creates, reads and deletes debt positions
// through the GPD (Gestione Posizioni Debitorie) external REST API v3 and
// sends the payer to pagoPA Checkout with a cart. The HTTP clients are
// generated from the OpenAPI files kept in gpd/ and checkout/ (see
// docs/pagopa-platform.md); this package wraps them, maps the platform's
// answers to the errors below and hides the GPD JSON shapes.
package pagopa

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Errors returned by a Client, to be tested with errors.Is.
var (
	// ErrUnavailable: the platform did not answer usefully (5xx, 429,
	// timeout, connection refused, unreadable body). Retry later; the
	// operation may or may not have happened.
	ErrUnavailable = errors.New("pagopa: platform unavailable")
	// ErrNotFound: GPD answered 404 (no position with that IUPD).
	ErrNotFound = errors.New("pagopa: debt position not found")
	// ErrConflict: GPD answered 409. On create, the IUPD or the IUV/notice
	// number is already used by another position, or the due date passed
	// before publication; on delete, the position has a payment and cannot
	// be removed.
	ErrConflict = errors.New("pagopa: conflict")
	// ErrRejected: the platform refused the request as malformed or not
	// authorised (400, 401, 403). Retrying the same request will not help:
	// fix the data or the configuration (subscription key, fiscal code).
	ErrRejected = errors.New("pagopa: request rejected")
)

// APIError carries the HTTP status and the problem detail of a failed call.
// It wraps one of the sentinel errors above.
type APIError struct {
	Op     string // e.g. "createPosition"
	Status int    // HTTP status, 0 for network errors and timeouts
	Title  string // ProblemJson title, if any
	Detail string // ProblemJson detail, if any
	Err    error  // ErrUnavailable, ErrNotFound, ErrConflict or ErrRejected
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("pagopa %s: HTTP %d", e.Op, e.Status)
	if e.Status == 0 {
		s = "pagopa " + e.Op
	}
	if e.Title != "" {
		s += ": " + e.Title
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s + " (" + e.Err.Error() + ")"
}

func (e *APIError) Unwrap() error { return e.Err }

// Config is the per-installation connection to pagoPA. The portal builds it
// from its settings (the API key is sealed at rest there).
type Config struct {
	// GPDBaseURL is the GPD external API v3 base, without trailing slash:
	// https://api.uat.platform.pagopa.it/gpd/debt-positions-service/v3 (test)
	// https://api.platform.pagopa.it/gpd/debt-positions-service/v3 (production)
	GPDBaseURL string
	// CheckoutBaseURL is the Checkout API for creditors, v1:
	// https://api.uat.platform.pagopa.it/checkout/ec/v1 (test)
	// https://api.platform.pagopa.it/checkout/ec/v1 (production)
	CheckoutBaseURL string
	// APIKey is the GPD subscription key, sent as Ocp-Apim-Subscription-Key.
	APIKey string
	// CheckoutAPIKey is sent as Ocp-Apim-Subscription-Key to Checkout when
	// set. The published carts API does not require one.
	CheckoutAPIKey string
	// CreditorFiscalCode is the Comune's fiscal code (11 digits), the
	// organizationfiscalcode of every GPD call.
	CreditorFiscalCode string
	// CompanyName is the Comune's name as shown to payers (max 140).
	CompanyName string
	// SegregationCode is the 2-digit code pagoPA assigned to the partner
	// that generates our IUVs.
	SegregationCode string
	// AuxDigit of the notice numbers; only "3" is allowed by the current
	// pagoPA rules (empty means "3").
	AuxDigit string
	// IBAN credited by default for every position.
	IBAN string
	// TransferCategory is the taxonomy code of the service ("codice
	// tassonomico", e.g. "9/0201133IM/"), required by GPD for each transfer.
	TransferCategory string
	// Timeout bounds each HTTP call (default 10s).
	Timeout time.Duration
	// HTTPClient, if set, is used instead of a default client (tests pass
	// the httptest server's client). Its Timeout is left alone.
	HTTPClient *http.Client
}

// Debtor is the person who owes (and usually pays) a position.
type Debtor struct {
	FiscalCode string
	FullName   string
	Email      string // optional
	// Legal is true for a legal person (GPD type "G"); false is "F".
	Legal bool
}

// NewPosition is one debt position with a single payment option and a
// single installment, crediting one IBAN, as the portal creates them.
type NewPosition struct {
	// IUPD identifies the position at the creditor; choose one per attempt
	// and reuse it when retrying, so that a retry cannot create a second
	// position (GPD answers 409 and CreatePosition returns the existing one).
	IUPD         string
	IUV          string // 17 digits, see NoticeNumber
	NoticeNumber string // 18 digits, see NoticeNumber
	Payer        Debtor
	AmountCents  int64
	Description  string // remittance information shown to the payer, max 140
	DueDate      time.Time
	// RetentionDate: GPD keeps an unpaid position payable until then
	// (optional; zero means not sent).
	RetentionDate time.Time
	// SwitchToExpired makes the installment expire after DueDate (GPD
	// reports installment status EXPIRED, position status UNPAYABLE).
	SwitchToExpired bool
	// IBAN overrides Config.IBAN when set.
	IBAN string
}

// GPD v3 debt position statuses.
const (
	StatusDraft         = "DRAFT"
	StatusPublished     = "PUBLISHED"
	StatusValid         = "VALID"
	StatusUnpayable     = "UNPAYABLE" // invalidated or expired
	StatusPartiallyPaid = "PARTIALLY_PAID"
	StatusPaid          = "PAID"
)

// GPD v3 installment statuses.
const (
	InstallmentUnpaid            = "UNPAID"
	InstallmentPaid              = "PAID"
	InstallmentPartiallyReported = "PARTIALLY_REPORTED"
	InstallmentReported          = "REPORTED"
	InstallmentUnpayable         = "UNPAYABLE"
	InstallmentExpired           = "EXPIRED"
)

// Position is a debt position as GPD reports it (first payment option,
// first installment).
type Position struct {
	IUPD              string
	Status            string // StatusDraft ... StatusPaid
	InstallmentStatus string // InstallmentUnpaid ... InstallmentExpired
	NoticeNumber      string
	IUV               string
	AmountCents       int64
	Description       string
	DueDate           time.Time
	PayerFiscalCode   string
	// Filled once paid:
	PaymentDate   time.Time
	ReceiptID     string // idReceipt
	PSPCompany    string
	PaymentMethod string
	FeeCents      int64
	LastUpdated   time.Time
}

// Paid reports whether GPD holds a receipt for the position.
func (p Position) Paid() bool {
	switch p.InstallmentStatus {
	case InstallmentPaid, InstallmentReported, InstallmentPartiallyReported:
		return true
	}
	return p.Status == StatusPaid
}

// Expired reports whether the position can no longer be paid because its
// due date passed (installment EXPIRED).
func (p Position) Expired() bool {
	return !p.Paid() && p.InstallmentStatus == InstallmentExpired
}

// Unpayable reports whether the position cannot be paid any more (expired
// or invalidated) and was not paid.
func (p Position) Unpayable() bool {
	return !p.Paid() && (p.Status == StatusUnpayable || p.InstallmentStatus == InstallmentExpired || p.InstallmentStatus == InstallmentUnpayable)
}

// CartNotice is one notice in a Checkout cart.
type CartNotice struct {
	NoticeNumber string // 18 digits
	FiscalCode   string // creditor fiscal code, 11 digits
	AmountCents  int64
	CompanyName  string // max 140
	Description  string // max 140
}

// MaxCartNotices is the most notices a Checkout cart accepts.
const MaxCartNotices = 5

// Cart is what the payer is sent to Checkout with.
type Cart struct {
	Notices      []CartNotice // 1 to MaxCartNotices
	ReturnOK     string       // absolute URLs
	ReturnCancel string
	ReturnError  string
	EmailNotice  string // optional: where Checkout sends the receipt
	IDCart       string // optional
}

// Client is the portal's view of pagoPA.
type Client interface {
	// CreatePosition creates the position and publishes it at once
	// (toPublish=true): it is payable as soon as this returns. If GPD
	// answers 409 and a position with the same IUPD, IUV and amount already
	// exists (a retry of the same attempt), that position is returned with a
	// nil error; otherwise ErrConflict.
	CreatePosition(ctx context.Context, p NewPosition) (Position, error)
	// GetPosition reads the position and its payment state. ErrNotFound if
	// GPD has no position with that IUPD (also after DeletePosition).
	GetPosition(ctx context.Context, iupd string) (Position, error)
	// DeletePosition removes an unpaid position so it can no longer be
	// paid (GPD v3 DELETE; the v3 external API has no "invalidate").
	// ErrConflict if it was paid, ErrNotFound if there is none.
	DeletePosition(ctx context.Context, iupd string) error
	// StartCheckout posts the cart to Checkout and returns the URL (the
	// 302 Location) to send the payer's browser to.
	StartCheckout(ctx context.Context, c Cart) (redirectURL string, err error)
}
