package codicefiscale

import (
	"errors"
	"testing"
)

func FuzzValidate(f *testing.F) {
	for _, code := range validCodes {
		f.Add(code)
	}
	for _, s := range []string{
		"", " ", "cccfba85d03l219p", " CCCFBA85D03L219P\t", "CCCFBA85D03L219B",
		"CCCFBA85D03L219", "CCCFBA85D00L219P", "CCCFBA85D99L219P", "CCCFBÀ85D03L219P",
		"CCCFBA85D03L219\x00", "\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7\xf6\xf5\xf4\xf3\xf2\xf1\xf0",
		"ıııııııııııııııı", "ſſſſſſſſſſſſſſſſ",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := Validate(s)
		if err != nil {
			if got != "" {
				t.Fatalf("Validate(%q) = %q with error %v", s, got, err)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Validate(%q) error %T is not *Error", s, err)
			}
			if e.Kind < ErrEmpty || e.Kind > ErrCheck {
				t.Fatalf("Validate(%q) error kind %d out of range", s, e.Kind)
			}
			if e.Position < 0 || e.Position > Length {
				t.Fatalf("Validate(%q) error position %d out of range", s, e.Position)
			}
			if e.MessageIT() == "" || e.MessageEN() == "" || e.Error() == "" {
				t.Fatalf("Validate(%q): empty message", s)
			}
		} else {
			if len(got) != Length {
				t.Fatalf("Validate(%q) = %q: length %d", s, got, len(got))
			}
			for i := 0; i < len(got); i++ {
				c := got[i]
				if !isLetter(c) && !isDigit(c) {
					t.Fatalf("Validate(%q) = %q: character %d is %q", s, got, i+1, c)
				}
			}
			if c := CheckChar(got[:15]); got[15] != c {
				t.Fatalf("Validate(%q) = %q: check letter is not %q", s, got, c)
			}
			if got != Normalize(s) {
				t.Fatalf("Validate(%q) = %q, want Normalize = %q", s, got, Normalize(s))
			}
			if _, err := Female(got); err != nil {
				t.Fatalf("Female(%q): %v", got, err)
			}
			if _, err := Belfiore(got); err != nil {
				t.Fatalf("Belfiore(%q): %v", got, err)
			}
		}

		// Normalising first must not change the outcome.
		n := Normalize(s)
		if Normalize(n) != n {
			t.Fatalf("Normalize is not idempotent on %q: %q then %q", s, n, Normalize(n))
		}
		got2, err2 := Validate(n)
		if got2 != got {
			t.Fatalf("Validate(Normalize(%q)) = %q, Validate = %q", s, got2, got)
		}
		if (err == nil) != (err2 == nil) {
			t.Fatalf("Validate(Normalize(%q)) error %v, Validate error %v", s, err2, err)
		}
		if err != nil {
			var e, e2 *Error
			errors.As(err, &e)
			errors.As(err2, &e2)
			if *e != *e2 {
				t.Fatalf("Validate(Normalize(%q)) error %+v, Validate error %+v", s, *e2, *e)
			}
		}
	})
}
