package handlers_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"portalegenitori/internal/config"
)

const dietTestKey = "diets-test-secret-key-0123456789abcdef"

// postMultipart posts fields and, when name is not "", the file, as a
// browser posts the diet request form.
func (b *browser) postMultipart(path string, fields url.Values, name string, file []byte, headers ...string) page {
	b.e.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for k, vs := range fields {
		for _, v := range vs {
			if err := w.WriteField(k, v); err != nil {
				b.e.t.Fatal(err)
			}
		}
	}
	fw, err := w.CreateFormFile("certificato", name)
	if err != nil {
		b.e.t.Fatal(err)
	}
	if _, err := fw.Write(file); err != nil {
		b.e.t.Fatal(err)
	}
	w.Close()
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, b.e.srv.URL+path, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return b.do(req)
}

// pngDeclaring is a PNG whose header declares w × h pixels: a few dozen
// bytes that a decoder would inflate into gigabytes.
func pngDeclaring(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2                                   // 8-bit RGB
	_ = binary.Write(&b, binary.BigEndian, uint32(len(ihdr))) // a bytes.Buffer does not fail
	chunk := append([]byte("IHDR"), ihdr...)
	b.Write(chunk)
	_ = binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	b.Write(bytes.Repeat([]byte{0}, 64))
	return b.Bytes()
}

func smallPNG(t *testing.T) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 40, 20))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func dietRows(t *testing.T, e *env) (requests, certificates int) {
	t.Helper()
	// the demo's own request (Elena's, db/seed_diets.go) left aside
	mustGet(t, e.store.DB(), &requests, `SELECT count(*) FROM diet_requests r JOIN children c ON c.id = r.child_id WHERE c.first_name <> 'Elena'`)
	mustGet(t, e.store.DB(), &certificates, `SELECT count(*) FROM diet_certificates cf JOIN diet_requests r ON r.id = cf.request_id
		JOIN children c ON c.id = r.child_id WHERE c.first_name <> 'Elena'`)
	return
}

