package handlers

import (
	"html/template"
	"slices"
	"strconv"
)

// ContentHTML writes the payments page's content: the balance, the pagoPA
// block, the filter, the totals and the table of entries. It was the
// page's template, whose reflective calls (several per entry, per option,
// per notice) were nearly all the CPU of rendering the page in Go
// (BenchmarkPaymentsRender). TestPaymentsHTMLMatchesTemplate holds it to
// that template byte for byte.
func (v PaymentsView) ContentHTML() template.HTML {
	w := newHTMLWriter(v.Base, 6000+450*len(v.Rows))
	w.WriteString("\n<p class=\"mb-0\"><a class=\"action-link\" href=\"")
	w.url(v.FamilyPrefix)
	w.WriteString(`/famiglia">`)
	w.t("cal.back")
	w.WriteString("</a></p>\n<h1>")
	w.t("payments.title")
	w.WriteString("</h1>\n")
	if v.Payer.AdultID == 0 {
		w.WriteString("<p>")
		w.t("payments.none")
		w.WriteString("</p>\n")
		return w.HTML()
	}
	w.WriteString("\n<div class=\"card\">\n  <p class=\"mb-0\">")
	if v.Own {
		w.t("payments.your_balance")
	} else {
		w.t("payments.balance_of", v.Payer.Name)
	}
	w.WriteString("</p>\n  <p class=\"balance-amount ")
	if v.Balance < 0 {
		w.WriteString("balance-debit")
	} else {
		w.WriteString("balance-credit")
	}
	w.WriteString(`"><strong>`)
	w.esc(v.BalanceText(v.Balance))
	w.WriteString("</strong></p>\n  ")
	if v.Balance < 0 {
		w.WriteString("<p>")
		w.t("payments.debit_hint")
		w.WriteString("</p>")
	}
	w.WriteString("\n  ")
	if !v.Own {
		w.WriteString(`<p class="muted">`)
		w.t("payments.guardian_note")
		w.WriteString("</p>")
	}
	w.WriteString("\n  ")
	if v.Own && v.ViewAsName == "" && v.Balance > 0 {
		w.WriteString(`<p><a class="action-link" href="/`)
		w.esc(urlEscape(v.Inst.Code, true))
		w.WriteString(`/pagamenti/credito">`)
		w.t("credit.link")
		w.WriteString("</a></p>")
	}
	w.WriteString("\n</div>\n")
	v.pagopaHTML(w)
	w.WriteString("\n")
	if len(v.Errors) > 0 {
		w.WriteString(`<div class="alert alert-danger" role="alert"><p>`)
		w.t("common.errors_title")
		w.WriteString("</p><ul>")
		keys := make([]string, 0, len(v.Errors))
		for k := range v.Errors {
			keys = append(keys, k)
		}
		slices.Sort(keys) // the template's range over a map: by key
		for _, k := range keys {
			w.WriteString(`<li><a href="#f-`)
			w.esc(urlEscape(k, false))
			w.WriteString(`">`)
			w.esc(v.Errors[k])
			w.WriteString("</a></li>")
		}
		w.WriteString("</ul></div>")
	}
	w.WriteString("\n<form method=\"get\" action=\"")
	w.url(v.FamilyPrefix)
	w.WriteString("/pagamenti\" class=\"filter-form\" aria-labelledby=\"filter-title\">\n  <h2 id=\"filter-title\">")
	w.t("payments.filter")
	w.WriteString("</h2>\n  <div class=\"filter-grid\">\n  ")
	if len(v.Payers) > 1 {
		w.WriteString(`<div class="form-group"><label for="f-pagante">`)
		w.t("payments.payer")
		w.WriteString("</label>\n    <select id=\"f-pagante\" name=\"pagante\">")
		for _, p := range v.Payers {
			w.WriteString(`<option value="`)
			w.int(p.AdultID)
			w.WriteString(`"`)
			if p.AdultID == v.Payer.AdultID {
				w.WriteString(" selected")
			}
			w.WriteString(">")
			w.esc(p.Name)
			w.WriteString("</option>")
		}
		w.WriteString("</select></div>\n  ")
	} else if v.Form.Payer != "" {
		w.WriteString(`<input type="hidden" name="pagante" value="`)
		w.esc(v.Form.Payer)
		w.WriteString(`">`)
	}
	w.WriteString("\n  <div class=\"form-group\"><label for=\"f-dal\">")
	w.t("payments.from")
	w.WriteString("</label>\n    <input type=\"date\" id=\"f-dal\" name=\"dal\" value=\"")
	w.esc(v.Form.From)
	w.WriteString(`"`)
	v.fieldError(w, "dal")
	w.WriteString("</div>\n  <div class=\"form-group\"><label for=\"f-al\">")
	w.t("payments.to")
	w.WriteString("</label>\n    <input type=\"date\" id=\"f-al\" name=\"al\" value=\"")
	w.esc(v.Form.To)
	w.WriteString(`"`)
	v.fieldError(w, "al")
	w.WriteString("</div>\n  ")
	idSelect(w, "bambino", "payments.child", "payments.all_children", v.Form.Child, len(v.Children),
		func(i int) (int64, string) { return v.Children[i].ID, v.Children[i].FirstName })
	w.WriteString("\n  ")
	idSelect(w, "servizio", "payments.service", "payments.all_services", v.Form.Service, len(v.Services),
		func(i int) (int64, string) { return v.Services[i].ID, v.Services[i].Name })
	w.WriteString("\n  <div class=\"form-group\"><label for=\"f-tipo\">")
	w.t("payments.kind")
	w.WriteString("</label>\n    <select id=\"f-tipo\" name=\"tipo\"")
	kindErr := v.Errors["tipo"]
	if kindErr != "" {
		w.WriteString(` class="is-invalid" aria-invalid="true" aria-describedby="e-tipo"`)
	}
	w.WriteString(`><option value="">`)
	w.t("payments.all_kinds")
	w.WriteString("</option>")
	for _, k := range v.Kinds {
		w.WriteString(`<option value="`)
		w.esc(k)
		w.WriteString(`"`)
		if k == v.Form.Kind {
			w.WriteString(" selected")
		}
		w.WriteString(">")
		w.esc(v.Kind(k))
		w.WriteString("</option>")
	}
	w.WriteString("</select>\n    ")
	if kindErr != "" {
		w.WriteString(`<span class="field-error" id="e-tipo">`)
		w.t("common.error_prefix")
		w.WriteString(" ")
		w.esc(kindErr)
		w.WriteString("</span>")
	}
	w.WriteString("</div>\n  </div>\n  <div class=\"form-actions mt-0\"><button type=\"submit\" class=\"btn btn-primary\">")
	w.t("payments.apply")
	w.WriteString("</button>")
	if v.Filtered {
		w.WriteString(` <a class="btn btn-secondary" href="`)
		w.url(v.ResetURL)
		w.WriteString(`">`)
		w.t("payments.reset")
		w.WriteString("</a>")
	}
	w.WriteString("</div>\n</form>\n<h2>")
	w.t("payments.entries")
	w.WriteString("</h2>\n<dl class=\"facts\">\n  <dt>")
	w.t("payments.count")
	w.WriteString("</dt><dd>")
	w.int(int64(v.Totals.Count))
	w.WriteString("</dd>\n  <dt>")
	w.t("payments.credits")
	w.WriteString("</dt><dd>")
	w.esc(v.MoneySigned(v.Totals.Credits))
	w.WriteString("</dd>\n  <dt>")
	w.t("payments.debits")
	w.WriteString("</dt><dd>")
	w.esc(v.MoneySigned(v.Totals.Debits))
	w.WriteString("</dd>\n  <dt>")
	w.t("payments.net")
	w.WriteString("</dt><dd><strong>")
	w.esc(v.MoneySigned(v.Totals.Net()))
	w.WriteString("</strong></dd>\n</dl>\n<ul class=\"actions-list\">\n  <li><a class=\"btn btn-secondary\" href=\"")
	w.url(v.CSVURL)
	w.WriteString(`" download>`)
	w.t("payments.csv")
	w.WriteString("</a></li>\n  <li><a class=\"btn btn-secondary\" href=\"")
	w.url(v.StatementURL)
	w.WriteString(`">`)
	w.t("payments.statement")
	w.WriteString("</a></li>\n</ul>\n")
	if len(v.Entries) == 0 {
		w.WriteString("<p>")
		w.t("payments.empty")
		w.WriteString("</p>\n\n")
		return w.HTML()
	}
	w.WriteString("\n<div class=\"table-wrap\" tabindex=\"0\" role=\"region\" aria-labelledby=\"ledger-caption\">\n<table class=\"table stack-narrow ledger\">\n  <caption id=\"ledger-caption\">")
	w.t("payments.caption", v.Page, v.Pages)
	// the four headers, each also every row's data-label (escaped once)
	var labels [4]string
	for i, k := range [4]string{"ledger.date", "ledger.kind", "ledger.detail", "ledger.amount"} {
		labels[i] = htmlEsc.Replace(v.T(k))
	}
	w.WriteString("</caption>\n  <thead><tr><th scope=\"col\">")
	w.WriteString(labels[0])
	w.WriteString(`</th><th scope="col">`)
	w.WriteString(labels[1])
	w.WriteString(`</th><th scope="col">`)
	w.WriteString(labels[2])
	w.WriteString(`</th><th scope="col" class="text-right">`)
	w.WriteString(labels[3])
	w.WriteString("</th></tr></thead>\n  <tbody>\n  ")
	for _, r := range v.Rows {
		w.WriteString("<tr>\n    <td data-label=\"")
		w.WriteString(labels[0])
		w.WriteString(`">`)
		w.esc(r.Date)
		w.WriteString("</td>\n    <td data-label=\"")
		w.WriteString(labels[1])
		w.WriteString(`">`)
		w.esc(r.Kind)
		w.WriteString("</td>\n    <td data-label=\"")
		w.WriteString(labels[2])
		w.WriteString(`">`)
		w.esc(r.Detail)
		w.WriteString("</td>\n    <td data-label=\"")
		w.WriteString(labels[3])
		w.WriteString(`" class="text-right amount">`)
		w.esc(r.Amount)
		w.WriteString("</td>\n  </tr>")
	}
	w.WriteString("\n  </tbody>\n</table>\n</div>\n")
	if v.Pages > 1 {
		w.WriteString(`<nav aria-label="`)
		w.t("payments.pages")
		w.WriteString("\"><ul class=\"pager\">\n  <li>")
		if v.PrevURL != "" {
			w.WriteString(`<a class="btn btn-secondary" rel="prev" href="`)
			w.url(v.PrevURL)
			w.WriteString(`">`)
			w.t("payments.prev")
			w.WriteString("</a>")
		}
		w.WriteString("</li>\n  <li aria-current=\"page\">")
		w.t("payments.page_of", v.Page, v.Pages)
		w.WriteString("</li>\n  <li>")
		if v.NextURL != "" {
			w.WriteString(`<a class="btn btn-secondary" rel="next" href="`)
			w.url(v.NextURL)
			w.WriteString(`">`)
			w.t("payments.next")
			w.WriteString("</a>")
		}
		w.WriteString("</li>\n</ul></nav>")
	}
	w.WriteString("\n\n\n")
	return w.HTML()
}

