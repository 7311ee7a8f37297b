package e2e

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"portalegenitori/db"
)

// TestDietRequestJourney: Mario, keyboard only on a 360 px phone with
// JavaScript (htmx), asks for Sofia's lactose-free diet: a web page
// renamed certificato.pdf is refused next to the field with his input
// kept, then the photo of the certificate goes; the administrator,
// without JavaScript, opens the queue and accepts with the proposed diet
// and validity; Sofia's card on the family home shows the diet. axe on
// every state.
func TestDietRequestJourney(t *testing.T) {
	t.Parallel()
	base := startServer(t)
	dir := t.TempDir()
	fake := filepath.Join(dir, "certificato.pdf")
	photo := filepath.Join(dir, "certificato.png")
	var img bytes.Buffer
	if err := png.Encode(&img, image.NewGray(image.Rect(0, 0, 60, 80))); err != nil {
		t.Fatal(err)
	}
	if os.WriteFile(fake, []byte("<!DOCTYPE html><html><body>non sono un PDF</body></html>"), 0o600) != nil ||
		os.WriteFile(photo, img.Bytes(), 0o600) != nil {
		t.Fatal("test files")
	}

	p := newPage(t, base)
	p.emulatePhone(360, 740)
	p.freshLogin(marioUser, marioPass, false, "/demo/famiglia")
	p.tabTo(`a[href="/demo/diete"]`)
	p.enter()
	p.expectText("main h1", "Diete speciali")
	p.expectText("main", "pasto in bianco")
	axeCheck(p, "diets page")
	p.tabTo("#bambino")
	p.typeText("Sofia") // a closed select chooses by the typed name
	if p.text(`#bambino option:checked`) != "Sofia Rossi" {
		t.Fatalf("child chosen: %q", p.text(`#bambino option:checked`))
	}
	p.tabTo("#tipo-allergy")
	p.key(kb.ArrowDown)
	p.expectFocus("#tipo-intolerance:checked")
	p.tabTo("#dieta")
	p.typeText("Senza lattosio")
	p.step("attach the fake PDF", chromedp.SetUploadFiles("#certificato", []string{fake}))
	p.tabTo("#diet-submit")
	p.key(kb.Enter) // htmx: the form's region is swapped
	p.waitText("#certificato-error", "non è un PDF")
	p.expectFocus("#certificato") // the field to correct
	if p.value("#dieta") != "Senza lattosio" || !p.exists("#tipo-intolerance:checked") || p.text(`#bambino option:checked`) != "Sofia Rossi" {
		t.Fatal("the input was not kept after the refusal")
	}
	axeCheck(p, "diets page, certificate refused")
	p.step("attach the photo", chromedp.SetUploadFiles("#certificato", []string{photo}))
	p.tabTo("#diet-submit")
	p.key(kb.Enter)
	p.waitText(".alert-success", "inviata")
	p.expectText("#diets", "in attesa dell'ufficio")
	axeCheck(p, "diets page, request sent")

	o := newPage(t, base)
	o.emulatePhone(360, 740)
	o.staffLogin("amministratore", "Impostazioni-Comune-2026", db.DemoAdminTOTPSecret)
	o.disableJS()
	o.open("/demo/operatori/diete")
	o.expectText("main", "Senza lattosio")
	if !o.exists(`a[href$="/certificato"]`) {
		t.Error("the administrator has no link to the certificate")
	}
	axeCheck(o, "office diet queue")
	o.tabTo(`.diet-requests > li:last-child form.diet-accept button[type="submit"]`) // Sofia's: the newest waiting
	o.enter()
	o.expectText(".alert-success", "accettata")
	axeCheck(o, "office diet queue after the acceptance")

	p.open("/demo/famiglia")
	p.expectText(".child-list", "Senza lattosio")
}
