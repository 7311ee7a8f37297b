package handlers

import (
	"bytes"
	"context"
	"database/sql/driver"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/klauspost/compress/gzip"

	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"
	"github.com/lib/pq"

	"portalegenitori/db"
	"portalegenitori/internal/i18n"
	"portalegenitori/static"
)

// Base is the view data every page shares.
type Base struct {
	Lang        string
	Inst        *db.Installation
	Account     *db.Account
	FitTables   bool
	Path        string // the current path, for "next" parameters
	Nav         string // current navigation item
	Flash       string // a message the handler sets itself; see Message
	HideFitForm bool
	// FamilyPrefix starts the links of the family area: "/{inst}", or the
	// view-as path when staff read as a family (staff_view_as.go).
	FamilyPrefix string
	ViewAsName   string // staff reading as this family: a banner says so

	pending *pendingFlash
}

// pendingFlash is the message a redirect left in the session. It is read
// (and removed from the session) only when a page shows it, so building
// view data never changes the session.
type pendingFlash struct {
	c    *gin.Context
	read bool
	text string
}

// Message is the flash message to show: the handler's own Flash, or the one
// waiting in the session, taken from it at the first call.
func (b Base) Message() string {
	if b.Flash != "" || b.pending == nil {
		return b.Flash
	}
	p := b.pending
	if !p.read {
		p.read = true
		sess := sessions.Default(p.c)
		// Every message waiting is shown: two actions whose redirects were
		// not followed (a script, a double submit) each left one.
		if fl := sess.Flashes(); len(fl) > 0 {
			msgs := make([]string, 0, len(fl))
			for _, f := range fl {
				if m, ok := f.(string); ok && m != "" {
					msgs = append(msgs, m)
				}
			}
			p.text = strings.Join(msgs, " ")
			_ = sess.Save()
		}
	}
	return p.text
}

// T translates a catalogue key into the page language.
func (b Base) T(key string, args ...any) string { return i18n.T(b.Lang, key, args...) }

// tr translates for the request's language without building the view data.
func tr(c *gin.Context, key string, args ...any) string { return i18n.T(langOf(c), key, args...) }

// base builds the shared view data from what the middleware found.
func (h *Handler) base(c *gin.Context) Base {
	b := Base{Lang: langOf(c), Path: c.Request.URL.Path}
	if inst, ok := c.Get(ctxInstallation); ok {
		b.Inst = inst.(*db.Installation)
	}
	if acc, ok := c.Get(ctxAccount); ok {
		b.Account = acc.(*db.Account)
		b.FitTables = b.Account.FitTables
	} else if ck, err := c.Cookie(cookieFit); err == nil {
		b.FitTables = ck == "1"
	}
	if b.Inst != nil {
		b.FamilyPrefix = familyPrefix(c)
	}
	if a := viewAsAdult(c); a != nil {
		b.ViewAsName = a.FirstName + " " + a.LastName
	}
	if b.Account != nil {
		b.pending = &pendingFlash{c: c}
	}
	return b
}

// Rendering a page or a part of it (docs/architecture.md#rendering). Every
// handler answers through one of these three:
//
//   - render: the full page, or its "content" block when the request wants a
//     fragment (wantsFragment); most pages.
//   - renderFragment: the same with another named block of the page as the
//     fragment, for a region smaller than "content" (the calendar, the
//     search results); the full page when the request wants no fragment.
//   - renderPart: only the named block, whatever the request, for the
//     endpoints only htmx calls (live checks, a row of the register): they
//     have no page of their own to fall back to.
//
// renderBlock below is the writer all three share.

// render writes the full page, or its "content" block for an htmx request.
func (h *Handler) render(c *gin.Context, status int, page string, data any) {
	h.renderFragment(c, status, page, "content", data)
}

