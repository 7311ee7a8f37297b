package emulator

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"portalegenitori/internal/pagopa/gpd"
)

// position is a row of pagopa_emulator_positions.
type position struct {
	Org               string          `db:"organization_fiscal_code"`
	IUPD              string          `db:"iupd"`
	IUV               string          `db:"iuv"`
	NAV               string          `db:"nav"`
	CompanyName       string          `db:"company_name"`
	Status            string          `db:"status"`
	InstallmentStatus string          `db:"installment_status"`
	AmountCents       int64           `db:"amount_cents"`
	Description       string          `db:"description"`
	DueDate           time.Time       `db:"due_date"`
	SwitchToExpired   bool            `db:"switch_to_expired"`
	Debtor            json.RawMessage `db:"debtor"`
	Request           json.RawMessage `db:"request"`
	InsertedAt        time.Time       `db:"inserted_at"`
	PublishedAt       *time.Time      `db:"published_at"`
	UpdatedAt         time.Time       `db:"updated_at"`
	PaymentDate       *time.Time      `db:"payment_date"`
	ReceiptID         *string         `db:"receipt_id"`
	PSPCompany        *string         `db:"psp_company"`
	PaymentMethod     *string         `db:"payment_method"`
	FeeCents          *int64          `db:"fee_cents"`
	PaymentAttempts   int             `db:"payment_attempts"`
}

const positionColumns = `organization_fiscal_code, iupd, iuv, nav, company_name, status, installment_status,
	amount_cents, description, due_date, switch_to_expired, debtor, request, inserted_at, published_at,
	updated_at, payment_date, receipt_id, psp_company, payment_method, fee_cents, payment_attempts`

// problem writes a GPD/Checkout ProblemJson.
func problem(w http.ResponseWriter, status int, title, detail string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"title": title, "status": status, "detail": detail}) // the caller may be gone
}

