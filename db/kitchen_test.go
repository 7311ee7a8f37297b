package db_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/lib/pq"

	"portalegenitori/db"
	"portalegenitori/db/dbtest"
	"portalegenitori/internal/calendar"
)

// kitchenFixture is the demo Comune's mensa: Luca (primaria, 3ª B, gluten
// free), Marco (primaria, 2ª A), Pietro (primaria, 4ª A), Sofia and Elena
// (infanzia), all booked by default (presumed presence, cut-off 9:30).
type kitchenFixture struct {
	s                                 *db.Store
	inst, mensa, primaria, infanzia   int64
	luca, marco, pietro, sofia, elena int64
	staff                             int64
}

func newKitchenFixture(t *testing.T) *kitchenFixture {
	t.Helper()
	s, _ := dbtest.New(t)
	f := &kitchenFixture{s: s}
	ctx := context.Background()
	demo, err := s.InstallationByCode(ctx, "demo")
	if err != nil {
		t.Fatal(err)
	}
	f.inst = demo.ID
	dbtest.Get(t, s.DB(), &f.mensa, `SELECT id FROM services WHERE installation_id = $1 AND kind = 'mensa'`, f.inst)
	dbtest.Get(t, s.DB(), &f.staff, `SELECT id FROM accounts WHERE installation_id = $1 AND username = 'operatore'`, f.inst)
	for name, id := range map[string]*int64{"Luca": &f.luca, "Marco": &f.marco, "Pietro": &f.pietro, "Sofia": &f.sofia, "Elena": &f.elena} {
		dbtest.Get(t, s.DB(), id, `SELECT id FROM children WHERE installation_id = $1 AND first_name = $2`, f.inst, name)
	}
	dbtest.Get(t, s.DB(), &f.primaria, `SELECT school_id FROM children WHERE installation_id = $1 AND id = $2`, f.inst, f.luca)
	dbtest.Get(t, s.DB(), &f.infanzia, `SELECT school_id FROM children WHERE installation_id = $1 AND id = $2`, f.inst, f.sofia)
	return f
}

// change makes a meal change through booking's ChangeMeals with the
// database clock pinned at the given instant: a parent's before the
// cut-off, the office's (with a reason) after it.
func (f *kitchenFixture) change(t *testing.T, child int64, day time.Time, state, _ string, at time.Time, office string) error {
	t.Helper()
	req := db.MealRequest{InstallationID: f.inst, ChildIDs: []int64{child}, ServiceID: f.mensa, From: day, To: day, Target: state,
		AccountID: f.staff, ActorName: "Genitore", Channel: db.ChannelParent,
		RequestKey: fmt.Sprintf("k-%d-%s-%d", child, day.Format(time.DateOnly), at.UnixNano())}
	if office != "" {
		req.ActorName, req.Channel, req.Reason = "Ufficio", db.ChannelOffice, office
	}
	_, err := f.s.ChangeMeals(context.Background(), db.PinBookingNow(req, at))
	return err
}

// inFlight writes a change as ChangeMeals would have, decided at the
// given instant, but committed only now: the race the freeze must win.
func (f *kitchenFixture) inFlight(child int64, day time.Time, state, previous string, at time.Time) error {
	cutoff := time.Date(day.Year(), day.Month(), day.Day(), 9, 30, 0, 0, calendar.Rome)
	_, err := f.s.DB().Exec(`INSERT INTO meal_changes (installation_id, child_id, service_id, day, state, previous, accepted_at, cutoff_at,
			actor_name, channel, receipt_code, request_key)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'Genitore', 'parent', 'TEST-CODE', $9)`,
		f.inst, child, f.mensa, day, state, previous, at, cutoff, fmt.Sprintf("inflight-%d-%d", child, at.UnixNano()))
	return err
}

