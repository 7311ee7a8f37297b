package handlers

import (
	"net/url"
	"strings"
)

// safeNext returns next when it is a path of this site, fallback otherwise.
// It is the one check of every redirect target that comes from a request
// (the language switch, the login, the staff code, the preferences).
//
// Browsers are lenient where Go is not: Chromium drops tabs and newlines
// anywhere in a URL and reads a backslash as a slash, so "/\t/evil.example"
// and "/\evil.example" both lead off-site. Hence only printable ASCII
// without spaces or backslashes, a leading "/" and never "//" anywhere, no
// scheme or host, and none of those smuggled percent-encoded either (a value
// may be decoded once more on its way back, e.g. through a login form).
func safeNext(next, fallback string) string {
	if len(next) == 0 || len(next) > 2048 || next[0] != '/' || strings.Contains(next, "//") {
		return fallback
	}
	for i := 0; i < len(next); i++ {
		if b := next[i]; b <= ' ' || b >= 0x7f || b == '\\' {
			return fallback
		}
	}
	lower := strings.ToLower(next)
	for i := strings.IndexByte(lower, '%'); i >= 0; i = indexFrom(lower, '%', i+1) {
		if i+2 >= len(lower) {
			return fallback // a truncated escape
		}
		switch esc := lower[i+1 : i+3]; {
		case esc[0] == '0' || esc[0] == '1' || esc == "20" || esc == "2f" || esc == "5c" || esc == "7f":
			return fallback
		case esc[0] >= '8': // non-ASCII and C1 controls
			return fallback
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || !strings.HasPrefix(u.Path, "/") {
		return fallback
	}
	return next
}

func indexFrom(s string, b byte, from int) int {
	if from >= len(s) {
		return -1
	}
	if i := strings.IndexByte(s[from:], b); i >= 0 {
		return from + i
	}
	return -1
}
