// Package noticepdf renders the pagoPA payment notice ("avviso di
// pagamento") as an A4 PDF, following the structure of the pagoPA notice
// guidelines (devportal-docs, "Avviso di pagamento" 3.x) for a notice with
// a single installment ("rata unica"): header with the subject, creditor
// and recipient, how much and when, where to pay, and the payment data
// with the QR code that payment apps, bank apps and the tabaccheria's
// terminal read. The fixed texts are the guidelines' own, which must not
// be altered, in Italian or English.
package noticepdf

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/boombuler/barcode/qr"
	"github.com/go-pdf/fpdf"
)

// Notice is what the PDF shows.
type Notice struct {
	NoticeNumber       string // 18 digits
	CreditorFiscalCode string // 11 digits
	CreditorName       string // the Comune
	CreditorSector     string // optional office, e.g. "Servizi scolastici"
	CreditorInfo       string // optional contact line (site, e-mail, phone)
	CBILLCode          string // optional: the Comune's CBILL code, for home banking
	PayOnline          bool   // the Comune's site accepts payment ("sul sito di <Ente>")
	PayerFiscalCode    string
	PayerName          string
	PayerAddress       string // optional
	AmountCents        int64
	DueDate            time.Time
	Description        string // subject of the payment ("oggetto del pagamento")
	Lang               string // "it" (default) or "en": language of the fixed texts
	// Created is the PDF's creation date (default: now); fixed in tests.
	Created time.Time
}

// QRPayload is the payload of the notice's QR code:
// PAGOPA|002|<notice number>|<creditor fiscal code>|<amount in cents, 10 digits>.
func QRPayload(n Notice) string {
	return fmt.Sprintf("PAGOPA|002|%s|%s|%010d", n.NoticeNumber, n.CreditorFiscalCode, n.AmountCents)
}