func (f *kitchenFixture) count(t *testing.T, day time.Time, at string, school int64) *db.KitchenCount {
	t.Helper()
	ctx := db.WithKitchenClock(context.Background(), at)
	cutoff, err := f.s.BookingCutoff(ctx, f.inst, f.mensa, day)
	if err != nil {
		t.Fatal(err)
	}
	k, err := f.s.KitchenCount(ctx, f.inst, f.mensa, day, cutoff, school)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// lines renders a count as "school/class/diet/plain=meals(+correction)".
func countLines(f *kitchenFixture, k *db.KitchenCount) map[string]string {
	out := map[string]string{}
	for _, l := range k.Lines {
		school := "P"
		if l.SchoolID == f.infanzia {
			school = "I"
		}
		key := fmt.Sprintf("%s/%s/%s/%v", school, l.ClassName, l.Diet, l.Plain)
		out[key] = fmt.Sprintf("%d%+d", l.Meals, l.Correction)
	}
	return out
}

func wantLines(t *testing.T, step string, got map[string]string, want map[string]string) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%s:\n got %v\nwant %v", step, got, want)
	}
}

// TestKitchenCount: before the cut-off the count is live and follows every
// change accepted so far, split by school, class, diet and plain meal;
// from the cut-off on it is frozen exactly at the changes accepted before
// it (9:29:59.9 in, 9:30:00.1 out), and stays so when the office corrects a
// day late (a correction beside the figure, with its reason) or the
// registry changes a child's diet; a change that was decided before the
// cut-off but would commit after the freeze is refused whole.
func TestKitchenCount(t *testing.T) {
	t.Parallel()
	f := newKitchenFixture(t)
	day := calendar.Day(2027, 3, 1) // a Monday of the school year
	at := func(clock string) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04:05.999", "2027-03-01 "+clock, calendar.Rome)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	pin := func(clock string) string { return at(clock).Format(time.RFC3339Nano) }
	all := map[string]string{"P/3ª B/Senza glutine/false": "1+0", "P/2ª A//false": "1+0", "P/4ª A//false": "1+0",
		"I/Sezione Gialla//false": "1+0", "I/Sezione Verde//false": "1+0"}

	k := f.count(t, day, pin("08:00:00"), 0)
	if k.Frozen {
		t.Fatal("frozen at 8:00")
	}
	wantLines(t, "8:00, nothing changed", countLines(f, k), all)

	// 9:00 Sofia cancelled, Marco plain; 9:29:59.9 Pietro cancelled
	for _, c := range []struct {
		child         int64
		state, before string
		at            string
	}{{f.sofia, "cancelled", "booked", "09:00:00"}, {f.marco, "plain", "booked", "09:00:01"}, {f.pietro, "cancelled", "booked", "09:29:59.9"}} {
		if err := f.change(t, c.child, day, c.state, c.before, at(c.at), ""); err != nil {
			t.Fatal(err)
		}
	}
	k = f.count(t, day, pin("09:10:00"), 0)
	wantLines(t, "9:10", countLines(f, k), map[string]string{"P/3ª B/Senza glutine/false": "1+0", "P/2ª A//true": "1+0", "P/4ª A//false": "1+0",
		"I/Sezione Verde//false": "1+0"})
	k = f.count(t, day, pin("09:29:59.95"), f.primaria)
	if k.Frozen {
		t.Fatal("frozen at 9:29:59.95")
	}
	wantLines(t, "9:29:59.95, primaria only", countLines(f, k), map[string]string{"P/3ª B/Senza glutine/false": "1+0", "P/2ª A//true": "1+0"})

	// the live count equals booking's meal_states() for every school
	states, err := f.s.MealStatesAt(context.Background(), f.inst, f.mensa, day, at("09:29:59.95"))
	if err != nil {
		t.Fatal(err)
	}
	meals := 0
	for _, st := range states {
		if st.State == "booked" || st.State == "plain" {
			meals++
		}
	}
	k = f.count(t, day, pin("09:29:59.95"), 0)
	if got, _, _, _ := k.Totals(); got != meals || meals != 3 {
		t.Errorf("live total %d, meal_states says %d, want 3", got, meals)
	}

	// 9:30:00.1: the first read freezes
	k = f.count(t, day, pin("09:30:00.1"), 0)
	frozen := map[string]string{"P/3ª B/Senza glutine/false": "1+0", "P/2ª A//true": "1+0", "I/Sezione Verde//false": "1+0"}
	if !k.Frozen || !k.Cutoff.Equal(at("09:30:00")) {
		t.Fatalf("at 9:30:00.1: frozen %v, cut-off %s", k.Frozen, k.Cutoff)
	}
	wantLines(t, "frozen at 9:30", countLines(f, k), frozen)
	if meals, plain, diet, corr := k.Totals(); meals != 3 || plain != 1 || diet != 1 || corr != 0 {
		t.Errorf("totals %d meals, %d plain, %d diet, %d corrections", meals, plain, diet, corr)
	}

	// a change decided at 9:29:59.99 whose transaction commits now: refused whole
	err = f.inFlight(f.elena, day, "cancelled", "booked", at("09:29:59.99"))
	var pqe *pq.Error
	if !errors.As(err, &pqe) || pqe.Code != "40001" {
		t.Fatalf("a change accepted before the cut-off but committed after the freeze: %v, want a serialization failure", err)
	}

	// 10:00 the office books Sofia again, with a reason; the registry drops Luca's diet
	if err := f.change(t, f.sofia, day, "booked", "cancelled", at("10:00:00"), "Rientrata dopo la visita"); err != nil {
		t.Fatal(err)
	}
	f.s.DB().MustExec(`UPDATE enrollments SET diet_id = NULL WHERE installation_id = $1 AND child_id = $2`, f.inst, f.luca)
	k = f.count(t, day, pin("10:05:00"), 0)
	wantLines(t, "after a late change", countLines(f, k), map[string]string{"P/3ª B/Senza glutine/false": "1+0", "P/2ª A//true": "1+0",
		"I/Sezione Verde//false": "1+0", "I/Sezione Gialla//false": "0+1"})
	if len(k.Corrections) != 1 || k.Corrections[0].Reason != "Rientrata dopo la visita" || k.Corrections[0].ActorName != "Ufficio" {
		t.Errorf("corrections %+v", k.Corrections)
	}
	if meals, _, _, corr := k.Totals(); meals != 4 || corr != 1 {
		t.Errorf("after the correction: %d to cook, %d corrections; want 4 and +1", meals, corr)
	}
	// the infanzia only: its own lines and its correction
	k = f.count(t, day, pin("10:05:00"), f.infanzia)
	wantLines(t, "infanzia after a late change", countLines(f, k), map[string]string{"I/Sezione Verde//false": "1+0", "I/Sezione Gialla//false": "0+1"})

	// a late change back: the correction nets out, both changes listed
	if err := f.change(t, f.sofia, day, "cancelled", "booked", at("10:10:00"), "Ritirata di nuovo"); err != nil {
		t.Fatal(err)
	}
	k = f.count(t, day, pin("10:15:00"), 0)
	wantLines(t, "after two late changes", countLines(f, k), frozen)
	if len(k.Corrections) != 2 {
		t.Errorf("%d corrections listed, want 2", len(k.Corrections))
	}

	// the snapshot is never rewritten
	if _, err := f.s.DB().Exec(`DELETE FROM kitchen_count_children WHERE installation_id = $1`, f.inst); err == nil {
		t.Error("a frozen count could be deleted")
	}
	var n int
	dbtest.Get(t, f.s.DB(), &n, `SELECT count(*) FROM kitchen_counts WHERE installation_id = $1`, f.inst)
	if n != 1 {
		t.Errorf("%d snapshots, want 1", n)
	}
}

