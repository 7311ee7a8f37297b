package handlers

import (
	"html/template"
	"strconv"
)

// The family home of a linked family — its panels and the children's
// cards — is written in Go (docs/performance.md, "CPU per request"):
// through html/template, each of its few hundred texts was a reflective
// lookup or call and an escaper, most of the page's CPU. The page's
// template keeps the title, the greeting and the other states (not
// linked, waiting for the link, a stale link). TestFamilyHTMLMatchesTemplate
// holds this file to the templates it replaced, byte for byte.

// LinkedHTML is the family home's content for a linked family.
func (v FamilyView) LinkedHTML() template.HTML {
	size := 5000 + 2500*len(v.Children) // grown once, not doubled along the way
	if v.Meals != nil {
		for _, k := range v.Meals.Children {
			size += 300 + 1400*len(k.Days)
		}
	}
	w := newHTMLWriter(v.Base, size)
	code := urlEscape(v.Inst.Code, true)
	// the links to the messages and the 730 certificates
	w.WriteString("<ul class=\"actions-list\" id=\"family-documents\">\n  <li><a class=\"action-link\" href=\"")
	w.url(v.FamilyPrefix) // html/template filtered the value, then wrote the tail
	w.WriteString("/messaggi")
	w.WriteString(`">`)
	w.t("messages.title")
	if v.Docs.Unread != 0 {
		w.WriteString(` <span class="badge badge-danger">`)
		w.t("messages.unread_count", v.Docs.Unread)
		w.WriteString("</span>")
	}
	w.WriteString("</a></li>\n  <li><a class=\"action-link\" href=\"")
	w.url(v.FamilyPrefix)
	w.WriteString("/attestazioni")
	w.WriteString(`">`)
	w.t("certificate.list.title")
	w.WriteString("</a></li>\n</ul>\n")
	if v.Enrol != nil {
		v.writeEnrol(w, code)
	}
	w.WriteString("\n")
	if v.Meals != nil {
		v.Meals.writePanel(w)
	}
	w.WriteString("\n")
	if v.ISEE != nil {
		v.ISEE.write(w)
	}
	w.WriteString("\n")
	if v.Menu != nil {
		v.Menu.write(w)
	}
	w.WriteString("\n<h2>")
	w.t("family.children")
	w.WriteString("</h2>\n")
	if len(v.Children) == 0 {
		w.WriteString("<p>")
		w.t("family.no_children")
		w.WriteString("</p>")
		return w.HTML()
	}
	w.WriteString("\n")
	for _, b := range v.Balances {
		w.WriteString(`<p class="balance `)
		if b.Balance < 0 {
			w.WriteString("balance-debit")
		} else {
			w.WriteString("balance-credit")
		}
		w.WriteString(`">`)
		if b.Own {
			w.t("family.balance_own", b.Children)
		} else {
			w.t("family.balance_of", b.PayerName, b.Children)
		}
		w.WriteString(": <strong>")
		w.esc(v.BalanceText(b.Balance))
		w.WriteString("</strong></p>\n")
	}
	w.WriteString(`<p><a class="action-link" href="`)
	w.url(v.FamilyPrefix)
	w.WriteString("/pagamenti")
	w.WriteString(`">`)
	w.t("family.payments_link")
	w.WriteString("</a></p>\n")
	if v.Account != nil && v.ViewAsName == "" {
		w.WriteString(`<p><a class="action-link" href="/`)
		w.esc(code)
		w.WriteString(`/avvisi">`)
		w.t("alerts.link")
		w.WriteString("</a></p>")
	}
	w.WriteString("\n")
	// not when staff read as the family: the diet requests are the
	// guardians' own, and the office has its queue
	if v.ViewAsName == "" {
		w.WriteString(`<p><a class="action-link" href="/`)
		w.esc(code)
		w.WriteString(`/diete">`)
		w.t("diets.link")
		w.WriteString("</a></p>")
	}
	w.WriteString("\n<ul class=\"card-grid child-list\">\n  ")
	// the texts every card repeats
	var (
		school, class, youAre    = v.T("family.school"), v.T("family.class"), v.T("family.you_are")
		payer, guardian, payerT  = v.T("family.role.payer"), v.T("family.role.guardian"), v.T("family.payer")
		services                 = v.T("family.services", v.YearLabel)
		period, diet, dietNone   = v.T("family.period"), v.T("family.diet"), v.T("family.diet_none")
		tariff, perMonth, perDay = v.T("family.tariff"), v.T("family.per_month"), v.T("family.per_day")
		present                  = v.T("family.present_month", v.MonthLabel(v.Month))
		calendarLink             = v.T("family.calendar_link")
	)
	for _, k := range v.Children {
		w.WriteString("<li class=\"card\">\n    <h3>")
		w.esc(k.FirstName)
		w.WriteString(" ")
		w.esc(k.LastName)
		w.WriteString("</h3>\n    <dl class=\"facts\">\n      ")
		if k.School != "" {
			w.WriteString("<dt>")
			w.esc(school)
			w.WriteString("</dt><dd>")
			w.esc(k.School)
			w.WriteString("</dd>")
		}
		w.WriteString("\n      ")
		if k.ClassName != "" {
			w.WriteString("<dt>")
			w.esc(class)
			w.WriteString("</dt><dd>")
			w.esc(k.ClassName)
			w.WriteString("</dd>")
		}
		w.WriteString("\n      <dt>")
		w.esc(youAre)
		w.WriteString("</dt><dd>")
		if k.Role == "payer" {
			w.esc(payer)
		} else {
			w.esc(guardian)
		}
		w.WriteString("</dd>\n      ")
		if k.PayerName != "" && !k.OwnBalance {
			w.WriteString("<dt>")
			w.esc(payerT)
			w.WriteString("</dt><dd>")
			w.esc(k.PayerName)
			w.WriteString("</dd>")
		}
		w.WriteString("\n    </dl>\n    <h4>")
		w.esc(services)
		w.WriteString("</h4>\n    ")
		if len(k.Services) == 0 {
			w.WriteString("<p>")
			w.t("family.no_services")
			w.WriteString("</p>")
		} else {
			w.WriteString("<ul class=\"service-list\">\n      ")
			for _, s := range k.Services {
				w.WriteString("<li>\n        <p class=\"mb-0\"><strong>")
				w.esc(s.ServiceName)
				w.WriteString("</strong></p>\n        <dl class=\"facts\">\n          <dt>")
				w.esc(period)
				w.WriteString("</dt><dd>")
				w.t("family.period_value", v.Date(s.StartsOn), v.Date(s.EndsOn))
				w.WriteString("</dd>\n          ")
				if s.ServiceKind == "mensa" || s.ServiceKind == "nido" {
					w.WriteString("<dt>")
					w.esc(diet)
					w.WriteString("</dt><dd>")
					if s.Diet != "" {
						w.esc(s.Diet)
					} else {
						w.esc(dietNone)
					}
					w.WriteString("</dd>")
				}
				w.WriteString("\n          <dt>")
				w.esc(tariff)
				w.WriteString("</dt><dd>")
				w.esc(s.TariffName)
				w.WriteString(": ")
				w.esc(v.Money(s.TariffCents))
				w.WriteString(" ")
				if s.Billing == "monthly" {
					w.esc(perMonth)
				} else {
					w.esc(perDay)
				}
				w.WriteString("</dd>\n          <dt>")
				w.esc(present)
				w.WriteString("</dt><dd>")
				w.WriteString(strconv.Itoa(s.Present))
				w.WriteString("</dd>\n        </dl>\n        <p><a class=\"action-link\" href=\"")
				w.url(s.CalendarURL)
				w.WriteString(`">`)
				w.esc(calendarLink)
				w.WriteString(`<span class="visually-hidden"> – `)
				w.esc(k.FirstName)
				w.WriteString(", ")
				w.esc(s.ServiceName)
				w.WriteString("</span></a></p>\n      </li>")
			}
			w.WriteString("\n    </ul>")
		}
		w.WriteString("\n  </li>\n  ")
	}
	w.WriteString("\n</ul>\n")
	return w.HTML()
}

