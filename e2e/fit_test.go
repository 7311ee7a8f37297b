package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"portalegenitori/db"
)

// emulatePhone makes the tab a portrait mobile screen of the given size.
func (p *Page) emulatePhone(width, height int64) {
	p.t.Helper()
	p.step(fmt.Sprintf("emulate %dx%d", width, height),
		chromedp.EmulateViewport(width, height, chromedp.EmulateMobile, chromedp.EmulatePortrait))
}

// Overflow is what the page scrolls sideways.
type Overflow struct {
	ScrollWidth int      // document.documentElement.scrollWidth
	InnerWidth  int      // window.innerWidth
	ClientWidth int      // document.documentElement.clientWidth
	FitTables   bool     // <body class="fit-tables">
	Wraps       []string // .table-wrap elements that scroll: "scrollWidth>clientWidth"
	Offenders   []string // elements whose right edge passes the viewport
}

const overflowJS = `(() => {
	const d = document.documentElement, vw = Math.min(window.innerWidth, d.clientWidth);
	const desc = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
		(typeof e.className === 'string' && e.className ? '.' + e.className.trim().split(/\s+/).join('.') : '');
	const offenders = [];
	for (const e of document.querySelectorAll('body *')) {
		const r = e.getBoundingClientRect();
		if (r.width > 1 && r.right > vw + 1 && getComputedStyle(e).position !== 'fixed') {
			let inWrap = false;
			for (let a = e.parentElement; a; a = a.parentElement) {
				if (a.scrollWidth > a.clientWidth && getComputedStyle(a).overflowX !== 'visible') { inWrap = true; break; }
			}
			if (!inWrap) offenders.push(desc(e) + ' right=' + Math.round(r.right));
		}
		if (offenders.length >= 8) break;
	}
	return {
		ScrollWidth: d.scrollWidth, InnerWidth: window.innerWidth, ClientWidth: d.clientWidth,
		FitTables: document.body.classList.contains('fit-tables'),
		Wraps: [...document.querySelectorAll('.table-wrap')].filter(w => w.scrollWidth > w.clientWidth)
			.map(w => desc(w) + ' ' + w.scrollWidth + '>' + w.clientWidth),
		Offenders: offenders,
	};
})()`

func (p *Page) overflow() Overflow {
	p.t.Helper()
	return evalJS[Overflow](p, overflowJS)
}

// expectNoHorizontalScroll fails when the page, or a table wrapper, is
// wider than a viewport of width px.
func (p *Page) expectNoHorizontalScroll(label string, width int, wraps bool) {
	p.t.Helper()
	o := p.overflow()
	limit := min(width, o.InnerWidth)
	if o.ScrollWidth > limit {
		p.t.Errorf("%s (%s) at %d px: document scrollWidth %d > innerWidth %d — the page scrolls sideways; widest elements: %s",
			label, p.path(), width, o.ScrollWidth, o.InnerWidth, strings.Join(o.Offenders, ", "))
	}
	if wraps && len(o.Wraps) > 0 {
		p.t.Errorf("%s (%s) at %d px: tables scroll sideways inside their wrapper: %s", label, p.path(), width, strings.Join(o.Wraps, ", "))
	}
}

// TestFitTablesParent: «Controllo dimensioni» ticked on the login form, on a
// 360 px phone: the sessions table fits the screen; the choice is remembered.
func TestFitTablesParent(t *testing.T) {
	t.Parallel()
	p := newPage(t, startServer(t))
	p.emulatePhone(360, 740)
	p.freshLogin(marioUser, marioPass, true, "/demo/famiglia")
	if !p.overflow().FitTables {
		t.Fatalf("«Controllo dimensioni» ticked at sign-in, but <body> has no fit-tables class")
	}
	p.expectNoHorizontalScroll("family page, fit on", 360, true)

	p.tabTo(`nav a[href="/demo/sessioni"]`)
	if resp := p.enter(); resp.Status != 200 || p.path() != "/demo/sessioni" {
		t.Fatalf("sessions: landed on %s (status %d)", p.path(), resp.Status)
	}
	if !p.exists("main .table-wrap table") {
		t.Fatalf("sessions page has no table")
	}
	o := p.overflow()
	if !o.FitTables {
		t.Errorf("sessions page: fit-tables not applied although chosen at sign-in")
	}
	p.expectNoHorizontalScroll("sessions page, fit on", 360, true)
	axeCheck(p, "sessions page, fit on, 360 px")

	// Remembered in this browser: the login form comes back ticked.
	p.logout()
	if evalJS[bool](p, `document.querySelector('#fit').checked`) != true {
		t.Errorf("after logout the login form's «Controllo dimensioni» is not ticked any more")
	}
}