// TestKitchenCountFreezesOnce: many first reads after the cut-off at once,
// with changes racing them: one snapshot, every reader sees the same
// figures, and every change that committed decided before the cut-off is
// in it.
func TestKitchenCountFreezesOnce(t *testing.T) {
	t.Parallel()
	f := newKitchenFixture(t)
	day := calendar.Day(2027, 3, 2)
	cutoff := time.Date(2027, 3, 2, 9, 30, 0, 0, calendar.Rome)
	var wg sync.WaitGroup
	totals := make([]int, 6)
	committed := make([]bool, 5)
	for i, child := range []int64{f.luca, f.marco, f.pietro, f.sofia, f.elena} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			committed[i] = f.inFlight(child, day, "cancelled", "booked", cutoff.Add(-time.Millisecond)) == nil
		}()
	}
	for i := range totals {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := db.WithKitchenClock(context.Background(), cutoff.Add(time.Millisecond).Format(time.RFC3339Nano))
			k, err := f.s.KitchenCount(ctx, f.inst, f.mensa, day, cutoff, 0)
			if err != nil {
				t.Error(err)
				return
			}
			totals[i], _, _, _ = k.Totals()
		}()
	}
	wg.Wait()
	cancelled := 0
	for _, ok := range committed {
		if ok {
			cancelled++
		}
	}
	for i, got := range totals {
		if got != 5-cancelled {
			t.Errorf("reader %d: %d meals, want %d (%d cancellations committed)", i, got, 5-cancelled, cancelled)
		}
	}
	var n int
	dbtest.Get(t, f.s.DB(), &n, `SELECT count(*) FROM kitchen_counts WHERE installation_id = $1 AND day = $2`, f.inst, day)
	if n != 1 {
		t.Errorf("%d snapshots of the day, want 1", n)
	}
}

