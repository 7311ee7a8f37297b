package handlers_test

import (
	"html/template"
	"strings"

	"portalegenitori/internal/i18n"
)

var escapeHTML = template.Must(template.New("").Parse("{{.}}"))

// italian is the Italian text of a catalogue key as the pages print it
// (HTML-escaped), for assertions where the wording is not the point: a
// test that checks that a message is shown then survives a rewording.
func italian(key string, args ...any) string {
	var b strings.Builder
	if err := escapeHTML.Execute(&b, i18n.T("it", key, args...)); err != nil {
		panic(err)
	}
	return b.String()
}
