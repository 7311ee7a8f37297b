package db

import (
	"context"
	"database/sql/driver"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"portalegenitori/internal/calendar"
	"portalegenitori/internal/codicefiscale"
	"portalegenitori/internal/password"
)

// SyntheticOptions shape a large synthetic installation (`genitori seed
// --children N`).
type SyntheticOptions struct {
	Code     string    // installation code, e.g. "citta"
	Children int       // number of children
	Start    time.Time // first day of services of the school year
	Until    time.Time // attendance is recorded up to this day; later days are booked
	End      time.Time // last day of the enrollments (default 30 June)
	Password string    // the password of every synthetic parent account
	Log      func(format string, args ...any)
}

// SyntheticResult says what was made.
type SyntheticResult struct {
	InstallationID          int64
	Families, Adults        int
	Attendance, Ledger      int64
	FirstUsername, Password string
}

// SyntheticUsername is the username of the n-th family's first (a) or
// second (b) adult.
func SyntheticUsername(family int, second bool) string {
	if second {
		return fmt.Sprintf("gen%06db", family)
	}
	return fmt.Sprintf("gen%06da", family)
}

var (
	synMale    = []string{"Luca", "Marco", "Giuseppe", "Francesco", "Alessandro", "Andrea", "Matteo", "Lorenzo", "Davide", "Simone", "Federico", "Riccardo", "Gabriele", "Tommaso", "Edoardo", "Leonardo", "Pietro", "Giovanni", "Antonio", "Stefano", "Paolo", "Roberto", "Nicola", "Emanuele", "Filippo", "Samuele", "Diego", "Cristian", "Daniele", "Michele"}
	synFemale  = []string{"Sofia", "Giulia", "Aurora", "Alice", "Ginevra", "Emma", "Giorgia", "Greta", "Beatrice", "Anna", "Chiara", "Martina", "Sara", "Francesca", "Elena", "Laura", "Valentina", "Federica", "Alessia", "Elisa", "Silvia", "Paola", "Marta", "Noemi", "Vittoria", "Camilla", "Ludovica", "Matilde", "Bianca", "Irene"}
	synSurname = []string{"Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino", "Greco", "Bruno", "Gallo", "Conti", "De Luca", "Mancini", "Costa", "Giordano", "Rizzo", "Lombardi", "Moretti", "Barbieri", "Fontana", "Santoro", "Mariani", "Rinaldi", "Caruso", "Ferrara", "Galli", "Martini", "Leone", "Longo", "Gentile", "Martinelli", "Vitale", "Lombardo", "Serra", "Coppola", "De Santis", "D'Angelo", "Marchetti", "Parisi", "Villa", "Conte", "Ferraro", "Ferri", "Fabbri", "Bianco", "Marini", "Grasso", "Valentini"}
	synDiets   = []string{"Senza glutine", "Senza lattosio", "Vegetariana", "Senza carne di maiale", "Senza frutta a guscio"}
)

