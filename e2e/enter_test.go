package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"portalegenitori/db"
)

// Enter in a field submits the form's main action (issue 13): the first
// .btn-primary submit button of the form, or its only submit button. The
// page records what Enter set off and cancels it, so every field of every
// form is tried on one page load.
const enterSpyJS = `(() => {
	window.__enter = [];
	const name = b => b ? (b.id || b.name || '') + ':' + b.innerText.trim() : '(none)';
	addEventListener('submit', e => { window.__enter.push('submit ' + name(e.submitter)); e.preventDefault(); e.stopPropagation(); }, true);
	document.addEventListener('htmx:beforeRequest', e => { window.__enter.push('htmx ' + name(e.detail.elt)); e.preventDefault(); }, true);
	const fields = [];
	document.querySelectorAll('main form, footer form').forEach((f, fi) => {
		const submits = [...f.querySelectorAll('button[type=submit], button:not([type]), input[type=submit]')]
			.filter(b => !b.closest('[hidden]') && b.getAttribute('aria-hidden') !== 'true');
		const main = submits.find(b => b.classList.contains('btn-primary')) || (submits.length === 1 ? submits[0] : null);
		if (!main) return;
		f.querySelectorAll('input').forEach((i, ii) => {
			if (!['text', 'password', 'email', 'tel', 'search', 'number', 'date', 'url'].includes(i.type) || i.readOnly || i.disabled ||
				i.hidden || i.closest('[inert]') || !i.getClientRects().length) return;
			if (!i.id) i.id = 'enter-f' + fi + '-' + ii;
			fields.push({Field: i.id, Main: 'submit ' + name(main)});
		});
	});
	return fields;
})()`

type enterField struct{ Field, Main string }

