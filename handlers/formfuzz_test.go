package handlers_test

import (
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// hostile returns a random malformed or oversized value.
func hostile(r *rand.Rand) string {
	switch r.IntN(12) {
	case 0:
		return ""
	case 1:
		return strings.Repeat("A", 1+r.IntN(70<<10)) // up to past the 64 KiB form limit
	case 2:
		return "\xff\xfe\xfd" + string(rune(r.IntN(0x10FFFF)))
	case 3:
		return "'; DROP TABLE accounts; --"
	case 4:
		return "<script>alert(1)</script>\"><img src=x onerror=alert(1)>"
	case 5:
		return "\x00\x01\x02\r\n\t"
	case 6:
		return "%00%zz%"
	case 7:
		return strings.Repeat("è", 1+r.IntN(300))
	case 8:
		return "-1"
	case 9:
		return "99999999999999999999999"
	case 10:
		return "/demo/../../etc/passwd"
	default:
		b := make([]byte, 1+r.IntN(64))
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		return string(b)
	}
}

// TestHostileForms posts seeded random hostile input to every form of the
// foundation, signed in and not: never a 5xx, never a stored half-record.
func TestHostileForms(t *testing.T) {
	e := newEnv(t)
	r := rand.New(rand.NewPCG(2026, 11))
	forms := []struct {
		path   string
		fields []string
	}{
		{"/demo/accesso", []string{"username", "password", "fit", "next"}},
		{"/demo/preferenze", []string{"fit", "next"}},
		{"/demo/cambio-password", []string{"current", "password", "confirm"}},
		{"/demo/primo-accesso", []string{"email", "mobile"}},
		{"/demo/sessioni/1/termina", nil},
		{"/demo/sessioni/termina-altre", nil},
		{"/demo/esci", nil},
	}
	var accountsBefore int
	e.store.DB().Get(&accountsBefore, `SELECT count(*) FROM accounts`)
	var hashBefore string
	e.store.DB().Get(&hashBefore, `SELECT password_hash FROM accounts WHERE username = 'laura.rossi'`)

	for i := 0; i < 300; i++ {
		b := e.browser()
		signedIn := i%2 == 0
		if signedIn {
			// throttling is not what this test is about: sign in as a fresh
			// browser each time from a clean counter
			e.store.DB().MustExec(`DELETE FROM throttles`)
			wantStatus(t, b.login("demo", "laura.rossi", "Diario-Scuola-2026"), http.StatusSeeOther)
		}
		f := forms[r.IntN(len(forms))]
		form := url.Values{}
		for _, name := range f.fields {
			if r.IntN(5) == 0 {
				continue // missing field
			}
			form.Add(name, hostile(r))
			if r.IntN(6) == 0 {
				form.Add(name, hostile(r)) // repeated field
			}
		}
		if r.IntN(8) == 0 {
			form.Add(hostile(r), hostile(r)) // unknown field
		}
		p := b.post(f.path, form)
		if p.status >= 500 {
			t.Fatalf("POST %s (signed in %v) with %q: status %d\n%s", f.path, signedIn, form.Encode()[:min(200, len(form.Encode()))], p.status, p.body)
		}
		if strings.Contains(p.body, "<script>alert(1)") || strings.Contains(p.body, "<img src=x") {
			i := strings.Index(p.body, "<img src=x")
			t.Fatalf("POST %s reflected markup unescaped: %q", f.path, p.body[max(0, i-200):min(len(p.body), i+100)])
		}
	}
	var accountsAfter int
	e.store.DB().Get(&accountsAfter, `SELECT count(*) FROM accounts`)
	var hashAfter string
	e.store.DB().Get(&hashAfter, `SELECT password_hash FROM accounts WHERE username = 'laura.rossi'`)
	if accountsAfter != accountsBefore || hashAfter != hashBefore {
		t.Fatalf("hostile input changed stored data: accounts %d→%d, password changed %v", accountsBefore, accountsAfter, hashAfter != hashBefore)
	}
	var badContacts int
	e.store.DB().Get(&badContacts, `SELECT count(*) FROM accounts WHERE email LIKE '%<%' OR mobile !~ '^\+?[0-9]*$'`)
	if badContacts != 0 {
		t.Fatal("invalid contacts were stored")
	}
}