// SeedSynthetic generates a realistic installation at city scale: schools,
// services with tariffs, diets, families of one to four children with two
// guardians each (both with an account), enrollments, daily attendance
// since the start of the school year (booked after Until), one charge per
// meal eaten, monthly passes and monthly top-ups. The bulk is written with
// COPY and INSERT ... SELECT over generate_series, in chunks of children.
func (s *Store) SeedSynthetic(ctx context.Context, o SyntheticOptions) (*SyntheticResult, error) {
	logf := o.Log
	if logf == nil {
		logf = func(string, ...any) {}
	}
	if o.Children <= 0 {
		return nil, fmt.Errorf("synthetic seed: --children must be positive")
	}
	if o.Code == "" {
		o.Code = "citta"
	}
	if o.Start.IsZero() {
		o.Start = calendar.Day(calendar.SchoolYear(time.Now().In(calendar.Rome)), time.September, 7)
	}
	year := calendar.SchoolYear(o.Start)
	if o.End.IsZero() {
		o.End = calendar.Day(year+1, time.June, 30)
	}
	if o.Until.IsZero() {
		o.Until = calendar.DateOf(time.Now().In(calendar.Rome))
	}
	if o.Password == "" {
		o.Password = "Citta-Genitori-2026"
	}
	hash, err := password.Hash(o.Password)
	if err != nil {
		return nil, err
	}
	conn, err := s.db.Connx(ctx)
	if err != nil {
		return nil, fmt.Errorf("synthetic seed: %w", err)
	}
	defer conn.Close()
	// bulk load: losing the last commits on a crash is fine for a seed
	if _, err := conn.ExecContext(ctx, `SET synchronous_commit = off`); err != nil {
		return nil, fmt.Errorf("synthetic seed: %w", err)
	}
	res := &SyntheticResult{Password: o.Password}
	var exists bool
	if err := conn.GetContext(ctx, &exists, `SELECT EXISTS (SELECT 1 FROM installations WHERE code = $1)`, o.Code); err != nil {
		return nil, fmt.Errorf("synthetic seed: %w", err)
	}
	if exists {
		return nil, fmt.Errorf("synthetic seed: installation %q exists already (choose another --installation)", o.Code)
	}
	start := time.Now()
	step := func(what string) func() {
		t := time.Now()
		return func() { logf("%-34s %6.1fs (total %.0fs)", what, time.Since(t).Seconds(), time.Since(start).Seconds()) }
	}

	// 1. the registry, in one transaction
	done := step("registry (families, children)")
	tx, err := conn.BeginTxx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	inst, families, adults, err := synRegistry(ctx, tx, o, year, hash)
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("synthetic seed: commit registry: %w", err)
	}
	res.InstallationID, res.Families, res.Adults = inst, families, adults
	res.FirstUsername = SyntheticUsername(1, false)
	done()

	// 2. attendance, by chunks of children. The rows are consistent by
	// construction, so a superuser skips the per-row foreign-key triggers
	// (a third of the time); others just wait longer.
	if _, err := conn.ExecContext(ctx, `SET session_replication_role = replica`); err != nil {
		logf("(not a superuser: foreign keys are checked row by row, the seed is slower)")
	}
	defer func() {
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), `RESET session_replication_role`); err != nil {
			// A connection that skips foreign keys must not go back to the pool.
			_ = conn.Raw(func(any) error { return driver.ErrBadConn }) // returns ErrBadConn: nothing to check
			logf("reset session_replication_role: %v (connection discarded)", err)
		}
	}()
	var closures []time.Time
	for _, h := range calendar.Holidays(year) {
		closures = append(closures, h.Day)
	}
	var minID, maxID int64
	if err := conn.QueryRowxContext(ctx, `SELECT min(id), max(id) FROM children WHERE installation_id = $1`, inst).Scan(&minID, &maxID); err != nil {
		return nil, fmt.Errorf("synthetic seed: %w", err)
	}
	done = step("attendance")
	const chunk = 2500
	for lo := minID; lo <= maxID; lo += chunk {
		r, err := conn.ExecContext(ctx, `
			INSERT INTO attendance (installation_id, child_id, service_id, day, status, source, recorded_at)
			SELECT e.installation_id, e.child_id, e.service_id, d.day,
			       CASE WHEN d.day > $4 THEN 'booked'
			            WHEN x.h < 40 THEN 'absence_notified' WHEN x.h < 60 THEN 'absent' ELSE 'present' END,
			       CASE WHEN d.day > $4 THEN 'default' WHEN x.h < 40 THEN 'parent' ELSE 'register' END,
			       CASE WHEN d.day > $4 THEN e.starts_on - 7 + time '08:00' WHEN x.h < 40 THEN d.day - 1 + time '19:30'
			            ELSE d.day + time '09:10' END AT TIME ZONE 'Europe/Rome'
			FROM enrollments e
			CROSS JOIN LATERAL (SELECT g::date AS day FROM generate_series(e.starts_on, e.ends_on, interval '1 day') g) d
			CROSS JOIN LATERAL (SELECT abs(hashint8(e.child_id * 100000 + (d.day - date '2000-01-01'))::bigint) % 1000 AS h) x
			WHERE e.installation_id = $1 AND e.child_id BETWEEN $2 AND $3
			  AND extract(isodow FROM d.day) < 6 AND d.day <> ALL($5::date[])
			ORDER BY e.child_id, e.service_id, d.day`,
			inst, lo, lo+chunk-1, o.Until, pq.Array(closures))
		if err != nil {
			return nil, fmt.Errorf("synthetic seed: attendance: %w", err)
		}
		n, _ := r.RowsAffected()
		res.Attendance += n
		if (lo-minID)/chunk%8 == 7 {
			logf("  attendance: children up to %d of %d, %d rows, %.0fs", lo+chunk-minID, maxID-minID+1, res.Attendance, time.Since(start).Seconds())
		}
	}
	done()

	// 3. money: a charge per meal eaten, monthly passes, monthly top-ups
	done = step("charges and top-ups")
	for m := calendar.MonthOf(o.Start); !calendar.MonthOf(o.Until).Before(m); m = m.Next() {
		to := m.Last()
		if to.After(o.Until) {
			to = o.Until
		}
		n, err := chargeAttendance(ctx, conn, inst, m.First(), to)
		if err != nil {
			return nil, err
		}
		k, err := chargeMonthly(ctx, conn, inst, m.First())
		if err != nil {
			return nil, err
		}
		// each paying adult tops up at the start of the month, through a
		// channel of their habit, enough for about a month of their children's services
		r, err := conn.ExecContext(ctx, `
			INSERT INTO ledger_entries (installation_id, adult_id, kind, amount_cents, entry_date, channel, receipt_ref, idempotency_key)
			SELECT g.installation_id, g.adult_id, 'topup',
			       (ceil(sum(CASE WHEN e.billing = 'monthly' THEN e.tariff_cents ELSE e.tariff_cents * 19 END) / 1000.0) * 1000)::bigint,
			       greatest($2::date, min(e.starts_on)) + (g.adult_id % 5)::int,
			       (ARRAY['pagoPA', 'pagoPA', 'pagoPA', 'POS', 'contanti', 'bonifico'])[1 + g.adult_id % 6],
			       'RF' || lpad((g.adult_id * 7919 % 1000000000)::text, 9, '0') || to_char($2::date, 'YYMM'),
			       'syn-topup:' || g.adult_id || ':' || to_char($2::date, 'YYYY-MM')
			FROM guardianships g
			JOIN enrollments e ON e.installation_id = g.installation_id AND e.child_id = g.child_id
			WHERE g.installation_id = $1 AND g.role = 'payer' AND e.starts_on <= $3 AND e.ends_on >= $2
			GROUP BY g.installation_id, g.adult_id
			HAVING greatest($2::date, min(e.starts_on)) + (g.adult_id % 5)::int <= $4
			ON CONFLICT (installation_id, idempotency_key) DO NOTHING`, inst, m.First(), m.Last(), o.Until)
		if err != nil {
			return nil, fmt.Errorf("synthetic seed: top-ups: %w", err)
		}
		t, _ := r.RowsAffected()
		res.Ledger += n + k + t
		logf("  %s: %d meal charges, %d monthly, %d top-ups", m, n, k, t)
	}
	done()

	if _, err := seedSyntheticBooking(ctx, conn, inst, o.Until); err != nil { // db/seed_booking.go
		return nil, err
	}

	done = step("vacuum analyze")
	for _, t := range []string{"adults", "children", "guardianships", "accounts", "enrollments", "attendance", "ledger_entries", "closures"} {
		if _, err := conn.ExecContext(ctx, "VACUUM (ANALYZE) "+t); err != nil {
			return nil, fmt.Errorf("synthetic seed: vacuum %s: %w", t, err)
		}
	}
	done()
	return res, nil
}

