package handlers

import (
	"context"
	"errors"

	"portalegenitori/db"
	"portalegenitori/internal/registration"
)

// fieldArgs builds the data of one text field of the registration form.
func fieldArgs(v RegisterView, name, typ, value, autocomplete string, max int, hintKey string) Field {
	a := Field{Name: name, Type: typ, Value: value, Autocomplete: autocomplete, Max: max,
		Label: v.T("register." + name), Error: v.Errors[name], ErrorPrefix: v.T("common.error_prefix")}
	if hintKey != "" {
		a.Hint = v.T(hintKey)
	}
	switch name {
	case "first_name", "last_name", "security_answer":
		a.Required = true
	case "email":
		a.Required = v.Inst.EmailRequired || v.Inst.DeliveryChannel == "email"
	case "mobile":
		a.Required = v.Inst.MobileRequired || v.Inst.DeliveryChannel == "sms"
	}
	a.Marked = a.Required
	return a
}

// registrationSettings are the installation's choices the form's rules
// depend on.
func registrationSettings(inst *db.Installation) registration.Settings {
	return registration.Settings{EmailRequired: inst.EmailRequired, MobileRequired: inst.MobileRequired,
		DeliveryChannel: inst.DeliveryChannel, PasswordRequired: inst.PasswordRequired,
		PasswordMin: inst.PasswordMin, PasswordMax: inst.PasswordMax, PrivacyCheckbox: inst.PrivacyCheckbox,
		LockRegistryContacts: inst.LockRegistryContacts, AllowUnlinkedAccounts: inst.AllowUnlinkedAccounts}
}

func registryAdult(a *db.Adult, payer bool) *registration.Adult {
	return &registration.Adult{ID: a.ID, Email: a.Email, Mobile: a.Mobile, Payer: payer}
}

// registrationStore gives internal/registration the registry and the
// accounts; it keeps the registry's adult it found.
type registrationStore struct {
	store *db.Store
	adult *db.Adult
}

func (s *registrationStore) RegistryAdult(ctx context.Context, installationID int64, cf string) (*registration.Adult, error) {
	a, payer, err := s.store.AdultByFiscalCode(ctx, installationID, cf)
	if errors.Is(err, db.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	s.adult = a
	return registryAdult(a, payer), nil
}

func (s *registrationStore) AccountExistsFor(ctx context.Context, installationID int64, cf string, adultID int64) (bool, error) {
	return s.store.AccountExistsFor(ctx, installationID, cf, adultID)
}

func (s *registrationStore) UsernameTaken(ctx context.Context, installationID int64, username string) (bool, error) {
	return s.store.UsernameTaken(ctx, installationID, username)
}