// TestFreezeDueKitchenCounts: the worker's job freezes a day once its
// cut-off has passed, and only then, once; the count read later is the
// snapshot it wrote.
func TestFreezeDueKitchenCounts(t *testing.T) {
	t.Parallel()
	f := newKitchenFixture(t)
	day := calendar.Day(2027, 3, 3)
	at := func(clock string) context.Context {
		tm, err := time.ParseInLocation("2006-01-02 15:04:05", "2027-03-03 "+clock, calendar.Rome)
		if err != nil {
			t.Fatal(err)
		}
		return db.WithKitchenClock(context.Background(), tm.Format(time.RFC3339Nano))
	}
	frozen := func() bool {
		var ok bool
		dbtest.Get(t, f.s.DB(), &ok, `SELECT EXISTS (SELECT 1 FROM kitchen_counts WHERE installation_id = $1 AND service_id = $2 AND day = $3)`, f.inst, f.mensa, day)
		return ok
	}
	if _, err := f.s.FreezeDueKitchenCounts(at("09:29:00"), day, day); err != nil {
		t.Fatal(err)
	}
	if frozen() {
		t.Fatal("frozen before the cut-off")
	}
	if err := f.change(t, f.sofia, day, "cancelled", "booked", time.Date(2027, 3, 3, 9, 29, 30, 0, calendar.Rome), ""); err != nil {
		t.Fatal(err)
	}
	n, err := f.s.FreezeDueKitchenCounts(at("09:31:00"), day, day)
	if err != nil || n < 1 || !frozen() {
		t.Fatalf("at 9:31: %d frozen, %v; the demo mensa frozen: %v", n, err, frozen())
	}
	if n, err := f.s.FreezeDueKitchenCounts(at("09:32:00"), day, day); err != nil || n != 0 {
		t.Errorf("a second run froze %d (%v), want none", n, err)
	}
	k := f.count(t, day, time.Date(2027, 3, 3, 12, 0, 0, 0, calendar.Rome).Format(time.RFC3339Nano), 0)
	if meals, _, _, _ := k.Totals(); !k.Frozen || meals != 4 {
		t.Errorf("the count after the job: frozen %v, %d meals, want 4 (Sofia cancelled at 9:29:30)", k.Frozen, meals)
	}
}
