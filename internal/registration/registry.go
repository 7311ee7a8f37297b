package registration

import (
	"context"
	"strings"
)

// Adult is what the registry knows of the person with the codice fiscale.
type Adult struct {
	ID            int64
	Email, Mobile string
	Payer         bool // pays for a child (adulto pagante)
}

// ContactLock tells whether the registry's contacts replace the typed ones.
type ContactLock struct {
	Locked bool
	// ForPassword: locked because the generated password goes to the
	// registry's contacts only (not because the Comune locks payers').
	ForPassword bool
	// MissingEmail, MissingPhone: required, but absent in the registry.
	MissingEmail, MissingPhone bool
}

// Lock is the contact lock for an adult of the registry: the Comune locks
// the payers' contacts, and a generated password goes only to the
// registry's contacts.
func Lock(set Settings, a *Adult) ContactLock {
	if a == nil || !(a.Payer && set.LockRegistryContacts || !set.PasswordRequired) {
		return ContactLock{}
	}
	l := ContactLock{Locked: true, ForPassword: !(a.Payer && set.LockRegistryContacts)}
	l.MissingEmail = a.Email == "" && (set.EmailRequired || set.DeliveryChannel == "email")
	l.MissingPhone = a.Mobile == "" && (set.MobileRequired || set.DeliveryChannel == "sms")
	if a.Email == "" && a.Mobile == "" {
		l.MissingEmail, l.MissingPhone = set.DeliveryChannel != "sms", set.DeliveryChannel != "email"
	}
	return l
}

// Store is what the registry checks read.
type Store interface {
	// RegistryAdult finds the adult with the codice fiscale; nil and no
	// error when the registry does not have it.
	RegistryAdult(ctx context.Context, installationID int64, cf string) (*Adult, error)
	// AccountExistsFor tells whether a profile already exists for the
	// codice fiscale or the adult (adultID 0: none).
	AccountExistsFor(ctx context.Context, installationID int64, cf string, adultID int64) (bool, error)
	UsernameTaken(ctx context.Context, installationID int64, username string) (bool, error)
}

// Checked is the form after the checks against the registry and the
// accounts.
type Checked struct {
	Adult  *Adult // the registry's adult with the codice fiscale, if any
	Lock   ContactLock
	Errors map[string]FieldError
	// FormError is a message key for the whole form, or "".
	FormError string
	// Email and Mobile are the contacts to use: the registry's when locked.
	Email, Mobile string
}

// Check applies, after Decode, the rules that need the registry and the
// accounts: a codice fiscale outside the registry (refused unless the Comune
// allows it), one profile per person, the contact lock, the username taken.
// errs and formErr are Decode's; office names the Comune's office in the
// messages that send people there.
func Check(ctx context.Context, st Store, installationID int64, set Settings, f Form, errs map[string]FieldError, formErr, office string) (Checked, error) {
	ch := Checked{Errors: errs, FormError: formErr, Email: f.Email, Mobile: f.Mobile}
	if f.CF != "" {
		a, err := st.RegistryAdult(ctx, installationID, f.CF)
		switch {
		case err != nil:
			return ch, err
		case a == nil:
			if !set.AllowUnlinkedAccounts {
				errs["fiscal_code"] = FieldError{Key: "register.cf.unknown_refused", Args: []any{office}}
			}
		default:
			ch.Adult = a
			ch.Lock = Lock(set, a)
		}
		var adultID int64
		if ch.Adult != nil {
			adultID = ch.Adult.ID
		}
		exists, err := st.AccountExistsFor(ctx, installationID, f.CF, adultID)
		if err != nil {
			return ch, err
		}
		if exists {
			errs["fiscal_code"] = FieldError{Key: "register.cf.has_account"}
		}
	}
	if ch.Lock.Locked {
		// whatever the browser sent, the registry's contacts are used
		a := ch.Adult
		delete(errs, "email")
		delete(errs, "mobile")
		if ch.Lock.MissingEmail || ch.Lock.MissingPhone {
			errs["fiscal_code"] = FieldError{Key: "register.cf.locked_missing", Args: []any{office}}
		} else if !f.ContactsLocked && ((f.Email != "" && !strings.EqualFold(f.Email, a.Email)) || (f.Mobile != "" && f.Mobile != a.Mobile)) {
			// without JS the user could not see the lock: tell before using other contacts
			ch.FormError = "register.contacts.locked_changed"
		}
		ch.Email, ch.Mobile = a.Email, a.Mobile
	}
	if _, bad := errs["username"]; !bad && f.Username != "" {
		taken, err := st.UsernameTaken(ctx, installationID, f.Username)
		if err != nil {
			return ch, err
		}
		if taken {
			errs["username"] = FieldError{Key: "register.username.taken"}
		}
	}
	return ch, nil
}
