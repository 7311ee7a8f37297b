package db

// PageQueries exposes the parent pages' statements (page_*.go) to the plan test.
var PageQueries = map[string]string{
	"calendar page":  qCalendarPage,
	"calendar month": qCalendarMonth,
	"family page":    qFamilyPage,
	"payments page":  qPaymentsPage,
}