// writeEnrol writes Iscrizioni: the windows open and the family's
// requests; code is the installation's code, escaped for a URL.
func (v FamilyView) writeEnrol(w *htmlWriter, code string) {
	w.WriteString("<section id=\"enrol-panel\" class=\"card enrol-panel\" aria-labelledby=\"enrol-title\">\n<h2 id=\"enrol-title\">")
	w.t("enrol.title")
	w.WriteString("</h2>\n")
	for _, win := range v.Enrol.Windows {
		w.WriteString("<div class=\"enrol-window\">\n  <p class=\"mb-0\"><strong>")
		w.esc(win.Title)
		w.WriteString("</strong> – ")
		w.t("enrol.open_until", v.DateTimeMin(win.ClosesAt))
		w.WriteString("</p>\n  <p><a class=\"btn btn-primary\" href=\"/")
		w.esc(code)
		w.WriteString("/iscrizioni/finestre/")
		w.WriteString(strconv.FormatInt(win.ID, 10))
		w.WriteString(`">`)
		w.t("enrol.fill")
		w.WriteString(`<span class="visually-hidden"> – `)
		w.esc(win.Title)
		w.WriteString("</span></a></p>\n</div>")
	}
	w.WriteString("\n")
	if len(v.Enrol.Requests) > 0 {
		w.WriteString(`<ul class="history" aria-label="`)
		w.t("enrol.your_requests")
		w.WriteString(`">`)
		for _, r := range v.Enrol.Requests {
			w.WriteString("<li>\n  <a href=\"/")
			w.esc(code)
			w.WriteString("/iscrizioni/")
			w.WriteString(strconv.FormatInt(r.ID, 10))
			w.WriteString(`">`)
			w.esc(r.WindowTitle)
			w.WriteString(" – ")
			w.esc(r.FirstName)
			w.WriteString(" ")
			w.esc(r.LastName)
			w.WriteString("</a>: <strong>")
			w.t("enrol.status." + r.Status)
			w.WriteString("</strong>\n  ")
			if r.Status == "accepted" {
				w.t("enrol.accepted_period", r.ServiceName, v.Date(r.StartsOn), v.Date(r.EndsOn))
			}
			w.WriteString("\n</li>")
		}
		w.WriteString("</ul>")
	}
	w.WriteString("\n<p><a class=\"action-link\" href=\"/")
	w.esc(code)
	w.WriteString(`/iscrizioni">`)
	w.t("enrol.all_link")
	w.WriteString("</a></p>\n</section>")
}

