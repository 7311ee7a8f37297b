package handlers

import (
	"strconv"
	"time"

	"portalegenitori/internal/calendar"
	"portalegenitori/internal/money"
)

// Money formats cents in the page language: "€ 12,34".
func (b Base) Money(cents int64) string { return money.Format(cents, b.Lang) }

// MoneySigned formats cents with "+" on credits: "+€ 20,00", "−€ 4,80".
func (b Base) MoneySigned(cents int64) string { return money.FormatSigned(cents, b.Lang) }

// BalanceText words a balance: "€ 12,50 a credito", "€ 3,20 a debito", "in pari".
func (b Base) BalanceText(cents int64) string {
	switch {
	case cents > 0:
		return b.T("money.credit", money.FormatAbs(cents, b.Lang))
	case cents < 0:
		return b.T("money.debit", money.FormatAbs(cents, b.Lang))
	}
	return b.T("money.even")
}

// Date formats a civil date as "03/11/2026" (Italian) or "3 Nov 2026".
func (b Base) Date(t time.Time) string {
	if b.Lang == "en" {
		return t.Format("2 Jan 2006")
	}
	return t.Format("02/01/2006")
}

// LongDate formats a civil date as "martedì 3 novembre 2026".
func (b Base) LongDate(t time.Time) string {
	return b.T("date.long", b.T("weekday."+strconv.Itoa(int(t.Weekday()))), t.Day(),
		b.T("month."+strconv.Itoa(int(t.Month()))), t.Year())
}

// DayMonth formats "3 novembre".
func (b Base) DayMonth(t time.Time) string {
	return b.T("date.day_month", t.Day(), b.T("month."+strconv.Itoa(int(t.Month()))))
}

// MonthLabel formats "novembre 2026".
func (b Base) MonthLabel(m calendar.Month) string {
	return b.T("date.month_year", b.T("month."+strconv.Itoa(int(m.Month))), m.Year)
}

// Kind names a ledger entry kind.
func (b Base) Kind(kind string) string { return b.T("ledger.kind." + kind) }

// Source names where an attendance record came from.
func (b Base) Source(source string) string { return b.T("att.source." + source) }

// State names a calendar state ("present", "closed", ...).
func (b Base) State(state string) string { return b.T("att.state." + state) }

// today is the current civil date in Italy.
func today() time.Time { return calendar.DateOf(time.Now().In(calendar.Rome)) }
