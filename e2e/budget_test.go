package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// Transfer budgets of a first load (empty cache), compressed as transferred,
// headers included. 1 KB = 1000 bytes.
const (
	budgetTotal = 100_000
	budgetJS    = 25_000
	budgetCSS   = 40_000
)

var budgetsFile = filepath.Join("artifacts", "budgets.txt")

// budgetLines collects one report per measured page; TestMain writes them.
var budgetLines struct {
	sync.Mutex
	m map[string]string
}

// resource is one request of a page load, as the DevTools network events
// report it.
type resource struct {
	url, mime, encoding string
	typ                 network.ResourceType
	status              int64
	wire                int64 // encodedDataLength: bytes on the wire, headers included
	body                int64 // encodedBodyLength: the body as transferred (compressed)
	cached, finished    bool
	failed              string
}

// perfEntry is one entry of the Performance API (navigation or resource).
type perfEntry struct {
	Name           string  `json:"name"`
	Type           string  `json:"type"`
	TransferSize   float64 `json:"transferSize"`
	EncodedBody    float64 `json:"encodedBodySize"`
	DecodedBody    float64 `json:"decodedBodySize"`
	ContentEncoded string  `json:"contentEncoding"`
}

const perfJS = `performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource')).map(e => ({
	name: e.name, type: e.entryType === 'navigation' ? 'document' : e.initiatorType,
	transferSize: e.transferSize, encodedBodySize: e.encodedBodySize, decodedBodySize: e.decodedBodySize,
	contentEncoding: e.contentEncoding || ''
}))`

