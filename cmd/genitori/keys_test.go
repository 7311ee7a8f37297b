package main

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestServeRefusesWithoutKeys: serve and worker do not start, and say why,
// when a key that seals secrets at rest is missing (nothing would be
// stored in clear). The worker needs no GENITORI_TOTP_KEY.
func TestServeRefusesWithoutKeys(t *testing.T) {
	t.Parallel()
	for _, command := range []string{"serve", "worker"} {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(processEnv(command), "DATABASE_URL=postgres://nobody@127.0.0.1:1/none?sslmode=disable",
			"GENITORI_ADDR=127.0.0.1:0", "GENITORI_SECRET_KEY=", "GENITORI_TOTP_KEY=")
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 2 {
			t.Fatalf("%s without the keys: %v, want exit status 2\n%s", command, err, out)
		}
		s := string(out)
		if !strings.Contains(s, "GENITORI_SECRET_KEY is not set") || strings.Contains(s, "GENITORI_TOTP_KEY is not set") != (command == "serve") {
			t.Errorf("%s without the keys said:\n%s", command, s)
		}
	}
}
