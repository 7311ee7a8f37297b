// Package registration holds the rules of the self-registration form: what
// each field may hold and when it is valid for the installation's settings.
// It takes the posted values and returns the field errors as message keys
// of the catalogue; the registry, the database and the captcha are the
// caller's.
package registration

import (
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"portalegenitori/internal/codicefiscale"
	"portalegenitori/internal/password"
)

// Fields are the fields the registration form may send, with the
// most characters each may hold. Anything else is ignored; a field sent
// twice is refused.
var Fields = map[string]int{
	"first_name": 60, "last_name": 60, "fiscal_code": 40, "email": 254, "mobile": 20,
	"username": 64, "password": 256, "confirm": 256, "security_question": 20,
	"custom_question": 150, "security_answer": 100, "privacy": 1, "altcha": 4096,
	"captcha_answer": 10, "captcha_token": 200, "contacts_locked": 1, "verifica": 1, "lang": 2,
}

// SecurityQuestions are the proposed questions; the value stored is the key
// (translated when shown), or the user's own question.
var SecurityQuestions = []string{"sq.pet", "sq.school", "sq.grandparents", "sq.dish", "sq.friend"}

// CustomQuestion is the value of "– Scrivi la tua domanda –".
const CustomQuestion = "custom"

var usernameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]{2,63}$`)

// FieldError is a message key of the catalogue with its arguments.
type FieldError struct {
	Key  string
	Args []any
}

// Settings are the installation's choices the form depends on.
type Settings struct {
	EmailRequired, MobileRequired bool
	DeliveryChannel               string // "email", "sms" or "both"
	PasswordRequired              bool   // the password is chosen, not generated
	PasswordMin, PasswordMax      int
	PrivacyCheckbox               bool
	LockRegistryContacts          bool // a payer's contacts come from the registry
	AllowUnlinkedAccounts         bool // a codice fiscale outside the registry may register
}

// ValidUsername tells whether s has the shape of a username.
func ValidUsername(s string) bool { return usernameRE.MatchString(s) }

// Form is the decoded registration form. Password and Confirm are
// never rendered back.
type Form struct {
	FirstName, LastName string
	FiscalCode          string // as typed (trimmed)
	CF                  string // normalised, valid codice fiscale; "" when invalid
	Email, Mobile       string // Mobile normalised to +39...
	Username            string
	Password, Confirm   string
	Question            string // a SecurityQuestions key or CustomQuestion
	CustomQuestion      string
	Answer              string
	Privacy             bool
	Altcha              string
	CaptchaAnswer       string
	CaptchaToken        string
	ContactsLocked      bool
	Check               bool // "Verifica disponibilità" without JS
}

// Decode reads and checks the form against the installation's settings. It never fails: problems come back as field errors (keyed by
// field name) and a form-level error key. It does not touch the database.
func Decode(form url.Values, inst Settings) (Form, map[string]FieldError, string) {
	errs := map[string]FieldError{}
	formErr := ""
	get := func(name string) string {
		vals := form[name]
		if len(vals) == 0 {
			return ""
		}
		if len(vals) > 1 {
			formErr = "register.error.repeated"
		}
		v := vals[0]
		if !utf8.ValidString(v) {
			errs[name] = FieldError{Key: "register.error.utf8"}
			v = strings.ToValidUTF8(v, "")
		}
		if max := Fields[name]; utf8.RuneCountInString(v) > max {
			if _, bad := errs[name]; !bad {
				errs[name] = FieldError{Key: "register.error.too_long", Args: []any{max}}
			}
			v = string([]rune(v)[:max])
		}
		return v
	}
	var f Form
	f.FirstName = strings.TrimSpace(get("first_name"))
	f.LastName = strings.TrimSpace(get("last_name"))
	f.FiscalCode = strings.TrimSpace(get("fiscal_code"))
	f.Email = strings.TrimSpace(get("email"))
	f.Mobile = strings.TrimSpace(get("mobile"))
	f.Username = strings.TrimSpace(get("username"))
	f.Password = get("password")
	f.Confirm = get("confirm")
	f.Question = strings.TrimSpace(get("security_question"))
	f.CustomQuestion = strings.Join(strings.Fields(get("custom_question")), " ")
	f.Answer = get("security_answer")
	f.Privacy = get("privacy") == "1"
	f.Altcha = strings.TrimSpace(get("altcha"))
	f.CaptchaAnswer = strings.TrimSpace(get("captcha_answer"))
	f.CaptchaToken = strings.TrimSpace(get("captcha_token"))
	f.ContactsLocked = get("contacts_locked") == "1"
	f.Check = get("verifica") == "1"

	setErr := func(field, key string, args ...any) {
		if _, ok := errs[field]; !ok {
			errs[field] = FieldError{Key: key, Args: args}
		}
	}
	for _, n := range []struct{ field, value, key string }{
		{"first_name", f.FirstName, "register.error.first_name"},
		{"last_name", f.LastName, "register.error.last_name"},
	} {
		switch {
		case n.value == "":
			setErr(n.field, n.key)
		case !validName(n.value):
			setErr(n.field, "register.error.name_chars")
		}
	}
	if cf, err := codicefiscale.Validate(f.FiscalCode); err != nil {
		if _, ok := errs["fiscal_code"]; !ok {
			errs["fiscal_code"] = FieldError{Key: "register.error.cf", Args: []any{err}}
		}
	} else {
		f.CF = cf
	}
	if f.Email != "" {
		if !validEmail(f.Email) {
			setErr("email", "register.error.email")
		}
	} else if inst.EmailRequired || inst.DeliveryChannel == "email" {
		setErr("email", "register.error.email_required")
	}
	if f.Mobile != "" {
		if m, ok := normalizeMobile(f.Mobile); ok {
			f.Mobile = m
		} else {
			setErr("mobile", "register.error.mobile")
		}
	} else if inst.MobileRequired || inst.DeliveryChannel == "sms" {
		setErr("mobile", "register.error.mobile_required")
	}
	switch {
	case f.Username == "":
		setErr("username", "register.error.username_required")
	case !usernameRE.MatchString(f.Username):
		setErr("username", "register.error.username_format")
	}
	if inst.PasswordRequired {
		policy := password.Policy{Min: inst.PasswordMin, Max: inst.PasswordMax}
		for _, p := range policy.Check(f.Password, f.Confirm, f.Username) {
			field := "password"
			if p.Key == "password.mismatch" {
				field = "confirm"
			}
			key := p.Key
			if key == "password.required" {
				key = "register.error.password_required"
			}
			if p.Arg != 0 {
				setErr(field, key, p.Arg)
			} else {
				setErr(field, key)
			}
		}
	}
	switch {
	case f.Question == CustomQuestion:
		if f.CustomQuestion == "" {
			setErr("custom_question", "register.error.custom_question")
		}
	case validQuestion(f.Question):
		f.CustomQuestion = ""
	default:
		setErr("security_question", "register.error.question")
	}
	if strings.TrimSpace(f.Answer) == "" {
		setErr("security_answer", "register.error.answer")
	}
	if inst.PrivacyCheckbox && !f.Privacy {
		setErr("privacy", "register.error.privacy")
	}
	return f, errs, formErr
}

func validQuestion(q string) bool {
	for _, k := range SecurityQuestions {
		if k == q {
			return true
		}
	}
	return false
}

// validName accepts letters (any script, with accents), spaces, apostrophes,
// hyphens and dots.
func validName(s string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.Is(unicode.Mn, r) && !strings.ContainsRune(" '’-.", r) {
			return false
		}
	}
	return true
}

// validEmail accepts a bare address with a dotted domain.
func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	dom := s[at+1:]
	return at > 0 && strings.Contains(dom, ".") && !strings.HasPrefix(dom, ".") && !strings.HasSuffix(dom, ".") &&
		!strings.ContainsAny(s, " \t\r\n")
}

// normalizeMobile accepts Italian mobile numbers with or without +39/0039,
// spaces, dots, dashes, and foreign numbers in + form; it returns E.164.
func normalizeMobile(s string) (string, bool) {
	var b strings.Builder
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '.' || r == '/' || r == '(' || r == ')':
		default:
			return "", false
		}
	}
	n := b.String()
	if strings.HasPrefix(n, "00") {
		n = "+" + n[2:]
	}
	if !strings.HasPrefix(n, "+") {
		if len(n) >= 9 && len(n) <= 10 && n[0] == '3' {
			return "+39" + n, true
		}
		return "", false
	}
	digits := n[1:]
	if len(digits) < 8 || len(digits) > 15 || digits[0] == '0' {
		return "", false
	}
	if strings.HasPrefix(digits, "39") && (len(digits) < 11 || len(digits) > 12 || digits[2] != '3') {
		return "", false // an Italian number that is not a mobile
	}
	return n, true
}

// NormalizeAnswer makes the security answer comparable: Unicode NFC, lower
// case, single spaces.
func NormalizeAnswer(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(norm.NFC.String(s))), " ")
}
