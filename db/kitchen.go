package db

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"

	"portalegenitori/internal/calendar"
)

// --- kitchen count (kitchen_counts, kitchen_count_children, 00017) ---

// KitchenLine is the number of meals of one kind in one class: the diet's
// name only ("" without a diet), plain for "pasto in bianco". Meals is the
// live figure before the cut-off, the frozen one after; Correction is the
// sum of the office's late changes on the line (after the cut-off only).
type KitchenLine struct {
	SchoolID   int64  `db:"school_id"`
	SchoolName string `db:"school_name"`
	ClassName  string `db:"class_name"`
	Diet       string `db:"diet"`
	Plain      bool   `db:"plain"`
	Meals      int    `db:"meals"`
	Correction int    `db:"-"`
}

// ToCook is the figure the kitchen cooks: the frozen one and the corrections.
func (l KitchenLine) ToCook() int { return l.Meals + l.Correction }

// KitchenCorrection is one late change of the office after the cut-off, as
// the count shows it: where it moves a meal, and why.
type KitchenCorrection struct {
	ChangeID   int64     `db:"id"`
	ChildID    int64     `db:"child_id"`
	State      string    `db:"state"`
	Previous   string    `db:"previous"`
	AcceptedAt time.Time `db:"accepted_at"`
	ActorName  string    `db:"actor_name"`
	Reason     string    `db:"reason"`
	SchoolID   int64     `db:"school_id"`
	SchoolName string    `db:"school_name"`
	ClassName  string    `db:"class_name"`
	Diet       string    `db:"diet"`
}

// KitchenCount is the meal count of a service day, for one school or all.
type KitchenCount struct {
	Now         time.Time // the database clock that decided live or frozen
	Cutoff      time.Time
	Frozen      bool
	FrozenAt    time.Time
	Lines       []KitchenLine // by school, class, diet, plain
	Corrections []KitchenCorrection
}

// Totals of the count.
func (k *KitchenCount) Totals() (meals, plain, diet, corrections int) {
	for _, l := range k.Lines {
		meals += l.ToCook()
		corrections += l.Correction
		if l.Plain {
			plain += l.ToCook()
		}
		if l.Diet != "" {
			diet += l.ToCook()
		}
	}
	return
}

// KitchenCount reads the meals of a service day (school 0: every school).
// cutoff is the day's cut-off under the service's booking rules. Before it
// (by the database clock booking_now()) the figures are live; from it on
// they come from the snapshot, which the first read after the cut-off
// writes, exactly once, in this same transaction: under the day's lock,
// from the changes accepted before the cut-off, so it holds exactly the
// changes acknowledged in time (a change in flight is waited for; one that
// would commit after the snapshot is refused, see 00017).
func (s *Store) KitchenCount(ctx context.Context, installationID, serviceID int64, day, cutoff time.Time, schoolID int64) (*KitchenCount, error) {
	k := &KitchenCount{Cutoff: cutoff}
	for attempt := 0; ; attempt++ {
		frozen, err := s.kitchenCountTx(ctx, k, installationID, serviceID, day, schoolID)
		if err != nil {
			return nil, fmt.Errorf("kitchen count: %w", err)
		}
		if frozen || !k.Frozen || attempt > 0 {
			break
		}
		// the cut-off has passed and nobody froze the day yet: freeze it,
		// then read it. The freeze reads the whole city's enrolments: it is
		// not tied to this request, so a reader whose request times out
		// still leaves the day frozen for the next.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), kitchenFreezeTimeout)
		err = s.WithTx(fctx, func(tx *sqlx.Tx) error { return freezeKitchenCount(fctx, tx, installationID, serviceID, day, cutoff) })
		cancel()
		if err != nil {
			return nil, fmt.Errorf("kitchen count: %w", err)
		}
	}
	sortKitchenLines(k.Lines)
	return k, nil
}

