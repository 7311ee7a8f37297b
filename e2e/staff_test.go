package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/pquerna/otp/totp"

	"portalegenitori/db"
	"portalegenitori/internal/codicefiscale"
)

// secondFactor types the current TOTP code of secret into the code page on
// screen (its field has the focus) and presses Enter.
func (p *Page) secondFactor(secret string) *network.Response {
	p.t.Helper()
	if !strings.HasPrefix(p.path(), "/demo/operatori/codice") {
		p.t.Fatalf("expected the code page, on %s", p.path())
	}
	p.expectFocus("#code")
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		p.t.Fatal(err)
	}
	p.typeText(code)
	return p.enter()
}

// staffLogin signs a demo staff account in with the keyboard: password,
// then the code; it fails unless the staff home is on screen.
func (p *Page) staffLogin(user, pass, secret string) {
	p.t.Helper()
	p.open("/demo/accesso")
	p.login(user, pass, false)
	if resp := p.secondFactor(secret); resp.Status != 200 || p.path() != "/demo/operatori" {
		p.t.Fatalf("staff sign-in: landed on %s (status %d)", p.path(), resp.Status)
	}
}

// TestStaffAttendanceJourney: the clerk (keyboard only) opens the class
// register of 3ª B for the canteen, marks Luca present with one key press
// (saved at once, said in the row), then Luca's parent sees the day in the
// calendar, recorded by the office, and its charge.
func TestStaffAttendanceJourney(t *testing.T) {
	t.Parallel()
	base := startServer(t)
	p := newPage(t, base)
	p.staffLogin(staffUser, staffPass, db.DemoStaffTOTPSecret)
	axeCheck(p, "staff home")
	// live search: type, the results appear without leaving the field
	p.tabTo("#q")
	p.typeText("rosi")
	p.waitText("#search-status", "Risultati trovati")
	p.expectFocus("#q")
	p.expectText("#search-results", "Rossi Luca")
	axeCheck(p, "staff home with live results")

	// the register, through the staff navigation
	p.tabTo(`.staff-nav a[href$="/operatori/presenze"]`)
	p.enter()
	p.expectText("main h1", "Registro presenze")
	// school, class, service and day: the first school in the list is the
	// infanzia; pick with the keyboard the primaria, class 3ª B, 3 March 2027
	p.tabTo("#scuola")
	p.key(kb.ArrowDown)
	p.tabTo("#giorno")
	p.typeText("03032027") // 03/03: the same in the dd/mm and mm/dd orders of the browser's locale
	p.tabTo("#servizio")
	p.tabTo(".register-pick button[type=submit]")
	p.enter()
	if !strings.Contains(p.path(), "giorno=2027-03-03") {
		t.Fatalf("register: on %s", p.path())
	}
	// the class list shows the diet the kitchen needs
	p.expectText(".register", "Rossi Luca")
	p.expectText(".register", "Senza glutine")
	lucaRow := evalJS[string](p, `document.evaluate("//tr[th[contains(., 'Rossi Luca')]]", document, null, 9, null).singleNodeValue.dataset.row`)
	p.tabTo("#p-" + lucaRow)
	p.space() // one tap: present
	p.waitText("#st-"+lucaRow, "Salvato")
	p.expectText("#st-"+lucaRow, "Presente")
	p.expectFocus("#p-" + lucaRow)
	axeCheck(p, "attendance register after a save")
	// a correction later, with the arrow key in the same group, then back
	p.key(kb.ArrowRight)
	p.waitText("#st-"+lucaRow, "Assente")
	p.key(kb.ArrowLeft)
	p.waitText("#st-"+lucaRow, "Presente")

	// the parent sees it
	parent := newPage(t, base)
	parent.freshLogin(marioUser, marioPass, false, "/demo/famiglia")
	href := parent.calendarHref(1) // Luca's canteen
	if status := parent.open(href + "?mese=2027-03&giorno=2027-03-03"); status != 200 {
		t.Fatalf("calendar: status %d", status)
	}
	parent.expectText("main", "Ufficio Servizi Scolastici")
	parent.expectText("main", "4,80")
	axeCheck(parent, "parent's day recorded by the office")
}

