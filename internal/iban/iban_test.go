package iban

import (
	"errors"
	"testing"
)

func TestNormalize(t *testing.T) {
	valid := map[string]string{
		"IT60 X054 2811 1010 0000 0123 456": "IT60X0542811101000000123456", // the example of the Italian banks' association
		"it60x0542811101000000123456":       "IT60X0542811101000000123456",
		"DE89 3704 0044 0532 0130 00":       "DE89370400440532013000",
		"FR14 2004 1010 0505 0001 3M02 606": "FR1420041010050500013M02606",
		"GB82 WEST 1234 5698 7654 32":       "GB82WEST12345698765432",
	}
	for in, want := range valid {
		got, err := Normalize(in)
		if err != nil || got != want {
			t.Errorf("%q: %q, %v", in, got, err)
		}
	}
	invalid := map[string]error{
		"":                            ErrEmpty,
		"IT60X0542811101000000123457": ErrChecksum,
		"IT60X054281110100000012345":  ErrLength,
		"IT6010542811101000000123456": ErrItalian,
		"US12345678901234":            ErrCountry,
		"IT60X05428111010000001234.6": ErrChars,
	}
	for in, want := range invalid {
		if _, err := Normalize(in); !errors.Is(err, want) {
			t.Errorf("%q: %v, want %v", in, err, want)
		}
	}
	if m := Masked("IT60X0542811101000000123456"); m != "IT** **** 3456" {
		t.Errorf("masked %q", m)
	}
}
