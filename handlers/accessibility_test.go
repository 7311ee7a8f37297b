package handlers_test

import (
	"net/http"
	"testing"
)

// TestAccessibilityStatementFollowsAgIDModel: the statement has the
// sections of AgID's model in both languages, and the footer links to it
// with AgID's wording.
func TestAccessibilityStatementFollowsAgIDModel(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	p := b.get("/demo/accessibilita")
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, "<h2>Stato di conformità</h2>", "<strong>parzialmente conforme</strong>", "UNI CEI EN 301549",
		"<h2>Contenuti non accessibili</h2>", "Inosservanza della Legge 4/2004", "Contenuti non soggetti alla normativa",
		"<h2>Redazione della dichiarazione</h2>", "autovalutazione", "<h2>Meccanismo di feedback e recapiti</h2>", "entro 30 giorni",
		"<h2>Procedura di attuazione</h2>", "Difensore civico per il digitale", `href="https://www.agid.gov.it/`,
		`data-element="accessibility-link">Dichiarazione di accessibilità</a>`)
	mustNotContain(t, p, "RISPETTO DEI REQUISITI")
	b.get("/lingua/en?next=/demo/accessibilita")
	p = b.get("/demo/accessibilita")
	mustContain(t, p, "<h2>Compliance status</h2>", "<strong>partially compliant</strong>", "<h2>Non-accessible content</h2>",
		"<h2>Preparation of this statement</h2>", "<h2>Feedback and contact information</h2>", "<h2>Enforcement procedure</h2>",
		`>Accessibility statement</a>`)
}
