package delivery_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"portalegenitori/db"
	"portalegenitori/db/dbtest"
	"portalegenitori/delivery"
	"portalegenitori/internal/notify/smtptest"
)

// TestEnrolmentReceiptByEmail: the receipt of an enrolment request is
// queued in the request's transaction and sent to the account that sent it,
// with the protocol number, the time and the documents to hand in; the
// record of the message holds no more than the recipient.
func TestEnrolmentReceiptByEmail(t *testing.T) {
	t.Parallel()
	store, _ := dbtest.New(t)
	ctx := context.Background()
	s, err := smtptest.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	q := store.DB()
	var inst, acc, adult, sofia, window int64
	dbtest.Get(t, q, &inst, `SELECT id FROM installations WHERE code = 'demo'`)
	dbtest.Get(t, q, &acc, `SELECT id FROM accounts WHERE installation_id = $1 AND username = 'mario.rossi'`, inst)
	dbtest.Get(t, q, &adult, `SELECT adult_id FROM accounts WHERE id = $1`, acc)
	dbtest.Get(t, q, &sofia, `SELECT id FROM children WHERE installation_id = $1 AND first_name = 'Sofia'`, inst)
	dbtest.Get(t, q, &window, `SELECT id FROM enrolment_windows WHERE installation_id = $1`, inst)
	q.MustExec(`UPDATE accounts SET email = 'mario@example.it' WHERE id = $1`, acc)
	enq, err := delivery.NewEnqueuer(q.DB)
	if err != nil {
		t.Fatal(err)
	}
	var school int64
	dbtest.Get(t, q, &school, `SELECT school_id FROM children WHERE id = $1`, sofia)
	rc, err := store.SubmitEnrolment(ctx, db.NewEnrolmentRequest{InstallationID: inst, WindowID: window, AdultID: adult, ChildID: sofia,
		SchoolID: school, ClassName: "Sezione Gialla", DocumentsAck: true, EnteredBy: acc},
		func(ctx context.Context, tx *sql.Tx, id int64) error {
			return enq.EnrolmentReceipt(ctx, tx, delivery.EnrolmentReceiptArgs{InstallationID: inst, AccountID: acc, RequestID: id})
		})
	if err != nil {
		t.Fatal(err)
	}
	w := worker(t, store, s.Port(), "http://127.0.0.1:1", delivery.Options{})
	if err := w.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer stopWorker(t, w)
	got := s.Wait(1, 60*time.Second)
	if len(got) != 1 || len(got[0].To) != 1 || got[0].To[0] != "mario@example.it" {
		t.Fatalf("receipts: %+v", got)
	}
	text := got[0].Text()
	for _, want := range []string{"Numero di protocollo: " + rc.Protocol, "Sofia Rossi", "Copia del documento d'identità del genitore", "/demo/iscrizioni"} {
		if !strings.Contains(text, want) {
			t.Fatalf("receipt lacks %q:\n%s", want, text)
		}
	}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		var n int
		dbtest.Get(t, q, &n, `SELECT count(*) FROM messages WHERE kind = 'enrolment_receipt' AND outcome = 'sent' AND account_id = $1 AND recipient = 'mario@example.it'`, acc)
		if n == 1 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("the receipt is not recorded as sent")
}
