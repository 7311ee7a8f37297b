package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/chromedp"
)

// axePath is axe-core's browser bundle, installed by .ci/deps from the
// versions pinned in e2e/package.json and e2e/package-lock.json.
var axePath = filepath.Join("node_modules", "axe-core", "axe.min.js")

var axeSource = sync.OnceValues(func() (string, error) {
	b, err := os.ReadFile(axePath)
	if err != nil {
		return "", fmt.Errorf("read axe-core (run .ci/deps to install it): %w", err)
	}
	return string(b), nil
})

// The WCAG 2.1 A and AA rules, as the accessibility statement promises.
const axeRunJS = `axe.run(document, {
	runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
	resultTypes: ['violations']
}).then(r => ({
	version: axe.version,
	violations: r.violations.map(v => ({
		id: v.id, impact: v.impact || '', help: v.help, helpUrl: v.helpUrl,
		nodes: v.nodes.map(n => ({
			target: n.target.map(String), html: n.html,
			summary: n.failureSummary || ''
		}))
	}))
}))`

type axeResult struct {
	Version    string         `json:"version"`
	Violations []axeViolation `json:"violations"`
}

type axeViolation struct {
	ID      string    `json:"id"`
	Impact  string    `json:"impact"`
	Help    string    `json:"help"`
	HelpURL string    `json:"helpUrl"`
	Nodes   []axeNode `json:"nodes"`
}

type axeNode struct {
	Target  []string `json:"target"`
	HTML    string   `json:"html"`
	Summary string   `json:"summary"`
}

// axeCheck runs axe-core on the page on screen and reports every WCAG 2.1
// A/AA violation as a test error (the journey goes on, so that one run lists
// every page's problems).
func axeCheck(p *Page, label string) {
	p.t.Helper()
	src, err := axeSource()
	if err != nil {
		p.t.Fatal(err)
	}
	// The page at rest: while an htmx request is in flight a table is dimmed
	// (.htmx-request, app.css), which axe reports as low contrast. A fast
	// browser checked a swapped calendar before htmx had cleared the class.
	p.waitFor("no htmx request in flight before axe", `!document.querySelector('.htmx-request')`)
	ctx, cancel := context.WithTimeout(p.ctx, 30*time.Second)
	defer cancel()
	if p.noJS {
		// axe needs timers and promises: allow scripts for the check only.
		// The page's own scripts were skipped at load and do not run now.
		p.setScripts(true)
		defer p.setScripts(false)
	}
	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof window.axe === 'object'`))
	if err != nil {
		p.t.Fatalf("axe on %s: %v", label, err)
	}
	if !loaded {
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](src)); err != nil {
			p.t.Fatalf("axe on %s: inject axe-core: %v", label, err)
		}
	}
	res, err := chromedp.Run(ctx, chromedp.Evaluate[axeResult](axeRunJS, chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatalf("axe on %s: run: %v", label, err)
	}
	if len(res.Violations) == 0 {
		p.t.Logf("axe %s: %s (%s): no WCAG 2.1 A/AA violations", res.Version, label, p.path())
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "axe %s: %d WCAG 2.1 A/AA violation(s) on %s (%s):", res.Version, len(res.Violations), label, p.path())
	for _, v := range res.Violations {
		fmt.Fprintf(&b, "\n  - %s [%s]: %s (%s)", v.ID, v.Impact, v.Help, v.HelpURL)
		for _, n := range v.Nodes {
			fmt.Fprintf(&b, "\n      at %s\n         %s", strings.Join(n.Target, " "), oneLine(n.HTML, 200))
			if n.Summary != "" {
				fmt.Fprintf(&b, "\n         %s", oneLine(n.Summary, 300))
			}
		}
	}
	p.t.Error(b.String())
}

func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > max {
		s = s[:max] + "…"
	}
	return s
}
