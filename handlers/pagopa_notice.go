package handlers

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"portalegenitori/billing"
	"portalegenitori/db"
	"portalegenitori/internal/pagopa/noticepdf"
)

// pagopaNoticeSubmit makes a notice ("avviso di pagamento") for an amount,
// to print or pay anywhere (a tabaccheria, a bank app); it stays on the
// payments page as to pay until paid or expired.
func (h *Handler) pagopaNoticeSubmit(c *gin.Context) {
	adult, st := h.familyPayer(c)
	if adult == nil {
		return
	}
	inst := installation(c)
	acc := currentAccount(c)
	v := PagoPATopUpView{Base: h.base(c), PagoPA: topUpForm(st)}
	v.Nav = "payments"
	token := c.PostForm("tentativo")
	if !validAttemptToken(token) {
		h.renderError(c, http.StatusBadRequest, nil)
		return
	}
	v.PagoPA.Token = token
	v.PagoPA.Notice = truncate(formText(c, "importo_avviso"), 20)
	amount, msg := amountOf(v.Base, st, "", v.PagoPA.Notice)
	if msg != "" {
		v.PagoPA.Errors["importo_avviso"] = msg
		h.render(c, swappable(c, http.StatusUnprocessableEntity), "pagopa_topup", v)
		return
	}
	if !h.pagopaAllowed(c, &v, "importo_avviso", fmt.Sprintf("notice:%d:%s", acc.ID, token)) {
		return
	}
	pos, err := h.billing.Open(c.Request.Context(), billing.Request{Inst: inst, Settings: st, Payer: adult,
		PayerEmail: acc.Email, Kind: db.PositionNotice, AmountCents: amount,
		Description: "Ricarica Portale Genitori - " + adult.FirstName + " " + adult.LastName,
		AttemptKey:  fmt.Sprintf("notice:%d:%s", acc.ID, token), CreatedBy: acc.ID})
	h.audit(c, db.AuditEvent{InstallationID: inst.ID, AccountID: acc.ID, Actor: acc.Username,
		Action: "pagopa_notice", Outcome: outcomeOf(err), Detail: map[string]any{"amount_cents": amount, "iuv": iuvOf(pos)}})
	if err != nil {
		h.pagopaProblem(c, err)
		return
	}
	h.flashRedirect(c, v.T("pagopa.notice.made"), "/"+inst.Code+"/pagamenti/pagopa/"+strconv.FormatInt(pos.ID, 10))
}

// pagopaNoticePDF downloads the notice of a position the parent may see.
func (h *Handler) pagopaNoticePDF(c *gin.Context) {
	_, pos, ok := h.familyPosition(c)
	if !ok {
		return
	}
	if pos.Status == db.PositionDraft || pos.Status == db.PositionCancelled {
		h.renderError(c, http.StatusNotFound, nil)
		return
	}
	inst := installation(c)
	st, err := h.store.PagoPASettingsOf(c.Request.Context(), inst.ID)
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, err)
		return
	}
	var buf bytes.Buffer
	err = noticepdf.Render(&buf, noticepdf.Notice{
		NoticeNumber: pos.NoticeNumber, CreditorFiscalCode: st.CreditorFiscalCode, CreditorName: inst.Name,
		CreditorSector: inst.OfficeName, PayerFiscalCode: pos.AdultFiscal, PayerName: pos.AdultName,
		AmountCents: pos.AmountCents, DueDate: pos.DueDate, Description: pos.Description, Lang: langOf(c),
	})
	if err != nil {
		h.renderError(c, http.StatusInternalServerError, fmt.Errorf("notice PDF %s: %w", pos.IUV, err))
		return
	}
	c.Header("Content-Disposition", `attachment; filename="avviso-pagopa-`+pos.NoticeNumber+`.pdf"`)
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "application/pdf", buf.Bytes())
}
