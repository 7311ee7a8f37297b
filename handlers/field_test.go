package handlers

import "testing"

func TestFieldDescribedBy(t *testing.T) {
	for _, c := range []struct {
		f    Field
		want string
	}{
		{Field{Name: "x"}, ""},
		{Field{Name: "x", Hint: "h"}, "x-hint"},
		{Field{Name: "x", Error: "e"}, "x-error"},
		{Field{Name: "x", Hint: "h", Error: "e", Also: "form-error"}, "x-hint x-error"},
		{Field{Name: "x", Also: "form-error"}, "form-error"},
		{Field{Name: "x", Hint: "h", Also: "form-error"}, "x-hint form-error"},
	} {
		if got := c.f.DescribedBy(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.f, got, c.want)
		}
	}
	if f := (Field{Error: "e"}).FocusOnError(); !f.Autofocus {
		t.Error("a field with an error is not focused")
	}
	if f := (Field{}).FocusOnError(); f.Autofocus {
		t.Error("a field without an error is focused")
	}
	if f := (Field{}).Mark(); !f.Required || !f.Marked {
		t.Error("Mark must make the field required and marked")
	}
}