// TestStaffImportJourney: the clerk pastes a CSV with a wrong line, checks
// it (every problem listed, nothing saved), fixes it in the same box and
// imports it; keyboard only.
func TestStaffImportJourney(t *testing.T) {
	t.Parallel()
	p := newPage(t, startServer(t))
	p.staffLogin(staffUser, staffPass, db.DemoStaffTOTPSecret)
	p.tabTo(`.staff-nav a[href$="/operatori/importa"]`)
	p.enter()
	p.expectText("main h1", "Importa")
	axeCheck(p, "import page")
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	child := codicefiscale.Compute("Moretti", "Alice", day("2019-02-03"), true, "F205")
	adult := codicefiscale.Compute("Moretti", "Bruno", day("1984-07-09"), false, "F205")
	header := "cf_bambino;nome_bambino;cognome_bambino;data_nascita;scuola;classe;cf_adulto;nome_adulto;cognome_adulto;email;cellulare;ruolo;servizio;dal;al;dieta;tariffa;importo;addebito"
	line := func(school, amount string) string {
		return fmt.Sprintf("%s;Alice;Moretti;03/02/2019;%s;Sezione Blu;%s;Bruno;Moretti;bruno@example.it;;pagante;mensa;07/09/2026;30/06/2027;;Tariffa intera;%s;",
			child, school, adult, amount)
	}
	p.tabTo("#csv")
	p.paste(header + "\n" + line("Scuola che non esiste", "quattro"))
	p.tabTo(`button[value="verifica"]`)
	p.enter()
	p.expectText("#import-report", "Scuola sconosciuta")
	p.expectText("#import-report", "Importo non valido")
	axeCheck(p, "import check with problems")
	// fix it in the box: select all, paste the right file, import
	p.tabTo("#csv")
	p.key("a", chromedp.KeyModifiers(chromedp.ModifierCtrl))
	p.paste(header + "\n" + line("Arcobaleno", "4,80"))
	p.tabTo(`button[value="importa"]`)
	p.enter()
	p.expectText("#import-report", "Scuola sconosciuta") // the school is named in full in the registry
	p.tabTo("#csv")
	p.key("a", chromedp.KeyModifiers(chromedp.ModifierCtrl))
	p.paste(header + "\n" + line(`"Scuola dell'infanzia ""Arcobaleno"""`, "4,80"))
	p.tabTo(`button[value="importa"]`)
	p.enter()
	p.expectText("#import-report", "Importazione completata: 1 adulti, 1 bambini, 1 nuove iscrizioni")
	axeCheck(p, "import done")
	// the child is in the registry: the search finds her
	p.open("/demo/operatori/cerca?q=moretti")
	p.expectText("#search-results", "Moretti Alice")
}

// TestStaffPagesAxe: every staff page the journeys above do not pass
// through, reached with the keyboard from the navigation or the search,
// passes axe.
func TestStaffPagesAxe(t *testing.T) {
	t.Parallel()
	p := newPage(t, startServer(t))
	p.staffLogin("amministratore", "Impostazioni-Comune-2026", db.DemoAdminTOTPSecret)
	p.tabTo("#q")
	p.typeText("rossi mario")
	p.waitText("#search-status", "Risultati trovati")
	p.tabTo(`#search-results a[href*="/operatori/adulti/"]`)
	p.enter()
	p.expectText("main h1", "Rossi Mario")
	axeCheck(p, "adult card")
	p.tabTo(`a[href$="/come-famiglia"]`)
	p.enter()
	p.expectText("main", "sola lettura")
	axeCheck(p, "view as the family")
	p.back()
	p.tabTo(`main a[href*="/operatori/bambini/"]`)
	p.enter()
	p.expectText("main", "Iscrizioni ai servizi")
	axeCheck(p, "child card")
	for _, s := range []struct{ href, h1 string }{
		{"/operatori/catalogo", "Servizi, diete e scuole"},
		{"/operatori/registro", "Registro attività"},
		{"/operatori/conteggio-pasti", "Conteggio pasti"},
		{"/operatori/chiusure", "Richieste di chiusura del profilo"},
		{"/operatori/rimborsi", "Rimborsi e trasferimenti del credito"},
		{"/operatori/sicurezza", "Il mio accesso: codici di recupero"},
		{"/operatori/impostazioni", "Impostazioni"},
	} {
		p.tabTo(`.staff-nav a[href$="` + s.href + `"]`)
		p.enter()
		p.expectText("main h1", s.h1)
		axeCheck(p, s.h1)
	}
	// settings: preview of the unsaved values
	p.tabTo(`button[value="anteprima"]`)
	p.enter()
	p.expectText(".login-preview", "Accesso")
	axeCheck(p, "settings with preview")
}
