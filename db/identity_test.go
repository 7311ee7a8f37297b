package db_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"portalegenitori/db"
	"portalegenitori/db/dbtest"
)

func demoID(t *testing.T, s *db.Store) int64 {
	t.Helper()
	var id int64
	if err := s.DB().Get(&id, `SELECT id FROM installations WHERE code = 'demo'`); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestIdentityAccount(t *testing.T) {
	t.Parallel()
	s, _ := dbtest.New(t)
	ctx := context.Background()
	inst := demoID(t, s)
	var annaCF string
	dbtest.Get(t, s.DB(), &annaCF, `SELECT fiscal_code FROM adults WHERE first_name = 'Anna' AND last_name = 'Verdi'`)

	// two first sign-ins at once create exactly one account
	var wg sync.WaitGroup
	created := make(chan bool, 4)
	ids := make(chan int64, 4)
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			acc, adult, c, err := s.IdentityAccount(ctx, inst, annaCF, "spid")
			if err != nil {
				t.Error(err)
				return
			}
			if adult.FiscalCode != annaCF || acc.PasswordHash.Valid || acc.LinkedFiscalCode.String != annaCF {
				t.Errorf("unexpected account %+v for %+v", acc, adult)
			}
			created <- c
			ids <- acc.ID
		}()
	}
	wg.Wait()
	close(created)
	close(ids)
	n := 0
	for c := range created {
		if c {
			n++
		}
	}
	first := <-ids
	for id := range ids {
		if id != first {
			t.Fatal("several accounts for one adult")
		}
	}
	if n != 1 {
		t.Fatalf("%d accounts created, want 1", n)
	}

	// an adult that already has an account gets it back
	var marioCF string
	dbtest.Get(t, s.DB(), &marioCF, `SELECT linked_fiscal_code FROM accounts WHERE username = 'mario.rossi'`)
	acc, _, c, err := s.IdentityAccount(ctx, inst, marioCF, "spid")
	if err != nil || c || acc.Username != "mario.rossi" {
		t.Fatalf("existing account: %v %v %+v", err, c, acc)
	}
	// unknown CF, and a known CF of another installation
	if _, _, _, err := s.IdentityAccount(ctx, inst, "RSSMRA80A01H501U", "spid"); !errors.Is(err, db.ErrNoGuardian) {
		t.Fatalf("unknown CF: %v", err)
	}
	var valle int64
	dbtest.Get(t, s.DB(), &valle, `SELECT id FROM installations WHERE code = 'valle'`)
	if _, _, _, err := s.IdentityAccount(ctx, valle, marioCF, "spid"); !errors.Is(err, db.ErrNoGuardian) {
		t.Fatalf("CF of another Comune: %v", err)
	}
	// an adult who is nobody's guardian cannot sign in
	s.DB().MustExec(`INSERT INTO adults (installation_id, fiscal_code, first_name, last_name) VALUES ($1, 'GDASDV00A01H501J', 'Solo', 'Adulto')`, inst)
	if _, _, _, err := s.IdentityAccount(ctx, inst, "GDASDV00A01H501J", "spid"); !errors.Is(err, db.ErrNoGuardian) {
		t.Fatalf("adult without children: %v", err)
	}
}
