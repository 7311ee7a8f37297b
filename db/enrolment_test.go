package db_test

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"testing"
	"time"

	"portalegenitori/db"
	"portalegenitori/db/dbtest"
	"portalegenitori/internal/codicefiscale"
)

type enrolDemo struct {
	store                            *db.Store
	inst, mario, laura, luca, school int64
	service, clerk                   int64
}

func newEnrolDemo(t *testing.T) enrolDemo {
	t.Helper()
	store, _ := dbtest.New(t)
	if err := store.SeedDemo(context.Background()); err != nil {
		t.Fatal(err)
	}
	d := enrolDemo{store: store}
	q := store.DB()
	dbtest.Get(t, q, &d.inst, `SELECT id FROM installations WHERE code = 'demo'`)
	dbtest.Get(t, q, &d.mario, `SELECT id FROM adults WHERE installation_id = $1 AND first_name = 'Mario'`, d.inst)
	dbtest.Get(t, q, &d.laura, `SELECT id FROM adults WHERE installation_id = $1 AND first_name = 'Laura'`, d.inst)
	dbtest.Get(t, q, &d.luca, `SELECT id FROM children WHERE installation_id = $1 AND first_name = 'Luca'`, d.inst)
	dbtest.Get(t, q, &d.school, `SELECT school_id FROM children WHERE id = $1`, d.luca)
	dbtest.Get(t, q, &d.service, `SELECT id FROM services WHERE installation_id = $1 AND kind = 'mensa'`, d.inst)
	dbtest.Get(t, q, &d.clerk, `SELECT id FROM accounts WHERE username = 'operatore'`)
	return d
}

