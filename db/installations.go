package db

import (
	"context"
	"database/sql"
	"fmt"
)

// Installation is one Comune with its settings.
type Installation struct {
	ID                         int64        `db:"id"`
	Code                       string       `db:"code"`
	Name                       string       `db:"name"`
	RegionLabel                string       `db:"region_label"`
	LoginLocal                 bool         `db:"login_local"`
	SelfRegistration           bool         `db:"self_registration"`
	LoginSPID                  bool         `db:"login_spid"`
	LoginCIE                   bool         `db:"login_cie"`
	LoginCNS                   bool         `db:"login_cns"`
	CNSSoftwareURL             string       `db:"cns_software_url"`
	StaffSPID                  bool         `db:"staff_spid"`
	CSTMode                    bool         `db:"cst_mode"`
	CSTLoginURL                string       `db:"cst_login_url"`
	CSTRegistrationURL         string       `db:"cst_registration_url"`
	CSTInstructions            string       `db:"cst_instructions"`
	PasswordMin                int          `db:"password_min"`
	PasswordMax                int          `db:"password_max"`
	PasswordRequired           bool         `db:"password_required"`
	Captcha                    bool         `db:"captcha"`
	PrivacyCheckbox            bool         `db:"privacy_checkbox"`
	DeliveryChannel            string       `db:"delivery_channel"`
	EmailRequired              bool         `db:"email_required"`
	MobileRequired             bool         `db:"mobile_required"`
	LockRegistryContacts       bool         `db:"lock_registry_contacts"`
	AllowUnlinkedAccounts      bool         `db:"allow_unlinked_accounts"`
	ControllerName             string       `db:"controller_name"`
	ControllerAddress          string       `db:"controller_address"`
	ControllerEmail            string       `db:"controller_email"`
	ControllerPEC              string       `db:"controller_pec"`
	ControllerPhone            string       `db:"controller_phone"`
	ControllerWebsite          string       `db:"controller_website"`
	DPOEmail                   string       `db:"dpo_email"`
	ProcessorName              string       `db:"processor_name"`
	ProcessorAddress           string       `db:"processor_address"`
	ProcessorEmail             string       `db:"processor_email"`
	OfficeName                 string       `db:"office_name"`
	OfficeHours                string       `db:"office_hours"`
	IPACode                    string       `db:"ipa_code"`
	AccessibilityFeedbackEmail string       `db:"accessibility_feedback_email"`
	AccessibilityReviewedOn    sql.NullTime `db:"accessibility_reviewed_on"`
	CreatedAt                  sql.NullTime `db:"created_at"`
}

// ShowsPasswordBoxes tells whether the login page has Username and Password.
func (i *Installation) ShowsPasswordBoxes() bool { return i.LoginLocal && !i.CSTMode }

// InstallationByCode loads an installation by its URL code.
func (s *Store) InstallationByCode(ctx context.Context, code string) (*Installation, error) {
	var inst Installation
	err := s.db.GetContext(ctx, &inst, `SELECT * FROM installations WHERE code = $1`, code)
	if err != nil {
		return nil, fmt.Errorf("installation %q: %w", code, notFound(err))
	}
	return &inst, nil
}

// InstallationSummary is a line of the list on "/".
type InstallationSummary struct {
	Code string `db:"code"`
	Name string `db:"name"`
}

// ListInstallations returns every installation by name.
func (s *Store) ListInstallations(ctx context.Context) ([]InstallationSummary, error) {
	var list []InstallationSummary
	if err := s.db.SelectContext(ctx, &list, `SELECT code, name FROM installations ORDER BY name, code`); err != nil {
		return nil, fmt.Errorf("list installations: %w", err)
	}
	return list, nil
}
