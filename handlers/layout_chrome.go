package handlers

import (
	"fmt"
	"html/template"
	"strings"
)

// The page's chrome — the layout's head, header, navigation and footer —
// is written in Go: through the template, its 60-odd lookups and calls by
// reflection cost more than many a page's own content. The layout template
// keeps what it must: the title and the content, each in its own context,
// and the assets' URLs. TestLayoutChromeMatchesTemplate holds these to the
// template they replaced, byte for byte.

// LayoutHead is the document up to the <title>.
func (b Base) LayoutHead() template.HTML {
	var w strings.Builder
	w.WriteString("<!DOCTYPE html>\n<html lang=\"")
	_, _ = htmlEsc.WriteString(&w, b.Lang)
	w.WriteString("\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n" +
		`<meta name="htmx-config" content='{"includeIndicatorStyles":false,"allowEval":false,"allowScriptTags":false,"historyCacheSize":0}'>` + "\n")
	return template.HTML(w.String()) //nolint:gosec // every text above is escaped
}

// DocTitleSuffix ends the document's title: " – Comune – Portale Genitori"
// (a text: the template escapes it).
func (b Base) DocTitleSuffix() string {
	if b.Inst != nil {
		return " – " + b.Inst.Name + " – " + b.T("site.portal")
	}
	return " – " + b.T("site.portal")
}

// LayoutBody is from the end of <head> to the start of the page's content.
func (b Base) LayoutBody() template.HTML {
	var w strings.Builder
	w.Grow(2500)
	esc := func(s string) { _, _ = htmlEsc.WriteString(&w, s) }
	t := func(key string) { esc(b.T(key)) }
	w.WriteString("</head>\n<body")
	if b.FitTables {
		w.WriteString(` class="fit-tables"`)
	}
	w.WriteString(">\n<a class=\"skip-link\" href=\"#main\">")
	t("site.skip")
	w.WriteString("</a>\n<header class=\"site-header\">\n  <div class=\"site-header__top\">\n    <span class=\"site-header__region\">")
	if b.Inst != nil {
		esc(b.Inst.RegionLabel)
	}
	w.WriteString("</span>\n    <ul class=\"lang-switch\" aria-label=\"")
	t("site.lang")
	w.WriteString("\">\n")
	for _, l := range []string{"it", "en"} {
		w.WriteString(`      <li><a href="/lingua/` + l + `?next=`)
		esc(urlEscape(b.Path, false))
		w.WriteString(`" lang="` + l + `" hreflang="` + l + `"`)
		if b.Lang == l {
			w.WriteString(` aria-current="true"`)
		}
		w.WriteString(">")
		t("site.lang." + l)
		w.WriteString("</a></li>\n")
	}
	w.WriteString("    </ul>\n  </div>\n  <div class=\"site-header__main\">\n    <div class=\"site-header__brand\">\n      <span class=\"site-header__portal\">")
	t("site.portal")
	w.WriteString("</span>\n      <span class=\"site-header__comune\">")
	if b.Inst != nil {
		esc(b.Inst.Name)
	} else {
		t("site.portal")
	}
	w.WriteString("</span>\n    </div>\n    ")
	// the template stopped with an error on an account without an
	// installation; here there is no navigation rather than links to "//…"
	if b.Account != nil && b.Inst != nil {
		code := urlEscape(b.Inst.Code, true)
		item := func(path, nav, key string) {
			w.WriteString(`<li><a href="/`)
			esc(code)
			w.WriteString("/" + path + `"`)
			if b.Nav == nav {
				w.WriteString(` aria-current="page"`)
			}
			w.WriteString(">")
			t(key)
			w.WriteString("</a></li>")
		}
		w.WriteString("\n    <nav class=\"site-nav\" aria-label=\"")
		t("site.nav")
		w.WriteString("\">\n      <ul>\n        ")
		if b.Account.IsStaff() {
			item("operatori", "staff", "nav.staff")
			w.WriteString("\n        ")
		} else {
			item("famiglia", "family", "nav.family")
			w.WriteString("\n        ")
			item("pagamenti", "payments", "nav.payments")
		}
		w.WriteString("\n        ")
		item("profilo", "profile", "nav.profile")
		w.WriteString("\n        ")
		item("sessioni", "sessions", "nav.sessions")
		w.WriteString("\n        ")
		if b.Account.PasswordHash.Valid {
			item("cambio-password", "password", "nav.password")
		}
		w.WriteString("\n        <li><form method=\"post\" action=\"/")
		esc(code)
		w.WriteString("/esci\"><button type=\"submit\" class=\"btn-link\">")
		t("nav.logout")
		w.WriteString("</button></form></li>\n      </ul>\n    </nav>\n    ")
	}
	w.WriteString("\n  </div>\n</header>\n\n<div id=\"net-status\" class=\"net-status\" role=\"status\" data-offline=\"")
	t("net.offline")
	w.WriteString(`" data-server="`)
	t("net.server")
	w.WriteString("\"></div>\n<main id=\"main\" class=\"container\" tabindex=\"-1\">\n")
	if b.ViewAsName != "" {
		w.WriteString(`<div class="alert alert-info" role="status"><p>`)
		esc(b.T("staff.viewas.banner", b.ViewAsName))
		w.WriteString("</p></div>")
	}
	w.WriteString("\n")
	return template.HTML(w.String()) //nolint:gosec // every text above is escaped
}