// TestDietRequestUploads: a certificate is refused, with a clear message
// next to the field, the other input kept and nothing stored, when it is
// too big, not a PDF/JPEG/PNG by its bytes whatever its name, empty, an
// image declaring 100000×100000 pixels, or missing; an ethical diet needs
// the declaration. A good one is stored sealed, once per child while it
// waits; with htmx the errors come back as a fragment htmx swaps.
func TestDietRequestUploads(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, func(cfg *config.Config, _ string) { cfg.SecretKey = dietTestKey })
	f := demoFamily(t, e)
	mario := signedIn(t, e, "mario.rossi", "Mensa-Scuola-2026")
	form := url.Values{"bambino": {strconv.FormatInt(f.sofia, 10)}, "tipo": {"allergy"}, "dieta": {"Senza arachidi"}}
	big := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("0"), 5<<20)...)
	for _, tc := range []struct {
		name, file string
		data       []byte
		want       string
	}{
		{"oversized", "certificato.pdf", big, "Il file supera 5 MB"},
		{"zip renamed", "x.pdf", append([]byte("PK\x03\x04\x14\x00\x00\x00"), bytes.Repeat([]byte{1}, 200)...), "Il file non è un PDF né una foto JPEG o PNG"},
		{"html renamed", "x.pdf", []byte("<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"), "Il file non è un PDF né una foto JPEG o PNG"},
		{"empty", "vuoto.pdf", nil, "Il file allegato è vuoto"},
		{"png bomb", "foto.png", pngDeclaring(100000, 100000), "troppo grande: al massimo 10.000 pixel per lato"},
		{"truncated png", "foto.png", smallPNG(t)[:20], "non si può leggere: è danneggiata"},
		{"missing", "", nil, "Allega il certificato medico"},
	} {
		p := mario.postMultipart("/demo/diete", form, tc.file, tc.data)
		wantStatus(t, p, http.StatusUnprocessableEntity)
		mustContain(t, p, tc.want, `id="certificato-error"`, `aria-invalid="true"`, `value="Senza arachidi"`, `name="tipo" value="allergy" checked`)
		if r, c := dietRows(t, e); r != 0 || c != 0 {
			t.Fatalf("%s: %d requests, %d certificates stored", tc.name, r, c)
		}
	}
	// a good file with another error: refused, and the page says to attach it again
	p := mario.postMultipart("/demo/diete", url.Values{"bambino": form["bambino"], "tipo": {"allergy"}}, "c.pdf", []byte("%PDF-1.4 ok"))
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, "Scrivi la dieta richiesta", "allegalo di nuovo")
	// an ethical diet without the declaration; with htmx, a 200 fragment
	p = mario.postMultipart("/demo/diete", url.Values{"bambino": form["bambino"], "tipo": {"ethical"}, "dieta": {"Vegetariana"}}, "", nil, "HX-Request", "true")
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, `id="diets"`, "Spunta la dichiarazione", `value="Vegetariana"`)
	mustNotContain(t, p, "<html")
	if r, _ := dietRows(t, e); r != 0 {
		t.Fatal("a refused request was stored")
	}

	pdf := []byte("%PDF-1.4\n% certificato: allergia alle arachidi\n%%EOF\n")
	p = mario.postMultipart("/demo/diete", form, "certificato.pdf", pdf)
	wantStatus(t, p, http.StatusSeeOther)
	var sealed, ct string
	mustGet(t, e.store.DB(), &sealed, `SELECT sealed FROM diet_certificates cf JOIN diet_requests r ON r.id = cf.request_id WHERE r.child_id = $1`, f.sofia)
	mustGet(t, e.store.DB(), &ct, `SELECT content_type FROM diet_certificates cf JOIN diet_requests r ON r.id = cf.request_id WHERE r.child_id = $1`, f.sofia)
	if !strings.HasPrefix(sealed, "v1:") || strings.Contains(sealed, "arachidi") || ct != "application/pdf" {
		t.Fatalf("certificate stored as %q (%s)", sealed[:min(len(sealed), 20)], ct)
	}
	mustContain(t, mario.get("/demo/diete"), "Richiesta n. ", "Senza arachidi", "in attesa dell&#39;ufficio", "Scarica il certificato inviato")
	p = mario.postMultipart("/demo/diete", form, "certificato.png", smallPNG(t))
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, "c&#39;è già una richiesta in attesa")
	// an ethical diet for Luca with the declaration: no certificate kept
	p = mario.postMultipart("/demo/diete", url.Values{"bambino": {strconv.FormatInt(f.luca, 10)}, "tipo": {"religious"}, "dieta": {"Senza carne di maiale"},
		"dichiarazione": {"1"}}, "certificato.pdf", pdf)
	wantStatus(t, p, http.StatusSeeOther)
	if r, c := dietRows(t, e); r != 2 || c != 1 {
		t.Fatalf("%d requests, %d certificates, want 2 and 1", r, c)
	}
}

// dietRequestBy stores a request with a PDF certificate for child, by
// the signed-in guardian, and returns its id.
func dietRequestBy(t *testing.T, e *env, b *browser, child int64, restriction string, pdf []byte) int64 {
	t.Helper()
	p := b.postMultipart("/demo/diete", url.Values{"bambino": {strconv.FormatInt(child, 10)}, "tipo": {"intolerance"}, "dieta": {restriction}},
		"c.pdf", pdf)
	wantStatus(t, p, http.StatusSeeOther)
	var id int64
	mustGet(t, e.store.DB(), &id, `SELECT id FROM diet_requests WHERE child_id = $1 AND status = 'pending'`, child)
	return id
}

