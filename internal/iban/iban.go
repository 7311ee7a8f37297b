// Package iban checks an International Bank Account Number as a payer types
// it for a refund: the shape of its country (Italy in full, the SEPA
// countries by length) and the ISO 7064 mod-97 check digits.
package iban

import (
	"errors"
	"strings"
)

// Errors of Normalize, for a message next to the field.
var (
	ErrEmpty    = errors.New("empty")
	ErrChars    = errors.New("characters other than letters and digits")
	ErrCountry  = errors.New("unknown or non-SEPA country")
	ErrLength   = errors.New("wrong length for the country")
	ErrItalian  = errors.New("not the shape of an Italian IBAN")
	ErrChecksum = errors.New("check digits do not match")
)

// lengths of the IBANs of the SEPA countries.
var lengths = map[string]int{
	"AD": 24, "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "EE": 20, "ES": 24,
	"FI": 18, "FR": 27, "GB": 22, "GI": 23, "GR": 27, "HR": 21, "HU": 28, "IE": 22, "IS": 26, "IT": 27, "LI": 21,
	"LT": 20, "LU": 20, "LV": 21, "MC": 27, "MT": 31, "NL": 18, "NO": 15, "PL": 28, "PT": 25, "RO": 24, "SE": 24,
	"SI": 19, "SK": 24, "SM": 27, "VA": 22,
}

// Normalize returns the IBAN in its electronic form (no spaces, capitals)
// when it is valid.
func Normalize(s string) (string, error) {
	s = strings.ToUpper(strings.Join(strings.Fields(s), ""))
	s = strings.ReplaceAll(s, "-", "")
	if s == "" {
		return "", ErrEmpty
	}
	for _, r := range s {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return "", ErrChars
		}
	}
	if len(s) < 4 {
		return "", ErrLength
	}
	n, ok := lengths[s[:2]]
	if !ok {
		return "", ErrCountry
	}
	if len(s) != n {
		return "", ErrLength
	}
	if s[:2] == "IT" || s[:2] == "SM" {
		// IT kk X AAAAA BBBBB CCCCCCCCCCCC: CIN letter, ABI and CAB digits
		if !digits(s[2:4]) || s[4] < 'A' || s[4] > 'Z' || !digits(s[5:15]) {
			return "", ErrItalian
		}
	}
	if !digits(s[2:4]) || mod97(s[4:]+s[:4]) != 1 {
		return "", ErrChecksum
	}
	return s, nil
}

// Masked shows only the country and the last four characters, for lists
// and the ledger: "IT** **** 3456".
func Masked(s string) string {
	if len(s) < 8 {
		return s
	}
	return s[:2] + "** **** " + s[len(s)-4:]
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// mod97 of the number where each letter stands for two digits (A=10 …).
func mod97(s string) int {
	r := 0
	for _, c := range s {
		if c >= 'A' {
			v := int(c-'A') + 10
			r = (r*100 + v) % 97
		} else {
			r = (r*10 + int(c-'0')) % 97
		}
	}
	return r
}
