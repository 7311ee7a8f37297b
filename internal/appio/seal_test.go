package appio

import (
	"errors"
	"strings"
	"testing"
)

func TestKeySealer(t *testing.T) {
	k, _ := NewKeySealer(strings.Repeat("s", 32))
	other, _ := NewKeySealer(strings.Repeat("o", 32))
	clear, _ := NewKeySealer("")
	sealed, err := k.Seal("0123456789abcdef", 7)
	if err != nil || !strings.HasPrefix(sealed, "v1:") || strings.Contains(sealed, "0123456789abcdef") {
		t.Fatalf("Seal = %q, %v", sealed, err)
	}
	if got, err := k.Open(sealed, 7); err != nil || got != "0123456789abcdef" {
		t.Errorf("Open = %q, %v", got, err)
	}
	for name, open := range map[string]func() (string, error){
		"another installation": func() (string, error) { return k.Open(sealed, 8) },
		"another secret key":   func() (string, error) { return other.Open(sealed, 7) },
		"no secret key":        func() (string, error) { return clear.Open(sealed, 7) },
	} {
		if _, err := open(); !errors.Is(err, ErrKeySealed) {
			t.Errorf("%s: %v, want ErrKeySealed", name, err)
		}
	}
	v0, _ := clear.Seal("dev-key", 7)
	if got, err := k.Open(v0, 7); v0 != "v0:dev-key" || got != "dev-key" || err != nil {
		t.Errorf("development key %q opens as %q, %v", v0, got, err)
	}
}
