package handlers

import (
	"bytes"
	"html/template"
	"testing"
	"time"

	"portalegenitori/db"
	"portalegenitori/internal/booking"
	"portalegenitori/internal/calendar"
)

// mealDayTemplate is the "meal-day" template that MealDayView.HTML
// replaced, kept to hold the Go code to it byte for byte.
const mealDayTemplate = `{{define "meal-day"}}{{$b := .Box}}<div id="{{$b.ID}}" class="meal-day meal-{{.MealDay.State}}">
<p class="meal-head"><strong>{{$b.LongDay}}</strong>: <span class="meal-state">{{$b.StateText}}</span></p>
{{with .Last}}<p class="meal-last">{{$.ChangeText .}}</p>{{end}}
{{if or $b.Open .Office}}<p class="form-hint">{{$b.Hint}}</p>
<div class="form-actions meal-actions">
{{range $i, $t := $b.Targets}}<form method="post" action="{{$.Action}}" hx-post="{{$.Action}}" hx-target="#{{$b.ID}}" hx-swap="outerHTML" hx-push-url="false">
<input type="hidden" name="stato" value="{{$t.State}}"><input type="hidden" name="chiave" value="{{$t.Key}}"><input type="hidden" name="ritorno" value="{{$.Return}}">
{{if $b.Reason}}<div class="form-group"><label for="{{$b.ID}}-motivo-{{$t.State}}">{{$b.ReasonLabel}}</label><input type="text" id="{{$b.ID}}-motivo-{{$t.State}}" name="motivo" maxlength="200" autocomplete="off"></div>{{end}}
<button type="submit" class="btn {{if eq $i 0}}btn-primary{{else}}btn-secondary{{end}}"{{if eq $i 0}} id="{{$b.ButtonID}}"{{end}}>{{$t.Label}}<span class="visually-hidden"> – {{$.FirstName}}, {{$.ServiceName}}, {{$b.LongDay}}</span></button>
</form>
{{end}}</div>
{{else}}<p class="meal-closed" id="{{$b.ButtonID}}" tabindex="-1">{{$b.Hint}}</p>{{end}}
{{with .Message}}<p class="meal-message{{if $.Refused}} meal-refused{{end}}">{{.}}</p>{{end}}
{{with .History}}<details class="meal-history"><summary>{{$.T "meal.history"}}</summary><ul>{{range .}}<li>{{$.ChangeText .}}{{if .Late}} {{$.T "meal.late_reason" .Reason}}{{end}}</li>{{end}}</ul></details>{{end}}
</div>{{end}}`

func TestMealDayHTMLMatchesTemplate(t *testing.T) {
	tmpl := template.Must(template.New("").Parse(mealDayTemplate))
	day := calendar.Day(2026, 12, 3)
	cutoff := time.Date(2026, 12, 3, 9, 30, 0, 0, calendar.Rome)
	opens := time.Date(2026, 11, 20, 12, 0, 0, 0, calendar.Rome)
	change := db.MealChange{State: booking.Cancelled, ActorName: "Anna D'Angelo <&> +1", Channel: "web",
		AcceptedAt: cutoff.Add(-time.Hour), ReceiptCode: "R-1+2"}
	late := change
	late.Late, late.Reason, late.State = true, `telefonata "urgente" & <b>`, booking.Booked
	plain := db.BookingSettings{PlainMaxDays: 3}
	views := map[string]MealDayView{
		"open, booked, plain offered": {Now: cutoff.Add(-2 * time.Hour), Settings: plain,
			MealDay: db.MealDay{State: booking.Booked, Cutoff: cutoff, Opens: opens}},
		"open, cancelled, with last change and message": {Now: cutoff.Add(-26 * time.Hour),
			MealDay: db.MealDay{State: booking.Cancelled, Cutoff: cutoff, Opens: opens, Last: &change}, Message: "Fatto: <ok>"},
		"closed, refused": {Now: cutoff.Add(time.Minute), MealDay: db.MealDay{State: booking.Booked, Cutoff: cutoff, Opens: opens},
			Message: "Troppo tardi", Refused: true},
		"not yet open": {Now: opens.Add(-time.Hour), MealDay: db.MealDay{State: booking.None, Cutoff: cutoff, Opens: opens}},
		"office, late, plain, history": {Now: cutoff.Add(time.Hour), Office: true, Settings: plain,
			MealDay: db.MealDay{State: booking.Plain, Cutoff: cutoff, Opens: opens, Last: &late}, History: []db.MealChange{change, late}},
		"office, open, english": {Base: Base{Lang: "en"}, Now: cutoff.Add(-time.Hour), Office: true,
			MealDay: db.MealDay{State: booking.None, Cutoff: cutoff, Opens: opens}},
		"an action to normalize": {Now: cutoff.Add(-time.Hour), Action: "/demo/pasti/7 2/città?x=%zz%41",
			MealDay: db.MealDay{State: booking.Booked, Cutoff: cutoff, Opens: opens}},
		"an action that is not ours": {Now: cutoff.Add(-time.Hour), Action: "javascript:alert(1) <x>",
			MealDay: db.MealDay{State: booking.Booked, Cutoff: cutoff, Opens: opens}},
	}
	for name, v := range views {
		if v.Lang == "" {
			v.Lang = "it"
		}
		v.ChildID, v.ServiceID, v.Day = 7, 2, day
		v.FirstName, v.ServiceName = "Zoë D'Amico+", "Mensa <scolastica> & più"
		if v.Action == "" {
			v.Action = "/demo/pasti/7/2/2026-12-03?a=1&b=2+3"
		}
		v.Return, v.Key = "famiglia", "k'1"
		var want bytes.Buffer
		if err := tmpl.ExecuteTemplate(&want, "meal-day", v); err != nil {
			t.Fatal(name, err)
		}
		if got := string(v.HTML()); got != want.String() {
			t.Errorf("%s:\n got %s\nwant %s", name, got, want.String())
		}
	}
}
