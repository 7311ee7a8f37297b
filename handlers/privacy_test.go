package handlers_test

import (
	"net/http"
	"testing"
)

// TestPrivacyPlaceOfProcessing: the notice says where the data are
// processed, as the manual's notice does, in both languages.
func TestPrivacyPlaceOfProcessing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	p := b.get("/demo/privacy")
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, "<h2>Luogo del trattamento dei dati</h2>",
		"Tutti i dati raccolti saranno trattati presso la sede dell’azienda, Servizi Digitali Esempio S.r.l., Via dei Servizi 2, 20100 Esempio (MI).")
	p = b.get("/demo/privacy", "Accept-Language", "en")
	mustContain(t, p, "<h2>Place of processing</h2>", "at the premises of the company, Servizi Digitali Esempio S.r.l.")
	// a Comune that runs the portal itself: its own premises
	p = b.get("/valle/privacy")
	mustContain(t, p, "Tutti i dati raccolti saranno trattati presso la sede del Comune.")
}
