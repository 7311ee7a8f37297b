package secondfactor

import "testing"

func TestRecoveryCodesAreDistinctAndNormalise(t *testing.T) {
	codes := NewRecoveryCodes()
	if len(codes) != RecoveryCodes {
		t.Fatalf("%d codes, want %d", len(codes), RecoveryCodes)
	}
	seen := map[string]bool{}
	for _, c := range codes {
		n, ok := NormalizeRecoveryCode(c)
		if !ok || len(c) != 11 || c[5] != '-' {
			t.Fatalf("code %q: normalised %q ok=%v", c, n, ok)
		}
		if seen[RecoverySelector(n)] {
			t.Fatalf("two codes with the selector of %q", c)
		}
		seen[RecoverySelector(n)] = true
	}
}

func TestNormalizeRecoveryCode(t *testing.T) {
	for in, want := range map[string]string{
		"ab2cd-ef3gh":   "ab2cdef3gh",
		" AB2CD EF3GH ": "ab2cdef3gh",
		"oilab-cdefg":   "011abcdefg",
	} {
		if got, ok := NormalizeRecoveryCode(in); !ok || got != want {
			t.Errorf("%q → %q %v, want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "123456", "ab2cd-ef3g", "ab2cd-ef3ghj", "ab2cd-ef3gu", "àb2cd-ef3gh"} {
		if got, ok := NormalizeRecoveryCode(in); ok {
			t.Errorf("%q accepted as %q", in, got)
		}
	}
}
