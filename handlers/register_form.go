package handlers

import (
	"portalegenitori/db"
	"portalegenitori/internal/registration"
)

// FieldArgs is what the "field" template of the registration form needs.
type FieldArgs struct {
	Name, Type, Value, Autocomplete string
	Label, Hint, Error, ErrorPrefix string
	Max                             int
	Required, Readonly              bool
}

// fieldArgs builds the data of one text field of the registration form.
func fieldArgs(v RegisterView, name, typ, value, autocomplete string, max int, hintKey string) FieldArgs {
	a := FieldArgs{Name: name, Type: typ, Value: value, Autocomplete: autocomplete, Max: max,
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
	return a
}

// registrationSettings are the installation's choices the form's rules
// depend on.
func registrationSettings(inst *db.Installation) registration.Settings {
	return registration.Settings{EmailRequired: inst.EmailRequired, MobileRequired: inst.MobileRequired,
		DeliveryChannel: inst.DeliveryChannel, PasswordRequired: inst.PasswordRequired,
		PasswordMin: inst.PasswordMin, PasswordMax: inst.PasswordMax, PrivacyCheckbox: inst.PrivacyCheckbox}
}
