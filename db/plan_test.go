package db_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lib/pq"

	"portalegenitori/db"
	"portalegenitori/db/dbtest"
	"portalegenitori/internal/calendar"
)

type planNode struct {
	NodeType string     `json:"Node Type"`
	Relation string     `json:"Relation Name"`
	Index    string     `json:"Index Name"`
	Plans    []planNode `json:"Plans"`
}

func (n planNode) walk(f func(planNode)) {
	f(n)
	for _, c := range n.Plans {
		c.walk(f)
	}
}

// TestParentQueryPlans seeds a synthetic city big enough for the planner to
// prefer indexes (3,000 children, about 600,000 attendance rows and 150,000
// ledger entries) and checks that every query behind the parent pages reads
// the big tables through index range scans on keys led by installation_id
// and the child or adult — never a sequential scan.
func TestParentQueryPlans(t *testing.T) {
	t.Parallel()
	s, _ := dbtest.New(t)
	ctx := context.Background()
	start := time.Now()
	children := 3000
	if n, err := strconv.Atoi(os.Getenv("GENITORI_PLAN_CHILDREN")); err == nil && n > 0 {
		children = n // make bench-plan: the 100,000-children city
	}
	res, err := s.SeedSynthetic(ctx, db.SyntheticOptions{Code: "piano", Children: children,
		Start: calendar.Day(2026, 9, 7), Until: calendar.Day(2026, 11, 26)})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("seeded %d attendance rows, %d ledger entries in %s", res.Attendance, res.Ledger, time.Since(start).Round(time.Millisecond))
	if res.Attendance < int64(children)*150 {
		t.Fatalf("only %d attendance rows", res.Attendance)
	}
	inst := res.InstallationID
	// a paying adult with two children, one enrolled in mensa
	var adult, child, service int64
	if err := s.DB().QueryRow(`
		SELECT g.adult_id, g.child_id, e.service_id FROM guardianships g
		JOIN enrollments e ON e.installation_id = g.installation_id AND e.child_id = g.child_id
		JOIN services sv ON sv.installation_id = e.installation_id AND sv.id = e.service_id AND sv.kind = 'mensa'
		WHERE g.installation_id = $1 AND g.role = 'payer'
		  AND (SELECT count(*) FROM guardianships x WHERE x.installation_id = g.installation_id AND x.adult_id = g.adult_id) >= 2
		ORDER BY g.adult_id LIMIT 1`, inst).Scan(&adult, &child, &service); err != nil {
		t.Fatal(err)
	}
	kids := pq.Array([]int64{child, child + 1})
	nov1, nov30, oct14 := calendar.Day(2026, 11, 1), calendar.Day(2026, 11, 30), calendar.Day(2026, 10, 14)
	null := any(nil)
	cases := []struct {
		name  string
		args  []any
		index string // the index the big table must be read through ("Index Only Scan on x": and how)
	}{
		{"children of adult", []any{inst, adult}, "guardianships_adult"},
		{"child of adult (guard)", []any{inst, adult, child}, "guardianships_adult"},
		{"enrollments", []any{inst, kids, 2026}, "enrollments_child"},
		{"presence counts", []any{inst, kids, nov1, nov30}, "attendance_pkey"},
		// the amount is in the index (migration 00037): no heap page per entry
		{"balances", []any{inst, pq.Array([]int64{adult})}, "Index Only Scan on ledger_adult_date"},
		{"attendance month", []any{inst, child, service, nov1, nov30}, "attendance_pkey"},
		{"attendance day", []any{inst, child, service, oct14}, "attendance_pkey"},
		{"day charges", []any{inst, child, service, nov1, nov30}, "ledger_child_day"},
		{"ledger page", []any{inst, adult, null, null, null, null, null, null, 25, 0}, "ledger_adult_date"},
		{"ledger page", []any{inst, adult, calendar.Day(2026, 10, 1), calendar.Day(2026, 10, 31), child, service, "charge", null, 25, 25}, "ledger_adult_date"},
		{"ledger page", []any{inst, adult, null, null, null, null, null, pq.Array([]int64{child}), 25, 0}, "ledger_adult_date"},
		{"ledger totals", []any{inst, adult, null, null, null, null, "topup", null}, "ledger_adult_date"},
		{"payers for", []any{inst, adult}, "guardianships_adult"},
		// Disdetta pasto (db/booking.go): the kitchen by day, a family by child
		{"meal changes of a day", []any{inst, service, calendar.Day(2026, 11, 30), time.Date(2026, 11, 30, 9, 30, 0, 0, calendar.Rome)}, "meal_changes_day"},
		{"meal days of a child", []any{inst, child, service, nov1, nov30}, "meal_changes_child"},
		// the meal request's write (db/booking_change.go), planned only: a
		// cancelled day's live charge found by the child's day
		{"meal request write", []any{inst, service, "cancelled", nov30, 0, "Mario", "parent", "AAAA-BBBB", "",
			pq.Array([]int64{child}), pq.Array([]string{"2026-11-30"}), pq.Array([]string{"booked"}),
			pq.Array([]string{"2026-11-30T09:30:00+01:00"}), pq.Array([]bool{false}), pq.Array([]string{"plan-key"}),
			"absence_notified", "parent", "", nov30, true, "Pasto disdetto", 0, "mario", "meal_change", "success", "", "{}", true,
			pq.Array([]int64{child})}, "ledger_child_day"},
	}
	if err := s.SeedSyntheticPanels(ctx, inst); err != nil {
		t.Fatal(err)
	}
	t.Run("page statements", func(t *testing.T) { pageStatementPlans(t, s, inst, adult, child, service) })
	big := []string{"attendance", "ledger_entries", "guardianships", "enrollments", "children", "adults", "accounts", "meal_changes"}
	for i, c := range cases {
		q, ok := db.PlanQueries[c.name]
		if !ok {
			t.Fatalf("no query %q", c.name)
		}
		var raw string
		if err := s.DB().QueryRow("EXPLAIN (FORMAT JSON) "+q, c.args...).Scan(&raw); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var plans []struct {
			Plan planNode `json:"Plan"`
		}
		if err := json.Unmarshal([]byte(raw), &plans); err != nil {
			t.Fatal(err)
		}
		var used, seq []string
		plans[0].Plan.walk(func(n planNode) {
			if n.Index != "" {
				used = append(used, n.NodeType+" on "+n.Index)
			}
			if n.NodeType == "Seq Scan" && slices.Contains(big, n.Relation) {
				seq = append(seq, n.Relation)
			}
		})
		t.Logf("%d %-22s %s", i, c.name, strings.Join(used, ", "))
		if len(seq) > 0 {
			t.Errorf("%s: sequential scan on %v", c.name, seq)
		}
		want := func(u string) bool { return strings.HasSuffix(u, " on "+c.index) }
		if strings.Contains(c.index, " on ") { // the node type too
			want = func(u string) bool { return u == c.index }
		}
		if !slices.ContainsFunc(used, want) {
			t.Errorf("%s: %s not used; plan:\n%s", c.name, c.index, raw)
		}
	}
}

