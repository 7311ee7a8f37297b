package certificate

import (
	"fmt"
	"io"

	"github.com/go-pdf/fpdf"

	"portalegenitori/internal/money"
)

// Translate is the catalogue lookup of the document's language.
type Translate func(key string, args ...any) string

// Notes are the explanations under the table, in the order printed.
func (d Document) Notes(t Translate) []string {
	notes := []string{t("certificate.doc.note_method")}
	if d.CashCents > 0 {
		notes = append(notes, t("certificate.doc.note_cash", money.Format(d.CashCents, "it")))
	}
	if d.UnusedCents > 0 {
		notes = append(notes, t("certificate.doc.note_unused", money.Format(d.UnusedCents, "it")))
	}
	notes = append(notes, t("certificate.doc.note_transport"))
	for _, ch := range d.Children {
		for _, l := range ch.Lines {
			if l.Kind == "nido" {
				return append(notes, t("certificate.doc.note_nido"), t("certificate.doc.stamp"))
			}
		}
	}
	return append(notes, t("certificate.doc.stamp"))
}

// PDF writes the certificate as a one- or two-page A4 PDF with the core
// Helvetica font (text in Windows-1252, which covers Italian). compress
// false keeps the content streams readable, for tests.
func (d Document) PDF(w io.Writer, t Translate, compress bool) error {
	p := fpdf.New("P", "mm", "A4", "")
	p.SetCompression(compress)
	p.SetLang("it-IT")
	p.SetCreationDate(d.IssuedAt)
	p.SetModificationDate(d.IssuedAt)
	title := t("certificate.doc.title", d.Year)
	p.SetTitle(title, true)
	p.SetAuthor(d.Comune.Name, true)
	p.SetCreator("Portale Genitori", true)
	p.SetMargins(20, 18, 20)
	p.SetAutoPageBreak(true, 18)
	tr := p.UnicodeTranslatorFromDescriptor("")
	p.AddPage()
	width := 170.0

	p.SetFont("Helvetica", "B", 13)
	p.MultiCell(width, 6, tr(d.Comune.Name), "", "L", false)
	p.SetFont("Helvetica", "", 9.5)
	for _, s := range []string{d.Comune.Office, d.Comune.Address} {
		if s != "" {
			p.MultiCell(width, 4.5, tr(s), "", "L", false)
		}
	}
	if d.Comune.FiscalCode != "" {
		p.MultiCell(width, 4.5, tr(t("certificate.doc.fiscal_code")+": "+d.Comune.FiscalCode), "", "L", false)
	}
	p.Ln(6)
	p.SetFont("Helvetica", "B", 12)
	p.MultiCell(width, 6, tr(title), "", "L", false)
	p.SetFont("Helvetica", "", 9.5)
	p.MultiCell(width, 4.5, tr(t("certificate.doc.norm")), "", "L", false)
	if d.Provisional {
		p.Ln(2)
		p.SetFont("Helvetica", "B", 11)
		p.MultiCell(width, 5.5, tr(t("certificate.doc.provisional", d.Year, d.IssuedAt.Format("02/01/2006"), d.Year+1)), "1", "L", false)
	}
	p.Ln(4)
	p.SetFont("Helvetica", "", 10.5)
	p.MultiCell(width, 5.2, tr(t("certificate.doc.statement", d.Payer.Name, d.Payer.FiscalCode, d.Year)), "", "L", false)
	p.Ln(3)

	if len(d.Children) == 0 {
		p.MultiCell(width, 5.2, tr(t("certificate.doc.none")), "", "L", false)
	}
	for _, ch := range d.Children {
		p.SetFont("Helvetica", "B", 10.5)
		p.MultiCell(width, 5.5, tr(fmt.Sprintf("%s: %s – %s %s", t("certificate.doc.pupil"), ch.Name, t("certificate.doc.fiscal_code"), ch.FiscalCode)), "", "L", false)
		p.SetFont("Helvetica", "B", 9.5)
		p.SetFillColor(235, 235, 235)
		p.CellFormat(120, 6, tr(t("certificate.doc.service")), "1", 0, "L", true, 0, "")
		p.CellFormat(50, 6, tr(t("certificate.doc.amount")), "1", 1, "R", true, 0, "")
		p.SetFont("Helvetica", "", 10)
		for _, l := range ch.Lines {
			p.CellFormat(120, 6, tr(l.Service), "1", 0, "L", false, 0, "")
			p.CellFormat(50, 6, tr(money.Format(l.Cents, "it")), "1", 1, "R", false, 0, "")
		}
		p.SetFont("Helvetica", "B", 10)
		p.CellFormat(120, 6, tr(t("certificate.doc.child_total")), "1", 0, "L", false, 0, "")
		p.CellFormat(50, 6, tr(money.Format(ch.TotalCents, "it")), "1", 1, "R", false, 0, "")
		p.Ln(3)
	}
	p.SetFont("Helvetica", "B", 11.5)
	p.CellFormat(120, 8, tr(t("certificate.doc.total")), "T", 0, "L", false, 0, "")
	p.CellFormat(50, 8, tr(money.Format(d.TotalCents, "it")), "T", 1, "R", false, 0, "")
	p.Ln(3)

	p.SetFont("Helvetica", "", 9)
	for _, n := range d.Notes(t) {
		p.MultiCell(width, 4.4, tr(n), "", "L", false)
		p.Ln(1)
	}
	p.Ln(3)
	p.SetFont("Helvetica", "", 9.5)
	if d.Provisional {
		return p.Output(w)
	}
	p.MultiCell(width, 4.8, tr(t("certificate.doc.number", d.Number, d.Year, d.Version, d.IssuedAt.Format("02/01/2006"))), "", "L", false)
	if d.Version > 1 && d.Reason != "" {
		p.MultiCell(width, 4.8, tr(t("certificate.doc.reissue", d.Reason)), "", "L", false)
	}
	p.MultiCell(width, 4.8, tr(t("certificate.doc.verify", d.Code, d.VerifyURL)), "", "L", false)
	if d.Comune.Signatory != "" {
		p.Ln(6)
		p.MultiCell(width, 4.8, tr(d.Comune.Signatory), "", "R", false)
		p.SetFont("Helvetica", "I", 8.5)
		p.MultiCell(width, 4.4, tr(t("certificate.doc.signature")), "", "R", false)
	}
	return p.Output(w)
}

func formatIt(cents int64) string { return money.Format(cents, "it") }
