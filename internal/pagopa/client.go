package pagopa

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/mail"
	"net/url"
	"strings"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"portalegenitori/internal/pagopa/checkout"
	"portalegenitori/internal/pagopa/gpd"
)

// New returns a Client for cfg. It checks that the configuration is
// complete; it makes no network call.
func New(cfg Config) (Client, error) {
	var missing []string
	for _, f := range []struct{ name, v string }{
		{"GPDBaseURL", cfg.GPDBaseURL}, {"CheckoutBaseURL", cfg.CheckoutBaseURL}, {"APIKey", cfg.APIKey},
		{"CreditorFiscalCode", cfg.CreditorFiscalCode}, {"CompanyName", cfg.CompanyName},
		{"SegregationCode", cfg.SegregationCode}, {"IBAN", cfg.IBAN}, {"TransferCategory", cfg.TransferCategory},
	} {
		if strings.TrimSpace(f.v) == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("pagopa: configuration incomplete: %s", strings.Join(missing, ", "))
	}
	for _, u := range []string{cfg.GPDBaseURL, cfg.CheckoutBaseURL} {
		if p, err := url.Parse(u); err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
			return nil, fmt.Errorf("pagopa: base URL %q is not an absolute http(s) URL", u)
		}
	}
	if len(cfg.SegregationCode) != 2 || !digits(cfg.SegregationCode) {
		return nil, fmt.Errorf("pagopa: segregation code %q must be 2 digits", cfg.SegregationCode)
	}
	if cfg.AuxDigit == "" {
		cfg.AuxDigit = "3"
	}
	if cfg.AuxDigit != "3" {
		return nil, fmt.Errorf("pagopa: aux digit %q: only 3 is allowed", cfg.AuxDigit)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	hc := &http.Client{}
	if cfg.HTTPClient != nil {
		c := *cfg.HTTPClient
		hc = &c
	}
	// Checkout answers 302: we hand the Location to the browser instead of
	// following it.
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	key := func(k string) gpd.RequestEditorFn {
		return func(_ context.Context, r *http.Request) error {
			if k != "" {
				r.Header.Set("Ocp-Apim-Subscription-Key", k)
			}
			r.Header.Set("Accept", "application/json")
			return nil
		}
	}
	g, err := gpd.NewClient(strings.TrimRight(cfg.GPDBaseURL, "/"), gpd.WithHTTPClient(hc), gpd.WithRequestEditorFn(key(cfg.APIKey)))
	if err != nil {
		return nil, fmt.Errorf("pagopa: GPD client: %w", err)
	}
	ck := key(cfg.CheckoutAPIKey)
	co, err := checkout.NewClient(strings.TrimRight(cfg.CheckoutBaseURL, "/"), checkout.WithHTTPClient(hc),
		checkout.WithRequestEditorFn(func(ctx context.Context, r *http.Request) error { return ck(ctx, r) }))
	if err != nil {
		return nil, fmt.Errorf("pagopa: Checkout client: %w", err)
	}
	return &client{cfg: cfg, gpd: g, checkout: co}, nil
}

type client struct {
	cfg      Config
	gpd      *gpd.Client
	checkout *checkout.Client
}

