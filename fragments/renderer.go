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
	"sync"
)

//go:embed layout.html partials/*.html pages/*.html
var files embed.FS

// Renderer renders pages and fragments into buffers.
type Renderer struct {
	base  *template.Template // the layout and partials, cloned for each page; never executed
	files map[string]string  // page name -> file
	pages sync.Map           // page name -> *page, parsed at its first use
}

type page struct {
	once sync.Once
	t    *template.Template
	err  error
}

// New parses the layout and the partials, and checks that every page
// parses with them. A page is parsed for good at its first use: each one
// is a clone of the layout and partials (about 280 KB of parse trees), and
// holding all of them made up most of the server's idle heap, while a
// parent uses a handful.
func New(funcs template.FuncMap) (*Renderer, error) {
	pageFiles, err := fs.Glob(files, "pages/*.html")
	if err != nil {
		return nil, err
	}
	base, err := template.New("layout").Funcs(funcs).ParseFS(files, "layout.html", "partials/*.html")
	if err != nil {
		return nil, fmt.Errorf("parse layout and partials: %w", err)
	}
	r := &Renderer{base: base, files: map[string]string{}}
	for _, pf := range pageFiles {
		name := strings.TrimSuffix(path.Base(pf), ".html")
		r.files[name] = pf
		if _, err := r.parse(name); err != nil { // a broken template fails at startup, not at a parent's request
			return nil, err
		}
	}
	return r, nil
}

func (r *Renderer) parse(name string) (*template.Template, error) {
	t, err := r.base.Clone()
	if err != nil {
		return nil, fmt.Errorf("clone for page %s: %w", name, err)
	}
	if t, err = t.ParseFS(files, r.files[name]); err != nil {
		return nil, fmt.Errorf("parse page %s: %w", name, err)
	}
	return t, nil
}

func (r *Renderer) page(name string) (*template.Template, error) {
	if _, ok := r.files[name]; !ok {
		return nil, fmt.Errorf("render: unknown page %q", name)
	}
	v, ok := r.pages.Load(name)
	if !ok {
		v, _ = r.pages.LoadOrStore(name, &page{})
	}
	p := v.(*page)
	p.once.Do(func() { p.t, p.err = r.parse(name) })
	return p.t, p.err
}

// Render executes block of page ("layout" for the full page) into buf.
func (r *Renderer) Render(buf *bytes.Buffer, page, block string, data any) error {
	t, err := r.page(page)
	if err != nil {
		return err
	}
	if err := t.ExecuteTemplate(buf, block, data); err != nil {
		return fmt.Errorf("render %s/%s: %w", page, block, err)
	}
	return nil
}
