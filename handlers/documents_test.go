package handlers_test

import (
	"archive/zip"
	"bytes"
	"compress/zlib"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"portalegenitori/db"
	"portalegenitori/delivery"
	"portalegenitori/internal/money"
)

var (
	pdfStream = regexp.MustCompile(`(?s)<<(.*?)>>\s*stream\r?\n`)
	pdfXref   = regexp.MustCompile(`(\d{10}) (\d{5}) n`)
)

// pdfText checks that data is a PDF whose cross-reference table points at
// its objects, and returns its content streams, inflated.
func pdfText(t *testing.T, data []byte) string {
	t.Helper()
	if !bytes.HasPrefix(data, []byte("%PDF-1.")) || !bytes.HasSuffix(bytes.TrimSpace(data), []byte("%%EOF")) {
		t.Fatalf("not a PDF: %q...", data[:min(len(data), 20)])
	}
	i := bytes.LastIndex(data, []byte("startxref"))
	fields := strings.Fields(string(data[i+len("startxref"):]))
	off, err := strconv.Atoi(fields[0])
	if err != nil || off >= len(data) || !bytes.HasPrefix(data[off:], []byte("xref")) {
		t.Fatalf("startxref %q does not point at the xref table", fields[0])
	}
	for n, m := range pdfXref.FindAllSubmatch(data[off:], -1) {
		o, _ := strconv.Atoi(string(m[1]))
		if !regexp.MustCompile(`^\d+ 0 obj`).Match(data[o:]) {
			t.Fatalf("xref entry %d points at %q", n, data[o:min(len(data), o+12)])
		}
	}
	var out strings.Builder
	for _, loc := range pdfStream.FindAllSubmatchIndex(data, -1) {
		start := loc[1]
		end := bytes.Index(data[start:], []byte("endstream"))
		if end < 0 {
			t.Fatal("stream without endstream")
		}
		body := data[start : start+end]
		if bytes.Contains(data[loc[2]:loc[3]], []byte("/FlateDecode")) {
			r, err := zlib.NewReader(bytes.NewReader(body))
			if err != nil {
				continue // a font program or image: not text
			}
			b, _ := io.ReadAll(r)
			body = b
		}
		out.Write(body)
	}
	return out.String()
}