// fieldError writes the rest of a date input (its invalid state) and the
// field's error, when the field has one.
func (v PaymentsView) fieldError(w *htmlWriter, field string) {
	msg := v.Errors[field]
	if msg != "" {
		w.WriteString(` class="is-invalid" aria-invalid="true" aria-describedby="e-`)
		w.WriteString(field)
		w.WriteString(`"`)
	}
	w.WriteString(">\n    ")
	if msg != "" {
		w.WriteString(`<span class="field-error" id="e-`)
		w.WriteString(field)
		w.WriteString(`">`)
		w.t("common.error_prefix")
		w.WriteString(" ")
		w.esc(msg)
		w.WriteString("</span>")
	}
}

// option writes an option of the child or service filter.
// idSelect writes a filter's form group choosing an ID by name: "all"
// first, then the n options, the form's value selected.
func idSelect(w *htmlWriter, name, labelKey, allKey, form string, n int, opt func(i int) (int64, string)) {
	w.WriteString(`<div class="form-group"><label for="f-`)
	w.WriteString(name)
	w.WriteString(`">`)
	w.t(labelKey)
	w.WriteString("</label>\n    <select id=\"f-")
	w.WriteString(name)
	w.WriteString(`" name="`)
	w.WriteString(name)
	w.WriteString(`"><option value="">`)
	w.t(allKey)
	w.WriteString("</option>")
	for i := range n {
		id, label := opt(i)
		option(w, id, form, label)
	}
	w.WriteString("</select></div>")
}