// TestDietCertificateAccess: the certificate opens for the guardian who
// sent it and for staff with "salute" (or the administrator), each opening
// audited; the other guardian of the child gets 403 and staff without the
// permission 403, both audited as refused; staff without "salute" see the
// request but no link to the file.
func TestDietCertificateAccess(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, func(cfg *config.Config, _ string) { cfg.SecretKey = dietTestKey })
	f := demoFamily(t, e)
	mario := signedIn(t, e, "mario.rossi", "Mensa-Scuola-2026")
	pdf := []byte("%PDF-1.4\n% intolleranza al lattosio\n%%EOF\n")
	id := dietRequestBy(t, e, mario, f.sofia, "Senza lattosio", pdf)
	cert := fmt.Sprintf("/demo/diete/%d/certificato", id)
	staffCert := fmt.Sprintf("/demo/operatori/diete/%d/certificato", id)

	p := mario.get(cert)
	wantStatus(t, p, http.StatusOK)
	if p.body != string(pdf) || p.header.Get("Content-Type") != "application/pdf" ||
		!strings.HasPrefix(p.header.Get("Content-Disposition"), "attachment;") || p.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("sender got %q, %v", p.body, p.header)
	}
	laura := signedIn(t, e, "laura.rossi", "Diario-Scuola-2026")
	home := laura.get("/demo/diete")
	mustContain(t, home, "Senza lattosio")
	mustNotContain(t, home, cert)
	wantStatus(t, laura.get(cert), http.StatusForbidden)
	wantStatus(t, laura.get("/demo/diete/999999/certificato"), http.StatusNotFound)

	clerk := staffSignedIn(t, e, "operatore", "Ufficio-Scuola-2026")
	queue := clerk.get("/demo/operatori/diete")
	wantStatus(t, queue, http.StatusOK)
	mustContain(t, queue, "Senza lattosio", "serve il permesso «Salute» per aprirlo")
	mustNotContain(t, queue, staffCert)
	wantStatus(t, clerk.get(staffCert), http.StatusForbidden)
	if n := auditCount(t, e.store, "diet_certificate_open", "refused"); n != 2 {
		t.Fatalf("%d refusals audited, want 2 (guardian, clerk)", n)
	}

	admin := staffSignedIn(t, e, "amministratore", "Impostazioni-Comune-2026")
	p = admin.get(staffCert)
	wantStatus(t, p, http.StatusOK)
	if p.body != string(pdf) {
		t.Fatal("the administrator did not get the certificate")
	}
	var clerkID int64
	mustGet(t, e.store.DB(), &clerkID, `SELECT id FROM accounts WHERE username = 'operatore'`)
	var had bool
	mustGet(t, e.store.DB(), &had, `SELECT EXISTS (SELECT 1 FROM staff_permissions WHERE permission = 'salute')`)
	if had {
		t.Fatal("salute was granted without the administrator")
	}
	members := admin.get("/demo/operatori/impostazioni/operatori")
	mustContain(t, members, fmt.Sprintf(`id="perm-%d-salute" name="permesso" value="salute">`, clerkID), "Salute: aprire i certificati medici")
	wantStatus(t, admin.post(fmt.Sprintf("/demo/operatori/impostazioni/operatori/%d/permessi", clerkID),
		url.Values{"permesso": {"anagrafica", "presenze", "cassa", "comunicazioni", "salute"}}), http.StatusSeeOther)
	mustContain(t, clerk.get("/demo/operatori/diete"), staffCert)
	wantStatus(t, clerk.get(staffCert), http.StatusOK)
	if n := auditCount(t, e.store, "diet_certificate_open", "success"); n != 3 {
		t.Fatalf("%d openings audited, want 3 (sender, administrator, clerk)", n)
	}
	// only the sender withdraws a waiting request; its certificate goes at once
	withdraw := fmt.Sprintf("/demo/diete/%d/ritira", id)
	wantStatus(t, laura.post(withdraw, nil), http.StatusNotFound)
	wantStatus(t, mario.post(withdraw, nil), http.StatusSeeOther)
	mustContain(t, mario.get("/demo/diete"), "ritirata", "Certificato eliminato il")
	wantStatus(t, mario.get(cert), http.StatusGone)
	wantStatus(t, clerk.get(staffCert), http.StatusGone)
	var by string
	mustGet(t, e.store.DB(), &by, `SELECT deleted_by FROM diet_certificates WHERE request_id = $1 AND sealed IS NULL`, id)
	if by != "mario.rossi" {
		t.Fatalf("tombstone by %q", by)
	}
	wantStatus(t, mario.post(withdraw, nil), http.StatusNotFound)
}