// writePanel writes "Prossimi giorni" with its body.
func (p *MealPanel) writePanel(w *htmlWriter) {
	w.WriteString("<section id=\"meal-days\" class=\"meal-panel\" aria-labelledby=\"meal-days-title\">\n<h2 id=\"meal-days-title\">")
	w.esc(p.T("meal.title"))
	w.WriteString("</h2>\n<p>")
	w.esc(p.T("meal.intro"))
	w.WriteString("</p>\n<div id=\"meal-status\" class=\"visually-hidden\" role=\"status\"></div>\n")
	p.writeBody(w)
	w.WriteString("\n</section>")
}

// BodyHTML is the panel's body: the days of every child and the forms
// (also the answer of a range's change with htmx, "meal-panel-swap").
func (p *MealPanel) BodyHTML() template.HTML {
	size := 2000
	for _, k := range p.Children {
		size += 300 + 1400*len(k.Days)
	}
	w := newHTMLWriter(p.Base, size)
	p.writeBody(w)
	return w.HTML()
}

func (p *MealPanel) writeBody(w *htmlWriter) {
	w.WriteString("<div id=\"meal-panel-body\">\n")
	if p.Refusal != "" {
		w.WriteString(`<div class="alert alert-danger" role="alert"><p>`)
		w.esc(p.Refusal)
		w.WriteString("</p></div>")
	}
	w.WriteString("\n")
	for _, k := range p.Children {
		w.WriteString("<h3>")
		w.esc(k.FirstName)
		w.WriteString(": ")
		w.esc(k.ServiceName)
		w.WriteString("</h3>\n")
		if len(k.Days) == 0 {
			w.WriteString("<p>")
			w.esc(p.T("meal.no_days"))
			w.WriteString("</p>")
		} else {
			w.WriteString(`<ul class="service-list meal-days">`)
			for _, d := range k.Days {
				w.WriteString("<li>")
				d.write(w)
				w.WriteString("</li>")
			}
			w.WriteString("</ul>")
		}
		w.WriteString("\n")
	}
	w.WriteString("\n<form method=\"post\" action=\"")
	w.url(p.RangeAction)
	w.WriteString(`" hx-post="`)
	w.esc(p.RangeAction)
	w.WriteString("\" hx-target=\"#meal-panel-body\" hx-swap=\"outerHTML\" class=\"card meal-range\" novalidate>\n<h3>")
	w.esc(p.T("meal.range.title"))
	w.WriteString("</h3>\n")
	if p.Flash != "" {
		w.WriteString(`<div class="alert alert-info" id="mr-message"><p>`)
		w.esc(p.Flash)
		w.WriteString("</p></div>")
	}
	w.WriteString("\n<fieldset><legend>")
	w.esc(p.T("meal.range.children"))
	w.WriteString("</legend>\n")
	for _, k := range p.Children {
		ids := strconv.FormatInt(k.ChildID, 10) + "-" + strconv.FormatInt(k.ServiceID, 10)
		w.WriteString(`<div class="form-check"><input type="checkbox" id="mr-` + ids + `" name="bambino" value="`)
		w.WriteString(strconv.FormatInt(k.ChildID, 10) + ":" + strconv.FormatInt(k.ServiceID, 10))
		w.WriteString(`"><label for="mr-` + ids + `">`)
		w.esc(k.FirstName)
		w.WriteString(" (")
		w.esc(k.ServiceName)
		w.WriteString(")</label></div>\n")
	}
	w.WriteString("</fieldset>\n<div class=\"form-group\"><label for=\"mr-from\">")
	w.esc(p.T("meal.range.from"))
	w.WriteString(`</label><input type="date" id="mr-from" name="dal" value="`)
	w.esc(p.RangeFrom)
	w.WriteString("\"></div>\n<div class=\"form-group\"><label for=\"mr-to\">")
	w.esc(p.T("meal.range.to"))
	w.WriteString(`</label><input type="date" id="mr-to" name="al" value="`)
	w.esc(p.RangeTo)
	w.WriteString("\"></div>\n<input type=\"hidden\" name=\"stato\" value=\"cancelled\"><input type=\"hidden\" name=\"chiave\" value=\"")
	w.esc(p.RangeKey)
	w.WriteString("\">\n<div class=\"form-actions\"><button type=\"submit\" class=\"btn btn-secondary\" id=\"meal-range-submit\">")
	w.esc(p.T("meal.range.submit"))
	w.WriteString("</button></div>\n</form>\n")
	if p.HasEmail {
		w.WriteString(`<form method="post" action="`)
		w.url(p.EmailAction)
		w.WriteString("\" class=\"meal-receipts\">\n<div class=\"form-check\"><input type=\"checkbox\" id=\"meal-receipts\" name=\"email\" value=\"1\"")
		if p.ReceiptEmail {
			w.WriteString(" checked")
		}
		w.WriteString(`><label for="meal-receipts">`)
		w.esc(p.T("meal.receipts.label"))
		w.WriteString("</label></div>\n<button type=\"submit\" class=\"btn btn-secondary\">")
		w.esc(p.T("meal.receipts.save"))
		w.WriteString("</button>\n</form>")
	}
	w.WriteString("\n</div>")
}

