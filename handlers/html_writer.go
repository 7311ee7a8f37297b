package handlers

import (
	"html/template"
	"strconv"
	"strings"
)

// htmlWriter writes the parts of the hottest pages that are built in Go
// rather than through html/template (docs/performance.md): the calendar's
// grid, the meal day box, the layout's chrome. Every text goes through esc,
// html/template's own escaping, so each part is what its template wrote.
type htmlWriter struct {
	strings.Builder
	base Base // the language of t
}

func newHTMLWriter(b Base, size int) *htmlWriter {
	w := &htmlWriter{base: b}
	w.Grow(size)
	return w
}

// esc writes a text or a quoted attribute's value, escaped.
func (w *htmlWriter) esc(s string) { _, _ = htmlEsc.WriteString(&w.Builder, s) }

// t writes the catalogue's text for key, escaped.
func (w *htmlWriter) t(key string, args ...any) { w.esc(w.base.T(key, args...)) }

// int writes a number.
func (w *htmlWriter) int(n int64) {
	var b [20]byte
	w.Write(strconv.AppendInt(b[:0], n, 10))
}

// url writes the value of a URL attribute that starts with the text, as
// html/template does: a scheme other than http, https or mailto is
// refused ("#ZgotmplZ"), the rest normalized and escaped.
func (w *htmlWriter) url(s string) {
	if protocol, _, ok := strings.Cut(s, ":"); ok && !strings.Contains(protocol, "/") &&
		!strings.EqualFold(protocol, "http") && !strings.EqualFold(protocol, "https") && !strings.EqualFold(protocol, "mailto") {
		w.WriteString("#ZgotmplZ")
		return
	}
	w.esc(urlEscape(s, true))
}

// HTML is what was written.
func (w *htmlWriter) HTML() template.HTML {
	return template.HTML(w.String()) //nolint:gosec // every text went through esc
}

// htmlEsc escapes as html/template's htmlEscaper (text and quoted
// attributes) does; unlike html.EscapeString it also escapes "+".
var htmlEsc = strings.NewReplacer("\x00", "\uFFFD", `"`, "&#34;", "&", "&amp;", "'", "&#39;", "+", "&#43;", "<", "&lt;", ">", "&gt;")

// urlEscape is html/template's escaping of a text inside a URL attribute:
// norm (in the path) keeps the URL's reserved characters and valid
// %-escapes; !norm (in the query) escapes all but the unreserved ones.
// Its output goes through htmlEsc like any attribute's.
func urlEscape(s string, norm bool) string {
	var b []byte // nil, and no allocation, while nothing is escaped
	written := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case strings.IndexByte("!#$&*+,/:;=?@[]", c) >= 0:
			if norm {
				continue
			}
		case c == '-' || c == '.' || c == '_' || c == '~',
			'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
			continue
		case c == '%':
			if norm && i+2 < len(s) && isHexDigit(s[i+1]) && isHexDigit(s[i+2]) {
				continue
			}
		}
		if b == nil {
			b = make([]byte, 0, len(s)+16)
		}
		b = append(b, s[written:i]...)
		b = append(b, '%', lowerHex[c>>4], lowerHex[c&15])
		written = i + 1
	}
	if b == nil {
		return s
	}
	return string(append(b, s[written:]...))
}

const lowerHex = "0123456789abcdef"

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
