// Package pdftext reads back what the portal's PDFs (go-pdf/fpdf) show, for
// the tests of the notices and certificates: it inflates the content
// streams and collects the strings of the text operators. It is not a PDF
// parser: fonts, images and encodings other than fpdf's are out of scope.
package pdftext

import (
	"bytes"
	"compress/zlib"
	"errors"
	"io"
	"regexp"
	"strings"
)

var (
	streamRE = regexp.MustCompile(`(?s)/Filter /FlateDecode /Length (\d+)>>\nstream\n`)
	shownRE  = regexp.MustCompile(`\(((?:\\.|[^\\)])*)\) ?Tj`)
)

// ErrNotPDF: the bytes do not start like a PDF.
var ErrNotPDF = errors.New("not a PDF")

// Content returns the inflated content streams, one after the other.
func Content(pdf []byte) ([]byte, error) {
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		return nil, ErrNotPDF
	}
	var all bytes.Buffer
	for _, m := range streamRE.FindAllSubmatchIndex(pdf, -1) {
		start := m[1]
		end := bytes.Index(pdf[start:], []byte("\nendstream"))
		if end < 0 {
			return nil, errors.New("stream without endstream")
		}
		r, err := zlib.NewReader(bytes.NewReader(pdf[start : start+end]))
		if err != nil {
			continue // a font program or an image: not text
		}
		b, err := io.ReadAll(r)
		if err != nil {
			return nil, err
		}
		all.Write(b)
		all.WriteByte('\n')
	}
	return all.Bytes(), nil
}

// Shown returns the strings the PDF shows (Tj operators), one per line.
func Shown(pdf []byte) (string, error) {
	content, err := Content(pdf)
	if err != nil {
		return "", err
	}
	var sb strings.Builder
	for _, m := range shownRE.FindAllSubmatch(content, -1) {
		sb.Write(m[1])
		sb.WriteByte('\n')
	}
	return sb.String(), nil
}
