package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Alert kinds (alert_states.kind).
const (
	AlertLowBalance = "low_balance"
	AlertDebt       = "debt"
)

// AlertKinds in the order pages and messages list them.
var AlertKinds = []string{AlertLowBalance, AlertDebt}

// AlertSettings are the alert choices of an adult, or the Comune's
// defaults: thresholds, channels and quiet hours (minutes after midnight,
// Europe/Rome; start = end means none).
type AlertSettings struct {
	LowEnabled     bool   `db:"low_enabled"`
	LowMode        string `db:"low_mode"` // amount, meals
	LowAmountCents int64  `db:"low_amount_cents"`
	LowMeals       int    `db:"low_meals"`
	DebtEnabled    bool   `db:"debt_enabled"`
	ViaEmail       bool   `db:"via_email"`
	ViaSMS         bool   `db:"via_sms"`
	ViaAppIO       bool   `db:"via_appio"`
	QuietStart     int    `db:"quiet_start"`
	QuietEnd       int    `db:"quiet_end"`
	// ReminderEnabled: the evening-before-cut-off reminder of a meal not
	// yet booked (meal_reminder.go)
	ReminderEnabled bool `db:"reminder_enabled"`
}

const alertSettingsColumns = `low_enabled, low_mode, low_amount_cents, low_meals, debt_enabled, via_email, via_sms, via_appio, quiet_start, quiet_end, reminder_enabled`

// ensureAlertDefaults gives every installation its row of defaults (the
// column defaults of 00021), so the queries below can join it.
func ensureAlertDefaults(ctx context.Context, q sqlx.ExecerContext) error {
	if _, err := q.ExecContext(ctx, `INSERT INTO alert_defaults (installation_id) SELECT id FROM installations ON CONFLICT DO NOTHING`); err != nil {
		return fmt.Errorf("alert defaults: %w", err)
	}
	return nil
}

// AlertDefaults returns the Comune's defaults.
func (s *Store) AlertDefaults(ctx context.Context, installationID int64) (AlertSettings, error) {
	var out AlertSettings
	if err := ensureAlertDefaults(ctx, s.db); err != nil {
		return out, err
	}
	err := s.db.GetContext(ctx, &out, `SELECT `+alertSettingsColumns+` FROM alert_defaults WHERE installation_id = $1`, installationID)
	if err != nil {
		return out, fmt.Errorf("alert defaults of installation %d: %w", installationID, notFound(err))
	}
	return out, nil
}

