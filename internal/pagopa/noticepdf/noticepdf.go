// Package noticepdf renders the pagoPA payment notice ("avviso di
// pagamento") as a PDF, following the layout of the pagoPA notice
// guidelines for a single-installment notice.
package noticepdf

import (
	"errors"
	"io"
	"time"
)

// Notice is what the PDF shows.
type Notice struct {
	NoticeNumber       string // 18 digits
	CreditorFiscalCode string // 11 digits
	CreditorName       string // the Comune
	CreditorSector     string // optional office, e.g. "Servizi scolastici"
	CreditorInfo       string // optional contact line (site, e-mail, phone)
	CBILLCode          string // optional: the Comune's CBILL code, for bank home banking
	PayerFiscalCode    string
	PayerName          string
	PayerAddress       string // optional
	AmountCents        int64
	DueDate            time.Time
	Description        string // subject of the payment ("oggetto del pagamento")
	Lang               string // "it" (default) or "en": language of the labels
}

// QRPayload is the payload of the notice's QR code:
// PAGOPA|002|<notice number>|<creditor fiscal code>|<amount in cents>.
func QRPayload(n Notice) string {
	return "" // TODO
}

// Render writes the notice as a PDF to w.
func Render(w io.Writer, n Notice) error {
	return errors.New("noticepdf: not implemented yet")
}
