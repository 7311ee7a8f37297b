package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// --- second factor (staff_totp, 00007) ---

// StaffTOTP is the stored second factor of a staff account. Secret is
// sealed (see internal/secondfactor); it is never shown after enrolment.
type StaffTOTP struct {
	Secret     string       `db:"secret"`
	EnrolledAt sql.NullTime `db:"enrolled_at"`
	LastStep   int64        `db:"last_step"`
}

// StaffTOTPOf loads the second factor of an account, or ErrNotFound.
func (s *Store) StaffTOTPOf(ctx context.Context, installationID, accountID int64) (*StaffTOTP, error) {
	var t StaffTOTP
	err := s.db.GetContext(ctx, &t, `SELECT secret, enrolled_at, last_step FROM staff_totp WHERE installation_id = $1 AND account_id = $2`,
		installationID, accountID)
	if err != nil {
		return nil, fmt.Errorf("second factor of account %d: %w", accountID, notFound(err))
	}
	return &t, nil
}

// StartTOTPEnrolment stores a new, unconfirmed secret; an enrolled account
// keeps its secret (ErrConflict).
func (s *Store) StartTOTPEnrolment(ctx context.Context, installationID, accountID int64, sealed string) error {
	res, err := s.db.ExecContext(ctx, `
		INSERT INTO staff_totp (installation_id, account_id, secret) VALUES ($1, $2, $3)
		ON CONFLICT (installation_id, account_id) DO UPDATE SET secret = EXCLUDED.secret, last_step = 0, created_at = now()
		WHERE staff_totp.enrolled_at IS NULL`, installationID, accountID, sealed)
	if err != nil {
		return fmt.Errorf("start enrolment: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("start enrolment: %w", ErrConflict)
	}
	return nil
}

// AcceptTOTPStep records the step of an accepted code, only if it is later
// than the last one (a code works once, also with two requests racing), and
// confirms the enrolment. reseal, when not empty, replaces the stored secret
// (a clear secret sealed now that a key is configured).
func (s *Store) AcceptTOTPStep(ctx context.Context, installationID, accountID, step int64, reseal string) (bool, error) {
	res, err := s.db.ExecContext(ctx, `
		UPDATE staff_totp SET last_step = $3, enrolled_at = coalesce(enrolled_at, now()),
		       secret = CASE WHEN $4 = '' THEN secret ELSE $4 END
		WHERE installation_id = $1 AND account_id = $2 AND last_step < $3`, installationID, accountID, step, reseal)
	if err != nil {
		return false, fmt.Errorf("accept code: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// ResetTOTP removes an account's second factor: it enrols again at its next
// sign-in (a lost phone).
func (s *Store) ResetTOTP(ctx context.Context, installationID, accountID int64) error {
	// its recovery codes go with it: the next enrolment makes new ones
	_, err := s.db.ExecContext(ctx, `
		WITH codes AS (DELETE FROM staff_recovery_codes WHERE installation_id = $1 AND account_id = $2)
		DELETE FROM staff_totp WHERE installation_id = $1 AND account_id = $2`, installationID, accountID)
	if err != nil {
		return fmt.Errorf("reset second factor: %w", err)
	}
	return nil
}

// SetStaffTOTP enrols an account directly (demo seed, tests).
func (s *Store) SetStaffTOTP(ctx context.Context, installationID, accountID int64, sealed string) error {
	return setStaffTOTP(ctx, s.db, installationID, accountID, sealed)
}

func setStaffTOTP(ctx context.Context, q sqlx.ExecerContext, installationID, accountID int64, sealed string) error {
	_, err := q.ExecContext(ctx, `
		INSERT INTO staff_totp (installation_id, account_id, secret, enrolled_at) VALUES ($1, $2, $3, now())
		ON CONFLICT (installation_id, account_id) DO UPDATE SET secret = EXCLUDED.secret, enrolled_at = now(), last_step = 0`,
		installationID, accountID, sealed)
	if err != nil {
		return fmt.Errorf("set second factor: %w", err)
	}
	return nil
}

// --- search ---

// SearchHit is one person found by the staff search.
type SearchHit struct {
	Kind       string  `db:"kind"` // "adult" or "child"
	ID         int64   `db:"id"`
	FirstName  string  `db:"first_name"`
	LastName   string  `db:"last_name"`
	FiscalCode string  `db:"fiscal_code"`
	Detail     string  `db:"detail"` // child: school and class; adult: e-mail
	Score      float64 `db:"score"`
}

// The search text matches the expression of the trigram indexes of 00007.
const qSearch = `
	WITH q AS (SELECT lower($2::text) AS q)
	(SELECT 'adult' AS kind, a.id, a.first_name, a.last_name, a.fiscal_code, a.email AS detail,
	        word_similarity(q.q, lower(a.last_name || ' ' || a.first_name || ' ' || a.fiscal_code)) AS score
	 FROM adults a, q
	 WHERE a.installation_id = $1
	   AND (q.q <% lower(a.last_name || ' ' || a.first_name || ' ' || a.fiscal_code)
	        OR lower(a.last_name || ' ' || a.first_name || ' ' || a.fiscal_code) LIKE '%' || $3 || '%')
	 ORDER BY score DESC, a.last_name, a.first_name LIMIT $4)
	UNION ALL
	(SELECT 'child', c.id, c.first_name, c.last_name, c.fiscal_code,
	        trim(coalesce(s.name, '') || ' ' || c.class_name),
	        word_similarity(q.q, lower(c.last_name || ' ' || c.first_name || ' ' || c.fiscal_code)) AS score
	 FROM children c CROSS JOIN q
	 LEFT JOIN schools s ON s.installation_id = c.installation_id AND s.id = c.school_id
	 WHERE c.installation_id = $1
	   AND (q.q <% lower(c.last_name || ' ' || c.first_name || ' ' || c.fiscal_code)
	        OR lower(c.last_name || ' ' || c.first_name || ' ' || c.fiscal_code) LIKE '%' || $3 || '%')
	 ORDER BY score DESC, c.last_name, c.first_name LIMIT $4)
	ORDER BY score DESC, last_name, first_name, kind, id`

// SearchPeople finds adults and children of the installation whose name,
// surname or codice fiscale resemble q (typos included): trigram word
// similarity, or the exact substring. At most limit of each.
func (s *Store) SearchPeople(ctx context.Context, installationID int64, q string, limit int) ([]SearchHit, error) {
	q = strings.Join(strings.Fields(strings.ToLower(q)), " ")
	if len([]rune(q)) < 2 {
		return nil, nil
	}
	like := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(q)
	var out []SearchHit
	if err := s.db.SelectContext(ctx, &out, qSearch, installationID, q, like, limit); err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	return out, nil
}

// --- registry ---

// ErrFiscalCodeTaken: another person of the installation has that CF.
var ErrFiscalCodeTaken = errors.New("fiscal code already in the registry")

func uniqueViolation(err error) bool {
	var pqe *pq.Error
	return errors.As(err, &pqe) && pqe.Code == "23505"
}

// SaveAdult creates (a.ID == 0) or updates an adult. It returns the ID and,
// on an update that changed the codice fiscale, how many accounts are now
// linked with the old one (they need a relink).
func (s *Store) SaveAdult(ctx context.Context, a Adult) (id int64, stale int, err error) {
	err = s.WithTx(ctx, func(tx *sqlx.Tx) error {
		if a.ID == 0 {
			return tx.GetContext(ctx, &id, `
				INSERT INTO adults (installation_id, fiscal_code, first_name, last_name, email, mobile)
				VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
				a.InstallationID, a.FiscalCode, a.FirstName, a.LastName, a.Email, a.Mobile)
		}
		id = a.ID
		res, err := tx.ExecContext(ctx, `
			UPDATE adults SET fiscal_code = $3, first_name = $4, last_name = $5, email = $6, mobile = $7, updated_at = now()
			WHERE installation_id = $1 AND id = $2`,
			a.InstallationID, a.ID, a.FiscalCode, a.FirstName, a.LastName, a.Email, a.Mobile)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return tx.GetContext(ctx, &stale, `
			SELECT count(*) FROM accounts WHERE installation_id = $1 AND adult_id = $2
			  AND linked_fiscal_code IS NOT NULL AND linked_fiscal_code <> $3`, a.InstallationID, a.ID, a.FiscalCode)
	})
	if uniqueViolation(err) {
		return 0, 0, ErrFiscalCodeTaken
	}
	if err != nil && !errors.Is(err, ErrNotFound) {
		err = fmt.Errorf("save adult: %w", err)
	}
	return id, stale, err
}

// Child is a pupil of the registry.
type Child struct {
	InstallationID int64         `db:"installation_id"`
	ID             int64         `db:"id"`
	FiscalCode     string        `db:"fiscal_code"`
	FirstName      string        `db:"first_name"`
	LastName       string        `db:"last_name"`
	BirthDate      time.Time     `db:"birth_date"`
	SchoolID       sql.NullInt64 `db:"school_id"`
	School         string        `db:"school"`
	ClassName      string        `db:"class_name"`
}

// ChildByID loads a child of the installation.
func (s *Store) ChildByID(ctx context.Context, installationID, id int64) (*Child, error) {
	var c Child
	err := s.db.GetContext(ctx, &c, `
		SELECT c.installation_id, c.id, c.fiscal_code, c.first_name, c.last_name, c.birth_date, c.school_id,
		       coalesce(s.name, '') AS school, c.class_name
		FROM children c LEFT JOIN schools s ON s.installation_id = c.installation_id AND s.id = c.school_id
		WHERE c.installation_id = $1 AND c.id = $2`, installationID, id)
	if err != nil {
		return nil, fmt.Errorf("child %d: %w", id, notFound(err))
	}
	return &c, nil
}

// SaveChild creates (c.ID == 0) or updates a child.
func (s *Store) SaveChild(ctx context.Context, c Child) (int64, error) {
	id := c.ID
	var err error
	if c.ID == 0 {
		err = s.db.GetContext(ctx, &id, `
			INSERT INTO children (installation_id, fiscal_code, first_name, last_name, birth_date, school_id, class_name)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			c.InstallationID, c.FiscalCode, c.FirstName, c.LastName, c.BirthDate, c.SchoolID, c.ClassName)
	} else {
		var res sql.Result
		res, err = s.db.ExecContext(ctx, `
			UPDATE children SET fiscal_code = $3, first_name = $4, last_name = $5, birth_date = $6, school_id = $7, class_name = $8
			WHERE installation_id = $1 AND id = $2`,
			c.InstallationID, c.ID, c.FiscalCode, c.FirstName, c.LastName, c.BirthDate, c.SchoolID, c.ClassName)
		if err == nil {
			if n, _ := res.RowsAffected(); n == 0 {
				return 0, ErrNotFound
			}
		}
	}
	if uniqueViolation(err) {
		return 0, ErrFiscalCodeTaken
	}
	if err != nil {
		return 0, fmt.Errorf("save child: %w", err)
	}
	return id, nil
}

// Guardian is an adult of a child, with the role.
type Guardian struct {
	AdultID    int64  `db:"adult_id"`
	ChildID    int64  `db:"child_id"`
	FirstName  string `db:"first_name"`
	LastName   string `db:"last_name"`
	FiscalCode string `db:"fiscal_code"`
	Role       string `db:"role"`
}

// GuardiansOfChild lists the adults of a child, the paying adult first.
func (s *Store) GuardiansOfChild(ctx context.Context, installationID, childID int64) ([]Guardian, error) {
	var out []Guardian
	err := s.db.SelectContext(ctx, &out, `
		SELECT g.adult_id, g.child_id, a.first_name, a.last_name, a.fiscal_code, g.role
		FROM guardianships g JOIN adults a ON a.installation_id = g.installation_id AND a.id = g.adult_id
		WHERE g.installation_id = $1 AND g.child_id = $2 ORDER BY g.role = 'payer' DESC, a.last_name, a.first_name`,
		installationID, childID)
	if err != nil {
		return nil, fmt.Errorf("guardians: %w", err)
	}
	return out, nil
}

// ChildrenOfGuardian lists the children of an adult with the adult's role.
func (s *Store) ChildrenOfGuardian(ctx context.Context, installationID, adultID int64) ([]Guardian, error) {
	var out []Guardian
	err := s.db.SelectContext(ctx, &out, `
		SELECT g.adult_id, g.child_id, c.first_name, c.last_name, c.fiscal_code, g.role
		FROM guardianships g JOIN children c ON c.installation_id = g.installation_id AND c.id = g.child_id
		WHERE g.installation_id = $1 AND g.adult_id = $2 ORDER BY c.birth_date, c.first_name`, installationID, adultID)
	if err != nil {
		return nil, fmt.Errorf("children of guardian: %w", err)
	}
	return out, nil
}

// SetGuardianship adds or changes the role of an adult for a child. A new
// paying adult takes over: the previous payer becomes a guardian.
func (s *Store) SetGuardianship(ctx context.Context, installationID, childID, adultID int64, role string) error {
	return s.WithTx(ctx, func(tx *sqlx.Tx) error {
		if role == "payer" {
			if _, err := tx.ExecContext(ctx, `UPDATE guardianships SET role = 'guardian'
				WHERE installation_id = $1 AND child_id = $2 AND role = 'payer' AND adult_id <> $3`, installationID, childID, adultID); err != nil {
				return fmt.Errorf("demote payer: %w", err)
			}
		}
		_, err := tx.ExecContext(ctx, `
			INSERT INTO guardianships (installation_id, child_id, adult_id, role) VALUES ($1, $2, $3, $4)
			ON CONFLICT (installation_id, child_id, adult_id) DO UPDATE SET role = EXCLUDED.role`,
			installationID, childID, adultID, role)
		if err != nil {
			return fmt.Errorf("set guardianship: %w", err)
		}
		return nil
	})
}

// RemoveGuardianship removes an adult from a child.
func (s *Store) RemoveGuardianship(ctx context.Context, installationID, childID, adultID int64) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM guardianships WHERE installation_id = $1 AND child_id = $2 AND adult_id = $3`,
		installationID, childID, adultID)
	if err != nil {
		return fmt.Errorf("remove guardianship: %w", err)
	}
	return nil
}

// --- catalogue: schools, services, diets ---

// Option is an ID and a name, for select boxes.
type Option struct {
	ID   int64  `db:"id"`
	Name string `db:"name"`
	Kind string `db:"kind"`
}

// Schools lists the schools of the installation (not retired).
func (s *Store) Schools(ctx context.Context, installationID int64) ([]Option, error) {
	var out []Option
	err := s.db.SelectContext(ctx, &out, `SELECT id, name, '' AS kind FROM schools WHERE installation_id = $1 AND retired_at IS NULL ORDER BY name`, installationID)
	return out, wrap("schools", err)
}

// Services lists the services of the installation (not retired).
func (s *Store) Services(ctx context.Context, installationID int64) ([]Option, error) {
	var out []Option
	err := s.db.SelectContext(ctx, &out, `SELECT id, name, kind FROM services WHERE installation_id = $1 AND retired_at IS NULL ORDER BY id`, installationID)
	return out, wrap("services", err)
}

// Diets lists the diets of the installation (not retired).
func (s *Store) Diets(ctx context.Context, installationID int64) ([]Option, error) {
	var out []Option
	err := s.db.SelectContext(ctx, &out, `SELECT id, name, '' AS kind FROM diets WHERE installation_id = $1 AND retired_at IS NULL ORDER BY name`, installationID)
	return out, wrap("diets", err)
}

// AddCatalogue adds a school, a service (kind required) or a diet.
func (s *Store) AddCatalogue(ctx context.Context, installationID int64, what, name, kind string) error {
	var err error
	switch what {
	case "school":
		_, err = s.db.ExecContext(ctx, `INSERT INTO schools (installation_id, name) VALUES ($1, $2)`, installationID, name)
	case "diet":
		_, err = s.db.ExecContext(ctx, `INSERT INTO diets (installation_id, name) VALUES ($1, $2)`, installationID, name)
	case "service":
		_, err = s.db.ExecContext(ctx, `INSERT INTO services (installation_id, kind, name) VALUES ($1, $2, $3)`, installationID, kind, name)
	default:
		return fmt.Errorf("add catalogue %q: %w", what, ErrNotFound)
	}
	return wrap("add "+what, err)
}

func wrap(what string, err error) error {
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// NewEnrollment enrolls a child in a service for a period.
type NewEnrollment struct {
	InstallationID, ChildID, ServiceID int64
	DietID                             *int64
	StartsOn, EndsOn                   time.Time
	TariffName                         string
	TariffCents                        int64
	Billing                            string
}

// SchoolYearOf is the calendar year the school year of day starts in
// (September).
func SchoolYearOf(day time.Time) int {
	if day.Month() >= time.September {
		return day.Year()
	}
	return day.Year() - 1
}

// AddEnrollment records an enrollment.
func (s *Store) AddEnrollment(ctx context.Context, e NewEnrollment) (int64, error) {
	return addEnrollment(ctx, s.db, e)
}

func addEnrollment(ctx context.Context, q sqlx.QueryerContext, e NewEnrollment) (int64, error) {
	var id int64
	err := sqlx.GetContext(ctx, q, &id, `
		INSERT INTO enrollments (installation_id, child_id, service_id, school_year, starts_on, ends_on, diet_id, tariff_name, tariff_cents, billing)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		e.InstallationID, e.ChildID, e.ServiceID, SchoolYearOf(e.StartsOn), e.StartsOn, e.EndsOn, e.DietID, e.TariffName, e.TariffCents, e.Billing)
	return id, wrap("add enrollment", err)
}

// EnrollmentsOfChild lists every enrollment of a child, newest first, with
// the diet (staff read: the caller audits it).
func (s *Store) EnrollmentsOfChild(ctx context.Context, installationID, childID int64) ([]Enrollment, error) {
	var list []Enrollment
	err := s.db.SelectContext(ctx, &list, qEnrollments+`
		WHERE e.installation_id = $1 AND e.child_id = $2 ORDER BY e.starts_on DESC, sv.id`, installationID, childID)
	return list, wrap("enrollments of child", err)
}

// --- accounts seen by staff ---

// AccountsOfAdult lists the accounts linked to an adult.
func (s *Store) AccountsOfAdult(ctx context.Context, installationID, adultID int64) ([]Account, error) {
	var out []Account
	err := s.db.SelectContext(ctx, &out, `SELECT * FROM accounts WHERE installation_id = $1 AND adult_id = $2 ORDER BY id`, installationID, adultID)
	return out, wrap("accounts of adult", err)
}

// Relink re-links an account to its adult's current codice fiscale (the
// seed's "rigenerare il profilo"). ErrConflict when another account is
// already linked with that CF.
func (s *Store) Relink(ctx context.Context, installationID, accountID int64) (oldCF, newCF string, err error) {
	err = s.WithTx(ctx, func(tx *sqlx.Tx) error {
		var row struct {
			Old sql.NullString `db:"old"`
			New string         `db:"new"`
		}
		if err := tx.GetContext(ctx, &row, `
			SELECT acc.linked_fiscal_code AS old, a.fiscal_code AS new
			FROM accounts acc JOIN adults a ON a.installation_id = acc.installation_id AND a.id = acc.adult_id
			WHERE acc.installation_id = $1 AND acc.id = $2 FOR UPDATE OF acc`, installationID, accountID); err != nil {
			return notFound(err)
		}
		oldCF, newCF = row.Old.String, row.New
		_, err := tx.ExecContext(ctx, `UPDATE accounts SET linked_fiscal_code = $3 WHERE installation_id = $1 AND id = $2`,
			installationID, accountID, row.New)
		return err
	})
	if uniqueViolation(err) {
		return "", "", ErrConflict
	}
	if err != nil && !errors.Is(err, ErrNotFound) {
		err = fmt.Errorf("relink: %w", err)
	}
	return oldCF, newCF, err
}

// EndSessions ends every session of an account (a lock).
func (s *Store) EndSessions(ctx context.Context, installationID, accountID int64) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE installation_id = $1 AND account_id = $2`, installationID, accountID)
	return wrap("end sessions", err)
}

// --- audit viewer ---

// AuditFilter selects audit rows of an installation.
type AuditFilter struct {
	Action, Outcome, Actor string
	AccountID              int64
	From, To               time.Time // civil dates, inclusive; zero: open
}

// AuditPage lists audit rows newest first.
func (s *Store) AuditPage(ctx context.Context, installationID int64, f AuditFilter, limit, offset int) ([]AuditRow, error) {
	opt := func(ok bool, v any) any {
		if ok {
			return v
		}
		return nil
	}
	var rows []AuditRow
	err := s.db.SelectContext(ctx, &rows, `
		SELECT id, at, account_id, actor, action, outcome, ip, detail::text AS detail
		FROM audit_log
		WHERE installation_id = $1
		  AND ($2::text IS NULL OR action = $2::text)
		  AND ($3::text IS NULL OR outcome = $3::text)
		  AND ($4::text IS NULL OR lower(actor) = lower($4::text))
		  AND ($5::bigint IS NULL OR account_id = $5::bigint)
		  AND ($6::date IS NULL OR at >= ($6::date::timestamp AT TIME ZONE 'Europe/Rome'))
		  AND ($7::date IS NULL OR at < (($7::date + 1)::timestamp AT TIME ZONE 'Europe/Rome'))
		ORDER BY at DESC, id DESC LIMIT $8 OFFSET $9`,
		installationID, opt(f.Action != "", f.Action), opt(f.Outcome != "", f.Outcome), opt(f.Actor != "", f.Actor),
		opt(f.AccountID != 0, f.AccountID), opt(!f.From.IsZero(), f.From), opt(!f.To.IsZero(), f.To), limit, offset)
	return rows, wrap("audit page", err)
}

// AuditActions lists the distinct actions of an installation's log.
func (s *Store) AuditActions(ctx context.Context, installationID int64) ([]string, error) {
	var out []string
	err := s.db.SelectContext(ctx, &out, `SELECT DISTINCT action FROM audit_log WHERE installation_id = $1 ORDER BY action`, installationID)
	return out, wrap("audit actions", err)
}

// SaveInstallationSettings stores the settings an administrator edits
// (handlers/staff_settings.go validates them first; the table's CHECKs
// stand behind).
func (s *Store) SaveInstallationSettings(ctx context.Context, i *Installation) error {
	_, err := s.db.NamedExecContext(ctx, `
		UPDATE installations SET name = :name, region_label = :region_label,
			login_local = :login_local, self_registration = :self_registration, login_spid = :login_spid,
			login_cie = :login_cie, login_cns = :login_cns, cns_software_url = :cns_software_url, staff_spid = :staff_spid,
			cst_mode = :cst_mode, cst_login_url = :cst_login_url, cst_registration_url = :cst_registration_url,
			cst_instructions = :cst_instructions, password_min = :password_min, password_max = :password_max,
			password_required = :password_required, captcha = :captcha, privacy_checkbox = :privacy_checkbox,
			delivery_channel = :delivery_channel, email_required = :email_required, mobile_required = :mobile_required,
			lock_registry_contacts = :lock_registry_contacts, allow_unlinked_accounts = :allow_unlinked_accounts,
			controller_name = :controller_name, controller_address = :controller_address, controller_email = :controller_email,
			controller_pec = :controller_pec, controller_phone = :controller_phone, controller_website = :controller_website,
			dpo_email = :dpo_email, processor_name = :processor_name, processor_address = :processor_address,
			processor_email = :processor_email, office_name = :office_name, office_hours = :office_hours,
			ipa_code = :ipa_code, accessibility_feedback_email = :accessibility_feedback_email
		WHERE id = :id`, i)
	return wrap("save settings", err)
}