func option(w *htmlWriter, id int64, form, label string) {
	w.WriteString(`<option value="`)
	w.int(id)
	w.WriteString(`"`)
	if strconv.FormatInt(id, 10) == form {
		w.WriteString(" selected")
	}
	w.WriteString(">")
	w.esc(label)
	w.WriteString("</option>")
}

// pagopaHTML writes the "pagopa-payments" part: what is still to pay,
// and, for the paying adult, the top-up and the notice.
func (v PaymentsView) pagopaHTML(w *htmlWriter) {
	p := v.PagoPA
	if p == nil {
		return
	}
	w.WriteString("\n<section class=\"card\" aria-labelledby=\"pagopa-title\">\n  <h2 id=\"pagopa-title\">")
	w.t("pagopa.title")
	w.WriteString("</h2>\n  ")
	if len(p.Open) > 0 {
		w.WriteString("<h3>")
		w.t("pagopa.open")
		w.WriteString("</h3>\n  <ul class=\"pagopa-open\">")
		code := urlEscape(v.Inst.Code, true)
		for _, o := range p.Open {
			w.WriteString("<li>\n    ")
			if v.ViewAsName != "" {
				w.esc(v.PositionKind(o.Kind))
				w.WriteString(" ")
				w.esc(v.Money(o.AmountCents))
			} else {
				w.WriteString(`<a href="/`)
				w.esc(code)
				w.WriteString("/pagamenti/pagopa/")
				w.int(o.ID)
				w.WriteString(`">`)
				w.esc(v.PositionKind(o.Kind))
				w.WriteString(" ")
				w.esc(v.Money(o.AmountCents))
				w.WriteString("</a>")
			}
			w.WriteString("\n    – ")
			w.t("pagopa.notice_number")
			w.WriteString(" ")
			w.esc(v.NoticeNumberText(o.NoticeNumber))
			w.WriteString(", ")
			w.t("pagopa.due", v.Date(o.DueDate))
			w.WriteString("\n  </li>")
		}
		w.WriteString("</ul>")
	}
	w.WriteString("\n  ")
	if p.CanCreate {
		p.formsHTML(w)
	} else if v.ViewAsName == "" {
		w.WriteString(`<p class="muted">`)
		w.t("pagopa.guardian")
		w.WriteString("</p>")
	}
	w.WriteString("\n</section>\n")
}