// budgetCheck measures the first load of path in a new tab with a fresh
// browser context (empty HTTP cache). It copies the cookies of p first, so a
// signed-in page loads as the signed-in user sees it. Sizes come from the
// DevTools network events (encodedDataLength, the bytes transferred with
// headers); the Performance API (transferSize, encodedBodySize) is read as a
// cross-check. It fails when a budget is exceeded, and records the numbers
// for e2e/artifacts/budgets.txt.
func budgetCheck(p *Page, label, path string) {
	t := p.t
	t.Helper()
	cookies, err := chromedp.Call(p.ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{p.base + "/"}})
	if err != nil {
		t.Fatalf("budget %s: read cookies: %v", label, err)
	}
	q := newPage(t, p.base)
	defer func() { _ = chromedp.Cancel(q.ctx) }() // closes the tab; newPage's cleanup does too
	var params []*network.CookieParam
	for _, c := range cookies.Cookies {
		params = append(params, &network.CookieParam{
			Name: c.Name, Value: c.Value, URL: p.base + c.Path, Path: c.Path,
			Secure: c.Secure, HTTPOnly: c.HTTPOnly, SameSite: c.SameSite,
		})
	}
	if len(params) > 0 {
		if _, err := chromedp.Call(q.ctx, network.SetCookies, network.SetCookiesParams{Cookies: params}); err != nil {
			t.Fatalf("budget %s: copy cookies: %v", label, err)
		}
	}

	var mu sync.Mutex
	byID := map[network.RequestID]*resource{}
	var order []network.RequestID
	get := func(id network.RequestID) *resource {
		r, ok := byID[id]
		if !ok {
			r = &resource{}
			byID[id] = r
			order = append(order, id)
		}
		return r
	}
	lctx, lcancel := context.WithCancel(q.ctx)
	defer lcancel()
	err = chromedp.Listen(lctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			r := get(ev.RequestID)
			if ev.RedirectResponse != nil { // the redirect's bytes count too
				r.wire += int64(ev.RedirectResponse.EncodedDataLength)
			}
			r.url, r.typ = ev.Request.URL, ev.Type
		case *network.EventRequestServedFromCache:
			get(ev.RequestID).cached = true
		case *network.EventResponseReceived:
			r := get(ev.RequestID)
			r.status, r.mime, r.typ = ev.Response.Status, ev.Response.MimeType, ev.Type
			r.cached = r.cached || ev.Response.FromDiskCache || ev.Response.FromPrefetchCache || ev.Response.FromServiceWorker
			for k, v := range ev.Response.Headers {
				if strings.EqualFold(k, "Content-Encoding") {
					r.encoding = fmt.Sprint(v)
				}
			}
		case *network.EventLoadingFinished:
			r := get(ev.RequestID)
			r.wire += int64(ev.EncodedDataLength)
			r.body = int64(ev.EncodedBodyLength)
			r.finished = true
		case *network.EventLoadingFailed:
			r := get(ev.RequestID)
			r.failed, r.finished = ev.ErrorText, true
		}
	})
	if err != nil {
		t.Fatalf("budget %s: listen: %v", label, err)
	}
	if status := q.open(path); status != 200 {
		t.Fatalf("budget %s: %s answered %d (signed out?)", label, path, status)
	}
	// The load event waits for every resource; give the last loadingFinished
	// events a moment to arrive.
	var res []resource
	for deadline := time.Now().Add(stepTimeout); ; {
		mu.Lock()
		done := len(order) > 0
		for _, id := range order {
			done = done && byID[id].finished
		}
		if done || time.Now().After(deadline) {
			for _, id := range order {
				res = append(res, *byID[id])
			}
			mu.Unlock()
			break
		}
		mu.Unlock()
		time.Sleep(10 * time.Millisecond)
	}
	lcancel()
	// encodedBodyLength is missing from loadingFinished in some Chromium
	// versions: take the compressed body size from the Performance API then.
	perf := evalJS[[]perfEntry](q, perfJS)
	for i := range res {
		for _, e := range perf {
			if e.Name == res[i].url && res[i].body == 0 {
				res[i].body = int64(e.EncodedBody)
			}
		}
	}

	var total, js, css, doc, perfTotal, perfBody int64
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s), first load, empty cache:\n", label, path)
	for _, r := range res {
		if strings.HasPrefix(r.url, "data:") {
			continue // inline, no bytes on the wire (e.g. the browser's own date-picker icon)
		}
		switch {
		case r.failed != "":
			t.Errorf("budget %s: %s failed: %s", label, r.url, r.failed)
		case !r.finished:
			t.Errorf("budget %s: %s did not finish loading", label, r.url)
		case r.cached:
			t.Errorf("budget %s: %s came from a cache on a first load", label, r.url)
		}
		total += r.wire
		switch {
		case r.typ == network.ResourceTypeScript || strings.Contains(r.mime, "javascript"):
			js += r.wire
		case r.typ == network.ResourceTypeStylesheet || r.mime == "text/css":
			css += r.wire
		case r.typ == network.ResourceTypeDocument:
			doc += r.wire
		}
		enc := r.encoding
		if enc == "" {
			enc = "identity"
		}
		fmt.Fprintf(&b, "  %-10s %6d B transferred (body %6d B, %s, HTTP %d) %s\n", r.typ, r.wire, r.body, enc, r.status, strings.TrimPrefix(r.url, p.base))
		// Text over 1 KB travels compressed: that is what the budgets assume.
		if r.body > 1024 && enc == "identity" && (r.typ == network.ResourceTypeDocument || r.typ == network.ResourceTypeScript || r.typ == network.ResourceTypeStylesheet) {
			t.Errorf("budget %s: %s (%d B) was sent uncompressed", label, r.url, r.body)
		}
	}
	for _, e := range perf {
		perfTotal += int64(e.TransferSize)
		perfBody += int64(e.EncodedBody)
		if e.TransferSize == 0 && e.EncodedBody > 0 {
			t.Logf("budget %s: Performance API gives transferSize 0 for %s (encodedBodySize %.0f)", label, e.Name, e.EncodedBody)
		}
	}
	fmt.Fprintf(&b, "  total %d B (budget %d), JS %d B (budget %d), CSS %d B (budget %d), HTML %d B; %d requests\n",
		total, budgetTotal, js, budgetJS, css, budgetCSS, doc, len(res))
	fmt.Fprintf(&b, "  Performance API cross-check: transferSize %d B, encodedBodySize %d B over %d entries\n", perfTotal, perfBody, len(perf))
	report := b.String()
	t.Log(report)

	budgetLines.Lock()
	if budgetLines.m == nil {
		budgetLines.m = map[string]string{}
	}
	budgetLines.m[label] = report
	budgetLines.Unlock()

	if len(res) == 0 || doc == 0 {
		t.Errorf("budget %s: no document was measured", label)
	}
	for _, c := range []struct {
		what        string
		got, budget int64
	}{{"total", total, budgetTotal}, {"JavaScript", js, budgetJS}, {"CSS", css, budgetCSS}} {
		if c.got > c.budget {
			t.Errorf("budget %s: %s transfer %d B exceeds the budget of %d B", label, c.what, c.got, c.budget)
		}
	}
	// The Performance API must agree that nothing is over budget.
	if perfTotal > budgetTotal || perfBody > budgetTotal {
		t.Errorf("budget %s: Performance API total %d B (bodies %d B) exceeds %d B", label, perfTotal, perfBody, budgetTotal)
	}
}

// writeBudgets writes the collected reports to e2e/artifacts/budgets.txt.
func writeBudgets() error {
	budgetLines.Lock()
	defer budgetLines.Unlock()
	if len(budgetLines.m) == 0 {
		return nil
	}
	labels := make([]string, 0, len(budgetLines.m))
	for l := range budgetLines.m {
		labels = append(labels, l)
	}
	slices.Sort(labels)
	var b strings.Builder
	fmt.Fprintf(&b, "# Transfer sizes of first loads (empty cache), measured by the e2e tests on %s.\n", time.Now().UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&b, "# Budgets: total %d B, JavaScript %d B, CSS %d B (compressed, headers included).\n\n", budgetTotal, budgetJS, budgetCSS)
	for _, l := range labels {
		b.WriteString(budgetLines.m[l])
		b.WriteString("\n")
	}
	if err := os.MkdirAll(filepath.Dir(budgetsFile), 0o755); err != nil {
		return err
	}
	return os.WriteFile(budgetsFile, []byte(b.String()), 0o644)
}