// window opens a window relative to now (the database and this process
// share the clock; the checks are made by the database's).
func (d enrolDemo) window(t *testing.T, opens, closes time.Duration, debts string) int64 {
	t.Helper()
	now := time.Now()
	id, err := d.store.SaveEnrolmentWindow(context.Background(), db.EnrolmentWindowInput{InstallationID: d.inst, ServiceID: d.service,
		SchoolYear: 2030, Title: "Mensa 2030/31", OpensAt: now.Add(opens), ClosesAt: now.Add(closes),
		StartsOn: time.Date(2030, 9, 9, 0, 0, 0, 0, time.UTC), EndsOn: time.Date(2031, 6, 30, 0, 0, 0, 0, time.UTC), Debts: debts,
		Schools: []db.WindowSchool{{SchoolID: d.school}}, By: d.clerk})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestEnrolmentDeadlines: before the window opens and after it closes a
// family's request is refused; the office may still enter one after the
// close, marked late; the debts rule blocks or asks for the plan.
func TestEnrolmentDeadlines(t *testing.T) {
	t.Parallel()
	d := newEnrolDemo(t)
	ctx := context.Background()
	// Mario owes money for the debts cases
	if _, _, err := d.store.AddEntry(ctx, db.NewEntry{InstallationID: d.inst, AdultID: d.mario, Kind: db.KindAdjustment, AmountCents: -1_000_000,
		EntryDate: time.Now(), Reason: "test debt", IdempotencyKey: "test:enrol:debt"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name          string
		opens, closes time.Duration
		debts         string
		office, plan  bool
		want          error
		late          bool
	}{
		{name: "before open", opens: time.Hour, closes: 2 * time.Hour, debts: "ignore", want: db.ErrWindowNotOpen},
		{name: "open", opens: -time.Hour, closes: time.Hour, debts: "ignore"},
		{name: "after close", opens: -2 * time.Hour, closes: -time.Second, debts: "ignore", want: db.ErrWindowClosed},
		{name: "office after close", opens: -2 * time.Hour, closes: -time.Second, debts: "ignore", office: true, late: true},
		{name: "debts block", opens: -time.Hour, closes: time.Hour, debts: "block", want: db.ErrDebtsBlock},
		{name: "debts need the plan", opens: -time.Hour, closes: time.Hour, debts: "plan", want: db.ErrPlanNeeded},
		{name: "debts with the plan", opens: -time.Hour, closes: time.Hour, debts: "plan", plan: true},
	} {
		w := d.window(t, tc.opens, tc.closes, tc.debts)
		rc, err := d.store.SubmitEnrolment(ctx, db.NewEnrolmentRequest{InstallationID: d.inst, WindowID: w, AdultID: d.mario, ChildID: d.luca,
			SchoolID: d.school, EnteredBy: d.clerk, ByOffice: tc.office, PlanAccepted: tc.plan}, nil)
		if !errors.Is(err, tc.want) {
			t.Fatalf("%s: got %v, want %v", tc.name, err, tc.want)
		}
		var n int
		dbtest.Get(t, d.store.DB(), &n, `SELECT count(*) FROM enrolment_requests WHERE window_id = $1`, w)
		if (tc.want == nil) != (n == 1) || rc.Late != tc.late {
			t.Fatalf("%s: %d requests stored, receipt %+v", tc.name, n, rc)
		}
		if tc.want == nil && (rc.Protocol != db.Protocol(2030, rc.ID) || time.Since(rc.SubmittedAt) > time.Minute) {
			t.Fatalf("%s: receipt %+v", tc.name, rc)
		}
	}
}

// TestEnrolmentOneRequestPerChild: a double submit by the same guardian
// shows the same receipt; the other guardian's request for the same child
// in the same window is refused; an adult who is not the child's guardian
// learns nothing from the codice fiscale: the request is kept beside the
// other, which the office sees; the draft is gone once sent.
func TestEnrolmentOneRequestPerChild(t *testing.T) {
	t.Parallel()
	d := newEnrolDemo(t)
	ctx := context.Background()
	w := d.window(t, -time.Hour, time.Hour, "ignore")
	if err := d.store.SaveEnrolmentDraft(ctx, d.inst, w, d.mario, map[string]string{"child": "luca"}); err != nil {
		t.Fatal(err)
	}
	req := db.NewEnrolmentRequest{InstallationID: d.inst, WindowID: w, AdultID: d.mario, ChildID: d.luca, SchoolID: d.school, EnteredBy: d.clerk}
	first, err := d.store.SubmitEnrolment(ctx, req, nil)
	if err != nil {
		t.Fatal(err)
	}
	again, err := d.store.SubmitEnrolment(ctx, req, nil)
	if err != nil || !again.Again || again.ID != first.ID {
		t.Fatalf("double submit: %+v %v", again, err)
	}
	req.AdultID = d.laura
	if _, err := d.store.SubmitEnrolment(ctx, req, nil); !errors.Is(err, db.ErrAlreadyRequested) {
		t.Fatalf("other guardian: %v", err)
	}
	// Giulia Bianchi types Luca's codice fiscale as a new child of hers
	var giulia int64
	var cf string
	dbtest.Get(t, d.store.DB(), &giulia, `SELECT id FROM adults WHERE installation_id = $1 AND first_name = 'Giulia'`, d.inst)
	dbtest.Get(t, d.store.DB(), &cf, `SELECT fiscal_code FROM children WHERE id = $1`, d.luca)
	stranger := db.NewEnrolmentRequest{InstallationID: d.inst, WindowID: w, AdultID: giulia, FiscalCode: cf, FirstName: "Luca", LastName: "Rossi",
		BirthDate: time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC), SchoolID: d.school, EnteredBy: d.clerk}
	theirs, err := d.store.SubmitEnrolment(ctx, stranger, nil)
	if err != nil || theirs.Again || theirs.ID == first.ID {
		t.Fatalf("a request by somebody who is not the guardian: %+v %v, want a receipt of its own", theirs, err)
	}
	if again, err := d.store.SubmitEnrolment(ctx, stranger, nil); err != nil || !again.Again || again.ID != theirs.ID {
		t.Fatalf("their double submit: %+v %v", again, err)
	}
	// the office sees each beside the other; the families do not
	for _, c := range []struct{ id, sibling int64 }{{first.ID, theirs.ID}, {theirs.ID, first.ID}} {
		r, err := d.store.EnrolmentRequestByID(ctx, d.inst, c.id)
		if err != nil {
			t.Fatal(err)
		}
		sib, err := d.store.EnrolmentSiblings(ctx, d.inst, r)
		if err != nil || len(sib) != 1 || sib[0].ID != c.sibling || sib[0].Status != "submitted" {
			t.Fatalf("siblings of %d: %+v %v, want %d", c.id, sib, err, c.sibling)
		}
	}
	if _, err := d.store.EnrolmentRequestOfAdult(ctx, d.inst, d.mario, theirs.ID); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("the guardian reads the stranger's request: %v", err)
	}
	if _, err := d.store.EnrolmentRequestOfAdult(ctx, d.inst, giulia, first.ID); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("the stranger reads the guardian's request: %v", err)
	}
	// accepting it does not make her Luca's guardian
	dec := db.EnrolmentDecision{InstallationID: d.inst, RequestID: theirs.ID, StartsOn: time.Date(2030, 9, 9, 0, 0, 0, 0, time.UTC),
		EndsOn: time.Date(2031, 6, 30, 0, 0, 0, 0, time.UTC), TariffName: "Tariffa intera", TariffCents: 520, Billing: "daily", By: d.clerk}
	if _, err := d.store.AcceptEnrolment(ctx, dec); !errors.Is(err, db.ErrChildOfAnotherFamily) {
		t.Fatalf("accepting the stranger's request: %v", err)
	}
	if err := d.store.RejectEnrolment(ctx, d.inst, theirs.ID, "Non è genitore del bambino", d.clerk, nil); err != nil {
		t.Fatal(err)
	}
	// once rejected, a corrected request may be sent
	if err := d.store.RejectEnrolment(ctx, d.inst, first.ID, "Manca la classe", d.clerk, nil); err != nil {
		t.Fatal(err)
	}
	if err := d.store.RejectEnrolment(ctx, d.inst, first.ID, "Di nuovo", d.clerk, nil); !errors.Is(err, db.ErrRequestDecided) {
		t.Fatalf("rejected twice: %v", err)
	}
	if rc, err := d.store.SubmitEnrolment(ctx, req, nil); err != nil || rc.Again || rc.ID == first.ID {
		t.Fatalf("after the rejection: %+v %v", rc, err)
	}
	var form map[string]string
	if _, ok, err := d.store.EnrolmentDraft(ctx, d.inst, w, d.mario, &form); ok || err != nil {
		t.Fatalf("draft after sending: %v %v", ok, err)
	}
	// a child who is not the adult's is refused
	req.AdultID, req.FiscalCode = d.laura, ""
	var other int64
	dbtest.Get(t, d.store.DB(), &other, `SELECT id FROM children WHERE installation_id = $1 AND first_name = 'Elena'`, d.inst)
	req.ChildID = other
	if _, err := d.store.SubmitEnrolment(ctx, req, nil); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("someone else's child: %v", err)
	}
}