// write writes the box of tariffs by ISEE.
func (p *ISEEPanel) write(w *htmlWriter) {
	w.WriteString("<section class=\"card\" aria-labelledby=\"isee-family-title\" id=\"isee-family\">\n  <h2 id=\"isee-family-title\">")
	w.esc(p.T("isee.family_title"))
	w.WriteString("</h2>\n  ")
	writeISEETariffs(w, p.Base, p.Tariffs)
	w.WriteString("\n  ")
	if d := p.Latest; d != nil {
		w.WriteString("<p>")
		w.esc(p.T("isee.latest", p.Money(d.ISEECents)))
		w.WriteString(" <strong>")
		w.esc(p.ISEEState(*d, p.Today))
		w.WriteString("</strong>")
		if d.Status == "respinta" {
			w.WriteString(" – ")
			w.esc(p.T("isee.reason", d.Reason))
		}
		w.WriteString("</p>")
	}
	w.WriteString("\n  ")
	if p.ViewAsName == "" {
		w.WriteString(`<p><a class="action-link" href="/`)
		w.esc(urlEscape(p.Inst.Code, true))
		w.WriteString(`/famiglia/isee">`)
		w.esc(p.T("isee.family_link"))
		w.WriteString("</a></p>")
	}
	w.WriteString("\n</section>")
}