// TestCertificateDownload: the year still running gives a provisional
// situation (marked so, no number or code, nothing stored); a past year
// gives the payer the HTML and the PDF with the same total as the
// certificate issued; the PDF parses and carries the names, the codici
// fiscali and the total; the public page verifies the code (initials only)
// in its own Comune only; a guardian who paid nothing gets no certificate,
// not the payer's; a change makes a new version that says why.
func TestCertificateDownload(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := demoFamily(t, e)
	ctx := context.Background()
	inst, _ := e.store.InstallationByCode(ctx, "demo")
	// Mario paid 30 € by pagoPA in March 2025 for three of Luca's meals
	add := func(kind string, cents int64, day string, child, service *int64, channel, key string) {
		t.Helper()
		d, _ := time.Parse(time.DateOnly, day)
		if _, _, err := e.store.AddEntry(ctx, db.NewEntry{InstallationID: inst.ID, AdultID: f.mario, Kind: kind, AmountCents: cents,
			EntryDate: d, ChildID: child, ServiceID: service, Channel: channel, IdempotencyKey: key}); err != nil {
			t.Fatal(err)
		}
	}
	add("topup", 3000, "2025-03-01", nil, nil, "pagoPA", "t:1")
	for i, day := range []string{"2025-03-03", "2025-03-04", "2025-03-05"} {
		add("charge", -500, day, &f.luca, &f.mensa, "", fmt.Sprintf("t:c%d", i))
	}

	mario := signedIn(t, e, "mario.rossi", "Mensa-Scuola-2026")
	p := mario.get("/demo/attestazioni")
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, "Anno 2026 (in corso", "Anno 2025", "/demo/attestazioni/2025/pdf")

	// the running year: provisional
	now, err := e.store.CertificateContent(ctx, inst.ID, f.mario, 2026)
	if err != nil {
		t.Fatal(err)
	}
	html := mario.get("/demo/attestazioni/2026")
	wantStatus(t, html, http.StatusOK)
	mustContain(t, html, `id="certificate-provisional"`, `id="certificate-total">`+money.Format(now.TotalCents, "it"))
	mustNotContain(t, html, "Codice di verifica")
	pdf := mario.get("/demo/attestazioni/2026/pdf")
	wantStatus(t, pdf, http.StatusOK)
	if text := pdfText(t, []byte(pdf.body)); !strings.Contains(text, "SITUAZIONE PROVVISORIA") || strings.Contains(text, "Codice di verifica") {
		t.Fatalf("the provisional PDF is not marked so")
	}
	var stored int
	mustGet(t, e.store.DB(), &stored, `SELECT count(*) FROM certificates`)
	if stored != 0 {
		t.Fatalf("the running year stored %d certificates", stored)
	}

	// a past year: the certificate
	html = mario.get("/demo/attestazioni/2025")
	wantStatus(t, html, http.StatusOK)
	cert, err := e.store.LatestCertificate(ctx, inst.ID, f.mario, 2025)
	if err != nil {
		t.Fatal(err)
	}
	d, _ := cert.Document()
	if d.TotalCents < 1500 || len(d.Children) == 0 {
		t.Fatalf("the 2025 certificate: %+v", d.Content)
	}
	total := money.Format(d.TotalCents, "it")
	mustContain(t, html, "Mario Rossi", d.Payer.FiscalCode, d.Children[0].FiscalCode, `id="certificate-total">`+total, d.Code,
		"trasporto scolastico") // the note that leaves transport out
	mustNotContain(t, html, `id="certificate-provisional"`, `<td data-label="Servizio">Trasporto scolastico`)

	pdf = mario.get("/demo/attestazioni/2025/pdf")
	wantStatus(t, pdf, http.StatusOK)
	if pdf.header.Get("Content-Type") != "application/pdf" || !strings.Contains(pdf.header.Get("Content-Disposition"), "attestazione-730-2025") {
		t.Fatalf("headers %v", pdf.header)
	}
	text := pdfText(t, []byte(pdf.body))
	digits := strings.TrimPrefix(total, "€ ")
	for _, want := range []string{"Mario Rossi", d.Payer.FiscalCode, d.Children[0].Name, d.Children[0].FiscalCode, digits, d.Code} {
		if !strings.Contains(text, want) {
			t.Fatalf("the PDF does not carry %q", want)
		}
	}
	var versions int
	mustGet(t, e.store.DB(), &versions, `SELECT count(*) FROM certificates WHERE adult_id = $1 AND year = 2025`, f.mario)
	if versions != 1 {
		t.Fatalf("two downloads of an unchanged ledger made %d versions", versions)
	}

	// Laura (guardian of the same children, no payments): none, never Mario's
	laura := signedIn(t, e, "laura.rossi", "Diario-Scuola-2026")
	for _, path := range []string{"/demo/attestazioni/2025", "/demo/attestazioni/2025/pdf", "/demo/attestazioni/2026", "/demo/attestazioni/2026/pdf"} {
		wantStatus(t, laura.get(path), http.StatusNotFound)
	}
	mustContain(t, laura.get("/demo/attestazioni"), "alcuna attestazione da scaricare")
	for _, path := range []string{"/demo/attestazioni/2019", "/demo/attestazioni/abc", "/demo/attestazioni/2999/pdf"} {
		wantStatus(t, mario.get(path), http.StatusNotFound)
	}

	// public verification: no sign-in, initials only, the latest version
	anon := e.browser()
	v := anon.get("/demo/verifica/" + d.Code)
	wantStatus(t, v, http.StatusOK)
	mustContain(t, v, "Attestazione valida", "M. R.", total)
	mustNotContain(t, v, "Mario Rossi", d.Payer.FiscalCode)
	v = anon.get("/demo/verifica?codice=" + url.QueryEscape(strings.ToLower(strings.ReplaceAll(d.Code, "-", " "))))
	mustContain(t, v, "Attestazione valida")
	wantStatus(t, anon.get("/valle/verifica/"+d.Code), http.StatusNotFound)
	mustContain(t, anon.get("/demo/verifica?codice=12"), "10 lettere e cifre")
	wantStatus(t, anon.get("/demo/verifica/ZZZZZ-ZZZZZ"), http.StatusNotFound)

	// the registry corrects the payer's surname: a new version, and why;
	// the old code says it was replaced
	e.store.DB().MustExec(`UPDATE adults SET last_name = 'Rossi Verdi' WHERE id = $1`, f.mario)
	html = mario.get("/demo/attestazioni/2025")
	mustContain(t, html, `id="certificate-reissued"`, "versione 2", "Motivo: dati anagrafici", "Mario Rossi Verdi")
	mustContain(t, anon.get("/demo/verifica/"+d.Code), "sostituita da una versione più recente")
}

