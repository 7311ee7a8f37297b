package secondfactor

import (
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
)

func TestSealOpen(t *testing.T) {
	k, err := NewKey(strings.Repeat("k", 40))
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := k.Seal("JBSWY3DPEHPK3PXP", "1:2")
	if err != nil || !strings.HasPrefix(sealed, "v1:") || strings.Contains(sealed, "JBSWY3DP") {
		t.Fatalf("sealed %q, %v", sealed, err)
	}
	if s, reseal, err := k.Open(sealed, "1:2"); err != nil || s != "JBSWY3DPEHPK3PXP" || reseal {
		t.Fatalf("open: %q %v %v", s, reseal, err)
	}
	if _, _, err := k.Open(sealed, "1:3"); err == nil {
		t.Fatal("a secret moved to another account must not open")
	}
	if _, _, err := (Key{}).Open(sealed, "1:2"); err != ErrSealed {
		t.Fatalf("no key: %v", err)
	}
	if s, reseal, err := k.Open("v0:ABC", "1:2"); err != nil || s != "ABC" || !reseal {
		t.Fatalf("clear secret with a key: %q %v %v", s, reseal, err)
	}
	if _, err := NewKey("short"); err == nil {
		t.Fatal("short key accepted")
	}
}

func TestCheckOnceAndSkew(t *testing.T) {
	e, err := Generate("Comune di Esempio", "operatore")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(e.URI, "otpauth://totp/") || !strings.HasPrefix(e.PNGData, "data:image/png;base64,") {
		t.Fatalf("enrolment %+v", e.URI)
	}
	now := time.Now()
	code, _ := totp.GenerateCode(e.Secret, now)
	step, ok := Check(e.Secret, code, now, 0)
	if !ok {
		t.Fatal("current code refused")
	}
	if _, ok := Check(e.Secret, code, now, step); ok {
		t.Fatal("the same code accepted twice")
	}
	old, _ := totp.GenerateCode(e.Secret, now.Add(-30*time.Second))
	if _, ok := Check(e.Secret, old, now, 0); !ok {
		t.Fatal("previous step refused")
	}
	stale, _ := totp.GenerateCode(e.Secret, now.Add(-5*time.Minute))
	if _, ok := Check(e.Secret, stale, now, 0); ok && stale != code {
		t.Fatal("a code five minutes old accepted")
	}
	if _, ok := Check(e.Secret, "12345", now, 0); ok {
		t.Fatal("short code accepted")
	}
	if GroupedSecret("ABCDEFGHIJ") != "ABCD EFGH IJ" {
		t.Fatal(GroupedSecret("ABCDEFGHIJ"))
	}
}
