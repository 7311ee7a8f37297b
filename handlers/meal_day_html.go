package handlers

import (
	"html/template"
	"strings"
)

// htmlEsc escapes a text or a quoted attribute's value as html/template
// does (its htmlEscaper), so a box written here is byte for byte what the
// template wrote.
var htmlEsc = strings.NewReplacer("\x00", "\uFFFD", `"`, "&#34;", "&", "&amp;", "'", "&#39;", "+", "&#43;", "<", "&lt;", ">", "&gt;")

// HTML writes the day's box: the "meal-day" template of the family home's
// two weeks of every child, worked out in Go (each text of it, through
// the template, was a reflective lookup or call: most of that page's
// CPU). MealDayHTMLMatchesTemplate holds it to the template it replaced.
func (d MealDayView) HTML() template.HTML {
	b := d.Box()
	var w strings.Builder
	w.Grow(1200 + 900*len(b.Targets))
	esc := func(s string) { _, _ = htmlEsc.WriteString(&w, s) }
	w.WriteString(`<div id="`)
	esc(b.ID)
	w.WriteString(`" class="meal-day meal-`)
	esc(d.MealDay.State)
	w.WriteString("\">\n<p class=\"meal-head\"><strong>")
	esc(b.LongDay)
	w.WriteString(`</strong>: <span class="meal-state">`)
	esc(b.StateText)
	w.WriteString("</span></p>\n")
	if d.Last != nil {
		w.WriteString(`<p class="meal-last">`)
		esc(d.ChangeText(*d.Last))
		w.WriteString("</p>")
	}
	w.WriteString("\n")
	if b.Open || d.Office {
		w.WriteString(`<p class="form-hint">`)
		esc(b.Hint)
		w.WriteString("</p>\n<div class=\"form-actions meal-actions\">\n")
		// html/template filtered the action as a URL: only a path of ours
		action := "#ZgotmplZ"
		if strings.HasPrefix(d.Action, "/") {
			action = urlEscape(d.Action, true)
		}
		for i, t := range b.Targets {
			w.WriteString(`<form method="post" action="`)
			esc(action)
			w.WriteString(`" hx-post="`)
			esc(d.Action)
			w.WriteString(`" hx-target="#`)
			esc(b.ID)
			w.WriteString("\" hx-swap=\"outerHTML\" hx-push-url=\"false\">\n<input type=\"hidden\" name=\"stato\" value=\"")
			esc(t.State)
			w.WriteString(`"><input type="hidden" name="chiave" value="`)
			esc(t.Key)
			w.WriteString(`"><input type="hidden" name="ritorno" value="`)
			esc(d.Return)
			w.WriteString("\">\n")
			if b.Reason {
				w.WriteString(`<div class="form-group"><label for="`)
				esc(b.ID)
				w.WriteString("-motivo-")
				esc(t.State)
				w.WriteString(`">`)
				esc(b.ReasonLabel)
				w.WriteString(`</label><input type="text" id="`)
				esc(b.ID)
				w.WriteString("-motivo-")
				esc(t.State)
				w.WriteString(`" name="motivo" maxlength="200" autocomplete="off"></div>`)
			}
			w.WriteString("\n<button type=\"submit\" class=\"btn ")
			if i == 0 {
				w.WriteString(`btn-primary"`)
				w.WriteString(` id="`)
				esc(b.ButtonID)
				w.WriteString(`"`)
			} else {
				w.WriteString(`btn-secondary"`)
			}
			w.WriteString(">")
			esc(t.Label)
			w.WriteString(`<span class="visually-hidden"> – `)
			esc(d.FirstName)
			w.WriteString(", ")
			esc(d.ServiceName)
			w.WriteString(", ")
			esc(b.LongDay)
			w.WriteString("</span></button>\n</form>\n")
		}
		w.WriteString("</div>\n")
	} else {
		w.WriteString(`<p class="meal-closed" id="`)
		esc(b.ButtonID)
		w.WriteString(`" tabindex="-1">`)
		esc(b.Hint)
		w.WriteString("</p>")
	}
	w.WriteString("\n")
	if d.Message != "" {
		w.WriteString(`<p class="meal-message`)
		if d.Refused {
			w.WriteString(" meal-refused")
		}
		w.WriteString(`">`)
		esc(d.Message)
		w.WriteString("</p>")
	}
	w.WriteString("\n")
	if len(d.History) > 0 {
		w.WriteString(`<details class="meal-history"><summary>`)
		esc(d.T("meal.history"))
		w.WriteString("</summary><ul>")
		for _, m := range d.History {
			w.WriteString("<li>")
			esc(d.ChangeText(m))
			if m.Late {
				w.WriteString(" ")
				esc(d.T("meal.late_reason", m.Reason))
			}
			w.WriteString("</li>")
		}
		w.WriteString("</ul></details>")
	}
	w.WriteString("\n</div>")
	return template.HTML(w.String()) //nolint:gosec // every text above is escaped
}