// writeJSON writes a GPD answer, its date-times without a zone as GPD's
// Java LocalDateTime fields are written.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err == nil {
		b, err = gpd.WithoutZones(b)
	}
	if err != nil {
		problem(w, http.StatusInternalServerError, "Internal Server Error", "emulator: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}

// authorised answers 401 like the API gateway (Azure API Management)
// when the subscription key is missing or wrong.
func (e *Emulator) authorised(w http.ResponseWriter, r *http.Request) bool {
	k := r.Header.Get("Ocp-Apim-Subscription-Key")
	msg := ""
	switch {
	case k == "":
		msg = "Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API."
	case e.apiKey != "" && k != e.apiKey:
		msg = "Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription."
	default:
		return true
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusUnauthorized)
	_ = json.NewEncoder(w).Encode(map[string]any{"statusCode": http.StatusUnauthorized, "message": msg})
	return false
}

func (e *Emulator) gpdCreate(w http.ResponseWriter, r *http.Request) {
	if !e.authorised(w, r) {
		return
	}
	org := r.PathValue("org")
	raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		problem(w, http.StatusBadRequest, "BAD REQUEST", "unreadable body")
		return
	}
	var body gpd.PaymentPositionModelV3
	if raw, err = gpd.WithZones(raw); err == nil { // GPD takes date-times with or without "Z"
		err = json.Unmarshal(raw, &body)
	}
	if err != nil {
		problem(w, http.StatusBadRequest, "BAD REQUEST", "malformed JSON: "+err.Error())
		return
	}
	publish := false
	if v := r.URL.Query().Get("toPublish"); v != "" {
		if publish, err = strconv.ParseBool(v); err != nil {
			problem(w, http.StatusBadRequest, "BAD REQUEST", "toPublish must be true or false")
			return
		}
	}
	now := e.now().UTC().Truncate(time.Millisecond)
	if msg := validateCreate(body, publish, now); msg != "" {
		problem(w, http.StatusBadRequest, "BAD REQUEST", msg)
		return
	}
	opt := body.PaymentOption[0]
	inst := opt.Installments[0]
	if publish && inst.DueDate.Before(now) { // GPD: 409, and nothing is created
		problem(w, http.StatusConflict, "Publish request occurred after the due date of a payment options has expired",
			"A publish request occurred after the due date of a payment options has expired for the debt position with Organization Fiscal Code "+org+" and IUPD "+body.Iupd)
		return
	}
	nav := "3" + inst.Iuv
	if inst.Nav != nil {
		nav = *inst.Nav
	}
	debtor, _ := json.Marshal(opt.Debtor)
	status := "DRAFT"
	var published *time.Time
	if publish {
		status, published = "VALID", &now // no validityDate: valid at once, as GPD does
	}
	res, err := e.db.ExecContext(r.Context(), `INSERT INTO pagopa_emulator_positions
		(organization_fiscal_code, iupd, iuv, nav, company_name, status, amount_cents, description, due_date,
		 switch_to_expired, debtor, request, inserted_at, published_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $13)
		ON CONFLICT DO NOTHING`,
		org, body.Iupd, inst.Iuv, nav, body.CompanyName, status, inst.Amount, inst.Description, inst.DueDate.UTC(),
		opt.SwitchToExpired, debtor, raw, now, published)
	if err != nil {
		e.log.Error("pagopa emulator: create position", "err", err)
		problem(w, http.StatusInternalServerError, "The debt position creation is failed", "Creation failed for the debt position with Organization Fiscal Code "+org)
		return
	}
	if n, _ := res.RowsAffected(); n == 0 {
		problem(w, http.StatusConflict, "The debt position violated constraints of uniqueness",
			"Already exists a debt position for the Organization Fiscal Code "+org+" or one of its payment options is not unique")
		return
	}
	// The answer echoes the model with the read-only fields filled.
	st := gpd.PaymentPositionModelV3Status(status)
	body.Status = &st
	unpaid := gpd.InstallmentModelStatusUNPAID
	body.PaymentOption[0].Installments[0].Status = &unpaid
	body.PaymentOption[0].Installments[0].Nav = &nav
	var zero int64
	body.PaymentOption[0].Installments[0].Fee = &zero
	body.PaymentOption[0].Installments[0].NotificationFee = &zero
	body.PaymentOption[0].Description = nil // writeOnly
	writeJSON(w, http.StatusCreated, body)
}

// validateCreate checks what GPD checks for the subset the emulator
// supports (one payment option with one installment); "" if valid.
func validateCreate(b gpd.PaymentPositionModelV3, publish bool, now time.Time) string {
	switch {
	case b.Iupd == "":
		return "iupd: must not be blank"
	case b.CompanyName == "" || len(b.CompanyName) > 140:
		return "companyName: size must be between 1 and 140"
	case len(b.PaymentOption) != 1:
		return "paymentOption: the emulator supports exactly one payment option"
	}
	o := b.PaymentOption[0]
	switch {
	case o.Debtor.Type != gpd.F && o.Debtor.Type != gpd.G:
		return "debtor.type: must be F or G"
	case o.Debtor.FiscalCode == "" || o.Debtor.FullName == "":
		return "debtor: fiscalCode and fullName must not be blank"
	case len(o.Installments) != 1:
		return "installments: the emulator supports exactly one installment"
	}
	i := o.Installments[0]
	switch {
	case len(i.Iuv) != 17 || !allDigits(i.Iuv):
		return "iuv: must be 17 digits"
	case i.Nav != nil && *i.Nav != "3"+i.Iuv:
		return "nav: must be the aux digit 3 followed by the iuv"
	case i.Amount < 1:
		return "amount: must be greater than or equal to 1"
	case i.Description == "" || len(i.Description) > 140:
		return "description: size must be between 1 and 140"
	case i.DueDate.IsZero():
		return "dueDate: must not be null"
	case i.Transfer == nil || len(*i.Transfer) == 0 || len(*i.Transfer) > 5:
		return "transfer: size must be between 1 and 5"
	}
	var sum int64
	for _, t := range *i.Transfer {
		sum += t.Amount
		switch {
		case t.Amount < 1:
			return "transfer.amount: must be greater than or equal to 1"
		case t.Category == "":
			return "transfer.category: must not be blank"
		case t.RemittanceInformation == "":
			return "transfer.remittanceInformation: must not be blank"
		case (t.Iban == nil || *t.Iban == "") && (t.PostalIban == nil || *t.PostalIban == "") && t.Stamp == nil:
			return "transfer: iban, postalIban or stamp is required"
		}
	}
	if sum != i.Amount {
		return "transfer: the sum of the transfer amounts must equal the installment amount"
	}
	return ""
}

func allDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

var errNoPosition = errors.New("emulator: no such position")

// load reads a position after applying GPD's expiry rule: a VALID position
// whose payment options all have switchToExpired becomes EXPIRED after its
// due date.
func (e *Emulator) load(ctx context.Context, org, iupd string) (position, error) {
	now := e.now().UTC()
	if _, err := e.db.ExecContext(ctx, `UPDATE pagopa_emulator_positions
		SET status = 'EXPIRED', installment_status = 'EXPIRED', updated_at = $3
		WHERE organization_fiscal_code = $1 AND iupd = $2 AND status = 'VALID' AND switch_to_expired AND due_date < $3`,
		org, iupd, now); err != nil {
		return position{}, fmt.Errorf("emulator: expire: %w", err)
	}
	var p position
	err := e.db.GetContext(ctx, &p, `SELECT `+positionColumns+` FROM pagopa_emulator_positions
		WHERE organization_fiscal_code = $1 AND iupd = $2`, org, iupd)
	if errors.Is(err, sql.ErrNoRows) {
		return position{}, errNoPosition
	}
	if err != nil {
		return position{}, fmt.Errorf("emulator: load position: %w", err)
	}
	return p, nil
}

func (e *Emulator) gpdGet(w http.ResponseWriter, r *http.Request) {
	if !e.authorised(w, r) {
		return
	}
	org, iupd := r.PathValue("org"), r.PathValue("iupd")
	p, err := e.load(r.Context(), org, iupd)
	if errors.Is(err, errNoPosition) {
		problem(w, http.StatusNotFound, "Not found the debt position", "Not found a debt position for Organization Fiscal Code "+org+" and IUPD "+iupd)
		return
	}
	if err != nil {
		e.log.Error("pagopa emulator: get position", "err", err)
		problem(w, http.StatusInternalServerError, "Internal Server Error", "emulator database unavailable")
		return
	}
	writeJSON(w, http.StatusOK, responseV3(p))
}

// statusV3 maps GPD's internal status to the v3 API's.
func statusV3(s string) string {
	switch s {
	case "EXPIRED", "INVALID":
		return "UNPAYABLE"
	case "REPORTED":
		return "PAID"
	}
	return s
}

func responseV3(p position) gpd.PaymentPositionModelResponseV3 {
	// Both were stored by gpdCreate from a request it decoded.
	var req gpd.PaymentPositionModelV3
	_ = json.Unmarshal(p.Request, &req)
	var debtor gpd.DebtorModel
	_ = json.Unmarshal(p.Debtor, &debtor)
	st := gpd.PaymentPositionModelResponseV3Status(statusV3(p.Status))
	ist := gpd.InstallmentModelResponseStatus(p.InstallmentStatus)
	var zero int64
	inst := gpd.InstallmentModelResponse{
		Nav: &p.NAV, Iuv: &p.IUV, OrganizationFiscalCode: &p.Org, Amount: &p.AmountCents, Description: &p.Description,
		DueDate: &p.DueDate, Status: &ist, LastUpdatedDate: &p.UpdatedAt, Fee: &zero, NotificationFee: &zero,
		PaymentDate: p.PaymentDate, PaymentMethod: p.PaymentMethod, PspCompany: p.PSPCompany, IdReceipt: p.ReceiptID,
	}
	if p.FeeCents != nil {
		inst.Fee = p.FeeCents
	}
	var transfers []gpd.TransferModelResponse
	if len(req.PaymentOption) > 0 && len(req.PaymentOption[0].Installments) > 0 && req.PaymentOption[0].Installments[0].Transfer != nil {
		for _, t := range *req.PaymentOption[0].Installments[0].Transfer {
			t := t
			id, org := string(t.IdTransfer), p.Org
			if t.OrganizationFiscalCode != nil {
				org = *t.OrganizationFiscalCode
			}
			ts := gpd.TUNREPORTED
			transfers = append(transfers, gpd.TransferModelResponse{
				IdTransfer: &id, Amount: &t.Amount, OrganizationFiscalCode: &org, RemittanceInformation: &t.RemittanceInformation,
				Category: &t.Category, Iban: t.Iban, PostalIban: t.PostalIban, CompanyName: t.CompanyName, Stamp: t.Stamp,
				Status: &ts, InsertedDate: &p.InsertedAt, LastUpdatedDate: &p.UpdatedAt,
			})
		}
	}
	inst.Transfer = &transfers
	opt := gpd.PaymentOptionModelResponseV3{Debtor: &debtor, InsertedDate: &p.InsertedAt, SwitchToExpired: &p.SwitchToExpired,
		ValidityDate: p.PublishedAt, Installments: &[]gpd.InstallmentModelResponse{inst}}
	if len(req.PaymentOption) > 0 {
		opt.RetentionDate = req.PaymentOption[0].RetentionDate
	}
	return gpd.PaymentPositionModelResponseV3{
		Iupd: &p.IUPD, OrganizationFiscalCode: &p.Org, CompanyName: &p.CompanyName, OfficeName: req.OfficeName,
		InsertedDate: &p.InsertedAt, PublishDate: p.PublishedAt, PaymentDate: p.PaymentDate, Status: &st,
		LastUpdatedDate: &p.UpdatedAt, PaymentOption: &[]gpd.PaymentOptionModelResponseV3{opt},
	}
}

func (e *Emulator) gpdDelete(w http.ResponseWriter, r *http.Request) {
	if !e.authorised(w, r) {
		return
	}
	org, iupd := r.PathValue("org"), r.PathValue("iupd")
	// One statement decides, so a payment racing the delete either lands
	// first (409) or finds the position gone.
	var status string
	err := e.db.GetContext(r.Context(), &status, `WITH target AS (
			SELECT status FROM pagopa_emulator_positions WHERE organization_fiscal_code = $1 AND iupd = $2 FOR UPDATE
		), gone AS (
			DELETE FROM pagopa_emulator_positions p USING target
			WHERE p.organization_fiscal_code = $1 AND p.iupd = $2 AND target.status NOT IN ('PAID', 'PARTIALLY_PAID', 'REPORTED')
		)
		SELECT status FROM target`, org, iupd)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		problem(w, http.StatusNotFound, "Not found the debt position", "Not found a debt position for Organization Fiscal Code "+org+" and IUPD "+iupd)
	case err != nil:
		e.log.Error("pagopa emulator: delete position", "err", err)
		problem(w, http.StatusInternalServerError, "The debt position delete is failed", "Delete failed for the debt position with Organization Fiscal Code "+org)
	case status == "PAID" || status == "PARTIALLY_PAID" || status == "REPORTED":
		problem(w, http.StatusConflict, "Existing related payment found",
			"A payment transaction has already been carried out on the debt position with Organization Fiscal Code "+org+" and IUPD "+iupd)
	default:
		writeJSON(w, http.StatusOK, "The debt position was successfully deleted")
	}
}

func jsonUnmarshal(b []byte, v any) { _ = json.Unmarshal(b, v) }