// pageStatementPlans runs EXPLAIN (ANALYZE, BUFFERS) of each parent page's
// one statement (db/page_*.go) for a family of the synthetic city: no
// sequential scan of a table that grows with the city, and the buffers
// touched bounded by the family's rows, not by the city's.
func pageStatementPlans(t *testing.T, s *db.Store, inst, adult, child, service int64) {
	t.Helper()
	const maxBuffers = 3000 // 8 kB pages: about 24 MB; the family's rows take a few hundred
	null := any(nil)
	sep1, nov1, nov12, nov30, dec14 := calendar.Day(2026, 9, 1), calendar.Day(2026, 11, 1), calendar.Day(2026, 11, 12), calendar.Day(2026, 11, 30), calendar.Day(2026, 12, 14)
	cases := []struct {
		name, query string
		args        []any
	}{
		{"calendar month", "calendar month", []any{inst, adult, child, service, nov1, nov30, null}},
		{"calendar day", "calendar page", []any{inst, adult, child, service, nov1, nov30, null, nov12}},
		{"meal change (the day)", "calendar page", []any{inst, adult, child, service, nov12, nov12, null, nov12}},
		// the meal request's first statement (db/booking_change.go): it
		// locks the child and reads, in meal_request_state, its changes
		{"meal request (a week)", "meal request", []any{inst, service, fmt.Sprintf("{%d}", child), nov30, dec14, adult, null, "{}"}},
		{"family home", "family page", []any{inst, adult, null, 2026, nov1, nov30, nov30, dec14, 0, nov30}},
		{"payments", "payments page", []any{inst, adult, null, null, 2026, null, null, null, null, null, 25, 1, false, true}},
		{"payments, filtered", "payments page", []any{inst, adult, null, adult, 2026, calendar.Day(2026, 10, 1), calendar.Day(2026, 10, 31), child, service, "charge", 25, 2, false, true}},
		{"statement", "payments page", []any{inst, adult, null, null, 2026, sep1, calendar.Day(2026, 11, 26), null, null, null, null, 1, true, false}},
	}
	// indexes a statement must read index-only: the payers' balances have
	// the amount in the index (migration 00037)
	indexOnlyOf := map[string]string{"family home": "ledger_adult_date"}
	grows := []string{"attendance", "ledger_entries", "guardianships", "enrollments", "children", "adults", "accounts",
		"meal_changes", "broadcast_recipients", "pagopa_positions", "isee_declarations", "enrolment_requests"}
	ctx := context.Background()
	for i, c := range cases {
		// The server runs these as prepared statements: after five runs
		// PostgreSQL may keep a generic plan, blind to the values. So the plan
		// checked is the one a prepared statement has after six runs.
		conn, err := s.DB().Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		name := fmt.Sprintf("page_%d", i)
		if _, err := conn.ExecContext(ctx, "PREPARE "+name+" AS "+db.PageQueries[c.query]); err != nil {
			t.Fatalf("%s: prepare: %v", c.name, err)
		}
		execute := "EXECUTE " + name + "(" + sqlLiterals(c.args) + ")"
		for range 6 {
			if _, err := conn.ExecContext(ctx, execute); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
		}
		var raw string
		err = conn.QueryRowContext(ctx, "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) "+execute).Scan(&raw)
		conn.Close()
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var plans []struct {
			Plan struct {
				planNode
				Hit  int `json:"Shared Hit Blocks"`
				Read int `json:"Shared Read Blocks"`
			} `json:"Plan"`
			Execution float64 `json:"Execution Time"`
		}
		if err := json.Unmarshal([]byte(raw), &plans); err != nil {
			t.Fatal(err)
		}
		p := plans[0]
		var seq, small []string
		indexOnly := false
		p.Plan.walk(func(n planNode) {
			indexOnly = indexOnly || (n.NodeType == "Index Only Scan" && n.Index == indexOnlyOf[c.name])
			if n.NodeType == "Seq Scan" {
				if slices.Contains(grows, n.Relation) {
					seq = append(seq, n.Relation)
				} else {
					small = append(small, n.Relation)
				}
			}
		})
		t.Logf("%-22s %5d buffers (%d read), %.2f ms; sequential scans of small tables: %v", c.name, p.Plan.Hit+p.Plan.Read, p.Plan.Read, p.Execution, small)
		if len(seq) > 0 {
			t.Errorf("%s: sequential scan on %v; plan:\n%s", c.name, seq, raw)
		}
		if b := p.Plan.Hit + p.Plan.Read; b > maxBuffers {
			t.Errorf("%s: %d buffers, want at most %d", c.name, b, maxBuffers)
		}
		if indexOnlyOf[c.name] != "" && !indexOnly {
			t.Errorf("%s: no index-only scan of %s; plan:\n%s", c.name, indexOnlyOf[c.name], raw)
		}
		// the meal request's reads in meal_request_state do not show in the
		// plan, only in its buffers: one child's days are a few dozen (a
		// generic plan that read every change of the service in the days
		// took a thousand on this city)
		if b := p.Plan.Hit + p.Plan.Read; c.query == "meal request" && b > 300 {
			t.Errorf("%s: %d buffers, want at most 300", c.name, b)
		}
	}
}

// sqlLiterals writes the arguments of an EXECUTE.
func sqlLiterals(args []any) string {
	out := make([]string, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case nil:
			out[i] = "NULL"
		case time.Time:
			out[i] = "'" + v.Format(time.DateOnly) + "'"
		case string:
			out[i] = pq.QuoteLiteral(v)
		default:
			out[i] = fmt.Sprint(v)
		}
	}
	return strings.Join(out, ", ")
}