// FormatAmount writes cents as the notice does: "1.234,50".
func FormatAmount(cents int64) string {
	euros := fmt.Sprintf("%d", cents/100)
	var b strings.Builder
	for i, c := range euros {
		if i > 0 && (len(euros)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(c)
	}
	return fmt.Sprintf("%s,%02d", b.String(), cents%100)
}

// FormatNoticeNumber groups the 18 digits by four: "3012 3456 7890 1234 56".
func FormatNoticeNumber(nav string) string {
	var b strings.Builder
	for i, c := range nav {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func (n Notice) check() error {
	switch {
	case len(n.NoticeNumber) != 18 || !digits(n.NoticeNumber):
		return fmt.Errorf("noticepdf: notice number %q must be 18 digits", n.NoticeNumber)
	case len(n.CreditorFiscalCode) != 11 || !digits(n.CreditorFiscalCode):
		return fmt.Errorf("noticepdf: creditor fiscal code %q must be 11 digits", n.CreditorFiscalCode)
	case n.AmountCents < 1 || n.AmountCents > 9_999_999_999:
		return errors.New("noticepdf: amount out of range")
	case n.CreditorName == "" || n.PayerName == "" || n.PayerFiscalCode == "" || n.Description == "":
		return errors.New("noticepdf: creditor name, payer and description are required")
	case n.DueDate.IsZero():
		return errors.New("noticepdf: due date missing")
	}
	return nil
}

func digits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Geometry in mm, A4 portrait.
const (
	pageW  = 210.0
	margin = 12.0
	colW   = (pageW - 2*margin - 8) / 2
)

// Render writes the notice as a PDF to w.
func Render(w io.Writer, n Notice) error {
	if err := n.check(); err != nil {
		return err
	}
	l := labels(n.Lang)
	created := n.Created
	if created.IsZero() {
		created = time.Now()
	}
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCreationDate(created)
	pdf.SetModificationDate(created)
	pdf.SetTitle(l.title+" "+FormatNoticeNumber(n.NoticeNumber), true)
	pdf.SetAuthor(n.CreditorName, true)
	pdf.SetSubject(n.Description, true)
	pdf.SetMargins(margin, margin, margin)
	pdf.SetAutoPageBreak(false, margin)
	pdf.AddPage()
	tr := pdf.UnicodeTranslatorFromDescriptor("") // cp1252: à, è, €

	text := func(style string, size float64) { pdf.SetFont("Helvetica", style, size) }
	due := n.DueDate.Format("02/01/2006")
	amount := FormatAmount(n.AmountCents)

	// 1. Header: title and subject.
	pdf.SetTextColor(0, 0, 0)
	text("B", 9)
	pdf.CellFormat(0, 5, tr(strings.ToUpper(l.title)), "", 1, "L", false, 0, "")
	text("B", 16)
	pdf.MultiCell(pageW-2*margin, 7, tr(n.Description), "", "L", false)
	pdf.Ln(4)

	// 2. Creditor and recipient, side by side.
	y := pdf.GetY()
	block := func(x float64, heading string, lines ...string) float64 {
		pdf.SetXY(x, y)
		text("B", 8)
		pdf.CellFormat(colW, 5, tr(strings.ToUpper(heading)), "B", 2, "L", false, 0, "")
		pdf.Ln(1)
		for i, s := range lines {
			if s == "" {
				continue
			}
			pdf.SetX(x)
			if i == 1 {
				text("B", 11)
			} else {
				text("", 9)
			}
			pdf.MultiCell(colW, 5, tr(s), "", "L", false)
		}
		return pdf.GetY()
	}
	y1 := block(margin, l.creditor, l.fiscalCode+" "+n.CreditorFiscalCode, n.CreditorName, n.CreditorSector, n.CreditorInfo)
	y2 := block(margin+colW+8, l.recipient, l.fiscalCode+" "+n.PayerFiscalCode, n.PayerName, n.PayerAddress)
	pdf.SetY(max(y1, y2) + 6)

	// 3.1 How much and when; 3.2 where to pay.
	y = pdf.GetY()
	pdf.SetXY(margin, y)
	text("B", 8)
	pdf.CellFormat(colW, 5, tr(strings.ToUpper(l.howMuch)), "B", 2, "L", false, 0, "")
	pdf.Ln(2)
	text("B", 18)
	pdf.CellFormat(colW, 9, tr(amount+" "+l.euro), "", 2, "L", false, 0, "")
	text("", 10)
	pdf.CellFormat(colW, 6, tr(l.dueBy+" "+due), "", 2, "L", false, 0, "")
	pdf.Ln(1)
	text("", 7)
	pdf.MultiCell(colW, 3.5, tr(l.legal), "", "L", false)
	y1 = pdf.GetY()

	x := margin + colW + 8
	pdf.SetXY(x, y)
	text("B", 8)
	pdf.CellFormat(colW, 5, tr(strings.ToUpper(l.where)), "B", 2, "L", false, 0, "")
	pdf.Ln(2)
	pdf.SetX(x)
	text("B", 9)
	pdf.CellFormat(colW, 5, tr(strings.ToUpper(l.payIO)), "", 2, "L", false, 0, "")
	text("", 8)
	online := l.onlineNoSite
	if n.PayOnline {
		online = fmt.Sprintf(l.onlineSite, n.CreditorName)
	}
	pdf.SetX(x)
	pdf.MultiCell(colW, 4, tr(online), "", "L", false)
	pdf.Ln(2)
	pdf.SetX(x)
	text("B", 9)
	pdf.CellFormat(colW, 5, tr(strings.ToUpper(l.payLocal)), "", 2, "L", false, 0, "")
	text("", 8)
	pdf.SetX(x)
	pdf.MultiCell(colW, 4, tr(l.local), "", "L", false)
	pdf.SetX(x)
	text("B", 8)
	pdf.CellFormat(colW, 5, tr(l.cta), "", 2, "L", false, 0, "")
	y2 = pdf.GetY()

	// 4. Payment data, at the foot of the page.
	top := max(max(y1, y2)+8, 297-margin-72)
	pdf.SetXY(margin, top)
	text("B", 8)
	pdf.CellFormat(0, 5, tr(strings.ToUpper(l.data)), "B", 1, "L", false, 0, "")
	pdf.Ln(2)
	text("B", 10)
	pdf.CellFormat(120, 6, tr(l.single+"  "+l.dueBy+" "+due), "", 0, "L", false, 0, "")
	pdf.CellFormat(0, 6, tr(l.euro+" "+amount), "", 1, "R", false, 0, "")
	boxTop := pdf.GetY() + 2
	pdf.SetDrawColor(0, 0, 0)
	pdf.Rect(margin, boxTop, pageW-2*margin, 52, "D")

	// The QR code: vector, black on white, 25×25 mm.
	if err := drawQR(pdf, QRPayload(n), margin+4, boxTop+4, 25); err != nil {
		return err
	}
	text("", 7)
	pdf.SetXY(margin+2, boxTop+31)
	pdf.MultiCell(29, 3.2, tr(l.scan), "", "L", false)

	fx := margin + 38
	fy := boxTop + 4
	field := func(label, value string, bold bool) {
		pdf.SetXY(fx, fy)
		text("", 7)
		pdf.CellFormat(40, 4, tr(label), "", 0, "L", false, 0, "")
		if bold {
			text("B", 10)
		} else {
			text("", 9)
		}
		pdf.MultiCell(pageW-margin-fx-44, 4.5, tr(value), "", "L", false)
		fy = max(pdf.GetY(), fy+5) + 1
	}
	field(l.recipient, n.PayerName, false)
	field(l.creditor, n.CreditorName, false)
	field(l.subject, n.Description, false)
	if n.CBILLCode != "" {
		field(l.cbill, strings.ToUpper(n.CBILLCode), true)
	}
	field(l.noticeCode, FormatNoticeNumber(n.NoticeNumber), true)
	field(l.creditorCF, n.CreditorFiscalCode, true)

	if err := pdf.Output(w); err != nil {
		return fmt.Errorf("noticepdf: %w", err)
	}
	return nil
}

// drawQR draws the QR code as filled squares (vector, as the guidelines ask).
func drawQR(pdf *fpdf.Fpdf, payload string, x, y, size float64) error {
	code, err := qr.Encode(payload, qr.M, qr.Auto)
	if err != nil {
		return fmt.Errorf("noticepdf: QR code: %w", err)
	}
	b := code.Bounds()
	modules := b.Dx()
	cell := size / float64(modules)
	pdf.SetFillColor(0, 0, 0)
	for j := 0; j < b.Dy(); j++ {
		for i := 0; i < modules; i++ {
			if r, _, _, _ := code.At(b.Min.X+i, b.Min.Y+j).RGBA(); r == 0 {
				pdf.Rect(x+float64(i)*cell, y+float64(j)*cell, cell, cell, "F")
			}
		}
	}
	return nil
}

// text are the guidelines' fixed texts ("Stringhe dei testi fissi").
type text struct {
	title, creditor, recipient, fiscalCode, howMuch, euro, dueBy, legal string
	where, payIO, onlineSite, onlineNoSite, payLocal, local, cta        string
	data, single, scan, subject, cbill, noticeCode, creditorCF          string
}

func labels(lang string) text {
	if lang == "en" {
		return text{
			title: "Payment Notice", creditor: "Payee", recipient: "Recipient", fiscalCode: "Tax code",
			howMuch: "How much and when to pay?", euro: "Euro", dueBy: "Due Date",
			legal: "During payment, if allowed by the payee, the amount could be updated automatically and be subject to changes in decrease (for allowances, credit notes) or increase (for penalties, interest, etc.).",
			where: "Where to pay?", payIO: "Pay with IO app",
			onlineSite:   "or with %s’s website, your Home Banking, payment app or the other authorized channels.",
			onlineNoSite: "or with your Home Banking, payment app or the other authorized channels.",
			payLocal:     "Pay locally",
			local:        "at Banks and ATMs, in Post Offices, Cafés, Newsagents, Betting and Tobacco Shops, Supermarkets and other Enabled Merchants.",
			cta:          "Go to pagopa.gov.it",
			data:         "Payment details", single: "Full amount",
			scan:    "Scan the QR Code with your payment app or use the data printed here.",
			subject: "Payment Description", cbill: "CBILL Code", noticeCode: "Notice Code", creditorCF: "Payee Tax Code",
		}
	}
	return text{
		title: "Avviso di pagamento", creditor: "Ente Creditore", recipient: "Destinatario", fiscalCode: "Cod. Fiscale",
		howMuch: "Quanto e quando pagare?", euro: "Euro", dueBy: "entro il",
		legal: "In fase di pagamento, se previsto dall’ente, l'importo potrebbe essere aggiornato automaticamente e subire variazioni in diminuzione (per sgravi, note di credito) o in aumento (per sanzioni, interessi, ecc.).",
		where: "Dove pagare?", payIO: "Paga con l'app IO",
		onlineSite:   "oppure sul sito di %s, dal tuo Home Banking, con la tua app di pagamento o con gli altri canali abilitati.",
		onlineNoSite: "oppure dal tuo Home Banking, con la tua app di pagamento o con gli altri canali abilitati.",
		payLocal:     "Paga sul territorio",
		local:        "presso Banche e Sportelli ATM, negli Uffici Postali e Punti Postali, nei Bar, Edicole, Ricevitorie, Supermercati, Tabaccherie e altri Esercenti Convenzionati.",
		cta:          "vai su pagopa.gov.it",
		data:         "Dati per il pagamento", single: "Rata unica",
		scan:    "Inquadra il codice QR con la tua app di pagamento o usa i dati accanto.",
		subject: "Oggetto del pagamento", cbill: "Cod. CBILL", noticeCode: "Cod. Avviso", creditorCF: "Cod. Fiscale Ente",
	}
}