// LayoutFoot is from the end of the page's content to the end.
func (b Base) LayoutFoot() template.HTML {
	var w strings.Builder
	w.Grow(1500)
	esc := func(s string) { _, _ = htmlEsc.WriteString(&w, s) }
	t := func(key string) { esc(b.T(key)) }
	w.WriteString("\n</main>\n<footer class=\"site-footer\">\n  <div class=\"container\">\n    ")
	if b.Inst != nil {
		code := urlEscape(b.Inst.Code, true)
		w.WriteString("<p>")
		esc(b.T("site.footer.note", b.Inst.Name))
		w.WriteString("</p>\n    ")
		if !b.HideFitForm {
			w.WriteString("\n    <form method=\"post\" action=\"/")
			esc(code)
			w.WriteString("/preferenze\" class=\"fit-form\">\n      <input type=\"hidden\" name=\"next\" value=\"")
			esc(b.Path)
			w.WriteString("\">\n      <div class=\"form-check\">\n        <input type=\"checkbox\" id=\"fit-footer\" name=\"fit\" value=\"1\"")
			if b.FitTables {
				w.WriteString(" checked")
			}
			w.WriteString(" aria-describedby=\"fit-footer-hint\">\n        <label for=\"fit-footer\">")
			t("fit.label")
			w.WriteString("</label>\n      </div>\n      <p class=\"form-hint\" id=\"fit-footer-hint\">")
			t("fit.hint")
			w.WriteString("</p>\n      <button type=\"submit\" class=\"btn btn-secondary\">")
			t("fit.apply")
			w.WriteString("</button>\n    </form>\n    ")
		}
		w.WriteString("\n    <ul class=\"footer-links\" aria-label=\"")
		t("site.footer")
		w.WriteString("\">\n      <li><a href=\"/")
		esc(code)
		w.WriteString("/privacy\">")
		t("site.privacy")
		w.WriteString("</a></li>\n      <li><a href=\"/")
		esc(code)
		w.WriteString("/accessibilita\" data-element=\"accessibility-link\">")
		t("site.accessibility")
		w.WriteString("</a></li>\n    </ul>")
	}
	w.WriteString("\n  </div>\n</footer>\n</body>\n</html>")
	return template.HTML(w.String()) //nolint:gosec // every text above is escaped
}

// urlEscape is html/template's escaping of a text inside a URL attribute:
// norm (in the path) keeps the URL's reserved characters and valid
// %-escapes; !norm (in the query) escapes all but the unreserved ones.
// Its output goes through htmlEsc like any attribute's.
func urlEscape(s string, norm bool) string {
	var b strings.Builder
	written := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case strings.IndexByte("!#$&*+,/:;=?@[]", c) >= 0:
			if norm {
				continue
			}
		case c == '-' || c == '.' || c == '_' || c == '~',
			'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
			continue
		case c == '%':
			if norm && i+2 < len(s) && isHexDigit(s[i+1]) && isHexDigit(s[i+2]) {
				continue
			}
		}
		b.WriteString(s[written:i])
		fmt.Fprintf(&b, "%%%02x", c)
		written = i + 1
	}
	if written == 0 {
		return s
	}
	b.WriteString(s[written:])
	return b.String()
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