// TestDietAccept: the office accepts a request with a new diet and its
// validity: the child's canteen enrollment gets the diet from the first
// day to the last, back to none after, through the enrollment's terms
// change (history lines); a second acceptance changes nothing; the family
// home shows the diet; a rejection needs a reason, which the family reads.
// Without GENITORI_SECRET_KEY (development) a binary certificate is kept
// and given back byte for byte, its type by its content.
func TestDietAccept(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := demoFamily(t, e)
	mario := signedIn(t, e, "mario.rossi", "Mensa-Scuola-2026")
	id := dietRequestBy(t, e, mario, f.sofia, "Senza lattosio", []byte("%PDF-1.4\n"))
	admin := staffSignedIn(t, e, "amministratore", "Impostazioni-Comune-2026")
	accept := fmt.Sprintf("/demo/operatori/diete/%d/accetta", id)
	p := admin.post(accept, url.Values{"dieta": {"0"}, "nuova_dieta": {"Senza lattosio"}, "dal": {"2027-01-11"}, "al": {"2027-01-04"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, "La fine della validità non può precedere l&#39;inizio.")
	form := url.Values{"dieta": {"0"}, "nuova_dieta": {"Senza lattosio"}, "dal": {"2027-01-11"}, "al": {"2027-05-31"}}
	wantStatus(t, admin.post(accept, form), http.StatusSeeOther)
	type row struct {
		StartsOn time.Time `db:"starts_on"`
		EndsOn   time.Time `db:"ends_on"`
		Diet     string    `db:"diet"`
	}
	periods := func() []string {
		var rows []row
		if err := e.store.DB().Select(&rows, `SELECT e.starts_on, e.ends_on, coalesce(d.name, '') AS diet FROM enrollments e
			LEFT JOIN diets d ON d.id = e.diet_id WHERE e.child_id = $1 AND e.service_id = $2 ORDER BY e.starts_on`, f.sofia, f.mensa); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range rows {
			out = append(out, r.StartsOn.Format("01-02")+".."+r.EndsOn.Format("01-02")+":"+r.Diet)
		}
		return out
	}
	want := "09-07..01-10: 01-11..05-31:Senza lattosio 06-01..06-30:"
	if got := strings.Join(periods(), " "); got != want {
		t.Fatalf("enrollments %s, want %s", got, want)
	}
	var events int
	mustGet(t, e.store.DB(), &events, `SELECT count(*) FROM enrollment_events ev JOIN enrollments en ON en.id = ev.enrollment_id
		WHERE en.child_id = $1 AND ev.reason LIKE '%dieta speciale%'`, f.sofia)
	if events < 2 {
		t.Fatalf("%d history lines name the diet request", events)
	}
	p = admin.post(accept, form)
	wantStatus(t, p, http.StatusSeeOther)
	mustContain(t, admin.get("/demo/operatori/diete"), "già stata decisa")
	if got := strings.Join(periods(), " "); got != want {
		t.Fatalf("a second acceptance changed the enrollments: %s", got)
	}
	mustContain(t, mario.get("/demo/diete"), "accettata", "dieta «Senza lattosio» dal 11/01/2027 al 31/05/2027")
	if auditCount(t, e.store, "diet_request_accept", "success") != 1 {
		t.Fatal("the acceptance is not audited once")
	}

	// rejection: a reason is required, and the family reads it
	photo := smallPNG(t)
	id2 := dietRequestBy(t, e, mario, f.luca, "Senza uova", photo) // named c.pdf: the bytes decide
	p = mario.get(fmt.Sprintf("/demo/diete/%d/certificato", id2))
	wantStatus(t, p, http.StatusOK)
	if p.body != string(photo) || p.header.Get("Content-Type") != "image/png" || !strings.Contains(p.header.Get("Content-Disposition"), ".png") {
		t.Fatalf("the photo came back as %s, %s (%d bytes)", p.header.Get("Content-Type"), p.header.Get("Content-Disposition"), len(p.body))
	}
	reject := fmt.Sprintf("/demo/operatori/diete/%d/rifiuta", id2)
	p = admin.post(reject, url.Values{"motivo": {""}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, "Scrivi il motivo del rifiuto")
	wantStatus(t, admin.post(reject, url.Values{"motivo": {"Il certificato non è firmato dal medico"}}), http.StatusSeeOther)
	mustContain(t, mario.get("/demo/diete"), "rifiutata", "Il certificato non è firmato dal medico")
	if !regexp.MustCompile(`Senza lattosio`).MatchString(mario.get("/demo/famiglia").body) {
		t.Fatal("the family home does not show the diet")
	}
}