// expectEnterMainAction presses Enter in every text field of every form
// of the page on screen and fails unless each sets off the form's main
// action, and only it.
func (p *Page) expectEnterMainAction(label string) int {
	p.t.Helper()
	fields := evalJS[[]enterField](p, enterSpyJS)
	for _, f := range fields {
		evalJS[bool](p, `(window.__enter = [], document.getElementById(`+jsString(f.Field)+`).focus(), true)`)
		p.key(kb.Enter)
		var got []string
		deadline := time.Now().Add(2 * time.Second)
		for {
			got = evalJS[[]string](p, `window.__enter`)
			if len(got) > 0 || time.Now().After(deadline) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if len(got) != 1 || got[0] != f.Main {
			p.t.Errorf("%s (%s): Enter in #%s set off %q, want %q", label, p.path(), f.Field, got, f.Main)
		}
	}
	return len(fields)
}

// TestEnterEveryForm: Enter in any field of any form runs the form's main
// action, on every page with a form, signed out, as a parent and as staff.
func TestEnterEveryForm(t *testing.T) {
	t.Parallel()
	base := startServer(t)
	check := func(p *Page, pages map[string]string) {
		for label, path := range pages {
			p.open(path)
			if n := p.expectEnterMainAction(label); n == 0 {
				t.Errorf("%s (%s): no field to try", label, path)
			}
		}
	}
	t.Run("public", func(t *testing.T) {
		t.Parallel()
		p := newPage(t, base)
		check(p, map[string]string{"login": "/demo/accesso", "registration": "/demo/registrazione", "recovery": "/demo/recupero-accesso"})
	})
	t.Run("parent", func(t *testing.T) {
		t.Parallel()
		p := newPage(t, base)
		p.freshLogin(marioUser, marioPass, false, "/demo/famiglia")
		check(p, map[string]string{"password change": "/demo/cambio-password", "payments filter": "/demo/pagamenti"})
	})
	t.Run("staff", func(t *testing.T) {
		t.Parallel()
		p := newLongPage(t, base)
		p.staffLogin("amministratore", "Impostazioni-Comune-2026", db.DemoAdminTOTPSecret)
		p.open("/demo/operatori/cerca?q=rossi")
		adult := p.attr(`#search-results a[href*="/operatori/adulti/"]`, "href")
		child := p.attr(`#search-results a[href*="/operatori/bambini/"]`, "href")
		check(p, map[string]string{
			"staff search": "/demo/operatori/cerca", "new adult": "/demo/operatori/adulti/nuovo", "adult card": adult,
			"new child": "/demo/operatori/bambini/nuovo", "child card": child, "register": "/demo/operatori/presenze",
			"audit log": "/demo/operatori/registro", "catalogue": "/demo/operatori/catalogo", "settings": "/demo/operatori/impostazioni",
			"staff members": "/demo/operatori/impostazioni/operatori",
		})
	})
}

// fillRegistration types a registration, leaving out what the test wants
// missing, and returns the values typed by field id.
func (p *Page) fillRegistration() map[string]string {
	p.t.Helper()
	typed := map[string]string{"first_name": "Anna", "last_name": "Verdi", "username": "anna.verdi",
		"password": "Merenda-Sul-Prato-77", "confirm": "Merenda-Sul-Prato-77", "security_answer": "Fido"}
	for _, id := range []string{"first_name", "last_name", "username", "password", "confirm", "security_answer"} {
		p.fillField("#"+id, typed[id])
	}
	return typed
}

func (p *Page) expectValues(label string, typed map[string]string) {
	p.t.Helper()
	for id, want := range typed {
		if got := p.value("#" + id); got != want {
			p.t.Errorf("%s: #%s holds %q, want %q (what was typed is lost)", label, id, got, want)
		}
	}
}

// TestRegisterEnterAndCheck: on the registration form Enter in the
// username field registers (with and without JavaScript), and «Verifica
// disponibilità» never loses what was typed: with JS it answers under the
// field, without JS in a new tab, the form untouched in its own.
func TestRegisterEnterAndCheck(t *testing.T) {
	t.Parallel()
	base := startServer(t)
	for _, js := range []bool{true, false} {
		p := newPage(t, base)
		mode := "with JavaScript"
		if !js {
			p.disableJS()
			mode = "without JavaScript"
		}
		p.open("/demo/registrazione")
		typed := p.fillRegistration()

		// the availability check
		p.tabTo("#username-check")
		if js {
			p.key(kb.Enter)
			p.waitText("#username-status", "Username disponibile")
			p.expectFocus("#username-check")
		} else {
			tab := p.waitNewTab(func() { p.key(kb.Enter) }, "/demo/registrazione/username")
			if !strings.Contains(tab, "Username disponibile") || !strings.Contains(tab, "Chiudi questa scheda") {
				t.Errorf("%s: the check's tab reads %q", mode, tab)
			}
			if p.path() != "/demo/registrazione" {
				t.Errorf("%s: the form's tab left the form for %s", mode, p.path())
			}
		}
		p.expectValues("after the availability check "+mode, typed)

		// Enter in the username field registers: the form comes back with
		// the errors of what is missing (the codice fiscale), not a check
		evalJS[bool](p, `(document.getElementById('username').focus(), true)`)
		resp := p.enter()
		if resp.Status != 422 && resp.Status != 400 && resp.Status != 200 || p.path() != "/demo/registrazione" {
			t.Fatalf("%s: Enter in the username field led to %s (status %d)", mode, p.path(), resp.Status)
		}
		if !p.exists("#register-errors") || !strings.Contains(p.text("#register-errors"), "odice fiscale") {
			t.Errorf("%s: Enter in the username field did not register: no error summary naming the codice fiscale (%q)", mode, p.text("main"))
		}
		if got := p.value("#username"); got != typed["username"] {
			t.Errorf("%s: after Enter the username holds %q", mode, got)
		}
	}
}

// waitNewTab runs act, which must open a new tab on a URL containing path,
// and returns the text of that tab's page, then closes it.
func (p *Page) waitNewTab(act func(), path string) string {
	p.t.Helper()
	before := map[target.ID]bool{}
	infos, err := chromedp.Targets(p.ctx)
	if err != nil {
		p.t.Fatal(err)
	}
	for _, i := range infos {
		before[i.TargetID] = true
	}
	act()
	deadline := time.Now().Add(stepTimeout)
	for {
		infos, err := chromedp.Targets(p.ctx)
		if err != nil {
			p.t.Fatal(err)
		}
		for _, i := range infos {
			if before[i.TargetID] || i.Type != "page" || !strings.Contains(i.URL, path) {
				continue
			}
			tctx, cancel := chromedp.NewContext(p.ctx, chromedp.WithTargetID(i.TargetID))
			defer cancel()
			ctx, cancel2 := context.WithTimeout(tctx, stepTimeout)
			defer cancel2()
			var text string
			for time.Now().Before(deadline) {
				text, err = chromedp.Run(ctx, chromedp.Evaluate[string](`document.readyState === 'complete' ? document.body.innerText : ''`))
				if err == nil && text != "" {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			_, _ = chromedp.CallBrowser(p.ctx, target.CloseTarget, target.CloseTargetParams{TargetID: i.TargetID})
			return text
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("no new tab on %s opened (page %s)", path, p.path())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
