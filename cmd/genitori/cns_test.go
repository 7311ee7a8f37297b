package main

import (
	"context"
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"
	"time"

	pkcs12 "software.sslmate.com/src/go-pkcs12"

	"portalegenitori/db/dbtest"
	"portalegenitori/internal/identity/cns"
)

// The demo card is accepted by the portal's checks and belongs to the demo
// parent Mario Rossi of the seeded registry.
func TestCNSDemoCard(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	now := time.Now()
	made, err := writeCNSDemo(dir, now, false)
	if err != nil || !made {
		t.Fatalf("made=%v err=%v", made, err)
	}
	if made, err := writeCNSDemo(dir, now, false); err != nil || made {
		t.Fatalf("second run made=%v err=%v: valid files must be kept", made, err)
	}
	data, err := os.ReadFile(filepath.Join(dir, demoCNSFiles.CardP12))
	if err != nil {
		t.Fatal(err)
	}
	key, leaf, chain, err := pkcs12.DecodeChain(data, DemoCNSPassword)
	if err != nil || key == nil || len(chain) != 1 {
		t.Fatalf("PKCS#12: %v", err)
	}
	roots, n, err := cns.LoadRoots(filepath.Join(dir, "ca"))
	if err != nil || n != 1 {
		t.Fatalf("CA folder: %d %v", n, err)
	}
	cf, err := cns.Authenticate(append([]*x509.Certificate{leaf}, chain...), roots, now, nil)
	if err != nil {
		t.Fatal(err)
	}

	store, _ := dbtest.New(t)
	ctx := context.Background()
	inst, err := store.InstallationByCode(ctx, "demo")
	if err != nil {
		t.Fatal(err)
	}
	acc, adult, created, err := store.IdentityAccount(ctx, inst.ID, cf, "cns")
	if err != nil || created || acc.Username != "mario.rossi" || adult.FirstName != "Mario" {
		t.Fatalf("demo card CF %s: account %+v created=%v err=%v", cf, acc, created, err)
	}

	// an expiring set is made anew
	if made, err := writeCNSDemo(dir, now.AddDate(3, 0, 0), false); err != nil || !made {
		t.Fatalf("expired set made=%v err=%v", made, err)
	}
}
