package pagopa

import (
	"errors"
	"fmt"
	"strconv"
)

// Notice numbers ("numero avviso", NAV) and IUVs follow the pagoPA
// "Specifiche attuative dei codici identificativi di versamento" (SACI),
// aux digit 3, the only one still allowed:
//
//	NAV (18) = 3 <segregation code (2)> <IUV base (13)> <check digits (2)>
//	IUV (17) =   <segregation code (2)> <IUV base (13)> <check digits (2)>
//
// where the check digits are the remainder of the division by 93 of the
// number "3" + segregation code + IUV base.

// ErrNoticeNumber reports a malformed notice number, IUV or component.
var ErrNoticeNumber = errors.New("pagopa: invalid notice number")

// IUVBaseDigits is the length of the IUV base the creditor chooses.
const IUVBaseDigits = 13

// NoticeNumber builds the notice number and the IUV from the aux digit
// (only "3"), the 2-digit segregation code and the 13-digit IUV base.
func NoticeNumber(auxDigit, segregationCode, iuvBase string) (nav, iuv string, err error) {
	if auxDigit == "" {
		auxDigit = "3"
	}
	if auxDigit != "3" {
		return "", "", fmt.Errorf("%w: aux digit %q (only 3 is allowed)", ErrNoticeNumber, auxDigit)
	}
	if len(segregationCode) != 2 || !digits(segregationCode) {
		return "", "", fmt.Errorf("%w: segregation code %q must be 2 digits", ErrNoticeNumber, segregationCode)
	}
	if len(iuvBase) != IUVBaseDigits || !digits(iuvBase) {
		return "", "", fmt.Errorf("%w: IUV base %q must be %d digits", ErrNoticeNumber, iuvBase, IUVBaseDigits)
	}
	check := checkDigits(auxDigit + segregationCode + iuvBase)
	iuv = segregationCode + iuvBase + check
	return auxDigit + iuv, iuv, nil
}

// IUVBase formats a non-negative sequence number as a 13-digit IUV base
// (the portal draws it from a database sequence, so it is unique).
func IUVBase(seq int64) (string, error) {
	if seq < 0 || seq > 9_999_999_999_999 {
		return "", fmt.Errorf("%w: sequence %d out of the 13-digit range", ErrNoticeNumber, seq)
	}
	return fmt.Sprintf("%013d", seq), nil
}

// ParseNoticeNumber checks an 18-digit notice number (aux digit 3) and its
// check digits and returns its parts.
func ParseNoticeNumber(nav string) (segregationCode, iuvBase, iuv string, err error) {
	if len(nav) != 18 || !digits(nav) {
		return "", "", "", fmt.Errorf("%w: %q must be 18 digits", ErrNoticeNumber, nav)
	}
	if nav[0] != '3' {
		return "", "", "", fmt.Errorf("%w: %q: aux digit %c (only 3 is allowed)", ErrNoticeNumber, nav, nav[0])
	}
	if got, want := nav[16:], checkDigits(nav[:16]); got != want {
		return "", "", "", fmt.Errorf("%w: %q: check digits %s, expected %s", ErrNoticeNumber, nav, got, want)
	}
	return nav[1:3], nav[3:16], nav[1:], nil
}

// FormatNoticeNumber groups the 18 digits by four as printed on notices:
// "3012 3456 7890 1234 56".
func FormatNoticeNumber(nav string) string {
	out := make([]byte, 0, len(nav)+len(nav)/4)
	for i := 0; i < len(nav); i++ {
		if i > 0 && i%4 == 0 {
			out = append(out, ' ')
		}
		out = append(out, nav[i])
	}
	return string(out)
}

func checkDigits(n string) string {
	v, err := strconv.ParseUint(n, 10, 64) // at most 16 digits: fits
	if err != nil {
		panic("pagopa: checkDigits on " + n)
	}
	return fmt.Sprintf("%02d", v%93)
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
