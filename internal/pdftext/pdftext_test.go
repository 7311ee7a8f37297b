package pdftext

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/go-pdf/fpdf"
)

func TestShownReadsBackWhatFpdfWrote(t *testing.T) {
	doc := fpdf.New("P", "mm", "A4", "")
	doc.AddPage()
	doc.SetFont("Helvetica", "", 12)
	doc.Cell(40, 10, "Avviso 301000000000000123")
	doc.Cell(40, 10, "EUR 20,00")
	var buf bytes.Buffer
	if err := doc.Output(&buf); err != nil {
		t.Fatal(err)
	}
	text, err := Shown(buf.Bytes())
	if err != nil || !strings.Contains(text, "Avviso 301000000000000123") || !strings.Contains(text, "EUR 20,00") {
		t.Fatalf("shown %q, %v", text, err)
	}
	if _, err := Shown([]byte("<html>")); !errors.Is(err, ErrNotPDF) {
		t.Fatalf("not a PDF: %v", err)
	}
}
