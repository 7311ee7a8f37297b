package handlers

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"portalegenitori/db"
	"portalegenitori/internal/calendar"
)

// Revalidation of the pages a family reloads (docs/caching.md): the page's
// ETag is a hash of the data versions of what it shows (db/data_versions.go)
// and of everything else that makes its bytes differ; a request whose
// If-None-Match holds it gets 304 Not Modified, read with one statement
// and without rendering.

// etagPage says which data versions make a page's ETag.
type etagPage int

const (
	etagChild  etagPage = iota + 1 // a page about the child in :child (the attendance calendar)
	etagFamily                     // a page about the viewer's whole family (payments, statement)
)

// etagRoutes are the pages that answer 304, by route, and the versions
// that make their ETag: notModified and versionsWithSession read them here
// (the parents' routes only: staff reading as a family get no ETag).
var etagRoutes = map[string]etagPage{
	"/:inst/presenze/:child/:service": etagChild,
	"/:inst/pagamenti":                etagFamily,
	"/:inst/pagamenti/estratto":       etagFamily,
}

// versionsWithSession asks the session's statement to read the versions
// of the page too (db.LoadSessionAccount): a page with an ETag then costs
// two round trips, and a 304 one. Not with a replica: the versions must be
// read where the page's rows are, and the session is read on the primary.
func (h *Handler) versionsWithSession(c *gin.Context) *db.PageVersions {
	page, ok := etagRoutes[c.FullPath()]
	if !ok || c.Request.Method != http.MethodGet || h.store.HasReplica() {
		return nil
	}
	switch page {
	case etagChild:
		childID, valid := idParam(c, "child")
		if !valid {
			return nil
		}
		return &db.PageVersions{Page: db.ChildVersions, ChildID: childID}
	case etagFamily:
		return &db.PageVersions{Page: db.FamilyVersions}
	}
	return nil
}

// ctxETag holds the ETag computed for the request; renderBlock sends it
// with a 200 page.
const ctxETag = "etag"

// etagEpoch changes with every start of the server, so a new build, new
// templates or a new configuration never answer 304 to a page of the old
// one. The price: two servers behind one address do not share ETags.
var etagEpoch = rand.Text()

// revalidateVary: what, besides the URL, selects the bytes of these pages.
const revalidateVary = "HX-Request, HX-Boosted, HX-History-Restore-Request, Cookie"

// notModified computes the request's ETag and answers 304 when the
// browser's copy has it; false: the handler renders the page as usual (and
// renderBlock sends the ETag with it). Anything unusual is not cached:
// staff reading as a family, a message waiting in the session to be shown,
// a viewer who may not see the page (the handler answers the refusal).
func (h *Handler) notModified(c *gin.Context) bool {
	page, ok := etagRoutes[c.FullPath()]
	acc := currentAccount(c)
	if !ok || c.Request.Method != http.MethodGet || acc == nil || acc.IsStaff() || !acc.AdultID.Valid || viewAsAdult(c) != nil {
		return false
	}
	sess, err := h.sessions.Get(c.Request, CookieName(h.cfg.CookieSecure))
	if err != nil {
		return false
	}
	for _, v := range sess.Values {
		if _, flashes := v.([]any); flashes {
			return false // a flash message: the page shows it once, then no more
		}
	}
	inst := installation(c)
	ctx := c.Request.Context()
	now := time.Now().In(calendar.Rome)
	clock := now.Format(time.DateOnly) // "today", the current school year, what is past
	var versions string
	read := sessionSlot(ctx)
	switch page {
	case etagChild:
		childID, valid := idParam(c, "child")
		if !valid {
			return false
		}
		if pv := read.pageVersions(acc, db.ChildVersions, childID); pv != nil {
			versions, ok = pv.Versions, pv.OK
		} else {
			versions, ok, err = h.store.ChildPageVersions(ctx, inst.ID, acc.AdultID.Int64, acc.LinkedFiscalCode, childID)
		}
		// a day from today on has a meal box that opens and closes with the
		// clock: its ETag lasts a minute (cut-offs are whole minutes)
		if s := c.Query("giorno"); s != "" {
			if d, err := calendar.ParseDay(s); err != nil || !d.Before(calendar.DateOf(now)) {
				clock = now.Format("2006-01-02T15:04")
			}
		}
	case etagFamily:
		if pv := read.pageVersions(acc, db.FamilyVersions, 0); pv != nil {
			versions, ok = pv.Versions, pv.OK
		} else {
			versions, ok, err = h.store.FamilyPageVersions(ctx, inst.ID, acc.AdultID.Int64, acc.LinkedFiscalCode)
		}
	}
	if err != nil || !ok {
		return false // the page's own reads answer the error or the refusal
	}

	sum := sha256.New()
	for _, part := range []string{etagEpoch, strconv.Itoa(int(page)), strconv.FormatInt(inst.ID, 10),
		strconv.FormatInt(acc.ID, 10), acc.Role, strconv.FormatBool(acc.MustChangePassword), strconv.FormatBool(acc.PasswordHash.Valid),
		strconv.FormatInt(acc.AdultID.Int64, 10), acc.LinkedFiscalCode.String, acc.DisplayName, acc.Email, acc.Mobile,
		strconv.FormatBool(acc.FitTables), acc.Lang, strconv.FormatBool(acc.LangChosen),
		h.instCache.print(inst), // as this server has it cached (installation_cache.go), which may lag the table
		sess.ID, langOf(c), strconv.FormatBool(wantsFragment(c.Request)), c.Request.URL.RequestURI(), clock, versions} {
		sum.Write([]byte(part))
		sum.Write([]byte{0})
	}
	tag := `W/"` + base64.RawURLEncoding.EncodeToString(sum.Sum(nil)[:18]) + `"`
	c.Set(ctxETag, tag)
	if !etagMatches(c.GetHeader("If-None-Match"), tag) {
		return false
	}
	hd := c.Writer.Header()
	setRevalidate(hd, tag)
	hd.Add("Vary", "Accept-Encoding")
	c.AbortWithStatus(http.StatusNotModified)
	return true
}

// setRevalidate marks a page the browser may keep but must revalidate
// before each use; shared caches must not keep it.
func setRevalidate(hd http.Header, tag string) {
	hd.Set("ETag", tag)
	hd.Set("Cache-Control", "private, no-cache")
	hd.Add("Vary", revalidateVary)
}

// etagMatches is If-None-Match's weak comparison (RFC 9110 13.1.2).
func etagMatches(header, tag string) bool {
	if header == "" {
		return false
	}
	want := strings.TrimPrefix(tag, "W/")
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == want {
			return true
		}
	}
	return false
}