// TestFitTablesStaff: the staff audit table at 360 px scrolls sideways in
// its wrapper when «Controllo dimensioni» is off, and fits the screen once
// the footer form turns it on.
func TestFitTablesStaff(t *testing.T) {
	t.Parallel()
	p := newPage(t, startServer(t))
	p.emulatePhone(360, 740)
	// A failed attempt first, so the audit log has the usual mix of rows;
	// then the right password in the focused password field.
	p.open("/demo/accesso")
	p.login(staffUser, "Tentativo-Sbagliato-1", false)
	p.expectFocus("#password")
	p.typeText(staffPass)
	p.enter()
	resp := p.secondFactor(db.DemoStaffTOTPSecret) // staff_test.go
	if resp.Status != 200 || p.path() != "/demo/operatori" {
		t.Fatalf("staff sign-in: landed on %s (status %d), want /demo/operatori", p.path(), resp.Status)
	}
	o := p.overflow()
	if o.FitTables {
		t.Fatalf("staff page has fit-tables although it was not ticked")
	}
	// Off: the table is wider than the screen and scrolls in its wrapper
	// (so the "on" assertions below can fail), the page itself does not.
	if len(o.Wraps) == 0 {
		t.Errorf("fit off at 360 px: the audit table does not overflow its wrapper (scrollWidth %d, innerWidth %d); the fit-on check below proves nothing",
			o.ScrollWidth, o.InnerWidth)
	} else {
		t.Logf("fit off at 360 px: %s", strings.Join(o.Wraps, ", "))
	}
	p.expectNoHorizontalScroll("staff page, fit off", 360, false)
	if p.attr("main .table-wrap", "tabindex") != "0" {
		t.Errorf("the scrolling table wrapper cannot be reached with the keyboard (no tabindex=0)")
	}
	axeCheck(p, "staff page, fit off, 360 px")

	// On, from the footer form, with the keyboard.
	p.tabTo("#fit-footer")
	p.space()
	if !p.focused().Checked {
		t.Fatalf("Space did not tick the footer «Controllo dimensioni»")
	}
	p.tabTo(`form.fit-form button[type=submit]`)
	resp = p.enter()
	if resp.Status != 200 || p.path() != "/demo/operatori" {
		t.Fatalf("footer form: landed on %s (status %d), want /demo/operatori", p.path(), resp.Status)
	}
	p.expectText("main [role=status]", "Controllo dimensioni attivato")
	if !p.overflow().FitTables {
		t.Fatalf("footer form: <body> has no fit-tables class after turning it on")
	}
	p.expectNoHorizontalScroll("staff page, fit on", 360, true)
	axeCheck(p, "staff page, fit on, 360 px")

	// The sessions page too.
	p.tabTo(`nav a[href="/demo/sessioni"]`)
	p.enter()
	p.expectNoHorizontalScroll("staff sessions page, fit on", 360, true)
}

// TestReflow320: at 320 CSS px (1280 px at 400% zoom, WCAG 1.4.10) the
// pages do not scroll sideways.
func TestReflow320(t *testing.T) {
	t.Parallel()
	p := newPage(t, startServer(t))
	p.emulatePhone(320, 640)

	p.open("/demo/accesso")
	p.expectNoHorizontalScroll("login page", 320, false)
	axeCheck(p, "login page, 320 px")

	p.login(marioUser, "Password-Sbagliata-1", false)
	p.expectNoHorizontalScroll("login page with error", 320, false)

	p.open("/demo/privacy")
	p.expectNoHorizontalScroll("privacy page", 320, false)

	p.open("/demo/accesso")
	p.login(marioUser, marioPass, false)
	p.expectNoHorizontalScroll("family page", 320, false)

	p.open("/valle/accesso")
	p.expectNoHorizontalScroll("CST login page", 320, false)
}