// TestEnrolmentAcceptOnce: two clerks accepting a new child's request at
// once make one child, one guardianship and one enrollment; the request
// says which.
func TestEnrolmentAcceptOnce(t *testing.T) {
	t.Parallel()
	d := newEnrolDemo(t)
	ctx := context.Background()
	w := d.window(t, -time.Hour, time.Hour, "ignore")
	birth := time.Date(2024, 3, 3, 0, 0, 0, 0, time.UTC)
	cf := codicefiscale.Compute("Rossi", "Giorgio", birth, false, "F205")
	rc, err := d.store.SubmitEnrolment(ctx, db.NewEnrolmentRequest{InstallationID: d.inst, WindowID: w, AdultID: d.mario, FiscalCode: cf,
		FirstName: "Giorgio", LastName: "Rossi", BirthDate: birth, SchoolID: d.school, ClassName: "1A", EnteredBy: d.mario}, nil)
	if err != nil {
		t.Fatal(err)
	}
	dec := db.EnrolmentDecision{InstallationID: d.inst, RequestID: rc.ID, StartsOn: time.Date(2030, 9, 9, 0, 0, 0, 0, time.UTC),
		EndsOn: time.Date(2031, 6, 30, 0, 0, 0, 0, time.UTC), TariffName: "Tariffa intera", TariffCents: 520, Billing: "daily", By: d.clerk}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Add(1)
		go func() { defer wg.Done(); _, errs[i] = d.store.AcceptEnrolment(ctx, dec) }()
	}
	wg.Wait()
	ok, decided := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, db.ErrRequestDecided):
			decided++
		default:
			t.Fatal(err)
		}
	}
	var children, enrollments, payers int
	q := d.store.DB()
	dbtest.Get(t, q, &children, `SELECT count(*) FROM children WHERE fiscal_code = $1`, cf)
	dbtest.Get(t, q, &enrollments, `SELECT count(*) FROM enrollments e JOIN children c ON c.id = e.child_id WHERE c.fiscal_code = $1 AND e.tariff_cents = 520`, cf)
	dbtest.Get(t, q, &payers, `SELECT count(*) FROM guardianships g JOIN children c ON c.id = g.child_id WHERE c.fiscal_code = $1 AND g.adult_id = $2 AND g.role = 'payer'`, cf, d.mario)
	if ok != 1 || decided != 1 || children != 1 || enrollments != 1 || payers != 1 {
		t.Fatalf("ok %d decided %d: %d children, %d enrollments, %d payers", ok, decided, children, enrollments, payers)
	}
	r, err := d.store.EnrolmentRequestOfAdult(ctx, d.inst, d.mario, rc.ID)
	if err != nil || r.Status != "accepted" || !r.EnrollmentID.Valid || !r.ChildID.Valid {
		t.Fatalf("request after acceptance: %+v %v", r, err)
	}
	// a renewal the year after continues it; an overlapping one is refused
	w2 := d.window(t, -time.Hour, time.Hour, "ignore")
	rc2, err := d.store.SubmitEnrolment(ctx, db.NewEnrolmentRequest{InstallationID: d.inst, WindowID: w2, AdultID: d.mario, ChildID: r.ChildID.Int64,
		SchoolID: d.school, EnteredBy: d.mario}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.store.AcceptEnrolment(ctx, dec); !errors.Is(err, db.ErrRequestDecided) {
		t.Fatalf("accepted twice: %v", err)
	}
	dec.RequestID = rc2.ID
	if _, err := d.store.AcceptEnrolment(ctx, dec); !errors.Is(err, db.ErrAlreadyEnrolled) {
		t.Fatalf("overlap: %v", err)
	}
	dec.StartsOn, dec.EndsOn = dec.StartsOn.AddDate(1, 0, 0), dec.EndsOn.AddDate(1, 0, 0)
	id, err := d.store.AcceptEnrolment(ctx, dec)
	if err != nil {
		t.Fatal(err)
	}
	var prev int64
	dbtest.Get(t, q, &prev, `SELECT previous_id FROM enrollments WHERE id = $1`, id)
	if prev != r.EnrollmentID.Int64 {
		t.Fatalf("renewal continues %d, want %d", prev, r.EnrollmentID.Int64)
	}
}

