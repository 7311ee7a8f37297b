// Package static embeds the stylesheet, htmx and images, and serves them
// under content-hashed names with a long cache lifetime, pre-compressed.
package static

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

//go:embed css js
var files embed.FS

type asset struct {
	body, gz    []byte
	contentType string
	etag        string
}

// Assets maps logical names ("css/app.css") to hashed URLs and back.
type Assets struct {
	prefix string
	urls   map[string]string // logical name -> URL path
	byURL  map[string]*asset // URL path -> content
}

// New reads every embedded file once and computes its hashed URL under prefix
// (e.g. "/static").
func New(prefix string) (*Assets, error) {
	a := &Assets{prefix: prefix, urls: map[string]string{}, byURL: map[string]*asset{}}
	err := fs.WalkDir(files, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := files.ReadFile(name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		h := hex.EncodeToString(sum[:])[:12]
		ext := path.Ext(name)
		url := prefix + "/" + strings.TrimSuffix(name, ext) + "." + h + ext
		var gz bytes.Buffer
		w, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
		w.Write(body)
		w.Close()
		ct := mime.TypeByExtension(ext)
		if ct == "" {
			ct = "application/octet-stream"
		}
		a.urls[name] = url
		a.byURL[url] = &asset{body: body, gz: gz.Bytes(), contentType: ct, etag: `"` + h + `"`}
		return nil
	})
	return a, err
}

// URL returns the hashed URL of a logical asset name; it panics on an unknown
// name so a typo in a template fails every test.
func (a *Assets) URL(name string) string {
	u, ok := a.urls[name]
	if !ok {
		panic("static: unknown asset " + name)
	}
	return u
}

// Size returns the raw and gzipped sizes of an asset, for budgets.
func (a *Assets) Size(name string) (raw, gz int) {
	as := a.byURL[a.urls[name]]
	if as == nil {
		return 0, 0
	}
	return len(as.body), len(as.gz)
}

// ServeHTTP serves an asset by its hashed URL.
func (a *Assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	as, ok := a.byURL[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", as.contentType)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("ETag", as.etag)
	h.Set("Vary", "Accept-Encoding")
	if r.Header.Get("If-None-Match") == as.etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := as.body
	if acceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
		body = as.gz
	}
	w.Write(body)
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(enc), "gzip") {
			continue
		}
		q := strings.TrimPrefix(strings.ReplaceAll(params, " ", ""), "q=")
		return strings.Trim(q, "0.") != "" || q == "" // "q=0", "q=0.0" refuse gzip
	}
	return false
}

// AcceptsGzip is shared with the page renderer.
func AcceptsGzip(r *http.Request) bool { return acceptsGzip(r) }
