package contact

import (
	"strings"
	"testing"
)

func TestValidEmail(t *testing.T) {
	for _, s := range []string{"anna.verdi@example.it", "a+b@x.co"} {
		if !ValidEmail(s) {
			t.Errorf("%q refused", s)
		}
	}
	for _, s := range []string{"", "anna", "Anna <anna@example.it>", "<anna@example.it>", "anna@", strings.Repeat("a", 250) + "@x.it"} {
		if ValidEmail(s) {
			t.Errorf("%q accepted", s)
		}
	}
}

func TestMobile(t *testing.T) {
	if got := NormalizeMobile(" +39 333 123 4567 "); got != "+393331234567" || !ValidMobile(got) {
		t.Errorf("normalised %q", got)
	}
	for _, s := range []string{"", "1234567", "+", "++39333123456", "3331234567890123", "333-1234567", "333 1234567"} {
		if ValidMobile(s) {
			t.Errorf("%q accepted", s)
		}
	}
}
