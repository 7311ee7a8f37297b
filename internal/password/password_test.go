package password

import (
	"strings"
	"testing"
)

func TestHashVerify(t *testing.T) {
	h, err := Hash("corretto cavallo batteria")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("unexpected hash format %q", h)
	}
	if strings.Contains(h, "cavallo") {
		t.Fatal("hash contains the secret")
	}
	ok, err := Verify("corretto cavallo batteria", h)
	if err != nil || !ok {
		t.Fatalf("Verify(right) = %v, %v", ok, err)
	}
	ok, err = Verify("corretto cavallo batteriA", h)
	if err != nil || ok {
		t.Fatalf("Verify(wrong) = %v, %v", ok, err)
	}
	h2, _ := Hash("corretto cavallo batteria")
	if h == h2 {
		t.Fatal("two hashes of the same secret are equal: salt missing")
	}
	if _, err := Verify("x", "$bcrypt$whatever"); err != ErrMalformed {
		t.Fatalf("malformed hash: got %v", err)
	}
}

func TestPolicy(t *testing.T) {
	p := Policy{Min: 8, Max: 12}
	cases := []struct {
		pw, confirm, user string
		want              []string
	}{
		{"Gatto-Blu-7", "Gatto-Blu-7", "mrossi", nil},
		{"", "", "mrossi", []string{"password.required"}},
		{"corto", "corto", "mrossi", []string{"password.too_short"}},
		{"moltolungapassword", "moltolungapassword", "mrossi", []string{"password.too_long"}},
		{"Juventus", "Juventus", "mrossi", []string{"password.common"}},
		{"zzzzzzzzz", "zzzzzzzzz", "mrossi", []string{"password.common"}},
		{"mrossi2024!", "mrossi2024!", "MRossi", []string{"password.contains_username"}},
		{"Gatto-Blu-7", "Gatto-Blu-8", "mrossi", []string{"password.mismatch"}},
		{"è-àù-ò-ì-é", "è-àù-ò-ì-é", "mrossi", nil}, // 11 runes, more bytes
	}
	for _, c := range cases {
		got := p.Check(c.pw, c.confirm, c.user)
		var keys []string
		for _, g := range got {
			keys = append(keys, g.Key)
		}
		if strings.Join(keys, ",") != strings.Join(c.want, ",") {
			t.Errorf("Check(%q) = %v, want %v", c.pw, keys, c.want)
		}
	}
}

func TestRandom(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 100; i++ {
		r := Random(12)
		if len(r) != 12 || strings.ContainsAny(r, "0O1lI") {
			t.Fatalf("bad random password %q", r)
		}
		if seen[r] {
			t.Fatalf("repeated random password %q", r)
		}
		seen[r] = true
	}
}

// TestVerifySignInSameWork: two argon2id computations whatever is stored.
func TestVerifySignInSameWork(t *testing.T) {
	perm, _ := Hash("permanente-1")
	temp, _ := Hash("temporanea-1")
	for _, c := range []struct {
		pw, perm, temp string
		wantP, wantT   bool
	}{
		{"x", "", "", false, false},
		{"x", "not a hash", "", false, false},
		{"x", perm, "", false, false},
		{"x", perm, temp, false, false},
		{"permanente-1", perm, temp, true, false},
		{"temporanea-1", perm, temp, false, true},
		{"temporanea-1", "", temp, false, true},
	} {
		before := Computations()
		p, tm := VerifySignIn(c.pw, c.perm, c.temp)
		if n := Computations() - before; n != 2 {
			t.Errorf("%+v: %d computations, want 2", c, n)
		}
		if p != c.wantP || tm != c.wantT {
			t.Errorf("%+v: got %v %v", c, p, tm)
		}
	}
}