// TestEnrolmentReviewFixes: a "new child" whose codice fiscale is a
// registry child of another family is not handed to the requester; a
// special diet accepted before the enrollment goes on it.
func TestEnrolmentReviewFixes(t *testing.T) {
	t.Parallel()
	d := newEnrolDemo(t)
	ctx := context.Background()
	q := d.store.DB()
	var anna, elena, account int64
	var lucaCF string
	dbtest.Get(t, q, &anna, `SELECT id FROM adults WHERE installation_id = $1 AND first_name = 'Anna' AND last_name = 'Verdi'`, d.inst)
	dbtest.Get(t, q, &lucaCF, `SELECT fiscal_code FROM children WHERE id = $1`, d.luca)
	dbtest.Get(t, q, &account, `SELECT id FROM accounts WHERE username = 'mario.rossi'`)
	w := d.window(t, -time.Hour, time.Hour, "ignore")
	dec := db.EnrolmentDecision{InstallationID: d.inst, StartsOn: time.Date(2030, 9, 9, 0, 0, 0, 0, time.UTC),
		EndsOn: time.Date(2031, 6, 30, 0, 0, 0, 0, time.UTC), TariffName: "Tariffa intera", TariffCents: 520, Billing: "daily", By: d.clerk}

	// Anna knows Luca's codice fiscale and asks for him as a new child
	rc, err := d.store.SubmitEnrolment(ctx, db.NewEnrolmentRequest{InstallationID: d.inst, WindowID: w, AdultID: anna, FiscalCode: lucaCF,
		FirstName: "Luca", LastName: "Rossi", BirthDate: time.Date(2018, 5, 12, 0, 0, 0, 0, time.UTC), SchoolID: d.school, ClassName: "3B", EnteredBy: d.clerk}, nil)
	if err != nil {
		t.Fatal(err)
	}
	dec.RequestID = rc.ID
	if _, err := d.store.AcceptEnrolment(ctx, dec); !errors.Is(err, db.ErrChildOfAnotherFamily) {
		t.Fatalf("accepting another family's child for Anna: %v", err)
	}
	var guards, status = 0, ""
	dbtest.Get(t, q, &guards, `SELECT count(*) FROM guardianships WHERE child_id = $1 AND adult_id = $2`, d.luca, anna)
	dbtest.Get(t, q, &status, `SELECT status FROM enrolment_requests WHERE id = $1`, rc.ID)
	if guards != 0 || status != "submitted" {
		t.Fatalf("after the refusal: Anna guards Luca %d times, request %s", guards, status)
	}

	// the window has a request now: its service cannot change any more
	var bus int64
	dbtest.Get(t, q, &bus, `SELECT id FROM services WHERE installation_id = $1 AND kind = 'trasporto'`, d.inst)
	now := time.Now()
	if _, err := d.store.SaveEnrolmentWindow(ctx, db.EnrolmentWindowInput{ID: w, InstallationID: d.inst, ServiceID: bus,
		SchoolYear: 2030, Title: "Trasporto 2030/31", OpensAt: now.Add(-time.Hour), ClosesAt: now.Add(time.Hour),
		StartsOn: dec.StartsOn, EndsOn: dec.EndsOn, Debts: "ignore", Schools: []db.WindowSchool{{SchoolID: d.school}}, By: d.clerk, Version: 1}); !errors.Is(err, db.ErrWindowHasRequests) {
		t.Fatalf("moving a window with requests to another service: %v", err)
	}

	// Elena (Giulia's) has a gluten-free diet accepted until 2032: her
	// canteen enrollment made later carries it
	dbtest.Get(t, q, &elena, `SELECT id FROM children WHERE installation_id = $1 AND first_name = 'Elena'`, d.inst)
	var diet int64
	dbtest.Get(t, q, &diet, `SELECT id FROM diets WHERE installation_id = $1 ORDER BY id LIMIT 1`, d.inst)
	q.MustExec(`DELETE FROM enrollments WHERE child_id = $1 AND service_id = $2 AND ends_on >= '2030-09-09'`, elena, d.service)
	q.MustExec(`INSERT INTO diet_requests (installation_id, child_id, kind, restriction, status, requested_by, decided_by, decided_at, diet_id, valid_from, valid_to)
		VALUES ($1, $2, 'coeliac', 'Senza glutine', 'accepted', $3, $4, now(), $5, '2029-01-01', '2032-06-30')`, d.inst, elena, account, d.clerk, diet)
	var giulia int64
	dbtest.Get(t, q, &giulia, `SELECT adult_id FROM guardianships WHERE child_id = $1 ORDER BY role = 'payer' DESC LIMIT 1`, elena)
	rc2, err := d.store.SubmitEnrolment(ctx, db.NewEnrolmentRequest{InstallationID: d.inst, WindowID: w, AdultID: giulia, ChildID: elena,
		SchoolID: d.school, EnteredBy: d.clerk}, nil)
	if err != nil {
		t.Fatal(err)
	}
	dec.RequestID = rc2.ID
	id, err := d.store.AcceptEnrolment(ctx, dec)
	if err != nil {
		t.Fatal(err)
	}
	var got sql.NullInt64
	dbtest.Get(t, q, &got, `SELECT diet_id FROM enrollments WHERE id = $1`, id)
	if !got.Valid || got.Int64 != diet {
		t.Fatalf("the enrollment's diet is %v, want %d (accepted before)", got, diet)
	}
}

