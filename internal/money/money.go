// Package money formats and parses amounts kept as integer euro cents. It never uses
// floating point.
package money

import (
	"strconv"
	"strings"
)

// Minus is the sign of negative amounts on pages (U+2212, read "minus" by
// screen readers, unlike a hyphen).
const Minus = "\u2212"

// Format renders cents as euros for lang: "€ 1.234,56" in Italian,
// "€1,234.56" in English; negative amounts get a leading minus sign.
func Format(cents int64, lang string) string {
	return format(cents, lang, false)
}

// FormatSigned is Format with an explicit "+" on positive amounts, for
// ledger entries where the direction matters.
func FormatSigned(cents int64, lang string) string {
	return format(cents, lang, true)
}

// FormatAbs renders the absolute value, for wording such as "€ 5,00 a debito".
func FormatAbs(cents int64, lang string) string {
	if cents < 0 {
		cents = -cents
	}
	return format(cents, lang, false)
}

func format(cents int64, lang string, plus bool) string {
	sign := ""
	switch {
	case cents < 0:
		sign = Minus
	case cents > 0 && plus:
		sign = "+"
	}
	units, frac := split(cents)
	thousands, decimal, symbol := ".", ",", "€ "
	if lang == "en" {
		thousands, decimal, symbol = ",", ".", "€"
	}
	return sign + symbol + group(units, thousands) + decimal + frac
}

// Decimal renders cents as a plain decimal number for data files: "-12.34"
// with a dot, or "-12,34" when comma is true (Italian spreadsheets).
func Decimal(cents int64, comma bool) string {
	sign := ""
	if cents < 0 {
		sign = "-"
	}
	units, frac := split(cents)
	sep := "."
	if comma {
		sep = ","
	}
	return sign + strconv.FormatUint(units, 10) + sep + frac
}

// split returns the absolute whole euros and the two-digit cents; it is
// safe for math.MinInt64.
func split(cents int64) (uint64, string) {
	abs := uint64(cents)
	if cents < 0 {
		abs = uint64(-(cents + 1)) + 1
	}
	frac := strconv.FormatUint(abs%100, 10)
	if len(frac) == 1 {
		frac = "0" + frac
	}
	return abs / 100, frac
}

func group(n uint64, sep string) string {
	s := strconv.FormatUint(n, 10)
	if len(s) <= 3 {
		return s
	}
	var b strings.Builder
	head := len(s) % 3
	if head > 0 {
		b.WriteString(s[:head])
	}
	for i := head; i < len(s); i += 3 {
		if b.Len() > 0 {
			b.WriteString(sep)
		}
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

// Parse reads an amount in euros as typed by a person ("12,50", "12.50",
// "€ 1.234,56", "-3,00") into cents; ok is false for anything else.
func Parse(s string) (int64, bool) {
	s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "€"))
	s = strings.ReplaceAll(s, " ", "")
	if s == "" {
		return 0, false
	}
	if strings.Contains(s, ",") {
		s = strings.ReplaceAll(s, ".", "")
		s = strings.Replace(s, ",", ".", 1)
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || len(frac) > 2 || len(whole) > 9 || !digits(whole) || !digits(frac) {
		return 0, false
	}
	for len(frac) < 2 {
		frac += "0"
	}
	w, err1 := strconv.ParseInt(whole, 10, 64)
	f, err2 := strconv.ParseInt(frac, 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	v := w*100 + f
	if neg {
		v = -v
	}
	return v, true
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