// synRegistry writes installation, schools, services, diets, closures,
// families (adults, accounts, children, guardianships) and enrollments.
func synRegistry(ctx context.Context, tx *sqlx.Tx, o SyntheticOptions, year int, hash string) (inst int64, families, adults int, err error) {
	if err = tx.GetContext(ctx, &inst, `
		INSERT INTO installations (code, name, region_label, login_local, controller_name, office_name)
		VALUES ($1, 'Città di ' || initcap($1), 'Dati sintetici', true, 'Città di ' || initcap($1), 'Ufficio Servizi Scolastici')
		RETURNING id`, o.Code); err != nil {
		return 0, 0, 0, fmt.Errorf("synthetic seed: installation: %w", err)
	}
	nSchools := max(3, o.Children/400)
	exec := func(q string, args ...any) {
		if err == nil {
			if _, e := tx.ExecContext(ctx, q, args...); e != nil {
				err = fmt.Errorf("synthetic seed: %w", e)
			}
		}
	}
	exec(`INSERT INTO schools (installation_id, name)
		SELECT $1, CASE g % 3 WHEN 0 THEN 'Asilo nido n. ' WHEN 1 THEN 'Scuola dell''infanzia n. ' ELSE 'Scuola primaria n. ' END || g
		FROM generate_series(1, $2) g ORDER BY g`, inst, nSchools)
	exec(`INSERT INTO services (installation_id, kind, name) VALUES ($1, 'mensa', 'Mensa scolastica'), ($1, 'trasporto', 'Trasporto scolastico'),
		($1, 'pre-scuola', 'Pre-scuola'), ($1, 'post-scuola', 'Post-scuola'), ($1, 'nido', 'Asilo nido')`, inst)
	exec(`INSERT INTO diets (installation_id, name) SELECT $1, unnest($2::text[])`, inst, pq.Array(synDiets))
	for _, h := range calendar.Holidays(year) {
		exec(`INSERT INTO closures (installation_id, day, description) VALUES ($1, $2, $3)`, inst, h.Day, h.Description)
	}
	if err != nil {
		return
	}

	// families, generated in Go for valid, unique codici fiscali
	exec(`CREATE TEMP TABLE s_adult (seq int, family int, cf text, first text, last text, female bool, username text) ON COMMIT DROP`)
	exec(`CREATE TEMP TABLE s_child (seq int, family int, cf text, first text, last text, birth date, age int, school int, class text) ON COMMIT DROP`)
	if err != nil {
		return
	}
	rng := rand.New(rand.NewPCG(uint64(o.Children), 2026))
	seen := map[string]bool{}
	cf := func(last, first string, birth time.Time, female bool) string {
		for try := 0; ; try++ {
			place := fmt.Sprintf("%c%03d", 'A'+rune(rng.IntN(13)), 1+rng.IntN(999))
			c := codicefiscale.Compute(last, first, birth, female, place)
			if !seen[c] {
				seen[c] = true
				return c
			}
		}
	}
	ad, err := tx.PrepareContext(ctx, `COPY s_adult (seq, family, cf, first, last, female, username) FROM STDIN`)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("synthetic seed: %w", err)
	}
	children := 0
	var kids [][]any
	for fam := 1; children < o.Children; fam++ {
		families = fam
		size := 1
		switch r := rng.IntN(100); {
		case r >= 95:
			size = 4
		case r >= 80:
			size = 3
		case r >= 45:
			size = 2
		}
		size = min(size, o.Children-children)
		last := synSurname[rng.IntN(len(synSurname))]
		for k := range 2 {
			female := k == 1
			names := synMale
			if female {
				names = synFemale
			}
			first := names[rng.IntN(len(names))]
			birth := calendar.Day(year-30-rng.IntN(15), time.Month(1+rng.IntN(12)), 1+rng.IntN(28))
			adults++
			if _, err = ad.ExecContext(ctx, adults, fam, cf(last, first, birth, female), first, last, female, SyntheticUsername(fam, k == 1)); err != nil {
				return 0, 0, 0, fmt.Errorf("synthetic seed: copy adults: %w", err)
			}
		}
		for range size {
			children++
			female := rng.IntN(2) == 0
			names := synMale
			if female {
				names = synFemale
			}
			first := names[rng.IntN(len(names))]
			// 8% nido (0-2 years), 27% infanzia (3-5), 65% primaria (6-10)
			age := 6 + rng.IntN(5)
			switch r := rng.IntN(100); {
			case r < 8:
				age = 1 + rng.IntN(2)
			case r < 35:
				age = 3 + rng.IntN(3)
			}
			birth := calendar.Day(year-age, time.Month(1+rng.IntN(12)), 1+rng.IntN(28))
			// schools: g % 3 = 0 nido, 1 infanzia, 2 primaria
			kind := 2
			class := fmt.Sprintf("%dª %c", age-5, 'A'+rune(rng.IntN(4)))
			switch {
			case age < 3:
				kind, class = 0, []string{"Sezione Piccoli", "Sezione Grandi"}[age-1]
			case age < 6:
				kind, class = 1, "Sezione "+[]string{"Rossa", "Gialla", "Verde", "Blu"}[rng.IntN(4)]
			}
			school := kind + 3*rng.IntN(max(1, (nSchools-kind+2)/3))
			if school == 0 {
				school = 3
			}
			school = min(school, nSchools-1) // a small city: every child in a school that exists
			kids = append(kids, []any{children, fam, cf(last, first, birth, female), first, last, birth, age, school, class})
		}
	}
	if _, err = ad.ExecContext(ctx); err != nil {
		return 0, 0, 0, fmt.Errorf("synthetic seed: copy adults: %w", err)
	}
	ad.Close()
	ch, err := tx.PrepareContext(ctx, `COPY s_child (seq, family, cf, first, last, birth, age, school, class) FROM STDIN`)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("synthetic seed: %w", err)
	}
	for _, k := range kids {
		if _, err = ch.ExecContext(ctx, k...); err != nil {
			return 0, 0, 0, fmt.Errorf("synthetic seed: copy children: %w", err)
		}
	}
	if _, err = ch.ExecContext(ctx); err != nil {
		return 0, 0, 0, fmt.Errorf("synthetic seed: copy children: %w", err)
	}
	ch.Close()

	exec(`INSERT INTO adults (installation_id, fiscal_code, first_name, last_name, email)
		SELECT $1, cf, first, last, username || '@example.invalid' FROM s_adult ORDER BY seq`, inst)
	exec(`ALTER TABLE s_adult ADD COLUMN id bigint`)
	exec(`UPDATE s_adult s SET id = a.id FROM adults a WHERE a.installation_id = $1 AND a.fiscal_code = s.cf`, inst)
	exec(`INSERT INTO accounts (installation_id, username, password_hash, role, adult_id, linked_fiscal_code, link_proof, password_changed_at)
		SELECT $1, username, $2, 'parent', id, cf, 'seed', now() FROM s_adult ORDER BY seq`, inst, hash)
	// school ordinal -> id
	exec(`CREATE TEMP TABLE s_school ON COMMIT DROP AS
		SELECT row_number() OVER (ORDER BY id) - 1 AS n, id FROM schools WHERE installation_id = $1`, inst)
	exec(`INSERT INTO children (installation_id, fiscal_code, first_name, last_name, birth_date, school_id, class_name)
		SELECT $1, c.cf, c.first, c.last, c.birth, sc.id, c.class FROM s_child c JOIN s_school sc ON sc.n = c.school ORDER BY c.seq`, inst)
	exec(`ALTER TABLE s_child ADD COLUMN id bigint`)
	exec(`UPDATE s_child s SET id = c.id FROM children c WHERE c.installation_id = $1 AND c.fiscal_code = s.cf`, inst)
	exec(`INSERT INTO guardianships (installation_id, child_id, adult_id, role)
		SELECT $1, c.id, a.id, CASE WHEN a.username LIKE '%a' THEN 'payer' ELSE 'guardian' END
		FROM s_child c JOIN s_adult a ON a.family = c.family ORDER BY c.id, a.id`, inst)
	// enrollments: nido for the youngest; otherwise mensa (85%, 8% of them
	// with a diet, four ISEE bands), trasporto (primaria 12%), pre-scuola
	// (8%), post-scuola (5%)
	exec(`INSERT INTO enrollments (installation_id, child_id, service_id, school_year, starts_on, ends_on, diet_id, tariff_name, tariff_cents, billing)
		SELECT $1, c.id, sv.id, $2, $3, $4,
		       CASE WHEN sv.kind IN ('mensa', 'nido') AND x.h % 100 < 8 THEN (SELECT d.id FROM diets d WHERE d.installation_id = $1 ORDER BY d.id OFFSET x.h % 5 LIMIT 1) END,
		       CASE sv.kind WHEN 'mensa' THEN (ARRAY['Tariffa intera', 'Fascia ISEE 3', 'Fascia ISEE 2', 'Fascia ISEE 1'])[1 + x.h / 7 % 4]
		                    WHEN 'nido' THEN 'Retta mensile' WHEN 'trasporto' THEN 'Abbonamento mensile'
		                    ELSE initcap(sv.kind) || ' giornaliero' END,
		       CASE sv.kind WHEN 'mensa' THEN (ARRAY[480, 400, 320, 200])[1 + x.h / 7 % 4] WHEN 'nido' THEN 28000
		                    WHEN 'trasporto' THEN 3500 WHEN 'pre-scuola' THEN 150 ELSE 200 END,
		       CASE WHEN sv.kind IN ('nido', 'trasporto') THEN 'monthly' ELSE 'daily' END
		FROM s_child c
		CROSS JOIN LATERAL (SELECT abs(hashint8(c.seq)::bigint) % 10000 AS h) x
		JOIN services sv ON sv.installation_id = $1 AND (
		     (c.age < 3 AND sv.kind = 'nido') OR
		     (c.age >= 3 AND sv.kind = 'mensa' AND x.h % 100 < 85) OR
		     (c.age >= 6 AND sv.kind = 'trasporto' AND x.h / 100 % 100 < 12) OR
		     (c.age >= 3 AND sv.kind = 'pre-scuola' AND x.h / 13 % 100 < 8) OR
		     (c.age >= 3 AND sv.kind = 'post-scuola' AND x.h / 17 % 100 < 5))
		ORDER BY c.id, sv.id`, inst, year, o.Start, o.End)
	return inst, families, adults, err
}