// kitchenFreezeTimeout bounds a freeze (a city of 100,000 children: a few
// seconds on a busy 2-CPU machine).
const kitchenFreezeTimeout = 2 * time.Minute

// kitchenCountTx reads the count in one transaction: live before the
// cut-off, the snapshot after it. frozen tells whether a snapshot was
// there to read (k.Frozen alone: the cut-off has passed).
func (s *Store) kitchenCountTx(ctx context.Context, k *KitchenCount, installationID, serviceID int64, day time.Time, schoolID int64) (frozen bool, err error) {
	k.Lines, k.Corrections = nil, nil
	err = s.WithTx(ctx, func(tx *sqlx.Tx) error {
		if err := pinBookingClock(ctx, tx); err != nil {
			return err
		}
		if err := tx.GetContext(ctx, &k.Now, `SELECT booking_now()`); err != nil {
			return fmt.Errorf("clock: %w", err)
		}
		if k.Now.Before(k.Cutoff) {
			return tx.SelectContext(ctx, &k.Lines, kitchenLiveSQL(schoolID != 0), installationID, serviceID, day, k.Now, schoolID)
		}
		k.Frozen = true
		var at sql.NullTime
		if err := tx.GetContext(ctx, &at, `SELECT max(frozen_at) FROM kitchen_counts WHERE installation_id = $1 AND service_id = $2 AND day = $3`,
			installationID, serviceID, day); err != nil {
			return fmt.Errorf("frozen count: %w", err)
		}
		if !at.Valid {
			return nil
		}
		frozen, k.FrozenAt = true, at.Time
		if err := tx.SelectContext(ctx, &k.Lines, `
			SELECT k.school_id, s.name AS school_name, k.class_name, k.diet, k.plain, count(*) AS meals
			FROM kitchen_count_children k
			JOIN schools s ON s.installation_id = k.installation_id AND s.id = k.school_id
			WHERE k.installation_id = $1 AND k.service_id = $2 AND k.day = $3 AND ($4 = 0 OR k.school_id = $4)
			GROUP BY k.school_id, s.name, k.class_name, k.diet, k.plain`, installationID, serviceID, day, schoolID); err != nil {
			return fmt.Errorf("frozen lines: %w", err)
		}
		return kitchenCorrections(ctx, tx, k, installationID, serviceID, day, schoolID)
	})
	return frozen, err
}

// kitchenLiveSQL: the meals of the day as of $4 for one school ($5) or
// all (0), the state of each enrolled child as meal_states() (00016)
// decides it. One school's page is led by its children (an index range on
// children_school_class, then each child's enrolment and latest change by
// key), so its cost is the school's size, not the city's.
func kitchenLiveSQL(oneSchool bool) string {
	enrolment := `JOIN enrollments e ON e.installation_id = c.installation_id AND e.child_id = c.id AND e.service_id = $2
	     AND $3::date BETWEEN e.starts_on AND e.ends_on`
	where := `c.installation_id = $1 AND c.school_id IS NOT NULL AND $5 = 0`
	if oneSchool {
		enrolment = `CROSS JOIN LATERAL (SELECT x.diet_id, x.service_id, x.installation_id FROM enrollments x
	     WHERE x.installation_id = c.installation_id AND x.child_id = c.id AND x.service_id = $2
	       AND $3::date BETWEEN x.starts_on AND x.ends_on ORDER BY x.starts_on DESC LIMIT 1) e`
		where = `c.installation_id = $1 AND c.school_id = $5`
	}
	return `
	SELECT c.school_id, s.name AS school_name, c.class_name, coalesce(d.name, '') AS diet, st.state = 'plain' AS plain, count(*) AS meals
	FROM children c
	JOIN schools s ON s.installation_id = c.installation_id AND s.id = c.school_id
	` + enrolment + `
	LEFT JOIN diets d ON d.installation_id = e.installation_id AND d.id = e.diet_id
	LEFT JOIN booking_settings bs ON bs.installation_id = e.installation_id AND bs.service_id = e.service_id
	CROSS JOIN LATERAL (
	    SELECT coalesce((SELECT mc.state FROM meal_changes mc
	                     WHERE mc.installation_id = c.installation_id AND mc.child_id = c.id AND mc.service_id = $2
	                       AND mc.day = $3::date AND mc.accepted_at <= $4
	                     ORDER BY mc.accepted_at DESC, mc.id DESC LIMIT 1),
	                    CASE WHEN coalesce(bs.mode, 'presumed') = 'presumed' THEN 'booked' ELSE 'none' END) AS state) st
	WHERE ` + where + `
	  AND st.state IN ('booked', 'plain')
	  AND extract(isodow FROM $3::date) < 6
	  AND NOT EXISTS (SELECT 1 FROM closures cl WHERE cl.installation_id = $1 AND cl.day = $3::date)
	GROUP BY c.school_id, s.name, c.class_name, coalesce(d.name, ''), st.state = 'plain'`
}

