package recovery_test

import (
	"slices"
	"testing"

	"portalegenitori/internal/recovery"
	"portalegenitori/internal/registration"
)

// TestNormalizeValue: each kind of value is looked up normalised, or refused
// with the message key of its mistake.
func TestNormalizeValue(t *testing.T) {
	cases := []struct{ key, typed, value, problem string }{
		{recovery.ByFiscalCode, "rssmra82 d12h501x", "RSSMRA82D12H501X", ""},
		{recovery.ByFiscalCode, "RSSMRA82D12", "", "recovery.error.cf_length"},
		{recovery.ByEmail, "Anna@Example.IT", "anna@example.it", ""},
		{recovery.ByEmail, "anna example.it", "", "recovery.error.email"},
		{recovery.ByUsername, "Mario.Rossi", "mario.rossi", ""},
		{recovery.ByUsername, "", "", "recovery.error.value_required.username"},
	}
	for _, tc := range cases {
		v, p := recovery.NormalizeValue(tc.key, tc.typed)
		if v != tc.value || p != tc.problem {
			t.Errorf("%s %q: %q %q, want %q %q", tc.key, tc.typed, v, p, tc.value, tc.problem)
		}
	}
}

// TestAuditActor: the audit log never keeps a whole e-mail or codice fiscale.
func TestAuditActor(t *testing.T) {
	if a := recovery.AuditActor(recovery.ByFiscalCode, "RSSMRA82D12H501X"); a != "RSSMRA…" {
		t.Errorf("CF kept as %q", a)
	}
	if a := recovery.AuditActor(recovery.ByEmail, "anna.verdi@example.it"); a == "anna.verdi@example.it" || a == "" {
		t.Errorf("e-mail kept as %q", a)
	}
	if a := recovery.AuditActor(recovery.ByUsername, "Mario.Rossi"); a != "Mario.Rossi" {
		t.Errorf("username kept as %q", a)
	}
}

// TestDecoyQuestion: one of the proposed questions, the same for the same
// value and key, and depending on the server key.
func TestDecoyQuestion(t *testing.T) {
	q := recovery.DecoyQuestion("k1", 1, recovery.ByUsername, "nessuno")
	if !slices.Contains(registration.SecurityQuestions, q) {
		t.Fatalf("decoy %q is not a proposed question", q)
	}
	if recovery.DecoyQuestion("k1", 1, recovery.ByUsername, "nessuno") != q {
		t.Fatal("decoy not stable")
	}
	differs := false
	for _, k := range []string{"k2", "k3", "k4", "k5", "k6", "k7", "k8"} {
		differs = differs || recovery.DecoyQuestion(k, 1, recovery.ByUsername, "nessuno") != q
	}
	if !differs {
		t.Fatal("decoy does not depend on the server key")
	}
}
