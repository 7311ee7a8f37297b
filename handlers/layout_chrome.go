package handlers

import (
	"html/template"
)

// The page's chrome — the layout's head, header, navigation and footer —
// is written in Go: through the template, its 60-odd lookups and calls by
// reflection cost more than many a page's own content. The layout template
// keeps what it must: the title and the content, each in its own context,
// and the assets' URLs. TestLayoutChromeMatchesTemplate holds these to the
// template they replaced, byte for byte.

// LayoutHead is the document up to the <title>.
func (b Base) LayoutHead() template.HTML {
	w := newHTMLWriter(b, 400)
	w.WriteString("<!DOCTYPE html>\n<html lang=\"")
	w.esc(b.Lang)
	w.WriteString("\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n" +
		`<meta name="htmx-config" content='{"includeIndicatorStyles":false,"allowEval":false,"allowScriptTags":false,"historyCacheSize":0}'>` + "\n")
	return w.HTML()
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
	w := newHTMLWriter(b, 2500)
	w.WriteString("</head>\n<body")
	if b.FitTables {
		w.WriteString(` class="fit-tables"`)
	}
	w.WriteString(">\n<a class=\"skip-link\" href=\"#main\">")
	w.t("site.skip")
	w.WriteString("</a>\n<header class=\"site-header\">\n  <div class=\"site-header__top\">\n    <span class=\"site-header__region\">")
	if b.Inst != nil {
		w.esc(b.Inst.RegionLabel)
	}
	w.WriteString("</span>\n    <ul class=\"lang-switch\" aria-label=\"")
	w.t("site.lang")
	w.WriteString("\">\n")
	for _, l := range []string{"it", "en"} {
		w.WriteString(`      <li><a href="/lingua/` + l + `?next=`)
		w.esc(urlEscape(b.Path, false))
		w.WriteString(`" lang="` + l + `" hreflang="` + l + `"`)
		if b.Lang == l {
			w.WriteString(` aria-current="true"`)
		}
		w.WriteString(">")
		w.t("site.lang." + l)
		w.WriteString("</a></li>\n")
	}
	w.WriteString("    </ul>\n  </div>\n  <div class=\"site-header__main\">\n    <div class=\"site-header__brand\">\n      <span class=\"site-header__portal\">")
	w.t("site.portal")
	w.WriteString("</span>\n      <span class=\"site-header__comune\">")
	if b.Inst != nil {
		w.esc(b.Inst.Name)
	} else {
		w.t("site.portal")
	}
	w.WriteString("</span>\n    </div>\n    ")
	// the template stopped with an error on an account without an
	// installation; here there is no navigation rather than links to "//…"
	if b.Account != nil && b.Inst != nil {
		code := urlEscape(b.Inst.Code, true)
		item := func(path, nav, key string) {
			w.WriteString(`<li><a href="/`)
			w.esc(code)
			w.WriteString("/" + path + `"`)
			if b.Nav == nav {
				w.WriteString(` aria-current="page"`)
			}
			w.WriteString(">")
			w.t(key)
			w.WriteString("</a></li>")
		}
		w.WriteString("\n    <nav class=\"site-nav\" aria-label=\"")
		w.t("site.nav")
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
		w.esc(code)
		w.WriteString("/esci\"><button type=\"submit\" class=\"btn-link\">")
		w.t("nav.logout")
		w.WriteString("</button></form></li>\n      </ul>\n    </nav>\n    ")
	}
	w.WriteString("\n  </div>\n</header>\n\n<div id=\"net-status\" class=\"net-status\" role=\"status\" data-offline=\"")
	w.t("net.offline")
	w.WriteString(`" data-server="`)
	w.t("net.server")
	w.WriteString("\"></div>\n<main id=\"main\" class=\"container\" tabindex=\"-1\">\n")
	if b.ViewAsName != "" {
		w.WriteString(`<div class="alert alert-info" role="status"><p>`)
		w.t("staff.viewas.banner", b.ViewAsName)
		w.WriteString("</p></div>")
	}
	w.WriteString("\n")
	return w.HTML()
}

// LayoutFoot is from the end of the page's content to the end.
func (b Base) LayoutFoot() template.HTML {
	w := newHTMLWriter(b, 1500)
	w.WriteString("\n</main>\n<footer class=\"site-footer\">\n  <div class=\"container\">\n    ")
	if b.Inst != nil {
		code := urlEscape(b.Inst.Code, true)
		w.WriteString("<p>")
		w.t("site.footer.note", b.Inst.Name)
		w.WriteString("</p>\n    ")
		if !b.HideFitForm {
			w.WriteString("\n    <form method=\"post\" action=\"/")
			w.esc(code)
			w.WriteString("/preferenze\" class=\"fit-form\">\n      <input type=\"hidden\" name=\"next\" value=\"")
			w.esc(b.Path)
			w.WriteString("\">\n      <div class=\"form-check\">\n        <input type=\"checkbox\" id=\"fit-footer\" name=\"fit\" value=\"1\"")
			if b.FitTables {
				w.WriteString(" checked")
			}
			w.WriteString(" aria-describedby=\"fit-footer-hint\">\n        <label for=\"fit-footer\">")
			w.t("fit.label")
			w.WriteString("</label>\n      </div>\n      <p class=\"form-hint\" id=\"fit-footer-hint\">")
			w.t("fit.hint")
			w.WriteString("</p>\n      <button type=\"submit\" class=\"btn btn-secondary\">")
			w.t("fit.apply")
			w.WriteString("</button>\n    </form>\n    ")
		}
		w.WriteString("\n    <ul class=\"footer-links\" aria-label=\"")
		w.t("site.footer")
		w.WriteString("\">\n      <li><a href=\"/")
		w.esc(code)
		w.WriteString("/privacy\">")
		w.t("site.privacy")
		w.WriteString("</a></li>\n      <li><a href=\"/")
		w.esc(code)
		w.WriteString("/accessibilita\" data-element=\"accessibility-link\">")
		w.t("site.accessibility")
		w.WriteString("</a></li>\n    </ul>")
	}
	w.WriteString("\n  </div>\n</footer>\n</body>\n</html>")
	return w.HTML()
}
