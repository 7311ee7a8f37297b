package noticepdf_test

import (
	"bytes"
	"io"
	"portalegenitori/internal/pdftext"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/boombuler/barcode/qr"

	"portalegenitori/internal/pagopa/noticepdf"
)

var sample = noticepdf.Notice{
	NoticeNumber: "347000000000000124", CreditorFiscalCode: "01199250158", CreditorName: "Comune di Milano",
	CreditorSector: "Servizi scolastici", CreditorInfo: "Per informazioni www.comune.milano.it · tel. 02 0202",
	CBILLCode: "a0edt", PayerFiscalCode: "RSSMRA60D20F205R", PayerName: "Mario Rossi", PayerAddress: "Vicolo Corto 12 20133 Milano MI",
	AmountCents: 123450, DueDate: time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC), Description: "Mensa scolastica ottobre 2026 – Più pasti",
	Created: time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC),
}

// pageContent inflates the PDF's content streams and returns the text
// shown (the strings of the Tj operators, in cp1252 as written) and the
// number of filled rectangles (the QR code's dark modules).
func pageContent(t *testing.T, pdf []byte) (text string, filledRects int) {
	t.Helper()
	content, err := pdftext.Content(pdf)
	if err != nil || len(content) == 0 {
		t.Fatalf("no content streams: %v", err)
	}
	all := bytes.NewBuffer(content)
	var sb strings.Builder
	for _, m := range regexp.MustCompile(`\(((?:\\.|[^\\)])*)\) ?Tj`).FindAllSubmatch(all.Bytes(), -1) {
		s := strings.NewReplacer(`\(`, "(", `\)`, ")", `\\`, `\`).Replace(string(m[1]))
		sb.WriteString(s)
		sb.WriteByte('\n')
	}
	filledRects = len(regexp.MustCompile(`(?m) re f$`).FindAll(all.Bytes(), -1))
	return sb.String(), filledRects
}

func TestRenderCarriesThePaymentData(t *testing.T) {
	var buf bytes.Buffer
	if err := noticepdf.Render(&buf, sample); err != nil {
		t.Fatal(err)
	}
	text, rects := pageContent(t, buf.Bytes())
	for _, want := range []string{
		"AVVISO DI PAGAMENTO",
		"3470 0000 0000 0001 24", // Cod. Avviso, grouped by four
		"01199250158",            // Cod. Fiscale Ente
		"1.234,50",               // the amount
		"31/10/2026",             // the due date
		"Mario Rossi", "RSSMRA60D20F205R", "Comune di Milano",
		"A0EDT", // CBILL, upper case
		"Cod. Avviso", "Cod. Fiscale Ente", "Rata unica", "PAGA CON L'APP IO", "PAGA SUL TERRITORIO",
		"Inquadra il codice QR",
		"sul territorio",
	} {
		if !strings.Contains(strings.ToLower(text), strings.ToLower(want)) {
			t.Errorf("the PDF's text lacks %q; it has:\n%s", want, text)
		}
	}
	// Italian letters and the en dash survive the cp1252 encoding.
	if !strings.Contains(text, "ottobre 2026 \x96 Pi\xf9 pasti") {
		t.Errorf("subject not encoded in cp1252:\n%q", text)
	}
	// The QR code drawn is the standard payload's, module by module.
	code, err := qr.Encode(noticepdf.QRPayload(sample), qr.M, qr.Auto)
	if err != nil {
		t.Fatal(err)
	}
	dark := 0
	b := code.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if r, _, _, _ := code.At(x, y).RGBA(); r == 0 {
				dark++
			}
		}
	}
	if dark < 100 || rects != dark {
		t.Errorf("filled squares in the PDF = %d, dark modules of the QR code = %d", rects, dark)
	}
}

func TestRenderEnglishAndOnlineChannel(t *testing.T) {
	n := sample
	n.Lang, n.PayOnline, n.CBILLCode = "en", true, ""
	var buf bytes.Buffer
	if err := noticepdf.Render(&buf, n); err != nil {
		t.Fatal(err)
	}
	text, _ := pageContent(t, buf.Bytes())
	for _, want := range []string{"PAYMENT NOTICE", "Notice Code", "Payee Tax Code", "3470 0000 0000 0001 24", "1.234,50", "Comune di Milano\x92s website"} {
		if !strings.Contains(text, want) {
			t.Errorf("English PDF lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "CBILL") {
		t.Error("CBILL shown without a CBILL code")
	}
}

func TestQRPayloadAndFormats(t *testing.T) {
	if got := noticepdf.QRPayload(sample); got != "PAGOPA|002|347000000000000124|01199250158|0000123450" {
		t.Errorf("QRPayload = %q", got)
	}
	for cents, want := range map[int64]string{1: "0,01", 2000: "20,00", 123450: "1.234,50", 100000000: "1.000.000,00"} {
		if got := noticepdf.FormatAmount(cents); got != want {
			t.Errorf("FormatAmount(%d) = %q, want %q", cents, got, want)
		}
	}
}

func TestRenderRefusesIncompleteNotices(t *testing.T) {
	for name, mutate := range map[string]func(*noticepdf.Notice){
		"short notice number": func(n *noticepdf.Notice) { n.NoticeNumber = "34700000000000012" },
		"bad fiscal code":     func(n *noticepdf.Notice) { n.CreditorFiscalCode = "0119925015X" },
		"zero amount":         func(n *noticepdf.Notice) { n.AmountCents = 0 },
		"no due date":         func(n *noticepdf.Notice) { n.DueDate = time.Time{} },
		"no payer":            func(n *noticepdf.Notice) { n.PayerName = "" },
	} {
		n := sample
		mutate(&n)
		if err := noticepdf.Render(io.Discard, n); err == nil {
			t.Errorf("%s: rendered", name)
		}
	}
}