// SaveAlertDefaults stores the Comune's defaults.
func (s *Store) SaveAlertDefaults(ctx context.Context, installationID int64, a AlertSettings) error {
	_, err := s.db.ExecContext(ctx, `
		INSERT INTO alert_defaults (installation_id, `+alertSettingsColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
		ON CONFLICT (installation_id) DO UPDATE SET low_enabled = $2, low_mode = $3, low_amount_cents = $4, low_meals = $5,
			debt_enabled = $6, via_email = $7, via_sms = $8, via_appio = $9, quiet_start = $10, quiet_end = $11, reminder_enabled = $12, updated_at = now()`,
		installationID, a.LowEnabled, a.LowMode, a.LowAmountCents, a.LowMeals, a.DebtEnabled, a.ViaEmail, a.ViaSMS, a.ViaAppIO, a.QuietStart, a.QuietEnd, a.ReminderEnabled)
	if err != nil {
		return fmt.Errorf("save alert defaults: %w", err)
	}
	return nil
}

// AlertPrefs returns the adult's own choices, or the Comune's defaults
// (own false) when the adult has not chosen.
func (s *Store) AlertPrefs(ctx context.Context, installationID, adultID int64) (a AlertSettings, own bool, err error) {
	err = s.db.GetContext(ctx, &a, `SELECT `+alertSettingsColumns+` FROM alert_prefs WHERE installation_id = $1 AND adult_id = $2`,
		installationID, adultID)
	if errors.Is(err, sql.ErrNoRows) {
		a, err = s.AlertDefaults(ctx, installationID)
		return a, false, err
	}
	if err != nil {
		return a, false, fmt.Errorf("alert prefs of adult %d: %w", adultID, err)
	}
	return a, true, nil
}

// SaveAlertPrefs stores the adult's choices.
func (s *Store) SaveAlertPrefs(ctx context.Context, installationID, adultID int64, a AlertSettings) error {
	_, err := s.db.ExecContext(ctx, `
		INSERT INTO alert_prefs (installation_id, adult_id, `+alertSettingsColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
		ON CONFLICT (installation_id, adult_id) DO UPDATE SET low_enabled = $3, low_mode = $4, low_amount_cents = $5, low_meals = $6,
			debt_enabled = $7, via_email = $8, via_sms = $9, via_appio = $10, quiet_start = $11, quiet_end = $12, reminder_enabled = $13, updated_at = now()`,
		installationID, adultID, a.LowEnabled, a.LowMode, a.LowAmountCents, a.LowMeals, a.DebtEnabled, a.ViaEmail, a.ViaSMS, a.ViaAppIO, a.QuietStart, a.QuietEnd, a.ReminderEnabled)
	if err != nil {
		return fmt.Errorf("save alert prefs of adult %d: %w", adultID, err)
	}
	return nil
}

// DailyTariffCents is what one day of the daily-billed services of the
// children an adult pays for costs at today's tariffs (0: none): the unit
// of a threshold in meals.
func (s *Store) DailyTariffCents(ctx context.Context, installationID, adultID int64, today time.Time) (int64, error) {
	var cents int64
	err := s.db.GetContext(ctx, &cents, `
		SELECT coalesce(sum(e.tariff_cents), 0) FROM enrollments e
		JOIN guardianships g ON g.installation_id = e.installation_id AND g.child_id = e.child_id AND g.role = 'payer'
		WHERE e.installation_id = $1 AND g.adult_id = $2 AND e.billing = 'daily' AND $3::date BETWEEN e.starts_on AND e.ends_on`,
		installationID, adultID, today)
	if err != nil {
		return 0, fmt.Errorf("daily tariff of adult %d: %w", adultID, err)
	}
	return cents, nil
}

// AlertSubject is a paying adult with an account, as the alerts see it:
// balance, effective settings, contacts, and the state of each alert.
type AlertSubject struct {
	InstallationID int64  `db:"installation_id"`
	AdultID        int64  `db:"adult_id"`
	AccountID      int64  `db:"account_id"`
	FiscalCode     string `db:"fiscal_code"`
	Email          string `db:"email"`
	Mobile         string `db:"mobile"`
	Lang           string `db:"lang"`
	BalanceCents   int64  `db:"balance_cents"`
	DayCents       int64  `db:"day_cents"` // DailyTariffCents
	AlertSettings
	LowFired       bool `db:"low_fired"`
	LowGeneration  int  `db:"low_generation"`
	DebtFired      bool `db:"debt_fired"`
	DebtGeneration int  `db:"debt_generation"`
}

// qAlertSubjects reads subjects: $1 installation (NULL: all), $2 adults
// (NULL: all), $3 today (for the tariffs). Only adults who pay for a child
// and have an account.
const qAlertSubjects = `
	SELECT ad.installation_id, ad.id AS adult_id, acc.id AS account_id, ad.fiscal_code, ad.email, ad.mobile, acc.lang,
	       coalesce(b.balance, 0) AS balance_cents, coalesce(t.day_cents, 0) AS day_cents,
	       coalesce(p.low_enabled, d.low_enabled) AS low_enabled, coalesce(p.low_mode, d.low_mode) AS low_mode,
	       coalesce(p.low_amount_cents, d.low_amount_cents) AS low_amount_cents, coalesce(p.low_meals, d.low_meals) AS low_meals,
	       coalesce(p.debt_enabled, d.debt_enabled) AS debt_enabled, coalesce(p.via_email, d.via_email) AS via_email,
	       coalesce(p.via_sms, d.via_sms) AS via_sms, coalesce(p.via_appio, d.via_appio) AS via_appio,
	       coalesce(p.quiet_start, d.quiet_start) AS quiet_start, coalesce(p.quiet_end, d.quiet_end) AS quiet_end,
	       coalesce(p.reminder_enabled, d.reminder_enabled) AS reminder_enabled,
	       coalesce(sl.fired, false) AS low_fired, coalesce(sl.generation, 0) AS low_generation,
	       coalesce(sd.fired, false) AS debt_fired, coalesce(sd.generation, 0) AS debt_generation
	FROM adults ad
	JOIN accounts acc ON acc.installation_id = ad.installation_id AND acc.adult_id = ad.id
	JOIN alert_defaults d ON d.installation_id = ad.installation_id
	LEFT JOIN alert_prefs p ON p.installation_id = ad.installation_id AND p.adult_id = ad.id
	LEFT JOIN alert_states sl ON sl.installation_id = ad.installation_id AND sl.adult_id = ad.id AND sl.kind = 'low_balance'
	LEFT JOIN alert_states sd ON sd.installation_id = ad.installation_id AND sd.adult_id = ad.id AND sd.kind = 'debt'
	LEFT JOIN LATERAL (SELECT sum(l.amount_cents) AS balance FROM ledger_entries l
	                   WHERE l.installation_id = ad.installation_id AND l.adult_id = ad.id) b ON true
	LEFT JOIN LATERAL (SELECT sum(e.tariff_cents) AS day_cents FROM enrollments e
	                   JOIN guardianships g ON g.installation_id = e.installation_id AND g.child_id = e.child_id AND g.role = 'payer'
	                   WHERE e.installation_id = ad.installation_id AND g.adult_id = ad.id AND e.billing = 'daily'
	                     AND $3::date BETWEEN e.starts_on AND e.ends_on) t ON true
	WHERE ($1::bigint IS NULL OR ad.installation_id = $1)
	  AND ($2::bigint[] IS NULL OR ad.id = ANY($2))
	  AND EXISTS (SELECT 1 FROM guardianships g WHERE g.installation_id = ad.installation_id AND g.adult_id = ad.id AND g.role = 'payer')`

// AlertSubjects reads the subjects of an installation (0: all) among
// adultIDs (nil: all), for a scan; today is the Italian date.
func (s *Store) AlertSubjects(ctx context.Context, installationID int64, adultIDs []int64, today time.Time) ([]AlertSubject, error) {
	if err := ensureAlertDefaults(ctx, s.db); err != nil {
		return nil, err
	}
	var inst, ids any
	if installationID != 0 {
		inst = installationID
	}
	if adultIDs != nil {
		ids = pq.Array(adultIDs)
	}
	var out []AlertSubject
	if err := s.db.SelectContext(ctx, &out, qAlertSubjects+` ORDER BY ad.installation_id, ad.id`, inst, ids, today); err != nil {
		return nil, fmt.Errorf("alert subjects: %w", err)
	}
	return out, nil
}

// LowThreshold is the threshold of the low-balance alert in cents; ok is
// false when there is none (a threshold in meals without a daily tariff).
func (a AlertSubject) LowThreshold() (cents int64, ok bool) {
	if a.LowMode == "meals" {
		return int64(a.LowMeals) * a.DayCents, a.DayCents > 0
	}
	return a.LowAmountCents, true
}

// AlertChange is the decision about one alert of one subject.
type AlertChange struct {
	Kind           string
	Fire           bool // crossed: fire (state to fired, generation+1, send)
	Rearm          bool // recovered: back to armed
	BalanceCents   int64
	ThresholdCents int64
	Generation     int // after the change
}

// DecideAlert is the crossing rule: an armed alert fires once when the
// balance goes below the threshold; a fired one does nothing until the
// balance is back at or above it, which re-arms it.
func DecideAlert(fired, enabled bool, balance, threshold int64) (fire, rearm bool) {
	below := balance < threshold
	switch {
	case fired && !below:
		return false, true
	case !fired && below && enabled:
		return true, false
	}
	return false, false
}

// Changes are the alerts of the subject that change state now.
func (a AlertSubject) Changes() []AlertChange {
	var out []AlertChange
	if th, ok := a.LowThreshold(); ok || a.LowFired {
		if !ok {
			th = 0
		}
		if fire, rearm := DecideAlert(a.LowFired, a.LowEnabled && ok, a.BalanceCents, th); fire || rearm {
			g := a.LowGeneration
			if fire {
				g++
			}
			out = append(out, AlertChange{Kind: AlertLowBalance, Fire: fire, Rearm: rearm, BalanceCents: a.BalanceCents, ThresholdCents: th, Generation: g})
		}
	}
	if fire, rearm := DecideAlert(a.DebtFired, a.DebtEnabled, a.BalanceCents, 0); fire || rearm {
		g := a.DebtGeneration
		if fire {
			g++
		}
		out = append(out, AlertChange{Kind: AlertDebt, Fire: fire, Rearm: rearm, BalanceCents: a.BalanceCents, ThresholdCents: 0, Generation: g})
	}
	return out
}

// ApplyAlertChanges locks the adult's alert states, reads the subject again
// under the lock, applies the changes that still hold, and calls fired for
// each alert that fires, in the same transaction (the caller enqueues its
// messages there: the state and the messages commit together or not at
// all). It returns the changes applied.
func (s *Store) ApplyAlertChanges(ctx context.Context, installationID, adultID int64, today time.Time,
	fired func(tx *sql.Tx, subj AlertSubject, ch AlertChange) error) ([]AlertChange, error) {
	var applied []AlertChange
	err := s.WithTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO alert_states (installation_id, adult_id, kind) VALUES ($1, $2, 'low_balance'), ($1, $2, 'debt')
			ON CONFLICT DO NOTHING`, installationID, adultID); err != nil {
			return fmt.Errorf("alert states of adult %d: %w", adultID, err)
		}
		if _, err := tx.ExecContext(ctx, `
			SELECT 1 FROM alert_states WHERE installation_id = $1 AND adult_id = $2 ORDER BY kind FOR UPDATE`,
			installationID, adultID); err != nil {
			return fmt.Errorf("lock alert states of adult %d: %w", adultID, err)
		}
		var subj AlertSubject
		err := tx.GetContext(ctx, &subj, qAlertSubjects, installationID, pq.Array([]int64{adultID}), today)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // no longer a paying adult with an account
		}
		if err != nil {
			return fmt.Errorf("alert subject %d: %w", adultID, err)
		}
		for _, ch := range subj.Changes() {
			if _, err := tx.ExecContext(ctx, `
				UPDATE alert_states SET fired = $4, generation = $5, balance_cents = $6, threshold_cents = $7, changed_at = now()
				WHERE installation_id = $1 AND adult_id = $2 AND kind = $3`,
				installationID, adultID, ch.Kind, ch.Fire, ch.Generation, ch.BalanceCents, ch.ThresholdCents); err != nil {
				return fmt.Errorf("alert state of adult %d: %w", adultID, err)
			}
			if ch.Fire && fired != nil {
				if err := fired(tx.Tx, subj, ch); err != nil {
					return err
				}
			}
			applied = append(applied, ch)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return applied, nil
}

// AlertStillFired tells whether the alert is in the state a message job
// was enqueued for (fired, same generation): a job of an earlier firing,
// or of an alert re-armed since (the balance recovered), sends nothing.
func (s *Store) AlertStillFired(ctx context.Context, installationID, adultID int64, kind string, generation int) (bool, error) {
	var ok bool
	err := s.db.GetContext(ctx, &ok, `
		SELECT EXISTS (SELECT 1 FROM alert_states WHERE installation_id = $1 AND adult_id = $2 AND kind = $3
		               AND fired AND generation = $4)`, installationID, adultID, kind, generation)
	if err != nil {
		return false, fmt.Errorf("alert state of adult %d: %w", adultID, err)
	}
	return ok, nil
}

// AdultsWithNewEntries returns the adults with ledger entries after the
// scan's mark, by installation, and the new mark (the highest entry ID
// seen). Entries committed late with a lower ID are left to the daily scan.
func (s *Store) AdultsWithNewEntries(ctx context.Context, limit int) (map[int64][]int64, int64, error) {
	var mark int64
	if err := s.db.GetContext(ctx, &mark, `SELECT last_entry_id FROM alert_scan_mark WHERE id = 1`); err != nil {
		return nil, 0, fmt.Errorf("alert scan mark: %w", err)
	}
	rows, err := s.db.QueryContext(ctx, `
		SELECT installation_id, adult_id, max(id) FROM (
			SELECT installation_id, adult_id, id FROM ledger_entries WHERE id > $1 ORDER BY id LIMIT $2) n
		GROUP BY installation_id, adult_id`, mark, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("new ledger entries: %w", err)
	}
	defer rows.Close()
	out := map[int64][]int64{}
	newMark := mark
	for rows.Next() {
		var inst, adult, maxID int64
		if err := rows.Scan(&inst, &adult, &maxID); err != nil {
			return nil, 0, fmt.Errorf("new ledger entries: %w", err)
		}
		out[inst] = append(out[inst], adult)
		newMark = max(newMark, maxID)
	}
	return out, newMark, rows.Err()
}

// SetAlertScanMark moves the scan's mark forward (never back).
func (s *Store) SetAlertScanMark(ctx context.Context, mark int64) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE alert_scan_mark SET last_entry_id = greatest(last_entry_id, $1) WHERE id = 1`, mark); err != nil {
		return fmt.Errorf("alert scan mark: %w", err)
	}
	return nil
}

