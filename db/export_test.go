package db

// PlanQueries exposes the SQL behind the parent pages to the plan test.
var PlanQueries = map[string]string{
	"children of adult":      qChildrenOfAdult,
	"enrollments":            qEnrollments + ` WHERE e.installation_id = $1 AND e.child_id = ANY($2) AND e.school_year = $3`,
	"presence counts":        qPresenceCounts,
	"balances":               qBalances,
	"attendance month":       qAttendanceMonth,
	"attendance day":         qAttendanceDay,
	"day charges":            qDayCharges,
	"ledger page":            qLedgerPage,
	"ledger totals":          qLedgerTotals,
	"payers for":             qPayersFor,
	"child of adult (guard)": qChildrenOfAdult + ` AND g.child_id = $3`,
}