func (c *client) CreatePosition(ctx context.Context, p NewPosition) (Position, error) {
	const op = "createPosition"
	if err := c.checkNew(p); err != nil {
		return Position{}, &APIError{Op: op, Err: ErrRejected, Detail: err.Error()}
	}
	iban := p.IBAN
	if iban == "" {
		iban = c.cfg.IBAN
	}
	debtorType := gpd.F
	if p.Payer.Legal {
		debtorType = gpd.G
	}
	debtor := gpd.DebtorModel{Type: debtorType, FiscalCode: p.Payer.FiscalCode, FullName: p.Payer.FullName}
	if p.Payer.Email != "" {
		debtor.Email = &p.Payer.Email
	}
	nav := p.NoticeNumber
	option := gpd.PaymentOptionModelV3{
		Debtor:          debtor,
		Description:     &p.Description,
		SwitchToExpired: p.SwitchToExpired,
		Installments: []gpd.InstallmentModel{{
			Iuv:         p.IUV,
			Nav:         &nav,
			Amount:      p.AmountCents,
			Description: p.Description,
			DueDate:     p.DueDate.UTC(),
			Transfer: &[]gpd.TransferModel{{
				IdTransfer:             gpd.N1,
				Amount:                 p.AmountCents,
				OrganizationFiscalCode: &c.cfg.CreditorFiscalCode,
				RemittanceInformation:  p.Description,
				Category:               c.cfg.TransferCategory,
				Iban:                   &iban,
			}},
		}},
	}
	if !p.RetentionDate.IsZero() {
		rd := p.RetentionDate.UTC()
		option.RetentionDate = &rd
	}
	body := gpd.PaymentPositionModelV3{
		Iupd:          p.IUPD,
		CompanyName:   c.cfg.CompanyName,
		PaymentOption: []gpd.PaymentOptionModelV3{option},
	}
	publish := true
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	resp, err := c.gpd.CreatePosition(ctx, c.cfg.CreditorFiscalCode, &gpd.CreatePositionParams{ToPublish: &publish}, body)
	if err != nil {
		return Position{}, transportError(op, err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusCreated:
		var created gpd.PaymentPositionModelV3
		if err := decode(resp, &created); err != nil {
			return Position{}, &APIError{Op: op, Status: resp.StatusCode, Detail: err.Error(), Err: ErrUnavailable}
		}
		return positionFromCreated(created), nil
	case http.StatusConflict:
		conflict := statusError(op, resp)
		// A retry of the same attempt finds its own position: that is success.
		got, err := c.GetPosition(ctx, p.IUPD)
		if err != nil {
			if errors.Is(err, ErrNotFound) {
				return Position{}, conflict // the IUV/notice number belongs to another position
			}
			return Position{}, err
		}
		if got.IUV != p.IUV || got.AmountCents != p.AmountCents {
			return Position{}, conflict
		}
		return got, nil
	default:
		return Position{}, statusError(op, resp)
	}
}

func (c *client) checkNew(p NewPosition) error {
	switch {
	case p.IUPD == "":
		return errors.New("IUPD missing")
	case p.AmountCents < 1:
		return errors.New("amount must be at least 1 cent")
	case p.DueDate.IsZero():
		return errors.New("due date missing")
	case p.Payer.FiscalCode == "" || p.Payer.FullName == "":
		return errors.New("payer fiscal code and full name are required")
	case p.Description == "" || len(p.Description) > 140:
		return errors.New("description must be 1 to 140 bytes")
	}
	seg, _, iuv, err := ParseNoticeNumber(p.NoticeNumber)
	if err != nil {
		return err
	}
	if iuv != p.IUV {
		return fmt.Errorf("IUV %q does not match notice number %q", p.IUV, p.NoticeNumber)
	}
	if seg != c.cfg.SegregationCode {
		return fmt.Errorf("notice number %q has segregation code %s, configured %s", p.NoticeNumber, seg, c.cfg.SegregationCode)
	}
	return nil
}

func (c *client) GetPosition(ctx context.Context, iupd string) (Position, error) {
	const op = "getOrganizationDebtPositionByIUPD"
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	resp, err := c.gpd.GetOrganizationDebtPositionByIUPD(ctx, c.cfg.CreditorFiscalCode, iupd, nil)
	if err != nil {
		return Position{}, transportError(op, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return Position{}, statusError(op, resp)
	}
	var got gpd.PaymentPositionModelResponseV3
	if err := decode(resp, &got); err != nil {
		return Position{}, &APIError{Op: op, Status: resp.StatusCode, Detail: err.Error(), Err: ErrUnavailable}
	}
	return positionFromResponse(got), nil
}

func (c *client) DeletePosition(ctx context.Context, iupd string) error {
	const op = "deletePosition"
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	resp, err := c.gpd.DeletePosition(ctx, c.cfg.CreditorFiscalCode, iupd, nil)
	if err != nil {
		return transportError(op, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return statusError(op, resp)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16)) // drain for connection reuse
	return nil
}

func (c *client) StartCheckout(ctx context.Context, cart Cart) (string, error) {
	const op = "PostCarts"
	if n := len(cart.Notices); n < 1 || n > MaxCartNotices {
		return "", &APIError{Op: op, Err: ErrRejected, Detail: fmt.Sprintf("a cart holds 1 to %d notices, not %d", MaxCartNotices, n)}
	}
	body := checkout.CartRequest{}
	for _, n := range cart.Notices {
		body.PaymentNotices = append(body.PaymentNotices, checkout.PaymentNotice{
			NoticeNumber: n.NoticeNumber, FiscalCode: n.FiscalCode, Amount: int(n.AmountCents),
			CompanyName: n.CompanyName, Description: n.Description,
		})
	}
	body.ReturnUrls.ReturnOkUrl = cart.ReturnOK
	body.ReturnUrls.ReturnCancelUrl = cart.ReturnCancel
	body.ReturnUrls.ReturnErrorUrl = cart.ReturnError
	// The receipt address is optional: one Checkout would refuse is left
	// out (Checkout then asks the payer) rather than blocking the payment.
	if a, err := mail.ParseAddress(cart.EmailNotice); err == nil && a.Name == "" {
		e := openapi_types.Email(a.Address)
		body.EmailNotice = &e
	}
	if cart.IDCart != "" {
		body.IdCart = &cart.IDCart
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	resp, err := c.checkout.PostCarts(ctx, body)
	if err != nil {
		return "", transportError(op, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		return "", statusError(op, resp)
	}
	loc, err := resp.Location()
	if err != nil {
		return "", &APIError{Op: op, Status: resp.StatusCode, Detail: "302 without a usable Location: " + err.Error(), Err: ErrUnavailable}
	}
	return loc.String(), nil
}

// transportError maps a failed round trip (timeout, refused connection,
// reset) to ErrUnavailable, unless the caller's own context was cancelled;
// a request that could not even be built (an unencodable body) is
// ErrRejected.
func transportError(op string, err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
		return &APIError{Op: op, Detail: err.Error(), Err: ErrRejected}
	}
	e := &APIError{Op: op, Detail: err.Error(), Err: ErrUnavailable}
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("%w: %w", e, context.Canceled)
	}
	return e
}

func statusError(op string, resp *http.Response) error {
	e := &APIError{Op: op, Status: resp.StatusCode}
	var problem struct {
		Title   string `json:"title"`
		Detail  string `json:"detail"`
		Message string `json:"message"` // the 403 example body
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if json.Unmarshal(b, &problem) == nil {
		e.Title, e.Detail = problem.Title, problem.Detail
		if e.Detail == "" {
			e.Detail = problem.Message
		}
	}
	switch {
	case resp.StatusCode == http.StatusNotFound:
		e.Err = ErrNotFound
	case resp.StatusCode == http.StatusConflict:
		e.Err = ErrConflict
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		e.Err = ErrUnavailable
	case resp.StatusCode >= 400:
		e.Err = ErrRejected
	default: // an unexpected 1xx/2xx/3xx: the operation's outcome is unknown
		e.Err = ErrUnavailable
	}
	return e
}

// decode reads a GPD answer; its date-times have no zone (gpd.WithZones).
func decode(resp *http.Response, v any) error {
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return fmt.Errorf("reading body: %w", err)
	}
	if b, err = gpd.WithZones(b); err != nil {
		return fmt.Errorf("decoding body: %w", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("decoding body: %w", err)
	}
	return nil
}

func positionFromCreated(m gpd.PaymentPositionModelV3) Position {
	p := Position{IUPD: m.Iupd}
	if m.Status != nil {
		p.Status = string(*m.Status)
	}
	if m.PaymentDate != nil {
		p.PaymentDate = *m.PaymentDate
	}
	if len(m.PaymentOption) > 0 {
		o := m.PaymentOption[0]
		p.PayerFiscalCode = o.Debtor.FiscalCode
		if len(o.Installments) > 0 {
			i := o.Installments[0]
			p.IUV, p.AmountCents, p.Description, p.DueDate = i.Iuv, i.Amount, i.Description, i.DueDate
			p.NoticeNumber = deref(i.Nav)
			if i.Status != nil {
				p.InstallmentStatus = string(*i.Status)
			}
		}
	}
	return p
}

func positionFromResponse(m gpd.PaymentPositionModelResponseV3) Position {
	p := Position{IUPD: deref(m.Iupd)}
	if m.Status != nil {
		p.Status = string(*m.Status)
	}
	p.PaymentDate = derefTime(m.PaymentDate)
	p.LastUpdated = derefTime(m.LastUpdatedDate)
	if m.PaymentOption == nil || len(*m.PaymentOption) == 0 {
		return p
	}
	o := (*m.PaymentOption)[0]
	if o.Debtor != nil {
		p.PayerFiscalCode = o.Debtor.FiscalCode
	}
	if o.Installments == nil || len(*o.Installments) == 0 {
		return p
	}
	i := (*o.Installments)[0]
	p.NoticeNumber, p.IUV, p.Description = deref(i.Nav), deref(i.Iuv), deref(i.Description)
	if i.Amount != nil {
		p.AmountCents = *i.Amount
	}
	if i.Fee != nil {
		p.FeeCents = *i.Fee
	}
	if i.Status != nil {
		p.InstallmentStatus = string(*i.Status)
	}
	p.DueDate = derefTime(i.DueDate)
	if pd := derefTime(i.PaymentDate); !pd.IsZero() {
		p.PaymentDate = pd
	}
	if lu := derefTime(i.LastUpdatedDate); lu.After(p.LastUpdated) {
		p.LastUpdated = lu
	}
	p.ReceiptID, p.PSPCompany, p.PaymentMethod = deref(i.IdReceipt), deref(i.PspCompany), deref(i.PaymentMethod)
	return p
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func derefTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}
