package handlers

import (
	"bytes"
	"database/sql"
	"fmt"
	"os"
	"testing"
	"time"

	"portalegenitori/db"
	"portalegenitori/internal/booking"
	"portalegenitori/internal/calendar"
)

// BenchmarkFamilyRender renders the family home of a family with every
// panel (two children, two services each, a week of meal boxes per child,
// the menu, the tariffs by ISEE, the enrolments) without the database: the
// full page, as familyShow answers without htmx, and its content alone.
func BenchmarkFamilyRender(b *testing.B) {
	parsed, err := parsedAssetsAndPages()
	if err != nil {
		b.Fatal(err)
	}
	for _, block := range []string{"layout", "content"} {
		b.Run(block, func(b *testing.B) {
			var buf bytes.Buffer
			v := benchFamilyView(familyOpts{}) // rendering does not change it
			for b.Loop() {
				buf.Reset()
				if err := parsed.pages.Render(&buf, "family", block, v); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(buf.Len()), "bytes")
			if out := os.Getenv("FAMILY_RENDER_OUT"); out != "" && block == "layout" {
				if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// familyOpts varies the family home built by benchFamilyView; its zero
// value is the bench's family: Italian, every panel, plain names.
type familyOpts struct {
	lang                             string
	hostile                          bool // names, school, class, services, diets, tariffs with quotes, &, <, +, non-ASCII
	noMeals, noISEE, noMenu, noEnrol bool
	noChildren, noServices           bool
	otherPayer                       bool // the second child is paid for by another adult
	debit, even                      bool // the balances
	viewAs                           bool // staff reading as the family
	flash                            string
	unread                           int
	refusal, rangeFlash              string
	hasEmail, receipt                bool
	latest                           *db.ISEEDeclaration
}

func benchFamilyView(o familyOpts) FamilyView {
	if o.lang == "" {
		o.lang = "it"
	}
	name := func(plain, odd string) string {
		if o.hostile {
			return odd
		}
		return plain
	}
	inst := &db.Installation{ID: 1, Code: "demo", Name: "Comune di Demo", RegionLabel: "Regione Lazio", OfficeName: "Ufficio scuola"}
	if o.hostile {
		inst.Code, inst.Name = "dè mo", "Comune d'Italia & <co>"
	}
	acc := &db.Account{ID: 9, Role: "parent", PasswordHash: sql.NullString{Valid: true, String: "x"}, Email: "a@example.org"}
	base := Base{Lang: o.lang, Inst: inst, Account: acc, Path: "/" + inst.Code + "/famiglia", Nav: "family",
		FamilyPrefix: "/" + inst.Code, Flash: o.flash}
	if o.viewAs {
		base.ViewAsName = name("Anna Rossi", "Anna D'Angelo <x> & +1")
		base.FamilyPrefix = "/" + inst.Code + "/operatori/adulti/5/famiglia"
	}
	now := time.Date(2026, 11, 30, 8, 15, 0, 0, calendar.Rome)
	day := calendar.DateOf(now)
	month := calendar.MonthOf(day)
	v := FamilyView{Base: base, Name: name("Anna", "Anna \"Nina\" <b>"), Linked: true, SchoolYear: 2026, YearLabel: "2026/2027", Month: month,
		Docs: FamilyDocs{Unread: o.unread}}
	kids := []db.ChildSummary{
		{ID: 11, FirstName: name("Luca", "Zoë D'Amico+"), LastName: name("Rossi", "Rossi & <Figli>"), Role: "payer",
			School: name("Scuola primaria Dante Alighieri", "Scuola \"Dante\" & <Alighieri> +1"), ClassName: name("3A", "3'A<"),
			PayerID: sql.NullInt64{Valid: true, Int64: 5}, PayerName: name("Anna Rossi", "Anna D'Angelo <x>")},
		{ID: 12, FirstName: name("Sofia", "Sofìa <i>"), LastName: "Rossi", Role: "guardian",
			School: name("Scuola dell'infanzia Rodari", "Rodari +&"), ClassName: "",
			PayerID: sql.NullInt64{Valid: true, Int64: 5}, PayerName: name("Anna Rossi", "Anna D'Angelo <x>")},
	}
	if o.otherPayer {
		kids[1].PayerID.Int64, kids[1].PayerName = 6, name("Marco Bianchi", "Marco \"Bianchi\" & <co>")
	}
	balance := int64(1250)
	switch {
	case o.debit:
		balance = -320
	case o.even:
		balance = 0
	}
	start, end := calendar.Day(2026, 9, 14), calendar.Day(2027, 6, 8)
	if !o.noChildren {
		for i, k := range kids {
			fc := FamilyChild{ChildSummary: k, Balance: balance, OwnBalance: k.PayerID.Int64 == 5}
			if !o.noServices || i == 0 {
				fc.Services = []FamilyService{
					{Enrollment: db.Enrollment{ID: int64(100 + i), ChildID: k.ID, ServiceID: 2, ServiceKind: "mensa",
						ServiceName: name("Mensa scolastica", "Mensa <scolastica> & più"), SchoolYear: 2026, StartsOn: start, EndsOn: end,
						Diet: name("", "Senza \"glutine\" & <latte>"), TariffName: name("Tariffa ISEE fascia 2", "Fascia '2' + <ISEE>"),
						TariffCents: 480, Billing: "daily"}, Present: 14 + i},
					{Enrollment: db.Enrollment{ID: int64(200 + i), ChildID: k.ID, ServiceID: 3, ServiceKind: "scuolabus",
						ServiceName: name("Trasporto scolastico", "Scuolabus «A» & <B>"), SchoolYear: 2026, StartsOn: start, EndsOn: end,
						TariffName: name("Tariffa unica", "Unica & sola"), TariffCents: 3500, Billing: "monthly"}, Present: 17},
				}
				if i == 1 {
					fc.Services[0].ServiceKind = "nido"
				}
				for j := range fc.Services {
					fc.Services[j].CalendarURL = fmt.Sprintf("%s/presenze/%d/%d", base.FamilyPrefix, k.ID, fc.Services[j].ServiceID)
				}
			}
			v.Children = append(v.Children, fc)
		}
	}
	v.Balances = familyBalances(v.Children)
	if !o.noMeals && len(v.Children) > 0 {
		p := &MealPanel{Base: base, RangeKey: "RKEY", RangeFrom: "2026-12-01", RangeTo: "2026-12-01",
			RangeAction: base.FamilyPrefix + "/pasti/periodo", EmailAction: base.FamilyPrefix + "/pasti/ricevute",
			Refusal: o.refusal, HasEmail: o.hasEmail, ReceiptEmail: o.receipt}
		p.Flash = o.rangeFlash
		set := db.BookingSettings{ServiceID: 2, ServiceName: v.Children[0].Services[0].ServiceName, Enabled: true, PlainMaxDays: 3}
		change := &db.MealChange{State: booking.Cancelled, ActorName: name("Anna Rossi", "Anna D'Angelo <&> +1"), Channel: "web",
			AcceptedAt: now.Add(-20 * time.Hour), ReceiptCode: "R-1"}
		for _, k := range v.Children {
			mc := MealChild{ChildID: k.ID, FirstName: k.FirstName, ServiceID: 2, ServiceName: set.ServiceName}
			for d, n := day, 0; n < upcomingSchoolDays; d = d.AddDate(0, 0, 1) {
				if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
					continue
				}
				md := db.MealDay{ChildID: k.ID, ServiceID: 2, Day: d, State: booking.Booked,
					Cutoff: time.Date(d.Year(), d.Month(), d.Day(), 9, 30, 0, 0, calendar.Rome), Opens: d.AddDate(0, 0, -14)}
				if n == 2 {
					md.State, md.Last = booking.Cancelled, change
				}
				mc.Days = append(mc.Days, MealDayView{Base: base, MealDay: md, FirstName: k.FirstName, ServiceName: set.ServiceName,
					Settings: set, Action: fmt.Sprintf("%s/pasti/%d/%d/%s", base.FamilyPrefix, k.ID, 2, d.Format(time.DateOnly)),
					Return: "famiglia", Key: "KEY", Now: now, StatusID: "meal-status"})
				n++
			}
			p.Children = append(p.Children, mc)
		}
		if o.noServices {
			p.Children[1].Days = nil
		}
		v.Meals = p
	}
	if !o.noISEE && len(v.Children) > 0 {
		v.ISEE = &ISEEPanel{Base: base, Today: day, Latest: o.latest, Tariffs: []ISEETariffLine{
			{Child: v.Children[0].FirstName, Service: v.Children[0].Services[0].ServiceName, Cents: 480, Billing: "daily",
				Why: name("ISEE nella fascia 2 (fino a € 12.000,00)", "fascia \"2\" & <3> +")},
			{Child: kids[1].FirstName, Service: name("Trasporto", "Bus <&>"), Cents: 3500, Billing: "monthly"},
		}}
	}
	if !o.noMenu && len(v.Children) > 0 {
		allergens := map[string]db.Allergen{"glutine": {Code: "glutine", NameIT: "Glutine", NameEN: "Gluten"},
			"latte": {Code: "latte", NameIT: "Latte", NameEN: "Milk"}, "uova": {Code: "uova", NameIT: "Uova & <derivati>", NameEN: "Eggs"}}
		m := &MenuToday{Base: base, Today: day}
		for i, k := range v.Children {
			mc := MenuCourses{Base: base, Day: day, FirstName: k.FirstName, allergens: allergens}
			if i == 0 {
				mc.Diet = name("", "Senza \"glutine\" & <latte>")
				mc.Courses = []db.ChildMenuCourse{
					{Day: day, ChildID: k.ID, Course: "primo", Dish: name("Pasta al pomodoro", "Pasta \"al\" <pomodoro> & +"), Allergens: []string{"glutine"}},
					{Day: day, ChildID: k.ID, Course: "secondo", Dish: "Frittata", Variant: o.hostile, Diet: mc.Diet, Allergens: []string{"uova", "latte"}},
					{Day: day, ChildID: k.ID, Course: "contorno", Dish: "Carote"},
					{Day: day, ChildID: k.ID, Course: "frutta", Dish: "Mela"},
				}
			}
			m.Children = append(m.Children, MenuTodayChild{MenuCourses: mc, WeekURL: fmt.Sprintf("%s/menu/%d", base.FamilyPrefix, k.ID)})
		}
		v.Menu = m
	}
	if !o.noEnrol {
		closes := time.Date(2027, 1, 31, 12, 0, 0, 0, calendar.Rome)
		v.Enrol = &EnrolmentPanel{
			Windows: []db.EnrolmentWindow{{ID: 4, Title: name("Mensa 2027/2028", "Mensa \"27\" & <28> +"), ClosesAt: closes}},
			Requests: []db.EnrolmentRequest{
				{ID: 8, WindowTitle: name("Nido 2026/2027", "Nido <&>"), FirstName: kids[1].FirstName, LastName: kids[1].LastName, Status: "accepted",
					ServiceName: name("Nido comunale", "Nido 'A' & B"), StartsOn: start, EndsOn: end},
				{ID: 9, WindowTitle: "Scuolabus", FirstName: kids[0].FirstName, LastName: kids[0].LastName, Status: "submitted"},
			}}
	}
	return v
}
