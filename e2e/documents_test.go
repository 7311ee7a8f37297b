package e2e

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"portalegenitori/db"
	"portalegenitori/delivery"
	"portalegenitori/internal/config"
)

// TestMessageJourney: the clerk writes a message to the class 3ª B with
// JavaScript on (preview with the recipients, send, the page follows the
// job until it is sent), and Mario, without JavaScript, finds it on his home
// page as unread, reads it, and opens his 730 certificate (HTML). Every
// page passes axe at 360 px.
func TestMessageJourney(t *testing.T) {
	t.Parallel()
	srv, store := startServerWith(t, func(cfg *config.Config, _ string) { cfg.CookieSecure = true })
	w, err := delivery.NewWorker(store, delivery.Senders{BaseURL: srv.URL}, slog.New(slog.NewTextHandler(io.Discard, nil)),
		delivery.Options{FetchPollInterval: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = w.Stop(context.Background()) })

	s := newPage(t, srv.URL)
	s.emulatePhone(360, 740)
	s.staffLogin(staffUser, staffPass, db.DemoStaffTOTPSecret)
	s.tabTo(`.staff-nav a[href$="/operatori/messaggi"]`)
	if resp := s.enter(); resp.Status != 200 {
		t.Fatalf("messages page: status %d", resp.Status)
	}
	axeCheck(s, "staff messages, 360 px")
	s.tabTo("#title")
	s.typeText("Uscita anticipata")
	s.tabTo("#body")
	s.typeText("Venerdì le lezioni finiscono alle 12.")
	evalJS[bool](s, `(() => {
		document.querySelector('#audience-class').checked = true;
		const sel = document.querySelector('#class');
		sel.value = [...sel.options].find(o => o.text.endsWith('3ª B')).value;
		document.querySelectorAll('input[name=channel]').forEach(c => c.checked = false);
		return true; })()`)
	s.tabTo(`button[value=preview]`)
	if resp := s.enter(); resp.Status != 200 {
		t.Fatalf("preview: status %d", resp.Status)
	}
	s.expectText("#message-preview", "Adulti destinatari: 2")
	axeCheck(s, "staff message preview")
	s.tabTo(`button[value=send]`)
	if resp := s.enter(); resp.Status != 200 || !strings.Contains(s.path(), "/operatori/messaggi/") {
		t.Fatalf("send: %s (status %d)", s.path(), resp.Status)
	}
	// htmx polls the status block (not the table) until the job has sent it
	s.waitFor("the message sent", `document.querySelector('#message-status dd') && document.querySelector('#message-status dd').innerText === 'inviato'`)
	axeCheck(s, "staff message, sent")

	p := newPage(t, srv.URL)
	p.emulatePhone(360, 740)
	p.disableJS()
	p.freshLogin(marioUser, marioPass, false, "/demo/famiglia")
	if got := p.text("#family-documents"); !strings.Contains(got, "2 da leggere") {
		t.Fatalf("home: %q", got)
	}
	p.tabTo(`#family-documents a[href$="/messaggi"]`)
	if resp := p.enter(); resp.Status != 200 {
		t.Fatalf("messages: status %d", resp.Status)
	}
	axeCheck(p, "family messages, no JavaScript")
	p.tabTo(`#message-list a[href*="/messaggi/"]`) // the newest first
	if resp := p.enter(); resp.Status != 200 {
		t.Fatalf("message: status %d", resp.Status)
	}
	p.expectText("main", "Venerdì le lezioni finiscono alle 12.")
	axeCheck(p, "family message, no JavaScript")
	p.open("/demo/famiglia")
	if got := p.text("#family-documents"); !strings.Contains(got, "1 da leggere") {
		t.Fatalf("home after reading: %q", got)
	}
	p.open("/demo/attestazioni")
	axeCheck(p, "certificates list")
	p.tabTo(`#certificate-years a[href$="/attestazioni/2026"]`)
	if resp := p.enter(); resp.Status != 200 {
		t.Fatalf("certificate: status %d", resp.Status)
	}
	p.expectText("main h1", "Attestazione delle spese sostenute")
	axeCheck(p, "certificate (HTML)")
	p.expectNoHorizontalScroll("certificate", 360, false)
}
