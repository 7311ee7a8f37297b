package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/internal/iban"
	"portalegenitori/internal/money"
)

// CreditView is the paying adult's "Rimborso del credito" page: the
// balance, the open request and the past ones, and the form.
type CreditView struct {
	Base
	Payer    bool // the viewer pays for a child: only then may they ask
	Balance  int64
	Requests []db.CreditRequest
	Open     *db.CreditRequest
	Targets  []db.Payer // the other paying adults of the viewer's children
	Form     CreditForm
	Errors   map[string]string
}

// CreditForm is the request as typed.
type CreditForm struct {
	Kind, Amount, IBAN, Holder string
	To                         int64
}

// Field builds a field of the request form.
func (v CreditView) Field(name, labelKey, value, typ, autocomplete string) Field {
	return fieldFor(v.Base, v.Errors, name, labelKey, value, typ, autocomplete)
}

// creditView loads the page of the signed-in adult; nil when the request
// was answered (not linked, staff).
func (h *Handler) creditView(c *gin.Context) (*CreditView, error) {
	adult := h.familyAdult(c)
	if adult == nil {
		return nil, nil
	}
	inst := installation(c)
	ctx := c.Request.Context()
	v := &CreditView{Base: h.base(c), Errors: map[string]string{}}
	v.Nav = "payments"
	payers, err := h.store.PayersFor(ctx, inst.ID, adult.ID)
	if err != nil {
		return nil, err
	}
	for _, p := range payers {
		if p.AdultID == adult.ID {
			v.Payer = true
		} else {
			v.Targets = append(v.Targets, p)
		}
	}
	balances, err := h.store.Balances(ctx, inst.ID, []int64{adult.ID})
	if err != nil {
		return nil, err
	}
	v.Balance = balances[adult.ID]
	if v.Requests, err = h.store.CreditRequestsOf(ctx, inst.ID, adult.ID); err != nil {
		return nil, err
	}
	for i := range v.Requests {
		if v.Requests[i].Status == "pending" {
			v.Open = &v.Requests[i]
		}
	}
	v.Form = CreditForm{Kind: "refund", Amount: money.Format(max(v.Balance, 0), "it"), Holder: adult.FirstName + " " + adult.LastName}
	return v, nil
}

func (h *Handler) creditShow(c *gin.Context) {
	v, err := h.creditView(c)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	if v == nil {
		return
	}
	h.render(c, http.StatusOK, "credit", v)
}

// creditRequest records the payer's request: the whole credit or part of
// it, back to an IBAN or to another paying adult of their children.
func (h *Handler) creditRequest(c *gin.Context) {
	inst, acc := installation(c), currentAccount(c)
	v, err := h.creditView(c)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	if v == nil {
		return
	}
	if !v.Payer {
		h.renderError(c, http.StatusForbidden, nil)
		return
	}
	to, _ := strconv.ParseInt(c.PostForm("to"), 10, 64)
	v.Form = CreditForm{Kind: c.PostForm("kind"), Amount: truncate(formText(c, "amount"), 20), IBAN: truncate(formText(c, "iban"), 50),
		Holder: truncate(formText(c, "holder"), 120), To: to}
	req := db.NewCreditRequest{InstallationID: inst.ID, AdultID: acc.AdultID.Int64, Kind: v.Form.Kind, By: acc.ID}
	cents, ok := money.Parse(v.Form.Amount)
	switch {
	case !ok || cents <= 0:
		v.Errors["amount"] = v.T("credit.error.amount")
	case cents > v.Balance:
		v.Errors["amount"] = v.T("credit.error.above", v.Money(max(v.Balance, 0)))
	}
	req.AmountCents = cents
	switch v.Form.Kind {
	case "refund":
		n, err := iban.Normalize(v.Form.IBAN)
		if err != nil {
			key := "credit.error.iban"
			if errors.Is(err, iban.ErrEmpty) {
				key = "credit.error.iban_missing"
			}
			v.Errors["iban"] = v.T(key)
		}
		if v.Form.Holder == "" || utf8.RuneCountInString(v.Form.Holder) > 100 {
			v.Errors["holder"] = v.T("credit.error.holder")
		}
		req.IBAN, req.Holder = n, v.Form.Holder
	case "transfer":
		found := false
		for _, t := range v.Targets {
			found = found || t.AdultID == to
		}
		if !found {
			v.Errors["to"] = v.T("credit.error.to")
		}
		req.ToAdultID = to
	default:
		v.Errors["kind"] = v.T("credit.error.kind")
	}
	if len(v.Errors) == 0 {
		id, err := h.store.AddCreditRequest(c.Request.Context(), req)
		switch {
		case errors.Is(err, db.ErrRequestOpen):
			v.Errors["kind"] = v.T("credit.error.open")
		case errors.Is(err, db.ErrNotEnoughCredit):
			v.Errors["amount"] = v.T("credit.error.above", v.Money(max(v.Balance, 0)))
		case err != nil:
			h.renderError(c, http.StatusInternalServerError, err)
			return
		default:
			h.audit(c, db.AuditEvent{InstallationID: inst.ID, AccountID: acc.ID, Actor: acc.Username, Action: "credit_request", Outcome: "success",
				Detail: map[string]any{"request": id, "kind": req.Kind, "amount_cents": cents}})
			h.flashRedirect(c, v.T("credit.sent", id), "/"+inst.Code+"/pagamenti/credito")
			return
		}
	}
	h.render(c, http.StatusUnprocessableEntity, "credit", v)
}

// creditWithdraw takes back the payer's open request.
func (h *Handler) creditWithdraw(c *gin.Context) {
	inst, acc := installation(c), currentAccount(c)
	if h.familyAdult(c) == nil {
		return
	}
	id, ok := h.pathID(c, "id")
	if !ok {
		return
	}
	err := h.store.WithdrawCreditRequest(c.Request.Context(), inst.ID, acc.AdultID.Int64, id)
	if errors.Is(err, db.ErrRequestDecided) {
		h.renderError(c, http.StatusNotFound, nil)
		return
	}
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	h.audit(c, db.AuditEvent{InstallationID: inst.ID, AccountID: acc.ID, Actor: acc.Username, Action: "credit_request_withdraw", Outcome: "success",
		Detail: map[string]any{"request": id}})
	h.flashRedirect(c, h.base(c).T("credit.withdrawn"), "/"+inst.Code+"/pagamenti/credito")
}

// Masked shows an IBAN by its country and last four characters.
func (CreditView) Masked(s string) string { return iban.Masked(s) }