// TestMessagesFromTheComune: staff preview a message to the class 3ª B
// (two adults), a wrong link is named next to its field with the other
// input kept, a school of another Comune is refused; once sent and worked,
// Mario sees it unread on his home page, opens it (read), and Giulia, who
// is not in the class, cannot open it.
func TestMessagesFromTheComune(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := demoFamily(t, e)
	ctx := context.Background()
	staff := staffSignedIn(t, e, "operatore", "Ufficio-Scuola-2026")
	wantStatus(t, staff.get("/demo/operatori/messaggi"), http.StatusOK)
	var primaria, valleSchool int64
	mustGet(t, e.store.DB(), &primaria, `SELECT school_id FROM children WHERE id = $1`, f.luca)
	e.store.DB().MustExec(`INSERT INTO schools (installation_id, name) SELECT id, 'Scuola della Valle' FROM installations WHERE code = 'valle'`)
	mustGet(t, e.store.DB(), &valleSchool, `SELECT id FROM schools WHERE name = 'Scuola della Valle'`)
	form := url.Values{"title": {"Uscita anticipata"}, "body": {"Venerdì le lezioni finiscono alle 12."}, "link": {"javascript:alert(1)"},
		"audience": {"class"}, "class": {fmt.Sprintf("%d/3ª B", primaria)}, "channel": {"email", "sms"}, "action": {"preview"}}
	p := staff.post("/demo/operatori/messaggi", form)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, `id="link-error"`, "https://", "Venerdì le lezioni finiscono alle 12.", `value="Uscita anticipata"`)

	bad := url.Values{"title": {"x"}, "body": {"x"}, "audience": {"school"}, "school": {strconv.FormatInt(valleSchool, 10)}, "action": {"preview"}}
	p = staff.post("/demo/operatori/messaggi", bad)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, `id="school-error"`)

	form.Set("link", "https://comune.example.it/avvisi")
	p = staff.post("/demo/operatori/messaggi", form)
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, `id="message-preview"`, "Adulti destinatari: 2", "Per e-mail: 2", "Per SMS: 2", "Invia a 2 destinatari")
	var count int
	mustGet(t, e.store.DB(), &count, `SELECT count(*) FROM broadcasts WHERE title = 'Uscita anticipata'`)
	if count != 0 {
		t.Fatalf("the preview recorded a message")
	}
	form.Set("action", "send")
	p = staff.post("/demo/operatori/messaggi", form)
	wantStatus(t, p, http.StatusSeeOther)
	var id int64
	mustGet(t, e.store.DB(), &id, `SELECT id FROM broadcasts WHERE title = 'Uscita anticipata'`)
	var jobs int
	mustGet(t, e.store.DB(), &jobs, `SELECT count(*) FROM river_job WHERE kind = 'broadcast' AND args->>'broadcast_id' = $1`, strconv.FormatInt(id, 10))
	if jobs != 1 || !strings.HasSuffix(p.loc, fmt.Sprintf("/operatori/messaggi/%d", id)) {
		t.Fatalf("jobs %d, location %q", jobs, p.loc)
	}
	// the job's first step (delivery/broadcast.go), without a worker here
	inst, _ := e.store.InstallationByCode(ctx, "demo")
	before, err := e.store.UnreadCount(ctx, inst.ID, f.mario) // the seed's message
	if err != nil {
		t.Fatal(err)
	}
	if err := e.store.MaterializeBroadcast(ctx, inst.ID, id, 2026, false); err != nil {
		t.Fatal(err)
	}
	p = staff.get(p.loc)
	wantStatus(t, p, http.StatusOK)
	mustContain(t, p, "Mario Rossi", "Laura Rossi", "da inviare")

	// staff reading as Mario see it and leave it unread
	asMario := fmt.Sprintf("/demo/operatori/adulti/%d/come-famiglia", f.mario)
	mustContain(t, staff.get(asMario+"/messaggi"), "Uscita anticipata")
	asRead := staff.get(fmt.Sprintf("%s/messaggi/%d", asMario, id))
	wantStatus(t, asRead, http.StatusOK)
	mustContain(t, asRead, "Venerdì le lezioni finiscono alle 12.")

	mario := signedIn(t, e, "mario.rossi", "Mensa-Scuola-2026")
	home := mario.get("/demo/famiglia")
	mustContain(t, home, fmt.Sprintf("%d da leggere", before+1))
	list := mario.get("/demo/messaggi")
	mustContain(t, list, "Uscita anticipata", "nuovo")
	msg := mario.get(fmt.Sprintf("/demo/messaggi/%d", id))
	wantStatus(t, msg, http.StatusOK)
	mustContain(t, msg, "Venerdì le lezioni finiscono alle 12.", `href="https://comune.example.it/avvisi"`)
	if before == 0 {
		mustNotContain(t, mario.get("/demo/famiglia"), "da leggere")
	} else {
		mustContain(t, mario.get("/demo/famiglia"), fmt.Sprintf("%d da leggere", before))
	}

	e.store.DB().MustExec(`UPDATE accounts SET must_change_password = false WHERE username = 'giulia.bianchi'`)
	giulia := signedIn(t, e, "giulia.bianchi", "Primo-Accesso-2026")
	wantStatus(t, giulia.get(fmt.Sprintf("/demo/messaggi/%d", id)), http.StatusNotFound)
}

