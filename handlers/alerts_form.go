package handlers

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/internal/money"
)

// AlertsForm is the form of the alert settings, the same for an adult's
// own alerts ("Avvisi") and the Comune's defaults (staff settings), as the
// "alerts-form" partial renders it. Values are kept as typed.
type AlertsForm struct {
	Base
	Action     string
	Staff      bool // the Comune's defaults: every channel, no contacts
	S          db.AlertSettings
	Amount     string
	Meals      string
	QuietStart string
	QuietEnd   string
	Email      string // the adult's contacts (not for Staff)
	Mobile     string
	FiscalCode string
	ComuneIO   bool  // the Comune has an IO service
	DayCents   int64 // today's daily tariff of the adult's children
	// ReminderOffered: the adult guards a child of an explicit-booking
	// service, so the meal reminder is shown (always on the defaults)
	ReminderOffered bool
	Errors          map[string]string
}

func hhmm(minutes int) string { return fmt.Sprintf("%02d:%02d", minutes/60, minutes%60) }

// parseHHMM reads "21:00" (or "21.00", "9:30") into minutes after midnight.
func parseHHMM(s string) (int, bool) {
	s = strings.ReplaceAll(strings.TrimSpace(s), ".", ":")
	h, m, ok := strings.Cut(s, ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || len(m) != 2 || hh < 0 || hh > 23 || mm < 0 || mm > 59 {
		return 0, false
	}
	return hh*60 + mm, true
}

// newAlertsForm fills the form from stored settings.
func newAlertsForm(b Base, action string, s db.AlertSettings) AlertsForm {
	return AlertsForm{Base: b, Action: action, S: s, Amount: money.Decimal(s.LowAmountCents, b.Lang != "en"),
		Meals: strconv.Itoa(s.LowMeals), QuietStart: hhmm(s.QuietStart), QuietEnd: hhmm(s.QuietEnd), Errors: map[string]string{}}
}

// read takes the posted form into f, checking every field; the fields in
// error keep what was typed and f.Errors says what to fix, by field ID.
func (f *AlertsForm) read(c *gin.Context) {
	s := &f.S
	s.LowEnabled = c.PostForm("low_enabled") == "1"
	s.DebtEnabled = c.PostForm("debt_enabled") == "1"
	s.ViaEmail = c.PostForm("via_email") == "1"
	s.ViaSMS = c.PostForm("via_sms") == "1"
	s.ViaAppIO = c.PostForm("via_appio") == "1"
	s.ReminderEnabled = c.PostForm("reminder_enabled") == "1" && (f.Staff || f.ReminderOffered) // hidden: saved off
	f.Amount = truncate(strings.TrimSpace(c.PostForm("low_amount")), 20)
	f.Meals = truncate(strings.TrimSpace(c.PostForm("low_meals")), 10)
	f.QuietStart = truncate(strings.TrimSpace(c.PostForm("quiet_start")), 10)
	f.QuietEnd = truncate(strings.TrimSpace(c.PostForm("quiet_end")), 10)
	switch mode := c.PostForm("low_mode"); mode {
	case "amount", "meals":
		s.LowMode = mode
	default:
		f.Errors["low_mode-amount"] = f.T("alerts.error.mode")
	}
	// the threshold in use must be right; the other is kept when it is
	if cents, ok := money.Parse(f.Amount); ok && cents >= 1 && cents <= 100000 {
		s.LowAmountCents = cents
	} else if s.LowMode == "amount" || f.Amount != "" {
		f.Errors["low_amount"] = f.T("alerts.error.amount")
	}
	if n, err := strconv.Atoi(f.Meals); err == nil && n >= 1 && n <= 100 {
		s.LowMeals = n
	} else if s.LowMode == "meals" || f.Meals != "" {
		f.Errors["low_meals"] = f.T("alerts.error.meals")
	}
	if m, ok := parseHHMM(f.QuietStart); ok {
		s.QuietStart = m
	} else {
		f.Errors["quiet_start"] = f.T("alerts.error.time")
	}
	if m, ok := parseHHMM(f.QuietEnd); ok {
		s.QuietEnd = m
	} else {
		f.Errors["quiet_end"] = f.T("alerts.error.time")
	}
	if !f.Staff {
		if s.ViaEmail && f.Email == "" {
			f.Errors["via_email"] = f.T("alerts.error.no_email")
		}
		if s.ViaSMS && f.Mobile == "" {
			f.Errors["via_sms"] = f.T("alerts.error.no_mobile")
		}
	}
	if s.ViaAppIO && !f.ComuneIO && !f.Staff {
		f.Errors["via_appio"] = f.T("alerts.error.no_appio")
	}
	if (s.LowEnabled || s.DebtEnabled || s.ReminderEnabled) && !s.ViaEmail && !s.ViaSMS && !s.ViaAppIO {
		f.Errors["via_email"] = f.T("alerts.error.no_channel")
	}
}

// MealsPreview says what the threshold in meals is worth today.
func (f AlertsForm) MealsPreview() string {
	n, err := strconv.Atoi(strings.TrimSpace(f.Meals))
	if err != nil || n < 1 || n > 100 {
		return f.T("alerts.error.meals")
	}
	if f.DayCents <= 0 {
		return f.T("alerts.meals_none")
	}
	return f.T("alerts.meals_preview", n, f.Money(int64(n)*f.DayCents), f.Money(f.DayCents))
}

// ErrorList lists the errors in the order of the form, for the summary.
func (f AlertsForm) ErrorList() []FormError {
	var out []FormError
	for _, id := range []string{"low_mode-amount", "low_amount", "low_meals", "via_email", "via_sms", "via_appio", "quiet_start", "quiet_end"} {
		if m, ok := f.Errors[id]; ok {
			out = append(out, FormError{ID: id, Message: m})
		}
	}
	return out
}

// FormError is one line of a form's error summary.
type FormError struct{ ID, Message string }

// Field builds a text field of the form.
func (f AlertsForm) Field(name, labelKey, value, typ string) Field {
	return fieldFor(f.Base, f.Errors, name, labelKey, value, typ, "off")
}

// AlertChannel is one channel of the form, as the "alerts-channel"
// partial renders it.
type AlertChannel struct {
	Name, Label, To, Missing, Error, ErrorPrefix string
	On, Available                                bool
}

// DescribedBy lists the contact and the error.
func (c AlertChannel) DescribedBy() string {
	var ids []string
	if c.To != "" {
		ids = append(ids, c.Name+"-hint")
	}
	if c.Error != "" {
		ids = append(ids, c.Name+"-error")
	}
	return strings.Join(ids, " ")
}

// Channel builds a channel: contact is the adult's address, number or
// codice fiscale (empty: the adult has none, and the channel is offered
// only on the Comune's defaults).
func (f AlertsForm) Channel(name, labelKey string, on bool, contact, toKey, missingKey string) AlertChannel {
	c := AlertChannel{Name: name, Label: f.T(labelKey), On: on, Missing: f.T(missingKey), Error: f.Errors[name],
		ErrorPrefix: f.T("common.error_prefix"), Available: f.Staff || contact != ""}
	if name == "via_appio" && !f.Staff && !f.ComuneIO {
		c.Available = false
	}
	if contact != "" && !f.Staff {
		c.To = f.T(toKey, contact)
	}
	return c
}
