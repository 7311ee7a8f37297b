// Package fragments holds the html/template files and the renderer. Each
// page is its own template set (layout + partials + the page), so pages can
// define blocks with the same names; a named block of a page doubles as the
// htmx fragment of that page.
package fragments

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"strings"
)

//go:embed layout.html partials/*.html pages/*.html
var files embed.FS

// Renderer renders pages and fragments into buffers.
type Renderer struct {
	pages map[string]*template.Template
}

// New parses every page with the layout and the partials.
func New(funcs template.FuncMap) (*Renderer, error) {
	r := &Renderer{pages: map[string]*template.Template{}}
	pageFiles, err := fs.Glob(files, "pages/*.html")
	if err != nil {
		return nil, err
	}
	// The layout and partials are parsed once and each page is parsed into
	// a clone: parsing them again for every page made startup quadratic.
	base, err := template.New("layout").Funcs(funcs).ParseFS(files, "layout.html", "partials/*.html")
	if err != nil {
		return nil, fmt.Errorf("parse layout and partials: %w", err)
	}
	for _, pf := range pageFiles {
		name := strings.TrimSuffix(path.Base(pf), ".html")
		t, err := base.Clone()
		if err != nil {
			return nil, fmt.Errorf("clone for page %s: %w", name, err)
		}
		if t, err = t.ParseFS(files, pf); err != nil {
			return nil, fmt.Errorf("parse page %s: %w", name, err)
		}
		r.pages[name] = t
	}
	return r, nil
}

// Render executes block of page ("layout" for the full page) into buf.
func (r *Renderer) Render(buf *bytes.Buffer, page, block string, data any) error {
	t, ok := r.pages[page]
	if !ok {
		return fmt.Errorf("render: unknown page %q", page)
	}
	if err := t.ExecuteTemplate(buf, block, data); err != nil {
		return fmt.Errorf("render %s/%s: %w", page, block, err)
	}
	return nil
}