// freezeKitchenCount writes the snapshot of a day, unless another
// transaction did first: the exclusive lock of the day waits for the meal
// changes in flight (they share it), and the INSERT ... ON CONFLICT DO
// NOTHING makes the second of two freezes a no-op. The meals are
// meal_states() (00016) as of just before the cut-off, computed set-wise
// for the whole city: the enrolments of the day, and each child's latest
// change from one range of meal_changes_day.
func freezeKitchenCount(ctx context.Context, tx *sqlx.Tx, inst, service int64, day, cutoff time.Time) error {
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(kitchen_day_key($1, $2, $3::date))`, inst, service, day); err != nil {
		return fmt.Errorf("lock the day: %w", err)
	}
	res, err := tx.ExecContext(ctx, `
		INSERT INTO kitchen_counts (installation_id, service_id, day, cutoff_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (installation_id, service_id, day) DO NOTHING`, inst, service, day, cutoff)
	if err != nil {
		return fmt.Errorf("freeze: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil // frozen meanwhile, committed before our lock
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO kitchen_count_children (installation_id, service_id, day, child_id, school_id, class_name, diet, plain)
		SELECT DISTINCT ON (c.id) $1::bigint, $2::bigint, $3::date, c.id, c.school_id, c.class_name, coalesce(d.name, ''),
		       coalesce(l.state, CASE WHEN coalesce(bs.mode, 'presumed') = 'presumed' THEN 'booked' ELSE 'none' END) = 'plain'
		FROM enrollments e
		JOIN children c ON c.installation_id = e.installation_id AND c.id = e.child_id AND c.school_id IS NOT NULL
		LEFT JOIN diets d ON d.installation_id = e.installation_id AND d.id = e.diet_id
		LEFT JOIN booking_settings bs ON bs.installation_id = e.installation_id AND bs.service_id = e.service_id
		LEFT JOIN (SELECT DISTINCT ON (mc.child_id) mc.child_id, mc.state FROM meal_changes mc
		           WHERE mc.installation_id = $1 AND mc.day = $3::date AND mc.service_id = $2 AND mc.accepted_at < $4
		           ORDER BY mc.child_id, mc.accepted_at DESC, mc.id DESC) l ON l.child_id = e.child_id
		WHERE e.installation_id = $1 AND e.service_id = $2 AND $3::date BETWEEN e.starts_on AND e.ends_on
		  AND coalesce(l.state, CASE WHEN coalesce(bs.mode, 'presumed') = 'presumed' THEN 'booked' ELSE 'none' END) IN ('booked', 'plain')
		  AND extract(isodow FROM $3::date) < 6
		  AND NOT EXISTS (SELECT 1 FROM closures cl WHERE cl.installation_id = $1 AND cl.day = $3::date)
		ORDER BY c.id, e.starts_on DESC`, inst, service, day, cutoff); err != nil {
		return fmt.Errorf("freeze children: %w", err)
	}
	return nil
}

