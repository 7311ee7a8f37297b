package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// A member of staff without the cash-desk permission reads the adult's card
// but cannot record a payment; given the permission, they can. The
// administrator may do everything.
func TestStaffPermissions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := demoFamily(t, e)
	admin := staffSignedIn(t, e, "amministratore", "Impostazioni-Comune-2026")
	p := admin.post("/demo/operatori/impostazioni/operatori", url.Values{"username": {"sportello"}, "display_name": {"Sportello Scuola"},
		"role": {"staff"}, "permesso": {"presenze", "anagrafica", "nonesiste"}})
	wantStatus(t, p, http.StatusOK)
	temp := regexp.MustCompile(`Password temporanea</dt><dd><code class="secret">([^<]+)</code>`).FindStringSubmatch(p.body)[1]
	var acc int64
	var perms string
	mustGet(t, e.store.DB(), &acc, `SELECT id FROM accounts WHERE username = 'sportello'`)
	mustGet(t, e.store.DB(), &perms, `SELECT string_agg(permission, ',' ORDER BY permission) FROM staff_permissions WHERE account_id = $1`, acc)
	if perms != "anagrafica,presenze" {
		t.Fatalf("permissions %q", perms)
	}
	// the new member: password, enrolment, new password
	b := e.browser()
	b.login("demo", "sportello", temp)
	sec := regexp.MustCompile(`id="secret">([A-Z2-7 ]+)<`).FindStringSubmatch(b.get("/demo/operatori/codice").body)
	wantStatus(t, b.secondFactor("demo", strings.ReplaceAll(sec[1], " ", "")), http.StatusSeeOther)
	wantStatus(t, b.post("/demo/cambio-password", url.Values{"current": {temp}, "password": {"Scrivania-Nuova-26"}, "confirm": {"Scrivania-Nuova-26"}}), http.StatusSeeOther)

	card := b.get(fmt.Sprintf("/demo/operatori/adulti/%d", f.mario))
	wantStatus(t, card, http.StatusOK)
	token := regexp.MustCompile(`name="token" value="([A-Z2-7]+)"`).FindStringSubmatch(card.body)[1]
	entry := url.Values{"kind": {"topup"}, "amount": {"10,00"}, "channel": {"contanti"}, "receipt": {"R-1"}, "token": {token}}
	before := ledgerBalance(t, e, f.mario)
	wantStatus(t, b.post(fmt.Sprintf("/demo/operatori/adulti/%d/movimenti", f.mario), entry), http.StatusForbidden)
	if ledgerBalance(t, e, f.mario) != before || auditCount(t, e.store, "permission_denied", "cassa") != 1 {
		t.Fatal("a refused payment moved money, or was not audited")
	}
	wantStatus(t, admin.post(fmt.Sprintf("/demo/operatori/impostazioni/operatori/%d/permessi", acc), url.Values{"permesso": {"cassa", "presenze"}}), http.StatusSeeOther)
	wantStatus(t, b.post(fmt.Sprintf("/demo/operatori/adulti/%d/movimenti", f.mario), entry), http.StatusSeeOther)
	if ledgerBalance(t, e, f.mario) != before+1000 {
		t.Fatal("the payment with the permission was not recorded")
	}
	// anagrafica was taken away
	wantStatus(t, b.post(fmt.Sprintf("/demo/operatori/bambini/%d", f.luca), url.Values{"first_name": {"Luca"}}), http.StatusForbidden)
	mustContain(t, admin.get("/demo/operatori/impostazioni/operatori"), fmt.Sprintf(`id="perm-%d-cassa" name="permesso" value="cassa" checked`, acc))
}
