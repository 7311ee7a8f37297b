// Package i18n is the message catalogue: Italian (complete, the reference)
// and English. Keys are dotted names; a key missing in English falls back to
// Italian, and a key missing in Italian is shown as itself so it is noticed.
package i18n

import (
	"fmt"
	"strings"
)

// Supported languages, the first is the default.
var Supported = []string{"it", "en"}

// Normalize returns a supported language for code, or "".
func Normalize(code string) string {
	code = strings.ToLower(strings.TrimSpace(code))
	if i := strings.IndexAny(code, "-_"); i > 0 {
		code = code[:i]
	}
	for _, l := range Supported {
		if l == code {
			return l
		}
	}
	return ""
}

// FromAcceptLanguage picks the first supported language of an
// Accept-Language header, honouring q-values, or "it".
func FromAcceptLanguage(header string) string {
	best, bestQ := "", -1.0
	for _, part := range strings.Split(header, ",") {
		fields := strings.Split(strings.TrimSpace(part), ";")
		lang := Normalize(fields[0])
		if lang == "" {
			continue
		}
		q := 1.0
		for _, f := range fields[1:] {
			f = strings.TrimSpace(f)
			if strings.HasPrefix(f, "q=") {
				if _, err := fmt.Sscanf(f[2:], "%g", &q); err != nil {
					q = 0
				}
			}
		}
		if q > bestQ {
			best, bestQ = lang, q
		}
	}
	if best == "" {
		return Supported[0]
	}
	return best
}

// T translates key into lang, formatting args with fmt when given.
func T(lang, key string, args ...any) string {
	msg, ok := catalogue[lang][key]
	if !ok {
		msg, ok = catalogue["it"][key]
		if !ok {
			return key
		}
	}
	if len(args) == 1 {
		// the common "giorno %s": what Sprintf would write, without it
		if a, ok := args[0].(string); ok {
			if i := strings.IndexByte(msg, '%'); i >= 0 && i+1 < len(msg) && msg[i+1] == 's' && strings.IndexByte(msg[i+2:], '%') < 0 {
				return msg[:i] + a + msg[i+2:]
			}
		}
	}
	if len(args) > 0 {
		return fmt.Sprintf(msg, args...)
	}
	return msg
}

// Keys returns every key of a language, for tests.
func Keys(lang string) []string {
	out := make([]string, 0, len(catalogue[lang]))
	for k := range catalogue[lang] {
		out = append(out, k)
	}
	return out
}