// TestEnrolmentWindowVersion: a change is saved only over the version it
// was made on; the other clerk's, made on the same version, changes nothing
// and says so.
func TestEnrolmentWindowVersion(t *testing.T) {
	t.Parallel()
	d := newEnrolDemo(t)
	ctx := context.Background()
	w := d.window(t, -time.Hour, time.Hour, "ignore")
	read := func() db.EnrolmentWindow {
		t.Helper()
		list, err := d.store.EnrolmentWindows(ctx, d.inst, false)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range list {
			if x.ID == w {
				return x
			}
		}
		t.Fatalf("window %d not listed", w)
		return db.EnrolmentWindow{}
	}
	before := read()
	in := db.EnrolmentWindowInput{ID: w, InstallationID: d.inst, ServiceID: d.service, SchoolYear: before.SchoolYear, Title: "Prima modifica",
		OpensAt: before.OpensAt, ClosesAt: before.ClosesAt, StartsOn: before.StartsOn, EndsOn: before.EndsOn, Debts: "ignore",
		Schools: []db.WindowSchool{{SchoolID: d.school}}, By: d.clerk, Version: before.Version}
	if _, err := d.store.SaveEnrolmentWindow(ctx, in); err != nil {
		t.Fatal(err)
	}
	in.Title, in.Debts = "Seconda modifica", "block"
	if _, err := d.store.SaveEnrolmentWindow(ctx, in); !errors.Is(err, db.ErrWindowChanged) {
		t.Fatalf("a change made on an old version: %v, want ErrWindowChanged", err)
	}
	after := read()
	if after.Title != "Prima modifica" || after.Debts != "ignore" || after.Version != before.Version+1 {
		t.Fatalf("after the refused change: %q %q version %d (was %d)", after.Title, after.Debts, after.Version, before.Version)
	}
	in.Version = after.Version
	if _, err := d.store.SaveEnrolmentWindow(ctx, in); err != nil || read().Title != "Seconda modifica" {
		t.Fatalf("the change made again on the current version: %v", err)
	}
	in.ID, in.Version = 999999, 1
	if _, err := d.store.SaveEnrolmentWindow(ctx, in); !errors.Is(err, db.ErrNotFound) {
		t.Fatalf("a window that is not there: %v", err)
	}
}

