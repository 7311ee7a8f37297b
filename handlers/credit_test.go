package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"portalegenitori/db"
)

func TestCreditRefundAndTransfer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	f := demoFamily(t, e)
	q := e.store.DB()
	var inst int64
	mustGet(t, q, &inst, `SELECT installation_id FROM adults WHERE id = $1`, f.mario)
	// enough credit to ask for, whatever the demo's balance today
	if _, _, err := e.store.AddEntry(t.Context(), db.NewEntry{InstallationID: inst, AdultID: f.mario, Kind: db.KindTopUp, AmountCents: 10000,
		EntryDate: mustDay("2026-11-02"), Channel: "POS", IdempotencyKey: "test:credit:topup"}); err != nil {
		t.Fatal(err)
	}
	mario := signedIn(t, e, "mario.rossi", "Mensa-Scuola-2026")
	mustContain(t, mario.get("/demo/pagamenti"), "/demo/pagamenti/credito")

	// bad input: each message next to its field, the rest kept, nothing stored
	p := mario.post("/demo/pagamenti/credito", url.Values{"kind": {"refund"}, "amount": {"dieci"}, "iban": {"IT60X0542811101000000123457"}, "holder": {"Mario Rossi"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, `id="amount-error"`, `id="iban-error"`, `value="Mario Rossi"`, `value="IT60X0542811101000000123457"`)
	p = mario.post("/demo/pagamenti/credito", url.Values{"kind": {"refund"}, "amount": {"99999,00"}, "iban": {"IT60 X054 2811 1010 0000 0123 456"}, "holder": {"Mario Rossi"}})
	mustContain(t, p, "supera il tuo credito")
	var n int
	mustGet(t, q, &n, `SELECT count(*) FROM credit_requests`)
	if n != 0 {
		t.Fatal("an invalid request was stored")
	}

	before := ledgerBalance(t, e, f.mario)
	p = mario.post("/demo/pagamenti/credito", url.Values{"kind": {"refund"}, "amount": {"10,00"}, "iban": {"it60 x054 2811 1010 0000 0123 456"}, "holder": {"Mario Rossi"}})
	wantStatus(t, p, http.StatusSeeOther)
	mustContain(t, mario.get(p.loc), "inviata all&#39;ufficio", "IT** **** 3456")
	var id int64
	var stored string
	mustGet(t, q, &id, `SELECT id FROM credit_requests WHERE status = 'pending'`)
	mustGet(t, q, &stored, `SELECT iban FROM credit_requests WHERE id = $1`, id)
	if stored != "IT60X0542811101000000123456" {
		t.Fatalf("IBAN stored as %q", stored)
	}
	// a second request while one is open
	wantStatus(t, mario.post("/demo/pagamenti/credito", url.Values{"kind": {"refund"}, "amount": {"5,00"}, "iban": {stored}, "holder": {"Mario Rossi"}}), http.StatusUnprocessableEntity)
	// a guardian who does not pay cannot ask; another family cannot withdraw it
	laura := signedIn(t, e, "laura.rossi", "Diario-Scuola-2026")
	mustContain(t, laura.get("/demo/pagamenti/credito"), "Solo l&#39;adulto che paga")
	wantStatus(t, laura.post("/demo/pagamenti/credito", url.Values{"kind": {"refund"}, "amount": {"1,00"}, "iban": {stored}, "holder": {"Laura"}}), http.StatusForbidden)
	q.MustExec(`UPDATE accounts SET must_change_password = false WHERE username = 'giulia.bianchi'`)
	giulia := signedIn(t, e, "giulia.bianchi", "Primo-Accesso-2026")
	wantStatus(t, giulia.post(fmt.Sprintf("/demo/pagamenti/credito/%d/ritira", id), url.Values{}), http.StatusNotFound)

	// the office: a rejection needs a note; two clerks approving at once book it once
	clerk := staffSignedIn(t, e, "operatore", "Ufficio-Scuola-2026")
	admin := staffSignedIn(t, e, "amministratore", "Impostazioni-Comune-2026")
	p = clerk.get("/demo/operatori/rimborsi")
	mustContain(t, p, "Mario Rossi", "IT60X0542811101000000123456")
	p = clerk.post(fmt.Sprintf("/demo/operatori/rimborsi/%d/rifiuta", id), url.Values{"note": {""}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, fmt.Sprintf(`id="note-%d-error"`, id))
	atOnce(t, 2, func(i int) (page, error) {
		return []*browser{clerk, admin}[i].tryPost(fmt.Sprintf("/demo/operatori/rimborsi/%d/approva", id), url.Values{})
	})
	mustGet(t, q, &n, `SELECT count(*) FROM ledger_entries WHERE receipt_ref = $1`, fmt.Sprintf("credito:%d", id))
	if n != 1 || ledgerBalance(t, e, f.mario) != before-1000 {
		t.Fatalf("%d entries, balance %d, want one and %d", n, ledgerBalance(t, e, f.mario), before-1000)
	}
	mustContain(t, mario.get("/demo/pagamenti"), "Rimborso del credito con bonifico sul conto IT** **** 3456")
	mustContain(t, mario.get("/demo/pagamenti/credito"), "approvata")

	// a transfer to the adult who pays for another child of Mario's: both sides, netting to zero
	q.MustExec(`INSERT INTO guardianships (installation_id, child_id, adult_id, role) VALUES ($1, $2, $3, 'guardian')`, inst, f.elena, f.mario)
	giuliaBefore := ledgerBalance(t, e, f.giulia)
	p = mario.post("/demo/pagamenti/credito", url.Values{"kind": {"transfer"}, "amount": {"5,00"}, "to": {fmt.Sprint(f.giulia)}})
	wantStatus(t, p, http.StatusSeeOther)
	mustGet(t, q, &id, `SELECT id FROM credit_requests WHERE status = 'pending'`)
	wantStatus(t, clerk.post(fmt.Sprintf("/demo/operatori/rimborsi/%d/approva", id), url.Values{}), http.StatusSeeOther)
	var sum int64
	mustGet(t, q, &sum, `SELECT sum(amount_cents) FROM ledger_entries WHERE receipt_ref = $1`, fmt.Sprintf("credito:%d", id))
	if sum != 0 || ledgerBalance(t, e, f.mario) != before-1500 || ledgerBalance(t, e, f.giulia) != giuliaBefore+500 {
		t.Fatalf("transfer: sum %d, Mario %d, Giulia %d", sum, ledgerBalance(t, e, f.mario), ledgerBalance(t, e, f.giulia))
	}
	mustContain(t, giulia.get("/demo/pagamenti"), "Credito ricevuto da Mario Rossi")
	// a transfer to someone who pays for none of Mario's children is refused
	p = mario.post("/demo/pagamenti/credito", url.Values{"kind": {"transfer"}, "amount": {"1,00"}, "to": {fmt.Sprint(f.mario + 1000)}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	mustContain(t, p, `id="to-error"`)
	if auditCount(t, e.store, "credit_approve", "success") != 2 {
		t.Fatal("approvals not audited")
	}
}