// kitchenCorrections loads the office's late changes of the day and folds
// them beside the frozen lines: a child's meal that goes is -1 on its frozen
// line, one that comes is +1 on the line of its class and diet now.
func kitchenCorrections(ctx context.Context, tx *sqlx.Tx, k *KitchenCount, inst, service int64, day time.Time, school int64) error {
	if err := tx.SelectContext(ctx, &k.Corrections, `
		SELECT mc.id, mc.child_id, mc.state, mc.previous, mc.accepted_at, mc.actor_name, mc.reason,
		       coalesce(f.school_id, c.school_id) AS school_id, s.name AS school_name,
		       coalesce(f.class_name, c.class_name) AS class_name,
		       coalesce(f.diet, (SELECT coalesce(d.name, '') FROM enrollments e LEFT JOIN diets d ON d.installation_id = e.installation_id AND d.id = e.diet_id
		                         WHERE e.installation_id = mc.installation_id AND e.child_id = mc.child_id AND e.service_id = mc.service_id
		                           AND mc.day BETWEEN e.starts_on AND e.ends_on ORDER BY e.id DESC LIMIT 1), '') AS diet
		FROM meal_changes mc
		JOIN children c ON c.installation_id = mc.installation_id AND c.id = mc.child_id
		LEFT JOIN kitchen_count_children f ON f.installation_id = mc.installation_id AND f.service_id = mc.service_id AND f.day = mc.day AND f.child_id = mc.child_id
		JOIN schools s ON s.installation_id = mc.installation_id AND s.id = coalesce(f.school_id, c.school_id)
		WHERE mc.installation_id = $1 AND mc.day = $3 AND mc.service_id = $2 AND mc.accepted_at >= $4
		  AND ($5 = 0 OR coalesce(f.school_id, c.school_id) = $5)
		ORDER BY mc.accepted_at, mc.id`, inst, service, day, k.Cutoff, school); err != nil {
		return fmt.Errorf("late changes: %w", err)
	}
	// each child's first late change says what was frozen, its last what is cooked
	type move struct {
		c           KitchenCorrection
		first, last string
	}
	moves := map[int64]*move{}
	var order []int64
	for _, c := range k.Corrections {
		m, ok := moves[c.ChildID]
		if !ok {
			m = &move{c: c, first: c.Previous}
			moves[c.ChildID] = m
			order = append(order, c.ChildID)
		}
		m.last = c.State
	}
	index := map[[4]string]int{}
	key := func(school int64, class, diet string, plain bool) [4]string {
		return [4]string{fmt.Sprint(school), class, diet, fmt.Sprint(plain)}
	}
	for i, l := range k.Lines {
		index[key(l.SchoolID, l.ClassName, l.Diet, l.Plain)] = i
	}
	add := func(c KitchenCorrection, plain bool, delta int) {
		kk := key(c.SchoolID, c.ClassName, c.Diet, plain)
		i, ok := index[kk]
		if !ok {
			k.Lines = append(k.Lines, KitchenLine{SchoolID: c.SchoolID, SchoolName: c.SchoolName, ClassName: c.ClassName, Diet: c.Diet, Plain: plain})
			i = len(k.Lines) - 1
			index[kk] = i
		}
		k.Lines[i].Correction += delta
	}
	meal := func(state string) bool { return state == "booked" || state == "plain" }
	for _, id := range order {
		m := moves[id]
		if m.first == m.last {
			continue
		}
		if meal(m.first) {
			add(m.c, m.first == "plain", -1)
		}
		if meal(m.last) {
			add(m.c, m.last == "plain", +1)
		}
	}
	return nil
}

func sortKitchenLines(lines []KitchenLine) {
	slices.SortFunc(lines, func(a, b KitchenLine) int {
		switch {
		case a.SchoolName != b.SchoolName:
			return cmpString(a.SchoolName, b.SchoolName)
		case a.SchoolID != b.SchoolID:
			return int(a.SchoolID - b.SchoolID)
		case a.ClassName != b.ClassName:
			return cmpString(a.ClassName, b.ClassName)
		case a.Diet != b.Diet:
			return cmpString(a.Diet, b.Diet)
		case a.Plain != b.Plain:
			if a.Plain {
				return 1
			}
			return -1
		}
		return 0
	})
}