// FormsHTML writes the "pagopa-forms" part, the top-up and the notice
// forms of the payments page and of the top-up page.
func (p *PagoPABlock) FormsHTML(b Base) template.HTML {
	w := newHTMLWriter(b, 4000)
	p.formsHTML(w)
	return w.HTML()
}

func (p *PagoPABlock) formsHTML(w *htmlWriter) {
	code := urlEscape(w.base.Inst.Code, true)
	token := htmlEsc.Replace(p.Token)
	hint := htmlEsc.Replace(w.base.T("pagopa.amount.hint", w.base.Money(p.Min), w.base.Money(p.Max)))
	w.WriteString("\n<section aria-labelledby=\"topup-title\">\n  <h3 id=\"topup-title\">")
	w.t("pagopa.topup.title")
	w.WriteString("</h3>\n  <p class=\"form-hint\">")
	w.t("pagopa.topup.hint")
	w.WriteString("</p>\n  \n  ")
	if len(p.Presets) > 0 {
		w.WriteString(`<form method="post" action="/`)
		w.esc(code)
		w.WriteString("/pagamenti/ricarica\">\n    <input type=\"hidden\" name=\"tentativo\" value=\"")
		w.WriteString(token)
		w.WriteString("\">\n    <ul class=\"actions-list\">")
		for _, c := range p.Presets {
			w.WriteString(`<li><button type="submit" name="taglio" value="`)
			w.int(c)
			w.WriteString(`" class="btn btn-primary">`)
			w.t("pagopa.topup.preset", w.base.Money(c))
			w.WriteString("</button></li>")
		}
		w.WriteString("</ul>\n  </form>")
	}
	amountErr, noticeErr := p.Errors["importo"], p.Errors["importo_avviso"]
	w.WriteString("\n  <form method=\"post\" action=\"/")
	w.esc(code)
	w.WriteString("/pagamenti/ricarica\" novalidate>\n    <input type=\"hidden\" name=\"tentativo\" value=\"")
	w.WriteString(token)
	w.WriteString("\">")
	w.amountField("    ", "importo", w.base.T("pagopa.topup.other"), hint, p.Amount, amountErr)
	w.WriteString("\n    <div class=\"form-actions mt-0\"><button type=\"submit\" class=\"btn btn-primary\">")
	w.t("pagopa.topup.submit")
	w.WriteString("</button></div>\n  </form>\n</section>\n<form method=\"post\" action=\"/")
	w.esc(code)
	w.WriteString("/pagamenti/avviso\" novalidate aria-labelledby=\"notice-title\">\n  <h3 id=\"notice-title\">")
	w.t("pagopa.notice.title")
	w.WriteString("</h3>\n  <p class=\"form-hint\">")
	w.t("pagopa.notice.hint")
	w.WriteString("</p>\n  <input type=\"hidden\" name=\"tentativo\" value=\"")
	w.WriteString(token)
	w.WriteString("\">")
	w.amountField("  ", "importo_avviso", w.base.T("pagopa.notice.amount"), hint, p.Notice, noticeErr)
	w.WriteString("\n  <div class=\"form-actions mt-0\"><button type=\"submit\" class=\"btn btn-secondary\">")
	w.t("pagopa.notice.submit")
	w.WriteString("</button></div>\n</form>\n")
}