// SeedSyntheticPanels gives a synthetic city what the family home's panels
// read (db/page_family.go): tariffs by ISEE for the canteen with a
// declaration for most adults, an enrolment window open from now to the end
// of July 2027 with a request for one child in four, a menu of four weeks
// with a diet's variants for every school. Once: a city that has the menu
// is left as it is. The plan test and `genitori bench` use it, so the family
// home is measured with its panels.
func (s *Store) SeedSyntheticPanels(ctx context.Context, inst int64) error {
	return s.WithTx(ctx, func(tx *sqlx.Tx) error {
		var done bool
		if err := tx.GetContext(ctx, &done, `SELECT EXISTS (SELECT FROM menus WHERE installation_id = $1 AND name = 'Menù')`, inst); err != nil {
			return fmt.Errorf("synthetic panels: %w", err)
		}
		if done {
			return nil
		}
		for _, stmt := range []string{
			`INSERT INTO tariff_rules (installation_id, service_id, max_cents, nonresident_cents, sibling_percent)
		 SELECT $1, id, 480, 550, 20 FROM services WHERE installation_id = $1 AND kind = 'mensa'`,
			`INSERT INTO tariff_bands (installation_id, service_id, band, isee_from_cents, isee_to_cents, amount_cents)
		 SELECT $1, sv.id, b.band, b.f, b.t, b.a FROM services sv,
		        (VALUES (1, 0, 600000, 150), (2, 600001, 1200000, 320), (3, 1200001, 2000000, 400)) b (band, f, t, a)
		 WHERE sv.installation_id = $1 AND sv.kind = 'mensa'`,
			`INSERT INTO isee_declarations (installation_id, adult_id, isee_cents, dsu_protocol, expires_on, status, applies_from, decided_at)
		 SELECT $1, id, id * 7919 % 2500000, 'INPS-ISEE-2026-000000001-00', '2027-12-31', 'confermata', '2026-09-01', now()
		 FROM adults WHERE installation_id = $1 AND id % 3 <> 0`,
			`INSERT INTO isee_declarations (installation_id, adult_id, isee_cents, dsu_protocol, expires_on)
		 SELECT $1, id, 900000, 'INPS-ISEE-2026-000000002-00', '2027-12-31' FROM adults WHERE installation_id = $1 AND id % 5 = 0`,
			`INSERT INTO enrolment_windows (installation_id, service_id, school_year, title, opens_at, closes_at, starts_on, ends_on)
		 SELECT $1, id, 2027, 'Mensa 2027/2028', now() - interval '1 day', '2027-07-31', '2027-09-06', '2028-06-30'
		 FROM services WHERE installation_id = $1 AND kind = 'mensa'`,
			`INSERT INTO enrolment_requests (installation_id, window_id, adult_id, child_id, fiscal_code, first_name, last_name, birth_date, school_id, entered_by)
		 SELECT $1, w.id, g.adult_id, c.id, c.fiscal_code, c.first_name, c.last_name, c.birth_date, c.school_id, 0
		 FROM children c JOIN guardianships g ON g.installation_id = c.installation_id AND g.child_id = c.id AND g.role = 'payer'
		 JOIN enrolment_windows w ON w.installation_id = c.installation_id
		 WHERE c.installation_id = $1 AND c.id % 4 = 0 AND c.school_id IS NOT NULL`,
			`INSERT INTO dishes (installation_id, name) SELECT $1, 'Piatto ' || n FROM generate_series(1, 12) n`,
			`INSERT INTO dish_allergens (installation_id, dish_id, allergen) SELECT $1, id, 'glutine' FROM dishes WHERE installation_id = $1 AND id % 2 = 0`,
			`INSERT INTO menus (installation_id, name, valid_from, valid_to, weeks, rotation_start) VALUES ($1, 'Menù', '2026-09-07', '2027-06-30', 4, '2026-09-07')`,
			`INSERT INTO menu_schools (installation_id, menu_id, school_id) SELECT $1, m.id, sc.id FROM menus m JOIN schools sc ON sc.installation_id = m.installation_id
		 WHERE m.installation_id = $1`,
			`INSERT INTO menu_items (installation_id, menu_id, week, weekday, course, dish_id)
		 SELECT $1, m.id, w, d, c, (SELECT min(id) FROM dishes WHERE installation_id = $1) + (w + d + length(c)) % 12
		 FROM menus m, generate_series(1, 4) w, generate_series(1, 5) d, unnest(ARRAY['primo', 'secondo', 'contorno', 'frutta']) c
		 WHERE m.installation_id = $1`,
			`INSERT INTO menu_variants (installation_id, menu_id, week, weekday, course, diet_id, dish_id)
		 SELECT mi.installation_id, mi.menu_id, mi.week, mi.weekday, mi.course, dt.id, mi.dish_id + 1 - mi.dish_id % 2
		 FROM menu_items mi JOIN diets dt ON dt.installation_id = mi.installation_id
		 JOIN dishes d ON d.installation_id = mi.installation_id AND d.id = mi.dish_id AND d.id % 2 = 0
		 WHERE mi.installation_id = $1`,
		} {
			if _, err := tx.ExecContext(ctx, stmt, inst); err != nil {
				return fmt.Errorf("synthetic panels: %w\n%s", err, stmt)
			}
		}
		for _, table := range []string{"tariff_rules", "tariff_bands", "isee_declarations", "enrolment_windows", "enrolment_requests",
			"dishes", "dish_allergens", "menus", "menu_schools", "menu_items", "menu_variants"} {
			if _, err := tx.ExecContext(ctx, "ANALYZE "+table); err != nil {
				return fmt.Errorf("synthetic panels: analyze %s: %w", table, err)
			}
		}
		return nil
	})
}
