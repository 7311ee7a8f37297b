package money

import (
	"math"
	"testing"
)

func TestFormat(t *testing.T) {
	cases := []struct {
		cents  int64
		it, en string
		signed string // Italian, FormatSigned
	}{
		{0, "€ 0,00", "€0.00", "€ 0,00"},
		{5, "€ 0,05", "€0.05", "+€ 0,05"},
		{1234, "€ 12,34", "€12.34", "+€ 12,34"},
		{-480, "−€ 4,80", "−€4.80", "−€ 4,80"},
		{-1, "−€ 0,01", "−€0.01", "−€ 0,01"},
		{100000, "€ 1.000,00", "€1,000.00", "+€ 1.000,00"},
		{123456789, "€ 1.234.567,89", "€1,234,567.89", "+€ 1.234.567,89"},
		{-99999999, "−€ 999.999,99", "−€999,999.99", "−€ 999.999,99"},
	}
	for _, c := range cases {
		if got := Format(c.cents, "it"); got != c.it {
			t.Errorf("Format(%d, it) = %q, want %q", c.cents, got, c.it)
		}
		if got := Format(c.cents, "en"); got != c.en {
			t.Errorf("Format(%d, en) = %q, want %q", c.cents, got, c.en)
		}
		if got := FormatSigned(c.cents, "it"); got != c.signed {
			t.Errorf("FormatSigned(%d, it) = %q, want %q", c.cents, got, c.signed)
		}
	}
	if got := FormatAbs(-2550, "it"); got != "€ 25,50" {
		t.Errorf("FormatAbs = %q", got)
	}
	if got := Format(math.MinInt64, "en"); got != "−€92,233,720,368,547,758.08" {
		t.Errorf("MinInt64: %q", got)
	}
}

func TestDecimal(t *testing.T) {
	cases := []struct {
		cents      int64
		dot, comma string
	}{
		{0, "0.00", "0,00"}, {7, "0.07", "0,07"}, {-480, "-4.80", "-4,80"}, {123456, "1234.56", "1234,56"},
	}
	for _, c := range cases {
		if got := Decimal(c.cents, false); got != c.dot {
			t.Errorf("Decimal(%d) = %q, want %q", c.cents, got, c.dot)
		}
		if got := Decimal(c.cents, true); got != c.comma {
			t.Errorf("Decimal(%d, comma) = %q, want %q", c.cents, got, c.comma)
		}
	}
}

func TestParse(t *testing.T) {
	ok := map[string]int64{
		"12,50": 1250, "12.50": 1250, "€ 1.234,56": 123456, "€1.234,56": 123456, " 7 ": 700,
		"0,5": 50, "-3,00": -300, "100": 10000, "999999999,99": 99999999999,
	}
	for in, want := range ok {
		if got, valid := Parse(in); !valid || got != want {
			t.Errorf("Parse(%q) = %d, %v; want %d", in, got, valid, want)
		}
	}
	for _, in := range []string{"", "€", "abc", "1,234", "1.234", "12,5,0", "--1", "1e3", "1234567890", ",50", "12,-5"} {
		if got, valid := Parse(in); valid {
			t.Errorf("Parse(%q) = %d, accepted", in, got)
		}
	}
}
