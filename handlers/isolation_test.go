package handlers_test

import (
	"net/http"
	"net/url"
	"testing"

	"portalegenitori/db"
	"portalegenitori/internal/password"
)

// addLocalInstallation creates a third Comune with local login and an
// account named like one of the demo Comune, with another password.
func addLocalInstallation(t *testing.T, e *env) {
	t.Helper()
	hash, _ := password.Hash("Altro-Comune-2026")
	e.store.DB().MustExec(`INSERT INTO installations (code, name) VALUES ('terzo', 'Comune Terzo')`)
	e.store.DB().MustExec(`INSERT INTO accounts (installation_id, username, password_hash, role)
		SELECT id, 'mario.rossi', $1, 'parent' FROM installations WHERE code = 'terzo'`, hash)
}

func TestAccountCannotSignInAtAnotherInstallation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	addLocalInstallation(t, e)
	b := e.browser()
	wantStatus(t, b.login("demo", "anna.valle", "Valle-Serena-2026"), http.StatusUnprocessableEntity)
	wantStatus(t, b.login("terzo", "mario.rossi", "Mensa-Scuola-2026"), http.StatusUnprocessableEntity)
	wantStatus(t, b.login("demo", "mario.rossi", "Altro-Comune-2026"), http.StatusUnprocessableEntity)
	wantStatus(t, b.login("terzo", "mario.rossi", "Altro-Comune-2026"), http.StatusSeeOther)
}

func TestSessionRefusedAtAnotherInstallation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	addLocalInstallation(t, e)
	b := e.browser()
	wantStatus(t, b.login("demo", "mario.rossi", "Mensa-Scuola-2026"), http.StatusSeeOther)
	wantStatus(t, b.get("/demo/famiglia"), http.StatusOK)
	for _, c := range []struct{ inst, path string }{{"terzo", "/famiglia"}, {"terzo", "/sessioni"}, {"valle", "/famiglia"}} {
		p := b.get("/" + c.inst + c.path)
		wantStatus(t, p, http.StatusSeeOther)
		if want := "/" + c.inst + "/accesso?next=/" + c.inst + c.path; p.loc != want {
			t.Fatalf("%s%s: redirect %q, want %q", c.inst, c.path, p.loc, want)
		}
	}
	// the login page of the other Comune shows the form, not a signed-in state
	p := b.get("/terzo/accesso")
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, `id="username"`)
	mustNotContain(t, p, "Esci")
	// and the session still works where it was created
	wantStatus(t, b.get("/demo/famiglia"), http.StatusOK)
	// revoking a session by ID from another Comune does nothing
	var id string
	mustGet(t, e.store.DB(), &id, `SELECT public_id::text FROM sessions LIMIT 1`)
	t2 := e.browser()
	wantStatus(t, t2.login("terzo", "mario.rossi", "Altro-Comune-2026"), http.StatusSeeOther)
	t2.post("/terzo/sessioni/"+id+"/termina", url.Values{})
	wantStatus(t, b.get("/demo/famiglia"), http.StatusOK)
}

func TestStaffAreaRefusesParents(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	addLocalInstallation(t, e)
	b := e.browser()
	wantStatus(t, b.login("terzo", "solo.terzo", "tentativo-fallito"), http.StatusUnprocessableEntity)
	wantStatus(t, b.login("demo", "mario.rossi", "Mensa-Scuola-2026"), http.StatusSeeOther)
	wantStatus(t, b.get("/demo/operatori"), http.StatusForbidden)
	s := e.browser()
	p := s.login("demo", "operatore", "Ufficio-Scuola-2026")
	if p.loc != "/demo/operatori" {
		t.Fatalf("staff lands on %q", p.loc)
	}
	wantStatus(t, s.secondFactor("demo", db.DemoStaffTOTPSecret), http.StatusSeeOther) // staff_helpers_test.go
	staff := s.get("/demo/operatori")
	wantStatus(t, staff, http.StatusOK)
	mustContain(t, staff, "Ultimi eventi di accesso", "mario.rossi", "login")
	// the staff of demo sees no event of another Comune
	mustNotContain(t, staff, "solo.terzo")
	// staff is sent away from the family page to its own home
	wantStatus(t, s.get("/demo/famiglia"), http.StatusSeeOther)
}
