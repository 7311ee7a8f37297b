package handlers

import (
	"fmt"
	"testing"

	"portalegenitori/db"
)

// The ETag's print of the installation is fmt.Sprint of the one the cache
// holds: printed again when the cache hands out another (refetched) one.
func TestInstallationPrintFollowsTheCache(t *testing.T) {
	var ic installationCache
	a := &db.Installation{ID: 1, Code: "demo", Name: "Comune di Demo"}
	if got := ic.print(a); got != fmt.Sprint(*a) {
		t.Fatalf("print %q, want %q", got, fmt.Sprint(*a))
	}
	b := *a
	b.Name = "Comune di Demo (nuovo nome)"
	if got := ic.print(&b); got != fmt.Sprint(b) || got == ic.print(a) {
		t.Fatalf("a refetched installation kept the old print: %q", got)
	}
}
