package handlers

import (
	"net/url"
	"strings"
	"testing"

	"portalegenitori/db"
)

func TestSafeNext(t *testing.T) {
	kept := []string{
		"/", "/demo/famiglia", "/demo/presenze/12/mensa?mese=2026-10", "/demo/pagamenti?pagante=3&dal=2026-09-01#movimenti",
		"/demo/privacy", "/demo/a%2Cb", "/demo/100%25", "/demo/x:y", "/demo/../demo/famiglia",
	}
	for _, next := range kept {
		if got := safeNext(next, "F"); got != next {
			t.Errorf("safeNext(%q) = %q, want it kept", next, got)
		}
	}
	refused := []string{
		"", "demo/famiglia", "famiglia", "https://evil.example/", "//evil.example", "///evil.example", "/\\evil.example",
		"\\\\evil.example", "/\t/evil.example", "/\n/evil.example", "/\r/evil.example", "\t//evil.example", " /demo",
		"/demo /x", "/demo\x00", "/demo\x7f", "/demo/\u00a0", "/demo/\u2028", "/demo/è", "/demo/\xff",
		"/%09/evil.example", "/%2f/evil.example", "/%2F%2Fevil.example", "/%5cevil.example", "/%5C%5Cevil.example",
		"/%0a/evil.example", "/%20/x", "/%7f", "/%c2%a0", "/%e2%80%a8", "/demo/%", "/demo/%2", "/demo//x",
		"javascript:alert(1)", "data:text/html,x", "/" + strings.Repeat("a", 2048),
	}
	for _, next := range refused {
		if got := safeNext(next, "F"); got != "F" {
			t.Errorf("safeNext(%q) = %q, want the fallback", next, got)
		}
	}
}

func TestNextWithin(t *testing.T) {
	inst := &db.Installation{Code: "demo"}
	for next, want := range map[string]string{
		"/demo/famiglia":                    "/demo/famiglia",
		"/demo/pagamenti?pagina=2":          "/demo/pagamenti?pagina=2",
		"/lago/famiglia":                    "F",
		"/demo":                             "F",
		"/demo/accesso":                     "F",
		"/demo/accesso?next=/demo/x":        "F",
		"/demo/esci":                        "F",
		"/demo/\t/evil.example":             "F",
		"/demo/%09/evil.example":            "F",
		"/demo/\\evil.example":              "F",
		"https://evil.example/demo/x":       "F",
		"/demo//evil.example":               "F",
		"/demo/famiglia\r\nSet-Cookie: x=y": "F",
	} {
		if got := nextWithin(inst, next, "F"); got != want {
			t.Errorf("nextWithin(%q) = %q, want %q", next, got, want)
		}
	}
}

// FuzzSafeNext: whatever comes in, what comes out is the fallback or a path
// that a lenient browser (Chromium's URL parser: tabs and newlines dropped,
// leading and trailing controls and spaces trimmed, backslashes read as
// slashes) still resolves to this origin.
func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{"/demo/famiglia", "/\t/evil.example/", "/%09/evil.example", "//evil.example", "/\\evil",
		"https://evil.example", "/demo?next=//x", "/a#//b", "/%2f%2fx", " /x", "/x\x00", "/.%2e/x"} {
		f.Add(s)
	}
	base, _ := url.Parse("https://portale.example.it/demo/accesso")
	f.Fuzz(func(t *testing.T, next string) {
		got := safeNext(next, "/fallback")
		if got == "/fallback" {
			return
		}
		if got != next {
			t.Fatalf("safeNext(%q) = %q: neither the input nor the fallback", next, got)
		}
		for _, candidate := range []string{got, browserLenient(got)} {
			u, err := url.Parse(candidate)
			if err != nil {
				t.Fatalf("safeNext(%q) kept %q, which does not parse: %v", next, candidate, err)
			}
			if u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(candidate, "//") {
				t.Fatalf("safeNext(%q) kept %q, not a same-origin path", next, candidate)
			}
			if r := base.ResolveReference(u); r.Host != base.Host || r.Scheme != base.Scheme {
				t.Fatalf("safeNext(%q) kept %q, which resolves to %s", next, candidate, r)
			}
			// decoded once more (a hop that unescapes), it stays a path of this site
			if dec, err := url.PathUnescape(candidate); err == nil {
				if l := browserLenient(dec); strings.HasPrefix(l, "//") || !strings.HasPrefix(l, "/") {
					t.Fatalf("safeNext(%q) kept %q, which decodes to %q", next, candidate, dec)
				}
			}
		}
	})
}

// browserLenient does to a URL what the WHATWG URL parser forgives.
func browserLenient(s string) string {
	s = strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
	s = strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(s)
	return strings.ReplaceAll(s, "\\", "/")
}