// TestEnrolmentSiblingsAcceptedAtOnce: two adults' requests for the same
// new child, accepted at once by two clerks: one registers the child, the
// other is told the child is another family's (never an error page).
func TestEnrolmentSiblingsAcceptedAtOnce(t *testing.T) {
	t.Parallel()
	d := newEnrolDemo(t)
	ctx := context.Background()
	w := d.window(t, -time.Hour, time.Hour, "ignore")
	var giulia int64
	dbtest.Get(t, d.store.DB(), &giulia, `SELECT id FROM adults WHERE installation_id = $1 AND first_name = 'Giulia'`, d.inst)
	birth := time.Date(2024, 4, 4, 0, 0, 0, 0, time.UTC)
	cf := codicefiscale.Compute("Rossi", "Nina", birth, true, "F205")
	var ids []int64
	for _, adult := range []int64{d.mario, giulia} {
		rc, err := d.store.SubmitEnrolment(ctx, db.NewEnrolmentRequest{InstallationID: d.inst, WindowID: w, AdultID: adult, FiscalCode: cf,
			FirstName: "Nina", LastName: "Rossi", BirthDate: birth, SchoolID: d.school, ClassName: "1A", EnteredBy: d.clerk}, nil)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, rc.ID)
	}
	errs := make([]error, len(ids))
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = d.store.AcceptEnrolment(ctx, db.EnrolmentDecision{InstallationID: d.inst, RequestID: id,
				StartsOn: time.Date(2030, 9, 9, 0, 0, 0, 0, time.UTC), EndsOn: time.Date(2031, 6, 30, 0, 0, 0, 0, time.UTC),
				TariffName: "Tariffa intera", TariffCents: 520, Billing: "daily", By: d.clerk})
		}()
	}
	wg.Wait()
	ok, other := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, db.ErrChildOfAnotherFamily):
			other++
		default:
			t.Fatalf("accepting at once: %v", err)
		}
	}
	var children, guardians int
	dbtest.Get(t, d.store.DB(), &children, `SELECT count(*) FROM children WHERE fiscal_code = $1`, cf)
	dbtest.Get(t, d.store.DB(), &guardians, `SELECT count(*) FROM guardianships g JOIN children c ON c.id = g.child_id WHERE c.fiscal_code = $1`, cf)
	if ok != 1 || other != 1 || children != 1 || guardians != 1 {
		t.Fatalf("%d accepted, %d refused: %d children, %d guardians", ok, other, children, guardians)
	}
}
