package handlers

import "strings"

// Field is one labelled input with its hint and its error, as the "field"
// partial (fragments/partials/common.html) renders it: every form of the
// portal, the parents' and the staff's, uses it, so the label, the hint,
// the error and the aria attributes that tie them are written once.
type Field struct {
	Name, Label, Type, Value, Autocomplete string
	Hint, Error, ErrorPrefix               string
	Max                                    int  // maxlength; 0: none
	Required                               bool // the required attribute
	Marked                                 bool // a visible "*" after the label
	Readonly                               bool
	Plain                                  bool   // no autocapitalisation, no spellcheck: usernames, codes
	Autofocus                              bool   // the field to correct, or the next to fill
	Also                                   string // an element describing the field while it has no error of its own
	InputMode                              string // e.g. "numeric" for codes
	ID                                     string // the element's id when a page repeats the form; default Name
}

// Key is the input's id, and the prefix of its hint's and error's ids.
func (f Field) Key() string {
	if f.ID != "" {
		return f.ID
	}
	return f.Name
}

// fieldFor builds a field of a form whose errors are errs, keyed by name.
// A catalogue key labelKey+".hint", when it exists, is the field's hint.
func fieldFor(b Base, errs map[string]string, name, labelKey, value, typ, autocomplete string) Field {
	f := Field{Name: name, Label: b.T(labelKey), Value: value, Type: typ, Autocomplete: autocomplete,
		Error: errs[name], ErrorPrefix: b.T("common.error_prefix")}
	if hint := b.T(labelKey + ".hint"); hint != labelKey+".hint" {
		f.Hint = hint
	}
	return f
}

// The modifiers below return a changed copy, for use in templates:
// {{template "field" ((.Field "username" "login.username" .Username "text" "username").Len 64).Req}}

// Len sets the maximum length.
func (f Field) Len(n int) Field { f.Max = n; return f }

// Req makes the field required (without the visible mark).
func (f Field) Req() Field { f.Required = true; return f }

// Mark makes the field required and marks it with "*".
func (f Field) Mark() Field { f.Required, f.Marked = true, true; return f }

// NoSpell turns off autocapitalisation and spellcheck.
func (f Field) NoSpell() Field { f.Plain = true; return f }

// Focus puts the focus on the field when on is true.
func (f Field) Focus(on bool) Field { f.Autofocus = f.Autofocus || on; return f }

// WithHint sets the hint text.
func (f Field) WithHint(text string) Field { f.Hint = text; return f }

// DescribedByForm names the element (a form-level message) that describes
// the field while it has no error of its own.
func (f Field) DescribedByForm(id string) Field { f.Also = id; return f }

// Numeric asks phones for the digit keypad (codes).
func (f Field) Numeric() Field { f.InputMode = "numeric"; return f }

// Secret never echoes the value (passwords).
func (f Field) Secret() Field { f.Value = ""; return f }

// DescribedBy is the aria-describedby list: the hint, then the error (or
// the form's message).
func (f Field) DescribedBy() string {
	var ids []string
	if f.Hint != "" {
		ids = append(ids, f.Key()+"-hint")
	}
	switch {
	case f.Error != "":
		ids = append(ids, f.Key()+"-error")
	case f.Also != "":
		ids = append(ids, f.Also)
	}
	return strings.Join(ids, " ")
}

// Field builds a field of the sign-in form.
func (v LoginView) Field(name, labelKey, value, typ, autocomplete string) Field {
	return fieldFor(v.Base, v.Errors, name, labelKey, value, typ, autocomplete)
}

// Field builds a field of the password change form.
func (v PasswordView) Field(name, labelKey, value, typ, autocomplete string) Field {
	return fieldFor(v.Base, v.Errors, name, labelKey, value, typ, autocomplete)
}

// Field builds a field of the recovery forms.
func (v RecoveryView) Field(name, labelKey, value, typ, autocomplete string) Field {
	return fieldFor(v.Base, v.Errors, name, labelKey, value, typ, autocomplete)
}

// Field builds a field of the first-visit contacts form.
func (v FirstVisitView) Field(name, labelKey, value, typ, autocomplete string) Field {
	return fieldFor(v.Base, v.Errors, name, labelKey, value, typ, autocomplete)
}

// Field builds a field of the profile's forms (what was typed is kept).
func (v ProfileView) Field(name, labelKey, typ, autocomplete string) Field {
	return fieldFor(v.Base, v.Errors, name, labelKey, v.Values[name], typ, autocomplete)
}

// Field builds a field of a staff form (values up to 300 characters).
func (b StaffBase) Field(name, labelKey, value, typ, autocomplete string) Field {
	return fieldFor(b.Base, b.Errors, name, labelKey, value, typ, autocomplete).Len(300)
}

// FormErrorID names the form-level error of the sign-in form, when shown.
func (v LoginView) FormErrorID() string {
	if v.FormError != "" {
		return "login-error"
	}
	return ""
}

// PasswordFocus: the password is what to correct (its own error, when the
// username has none) or to type again (after a failed sign-in).
func (v LoginView) PasswordFocus() bool {
	if v.Errors["password"] != "" {
		return v.Errors["username"] == ""
	}
	return v.FormError != ""
}

// FocusOnError puts the focus on the field when it has an error.
func (f Field) FocusOnError() Field { f.Autofocus = f.Autofocus || f.Error != ""; return f }

// FieldIn builds a field of one of several copies of a staff form on a page
// (one per enrollment): its id and its error's key are prefix-name.
func (b StaffBase) FieldIn(prefix, name, labelKey, value, typ, autocomplete string) Field {
	f := fieldFor(b.Base, b.Errors, prefix+"-"+name, labelKey, value, typ, autocomplete).Len(300)
	f.ID, f.Name = f.Name, name
	return f
}