// amountField writes an amount's form group (the top-up's and the notice's)
// at the form's indent: its label, the range hint (already escaped), the
// input with what was typed, and the field's error next to it.
func (w *htmlWriter) amountField(indent, name, label, hint, value, err string) {
	w.WriteString("\n" + indent + "<div class=\"form-group\">\n" + indent + "  <label for=\"" + name + "\">")
	w.esc(label)
	w.WriteString("</label>\n" + indent + "  <p class=\"form-hint\" id=\"" + name + "-hint\">")
	w.WriteString(hint)
	w.WriteString("</p>\n" + indent + "  <input type=\"text\" id=\"" + name + "\" name=\"" + name +
		"\" inputmode=\"decimal\" maxlength=\"20\" autocomplete=\"off\" value=\"")
	w.esc(value)
	w.WriteString("\"\n" + indent + "    aria-describedby=\"" + name + "-hint")
	if err != "" {
		w.WriteString(" " + name + `-error" class="is-invalid" aria-invalid="true" autofocus`)
	} else {
		w.WriteString(`"`)
	}
	w.WriteString(">\n" + indent + "  ")
	if err != "" {
		w.WriteString(`<p class="field-error" id="` + name + `-error">`)
		w.t("common.error_prefix")
		w.WriteString(" ")
		w.esc(err)
		w.WriteString("</p>")
	}
	w.WriteString("\n" + indent + "</div>")
}
