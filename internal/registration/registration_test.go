package registration_test

import (
	"net/url"
	"testing"
	"unicode/utf8"

	"portalegenitori/internal/registration"
)

// FuzzDecode: any body, however malformed, decodes without
// panicking, and what is kept for re-rendering is valid UTF-8 within bounds.
func FuzzDecode(f *testing.F) {
	f.Add("first_name=Anna&last_name=Verdi&fiscal_code=VRDNNA87H43L219D&username=anna&password=x&confirm=x")
	f.Add("username=a&username=b&email=%ff%fe&mobile=%2B39+340+1112233")
	f.Add("fiscal_code=" + string(make([]byte, 100)) + "&security_question=custom&custom_question=%C3%A8")
	inst := registration.Settings{PasswordMin: 8, PasswordMax: 12, PasswordRequired: true, PrivacyCheckbox: true,
		DeliveryChannel: "both", EmailRequired: true}
	f.Fuzz(func(t *testing.T, body string) {
		form, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		fm, errs, _ := registration.Decode(form, inst)
		for name, v := range map[string]string{"first_name": fm.FirstName, "last_name": fm.LastName, "fiscal_code": fm.FiscalCode,
			"email": fm.Email, "username": fm.Username, "custom_question": fm.CustomQuestion} {
			if !utf8.ValidString(v) {
				t.Fatalf("%s kept invalid UTF-8", name)
			}
			if utf8.RuneCountInString(v) > registration.Fields[name] {
				t.Fatalf("%s kept %d runes", name, utf8.RuneCountInString(v))
			}
		}
		if fm.CF != "" && len(fm.CF) != 16 {
			t.Fatalf("CF %q accepted", fm.CF)
		}
		if fm.Mobile != "" && errs["mobile"].Key == "" && fm.Mobile[0] != '+' {
			t.Fatalf("mobile %q not normalised", fm.Mobile)
		}
	})
}

// TestDecodeFieldErrors: each rule names its field and its catalogue key,
// following the installation's settings.
func TestDecodeFieldErrors(t *testing.T) {
	good := url.Values{"first_name": {"Anna"}, "last_name": {"D'Angelo"}, "fiscal_code": {"vrdnna87h43l219d"},
		"email": {"anna@example.it"}, "mobile": {"340 111 2233"}, "username": {"anna.verdi"},
		"password": {"cavallo batteria graffetta"}, "confirm": {"cavallo batteria graffetta"},
		"security_question": {"sq.pet"}, "security_answer": {"Fido"}, "privacy": {"1"}}
	set := registration.Settings{PasswordRequired: true, PasswordMin: 12, PasswordMax: 128, PrivacyCheckbox: true, DeliveryChannel: "both"}
	f, errs, formErr := registration.Decode(good, set)
	if len(errs) != 0 || formErr != "" {
		t.Fatalf("a good form: %v %q", errs, formErr)
	}
	if f.CF != "VRDNNA87H43L219D" || f.Mobile != "+393401112233" {
		t.Fatalf("normalised: CF %q, mobile %q", f.CF, f.Mobile)
	}
	cases := []struct {
		name          string
		change        url.Values
		set           func(*registration.Settings)
		field, key    string
		formLevelOnly bool
	}{
		{"no email where the channel is e-mail", url.Values{"email": {""}}, func(s *registration.Settings) { s.DeliveryChannel = "email" }, "email", "register.error.email_required", false},
		{"bad e-mail", url.Values{"email": {"anna@"}}, nil, "email", "register.error.email", false},
		{"landline", url.Values{"mobile": {"+39 06 1234567"}}, nil, "mobile", "register.error.mobile", false},
		{"username shape", url.Values{"username": {"a b"}}, nil, "username", "register.error.username_format", false},
		{"confirmation differs", url.Values{"confirm": {"cavallo batteria graffett"}}, nil, "confirm", "password.mismatch", false},
		{"wrong CF", url.Values{"fiscal_code": {"VRDNNA87H43L219X"}}, nil, "fiscal_code", "register.error.cf", false},
		{"custom question empty", url.Values{"security_question": {"custom"}}, nil, "custom_question", "register.error.custom_question", false},
		{"unknown question", url.Values{"security_question": {"sq.other"}}, nil, "security_question", "register.error.question", false},
		{"privacy not ticked", url.Values{"privacy": {""}}, nil, "privacy", "register.error.privacy", false},
		{"name with digits", url.Values{"first_name": {"Ann4"}}, nil, "first_name", "register.error.name_chars", false},
		{"field sent twice", url.Values{"username": {"anna.verdi", "other"}}, nil, "", "register.error.repeated", true},
	}
	for _, tc := range cases {
		form := url.Values{}
		for k, v := range good {
			form[k] = v
		}
		for k, v := range tc.change {
			form[k] = v
		}
		s := set
		if tc.set != nil {
			tc.set(&s)
		}
		_, errs, formErr := registration.Decode(form, s)
		if tc.formLevelOnly {
			if formErr != tc.key || len(errs) != 0 {
				t.Errorf("%s: form error %q, fields %v", tc.name, formErr, errs)
			}
			continue
		}
		if len(errs) != 1 || errs[tc.field].Key != tc.key {
			t.Errorf("%s: %v", tc.name, errs)
		}
	}
}

// TestLock: the registry's contacts are locked for a payer where the Comune
// locks them, and for anyone when the password is generated (it goes to
// the registry's contacts only); a required contact the registry lacks is
// named.
func TestLock(t *testing.T) {
	payer := &registration.Adult{ID: 1, Email: "a@example.it", Mobile: "+393401112233", Payer: true}
	guardian := &registration.Adult{ID: 2, Email: "g@example.it", Payer: false}
	chosen := registration.Settings{PasswordRequired: true, LockRegistryContacts: true, DeliveryChannel: "both"}
	generated := registration.Settings{PasswordRequired: false, DeliveryChannel: "sms"}
	cases := []struct {
		name string
		set  registration.Settings
		a    *registration.Adult
		want registration.ContactLock
	}{
		{"not in the registry", chosen, nil, registration.ContactLock{}},
		{"payer, Comune locks", chosen, payer, registration.ContactLock{Locked: true}},
		{"guardian, password chosen", chosen, guardian, registration.ContactLock{}},
		{"guardian, password generated by SMS, no mobile", generated, guardian,
			registration.ContactLock{Locked: true, ForPassword: true, MissingPhone: true}},
		{"no contact at all", generated, &registration.Adult{ID: 3}, registration.ContactLock{Locked: true, ForPassword: true, MissingPhone: true}},
	}
	for _, tc := range cases {
		if got := registration.Lock(tc.set, tc.a); got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
}