// TestCertificateOfficeRun: staff start the run of a year (one job
// enqueued), the page shows the progress (htmx polls the block; a plain
// reload works without JavaScript), and the ZIP holds one parsable PDF per
// certificate issued.
func TestCertificateOfficeRun(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	staff := staffSignedIn(t, e, "operatore", "Ufficio-Scuola-2026")
	wantStatus(t, staff.get("/demo/operatori/attestazioni"), http.StatusOK)
	p := staff.post("/demo/operatori/attestazioni", url.Values{"year": {"1999"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, `id="year-error"`)
	p = staff.post("/demo/operatori/attestazioni/dati-comune", url.Values{"fiscal_code": {"0012345678"}, "signatory": {"La responsabile"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, `id="fiscal_code-error"`, `value="La responsabile"`)
	wantStatus(t, staff.post("/demo/operatori/attestazioni/dati-comune", url.Values{"fiscal_code": {"00123456789"}, "signatory": {"La responsabile"}}), http.StatusSeeOther)

	p = staff.post("/demo/operatori/attestazioni", url.Values{"year": {"2026"}})
	wantStatus(t, p, http.StatusSeeOther)
	var run int64
	mustGet(t, e.store.DB(), &run, `SELECT id FROM certificate_runs WHERE year = 2026`)
	var jobs int
	mustGet(t, e.store.DB(), &jobs, `SELECT count(*) FROM river_job WHERE kind = 'certificate_run'`)
	if jobs != 1 {
		t.Fatalf("%d jobs", jobs)
	}
	page := staff.get(p.loc)
	wantStatus(t, page, http.StatusOK)
	mustContain(t, page, "0 attestazioni emesse su", `hx-trigger="every 2s"`, "ricaricala", "Riprendi l")
	// the job gave up (as after hours without a database): resume enqueues it again
	e.store.DB().MustExec(`UPDATE river_job SET state = 'discarded', finalized_at = now() WHERE kind = 'certificate_run'`)
	wantStatus(t, staff.post(p.loc+"/riprendi", nil), http.StatusSeeOther)
	mustGet(t, e.store.DB(), &jobs, `SELECT count(*) FROM river_job WHERE kind = 'certificate_run' AND state = 'available'`)
	if jobs != 1 {
		t.Fatalf("resume: %d jobs available", jobs)
	}
	inst, _ := e.store.InstallationByCode(ctx, "demo")
	pending, err := e.store.PendingRunAdults(ctx, inst.ID, run, 100)
	if err != nil || len(pending) == 0 {
		t.Fatalf("pending %v %v", pending, err)
	}
	// the job's work, without a worker here
	for _, a := range pending {
		if err := delivery.IssueRunCertificate(ctx, e.store, inst.ID, run, a); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.store.SetRunStatus(ctx, inst.ID, run, "done"); err != nil {
		t.Fatal(err)
	}
	frag := staff.get(p.loc, "HX-Request", "true")
	mustContain(t, frag, fmt.Sprintf("%d attestazioni emesse su %d", len(pending), len(pending)), "completata", "attestazioni.zip")
	mustNotContain(t, frag, "<html", "every 2s")

	z := staff.get(p.loc + "/attestazioni.zip")
	wantStatus(t, z, http.StatusOK)
	zr, err := zip.NewReader(strings.NewReader(z.body), int64(len(z.body)))
	if err != nil || len(zr.File) != len(pending) {
		t.Fatalf("zip: %v, %d files, want %d", err, len(zr.File), len(pending))
	}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		if text := pdfText(t, b); !strings.Contains(text, "00123456789") || !strings.Contains(text, "La responsabile") {
			t.Fatalf("%s lacks the Comune's fiscal code or the signatory", f.Name)
		}
	}
	// the audit row says how many went out (read a page at a time)
	var zipped int
	mustGet(t, e.store.DB(), &zipped, `SELECT (detail->>'count')::int FROM audit_log
		WHERE action = 'certificate_zip' AND outcome = 'success' ORDER BY id DESC LIMIT 1`)
	if zipped != len(pending) {
		t.Fatalf("audit: %d certificates zipped, want %d", zipped, len(pending))
	}
	// a run id that is not the installation's is 404
	wantStatus(t, staff.get(fmt.Sprintf("/demo/operatori/attestazioni/elaborazioni/%d", run+1000)), http.StatusNotFound)
}
