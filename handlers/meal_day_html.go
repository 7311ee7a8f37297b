package handlers

import (
	"html/template"
	"strings"
)

// HTML writes the day's box: the "meal-day" template of the family home's
// two weeks of every child, worked out in Go (each text of it, through
// the template, was a reflective lookup or call: most of that page's
// CPU). MealDayHTMLMatchesTemplate holds it to the template it replaced.
func (d MealDayView) HTML() template.HTML {
	w := newHTMLWriter(d.Base, 3000)
	d.write(w)
	return w.HTML()
}

// write writes the day's box into w (the family home's panel writes all
// its boxes into one writer); its texts are in d's language.
func (d MealDayView) write(w *htmlWriter) {
	b := d.Box()
	w.WriteString(`<div id="`)
	w.esc(b.ID)
	w.WriteString(`" class="meal-day meal-`)
	w.esc(d.MealDay.State)
	w.WriteString("\">\n<p class=\"meal-head\"><strong>")
	w.esc(b.LongDay)
	w.WriteString(`</strong>: <span class="meal-state">`)
	w.esc(b.StateText)
	w.WriteString("</span></p>\n")
	if d.Last != nil {
		w.WriteString(`<p class="meal-last">`)
		w.esc(d.ChangeText(*d.Last))
		w.WriteString("</p>")
	}
	w.WriteString("\n")
	if b.Open || d.Office {
		w.WriteString(`<p class="form-hint">`)
		w.esc(b.Hint)
		w.WriteString("</p>\n<div class=\"form-actions meal-actions\">\n")
		// html/template filtered the action as a URL: only a path of ours
		action := "#ZgotmplZ"
		if strings.HasPrefix(d.Action, "/") {
			action = urlEscape(d.Action, true)
		}
		for i, t := range b.Targets {
			w.WriteString(`<form method="post" action="`)
			w.esc(action)
			w.WriteString(`" hx-post="`)
			w.esc(d.Action)
			w.WriteString(`" hx-target="#`)
			w.esc(b.ID)
			w.WriteString("\" hx-swap=\"outerHTML\" hx-push-url=\"false\">\n<input type=\"hidden\" name=\"stato\" value=\"")
			w.esc(t.State)
			w.WriteString(`"><input type="hidden" name="chiave" value="`)
			w.esc(t.Key)
			w.WriteString(`"><input type="hidden" name="ritorno" value="`)
			w.esc(d.Return)
			w.WriteString("\">\n")
			if b.Reason {
				w.WriteString(`<div class="form-group"><label for="`)
				w.esc(b.ID)
				w.WriteString("-motivo-")
				w.esc(t.State)
				w.WriteString(`">`)
				w.esc(b.ReasonLabel)
				w.WriteString(`</label><input type="text" id="`)
				w.esc(b.ID)
				w.WriteString("-motivo-")
				w.esc(t.State)
				w.WriteString(`" name="motivo" maxlength="200" autocomplete="off"></div>`)
			}
			w.WriteString("\n<button type=\"submit\" class=\"btn ")
			if i == 0 {
				w.WriteString(`btn-primary"`)
				w.WriteString(` id="`)
				w.esc(b.ButtonID)
				w.WriteString(`"`)
			} else {
				w.WriteString(`btn-secondary"`)
			}
			w.WriteString(">")
			w.esc(t.Label)
			w.WriteString(`<span class="visually-hidden"> – `)
			w.esc(d.FirstName)
			w.WriteString(", ")
			w.esc(d.ServiceName)
			w.WriteString(", ")
			w.esc(b.LongDay)
			w.WriteString("</span></button>\n</form>\n")
		}
		w.WriteString("</div>\n")
	} else {
		w.WriteString(`<p class="meal-closed" id="`)
		w.esc(b.ButtonID)
		w.WriteString(`" tabindex="-1">`)
		w.esc(b.Hint)
		w.WriteString("</p>")
	}
	w.WriteString("\n")
	if d.Message != "" {
		w.WriteString(`<p class="meal-message`)
		if d.Refused {
			w.WriteString(" meal-refused")
		}
		w.WriteString(`">`)
		w.esc(d.Message)
		w.WriteString("</p>")
	}
	w.WriteString("\n")
	if len(d.History) > 0 {
		w.WriteString(`<details class="meal-history"><summary>`)
		w.esc(d.T("meal.history"))
		w.WriteString("</summary><ul>")
		for _, m := range d.History {
			w.WriteString("<li>")
			w.esc(d.ChangeText(m))
			if m.Late {
				w.WriteString(" ")
				w.esc(d.T("meal.late_reason", m.Reason))
			}
			w.WriteString("</li>")
		}
		w.WriteString("</ul></details>")
	}
	w.WriteString("\n</div>")
}