// ISEETariffList is the list of tariffs by ISEE and why (partial
// "isee-tariff-list": the family home, the ISEE page, the office's page of
// an adult).
func (b Base) ISEETariffList(tariffs []ISEETariffLine) template.HTML {
	w := newHTMLWriter(b, 200+300*len(tariffs))
	writeISEETariffs(w, b, tariffs)
	return w.HTML()
}

func writeISEETariffs(w *htmlWriter, b Base, tariffs []ISEETariffLine) {
	if len(tariffs) == 0 {
		w.WriteString("<p>")
		w.esc(b.T("isee.no_tariffs"))
		w.WriteString("</p>")
		return
	}
	w.WriteString(`<ul class="service-list" id="isee-tariffs">`)
	for _, t := range tariffs {
		w.WriteString("<li>\n  <strong>")
		w.esc(t.Child)
		w.WriteString(", ")
		w.esc(t.Service)
		w.WriteString("</strong>: ")
		w.esc(b.Money(t.Cents))
		w.WriteString(" ")
		if t.Billing == "monthly" {
			w.esc(b.T("family.per_month"))
		} else {
			w.esc(b.T("family.per_day"))
		}
		w.WriteString("\n  <br>")
		if t.Why != "" {
			w.esc(t.Why)
		} else {
			w.esc(b.T("isee.why.office"))
		}
		w.WriteString("</li>")
	}
	w.WriteString("</ul>\n")
}

// write writes today's menu of every child with a mensa.
func (m *MenuToday) write(w *htmlWriter) {
	w.WriteString("<section class=\"card menu-today\" id=\"menu-today\" aria-labelledby=\"menu-today-title\">\n  <h2 id=\"menu-today-title\">")
	w.esc(m.T("menu.today_title"))
	w.WriteString("</h2>\n  ")
	for _, k := range m.Children {
		w.WriteString("<h3>")
		w.esc(k.FirstName)
		w.WriteString("</h3>\n  ")
		if len(k.Courses) > 0 {
			if k.Diet != "" {
				w.WriteString(`<p class="form-hint">`)
				w.esc(k.T("menu.diet_note", k.Diet))
				w.WriteString("</p>")
			}
			k.write(w)
			w.WriteString("\n  ")
		} else {
			w.WriteString("<p>")
			w.esc(k.T("menu.today_none"))
			w.WriteString("</p>")
		}
		w.WriteString("\n  <p><a class=\"action-link\" href=\"")
		w.url(k.WeekURL)
		w.WriteString(`">`)
		w.esc(k.T("menu.week_link"))
		w.WriteString(`<span class="visually-hidden"> – `)
		w.esc(k.FirstName)
		w.WriteString("</span></a></p>\n  ")
	}
	w.WriteString("\n</section>")
}

// CoursesHTML is the list of a day's courses (partial "menu-courses": the
// family home, the calendar's day, the week's menu).
func (m MenuCourses) CoursesHTML() template.HTML {
	w := newHTMLWriter(m.Base, 100+200*len(m.Courses))
	m.write(w)
	return w.HTML()
}

func (m MenuCourses) write(w *htmlWriter) {
	w.WriteString(`<ul class="menu-courses">`)
	for _, c := range m.Courses {
		w.WriteString("\n  <li><strong>")
		w.esc(m.CourseName(c.Course))
		w.WriteString(":</strong> ")
		w.esc(c.Dish)
		if c.Variant {
			w.WriteString(` <span class="badge">`)
			w.esc(m.T("menu.variant", c.Diet))
			w.WriteString("</span>")
		}
		if len(c.Allergens) > 0 {
			w.WriteString(`<br><span class="form-hint">`)
			w.esc(m.T("menu.allergens"))
			w.WriteString(" ")
			w.esc(m.AllergenNames(c.Allergens))
			w.WriteString("</span>")
		}
		w.WriteString("</li>")
	}
	w.WriteString("\n</ul>")
}