func cmpString(a, b string) int {
	if a < b {
		return -1
	}
	if a > b {
		return 1
	}
	return 0
}

// KitchenServices lists the services whose meals the kitchen cooks.
func (s *Store) KitchenServices(ctx context.Context, installationID int64) ([]Option, error) {
	var out []Option
	err := s.db.SelectContext(ctx, &out, `SELECT id, name, kind FROM services WHERE installation_id = $1 AND kind IN ('mensa', 'nido') ORDER BY kind = 'nido', name, id`,
		installationID)
	return out, wrap("kitchen services", err)
}

// kitchenClockKey carries a pinned booking_now() for the kitchen count's
// transaction: tests only (kitchen_export_test.go), as MealRequest.now.
type kitchenClockKey struct{}

func pinBookingClock(ctx context.Context, tx *sqlx.Tx) error {
	at, ok := ctx.Value(kitchenClockKey{}).(string)
	if !ok || at == "" {
		return nil
	}
	_, err := tx.ExecContext(ctx, `SELECT set_config('genitori.booking_now', $1, true)`, at)
	return wrap("pin the booking clock", err)
}

// FreezeDueKitchenCounts freezes, for every kitchen service of every
// installation, the counts of the days from..to whose cut-off has passed by
// the database clock and that nobody has frozen yet (the worker's periodic
// job: the snapshot then exists within a minute of the cut-off, read or
// not). It returns how many it froze.
func (s *Store) FreezeDueKitchenCounts(ctx context.Context, from, to time.Time) (int, error) {
	var services []struct {
		Inst    int64 `db:"installation_id"`
		Service int64 `db:"id"`
	}
	if err := s.db.SelectContext(ctx, &services, `SELECT installation_id, id FROM services WHERE kind IN ('mensa', 'nido') ORDER BY 1, 2`); err != nil {
		return 0, fmt.Errorf("freeze due kitchen counts: %w", err)
	}
	var now time.Time
	if err := s.WithTx(ctx, func(tx *sqlx.Tx) error {
		if err := pinBookingClock(ctx, tx); err != nil {
			return err
		}
		return tx.GetContext(ctx, &now, `SELECT booking_now()`)
	}); err != nil {
		return 0, fmt.Errorf("freeze due kitchen counts: clock: %w", err)
	}
	n := 0
	for _, sv := range services {
		for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
			var closed, frozen, enrolled bool
			if err := s.db.QueryRowContext(ctx, `SELECT
				EXISTS (SELECT 1 FROM closures WHERE installation_id = $1 AND day = $3),
				EXISTS (SELECT 1 FROM kitchen_counts WHERE installation_id = $1 AND service_id = $2 AND day = $3),
				EXISTS (SELECT 1 FROM enrollments WHERE installation_id = $1 AND service_id = $2 AND $3::date BETWEEN starts_on AND ends_on)`,
				sv.Inst, sv.Service, d).Scan(&closed, &frozen, &enrolled); err != nil {
				return n, fmt.Errorf("freeze due kitchen counts: %w", err)
			}
			if closed || frozen || !enrolled || !calendar.ServiceWeekday(d) {
				continue
			}
			cutoff, err := s.BookingCutoff(ctx, sv.Inst, sv.Service, d)
			if err != nil {
				return n, err
			}
			if now.Before(cutoff) {
				continue
			}
			if err := s.WithTx(ctx, func(tx *sqlx.Tx) error { return freezeKitchenCount(ctx, tx, sv.Inst, sv.Service, d, cutoff) }); err != nil {
				return n, fmt.Errorf("freeze due kitchen counts: %w", err)
			}
			n++
		}
	}
	return n, nil
}