// renderFragment writes the named block of the page for a request that
// wants a fragment, the full page otherwise.
func (h *Handler) renderFragment(c *gin.Context, status int, page, block string, data any) {
	if !wantsFragment(c.Request) {
		block = "layout"
	}
	h.renderBlock(c, status, page, block, data)
}

// renderPart writes only the named block of the page.
func (h *Handler) renderPart(c *gin.Context, status int, page, block string, data any) {
	h.renderBlock(c, status, page, block, data)
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// A gzip.Writer holds about a megabyte of state: reuse them. klauspost's
// level 6 makes the bytes of the standard library's level 5 (3.65 KB of a
// 15 KB family home) in a third of the CPU (docs/performance.md).
var gzipPool = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(nil, 6)
	return zw
}}

// renderBlock renders into a buffer first, so a template error never leaves
// a half-written page, then writes status and body (gzipped when worth it).
func (h *Handler) renderBlock(c *gin.Context, status int, page, block string, data any) {
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	if err := h.pages.Render(buf, page, block, data); err != nil {
		h.log.Error("render", "page", page, "block", block, "err", err)
		c.AbortWithStatus(http.StatusInternalServerError)
		return
	}
	hd := c.Writer.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	if tag := c.GetString(ctxETag); tag != "" && status == http.StatusOK {
		setRevalidate(hd, tag) // page_etag.go
	} else {
		hd.Add("Vary", "HX-Request")
		hd.Set("Cache-Control", "no-store")
	}
	body := buf.Bytes()
	if len(body) > 1024 && static.AcceptsGzip(c.Request) {
		gz := bufPool.Get().(*bytes.Buffer)
		gz.Reset()
		defer bufPool.Put(gz)
		zw := gzipPool.Get().(*gzip.Writer)
		zw.Reset(gz)
		_, _ = zw.Write(body) // into a bytes.Buffer: cannot fail
		_ = zw.Close()
		gzipPool.Put(zw)
		hd.Set("Content-Encoding", "gzip")
		hd.Add("Vary", "Accept-Encoding")
		body = gz.Bytes()
	}
	hd.Set("Content-Length", strconv.Itoa(len(body)))
	c.Status(status)
	c.Writer.Write(body)
	c.Abort()
}

// ErrorView is the data of the error page.
type ErrorView struct {
	Base
	Title, Body string
}

// renderError shows an error page with status. Database outages become 503.
func (h *Handler) renderError(c *gin.Context, status int, err error) {
	if err != nil && unavailable(err) {
		status = http.StatusServiceUnavailable
	}
	if err != nil && status >= 500 {
		h.log.Error("request failed", "path", logPath(c), "status", status, "err", err)
	}
	v := ErrorView{Base: h.base(c)}
	switch status {
	case http.StatusNotFound:
		v.Title, v.Body = v.T("error.notfound.title"), v.T("error.notfound.body")
	case http.StatusForbidden:
		v.Title, v.Body = v.T("error.forbidden.title"), v.T("staff.forbidden")
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge:
		v.Title, v.Body = v.T("error.badrequest.title"), v.T("error.badrequest.body")
	case http.StatusServiceUnavailable:
		v.Title, v.Body = v.T("error.unavailable.title"), v.T("error.unavailable.body")
		c.Header("Retry-After", "30")
	default:
		v.Title, v.Body = v.T("error.server.title"), v.T("error.server.body")
	}
	v.HideFitForm = true
	// htmx 2 does not swap error statuses; the full page is what a user
	// without JS sees, and htmx users get the same page on reload.
	h.renderBlock(c, status, "error", "layout", v)
}

// unavailable tells whether err means the database cannot be reached.
func unavailable(err error) bool {
	var ne net.Error
	var pqe *pq.Error
	switch {
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, context.DeadlineExceeded):
		return true
	case errors.As(err, &ne):
		return true
	case errors.As(err, &pqe):
		class := string(pqe.Code)[:2]
		return class == "08" || class == "57" || class == "53"
	}
	return false
}
