package handlers_test

import (
	"net/http"
	"testing"
)

// TestFamilyHomePanelsStayInTheFamily: the panels the family home's one
// statement reads (tariffs by ISEE, enrolment, today's menu) show only what
// the viewer's guardianships reach. A request another guardian sent for a
// child of the family is on the family's home; a request of another family
// is not; a stale link shows no panel.
func TestFamilyHomePanelsStayInTheFamily(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := demoFamily(t, e)
	db := e.store.DB()
	// Laura (guardian, not paying) asks for Luca in the open window
	db.MustExec(`INSERT INTO enrolment_requests (installation_id, window_id, adult_id, child_id, fiscal_code, first_name, last_name,
			birth_date, school_id, entered_by)
		SELECT c.installation_id, w.id, a.id, c.id, c.fiscal_code, c.first_name, c.last_name, c.birth_date, c.school_id, a.id
		FROM children c
		JOIN adults a ON a.installation_id = c.installation_id AND a.first_name = 'Laura'
		JOIN enrolment_windows w ON w.installation_id = c.installation_id
		WHERE c.id = $1`, f.luca)
	db.MustExec(`UPDATE accounts SET must_change_password = false WHERE username = 'giulia.bianchi'`)

	mario := signedIn(t, e, "mario.rossi", "Mensa-Scuola-2026").get("/demo/famiglia")
	wantStatus(t, mario, http.StatusOK)
	mustContain(t, mario, `id="enrol-panel"`, "Luca Rossi</a>: <strong>in esame</strong>", // Laura's request for his child
		`id="isee-family"`, "<strong>Luca, Mensa scolastica</strong>", "<strong>Sofia, Mensa scolastica</strong>",
		`id="menu-today"`)
	mustNotContain(t, mario, "Marco Verdi", "Elena")

	giulia := signedIn(t, e, "giulia.bianchi", "Primo-Accesso-2026").get("/demo/famiglia")
	wantStatus(t, giulia, http.StatusOK)
	mustContain(t, giulia, `id="enrol-panel"`, `id="isee-family"`, "<strong>Elena, Mensa scolastica</strong>")
	mustNotContain(t, giulia, "Luca", "Sofia", "Marco Verdi")

	paolo := signedIn(t, e, "paolo.neri", "Profilo-Vecchio-2026").get("/demo/famiglia")
	wantStatus(t, paolo, http.StatusOK)
	mustNotContain(t, paolo, `id="enrol-panel"`, `id="isee-family"`, `id="menu-today"`)
}