// AppIOService is a Comune's IO service key, sealed.
type AppIOService struct {
	InstallationID int64     `db:"installation_id"`
	KeySealed      string    `db:"key_sealed"`
	KeyHint        string    `db:"key_hint"`
	UpdatedAt      time.Time `db:"updated_at"`
}

// AppIOServiceOf returns the installation's IO service; ErrNotFound: none.
func (s *Store) AppIOServiceOf(ctx context.Context, installationID int64) (*AppIOService, error) {
	var out AppIOService
	err := s.db.GetContext(ctx, &out, `SELECT installation_id, key_sealed, key_hint, updated_at FROM installation_appio WHERE installation_id = $1`, installationID)
	if err != nil {
		return nil, fmt.Errorf("appio service of installation %d: %w", installationID, notFound(err))
	}
	return &out, nil
}

// SetAppIOService stores the sealed key; sealed "" removes the service.
func (s *Store) SetAppIOService(ctx context.Context, installationID int64, sealed, hint string, by int64) error {
	var err error
	if sealed == "" {
		_, err = s.db.ExecContext(ctx, `DELETE FROM installation_appio WHERE installation_id = $1`, installationID)
	} else {
		_, err = s.db.ExecContext(ctx, `
			INSERT INTO installation_appio (installation_id, key_sealed, key_hint, updated_by) VALUES ($1, $2, $3, $4)
			ON CONFLICT (installation_id) DO UPDATE SET key_sealed = $2, key_hint = $3, updated_by = $4, updated_at = now()`,
			installationID, sealed, hint, by)
	}
	if err != nil {
		return fmt.Errorf("set appio service of installation %d: %w", installationID, err)
	}
	return nil
}

// AlertState is the state of one alert of an adult.
type AlertState struct {
	Kind           string    `db:"kind"`
	Fired          bool      `db:"fired"`
	BalanceCents   int64     `db:"balance_cents"`
	ThresholdCents int64     `db:"threshold_cents"`
	ChangedAt      time.Time `db:"changed_at"`
}

// FiredAlerts lists the adult's alerts that fired and wait for the balance
// to recover.
func (s *Store) FiredAlerts(ctx context.Context, installationID, adultID int64) ([]AlertState, error) {
	var out []AlertState
	err := s.db.SelectContext(ctx, &out, `
		SELECT kind, fired, balance_cents, threshold_cents, changed_at FROM alert_states
		WHERE installation_id = $1 AND adult_id = $2 AND fired ORDER BY kind DESC`, installationID, adultID)
	if err != nil {
		return nil, fmt.Errorf("fired alerts of adult %d: %w", adultID, err)
	}
	return out, nil
}
