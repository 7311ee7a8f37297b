package main

import (
	"context"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	pkcs12 "software.sslmate.com/src/go-pkcs12"

	"portalegenitori/handlers"
	"portalegenitori/internal/codicefiscale"
	"portalegenitori/internal/config"
	"portalegenitori/internal/identity/cns"
	"portalegenitori/internal/identity/cns/cnsca"
)

// DemoCNSPassword protects the demo card's PKCS#12 file (docs/identity/cns.md).
const DemoCNSPassword = "demo-cns"

// demoCNSFiles are the files written by `genitori cns-demo`, relative to its folder.
var demoCNSFiles = struct{ CA, ServerCert, ServerKey, CardP12, CardCert, CardKey string }{
	CA:         "ca/demo-ca.pem", // the folder ca/ is GENITORI_CNS_CA_DIR
	ServerCert: "server.pem",
	ServerKey:  "server-key.pem",
	CardP12:    "mario-rossi.p12",
	CardCert:   "mario-rossi.pem",
	CardKey:    "mario-rossi-key.pem",
}

// demoCNSFiscalCode is the codice fiscale of the demo parent Mario Rossi, as
// db.SeedDemo computes it.
func demoCNSFiscalCode() string {
	return codicefiscale.Compute("Rossi", "Mario", time.Date(1982, 4, 12, 0, 0, 0, 0, time.UTC), false, "F205")
}

// cnsDemoCmd writes a demo CA, a server certificate for localhost and the
// card certificate of Mario Rossi (PKCS#12, password DemoCNSPassword). Files
// that exist and are still valid for a week are kept, so `make run` can call
// it every time; --force makes new ones.
func cnsDemoCmd(args []string) error {
	fs := flag.NewFlagSet("cns-demo", flag.ContinueOnError)
	force := fs.Bool("force", false, "make a new CA and certificates even if valid ones exist")
	if err := fs.Parse(args); err != nil {
		return err
	}
	dir := "var/cns"
	if fs.NArg() > 0 {
		dir = fs.Arg(0)
	}
	made, err := writeCNSDemo(dir, time.Now(), *force)
	if err != nil {
		return err
	}
	if made {
		fmt.Printf("CNS/CRS demo certificates written to %s (demo card: Mario Rossi, %s, file %s, password %q)\n",
			dir, demoCNSFiscalCode(), filepath.Join(dir, demoCNSFiles.CardP12), DemoCNSPassword)
	}
	return nil
}

func writeCNSDemo(dir string, now time.Time, force bool) (bool, error) {
	p := func(name string) string { return filepath.Join(dir, name) }
	if !force && demoCNSValid(p, now.AddDate(0, 0, 7)) {
		return false, nil
	}
	ca, err := cnsca.New("CA CNS dimostrativa - Portale Genitori", now.Add(-time.Hour), now.AddDate(10, 0, 0), 2048)
	if err != nil {
		return false, err
	}
	server, err := ca.IssueServer(now.Add(-time.Hour), now.AddDate(1, 0, 0), "localhost", "127.0.0.1", "::1")
	if err != nil {
		return false, err
	}
	card, err := ca.IssueCard(cnsca.Card{FiscalCode: demoCNSFiscalCode(), GivenName: "Mario", Surname: "Rossi",
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(2, 0, 0), RSABits: 2048})
	if err != nil {
		return false, err
	}
	p12, err := pkcs12.Modern2023.Encode(card.Key, card.Cert, []*x509.Certificate{ca.Cert}, DemoCNSPassword)
	if err != nil {
		return false, fmt.Errorf("PKCS#12: %w", err)
	}
	if err := os.MkdirAll(p("ca"), 0o755); err != nil {
		return false, err
	}
	for name, data := range map[string][]byte{
		demoCNSFiles.CA:         ca.CertPEM(),
		demoCNSFiles.ServerCert: append(server.CertPEM(), ca.CertPEM()...),
		demoCNSFiles.ServerKey:  server.KeyPEM(),
		demoCNSFiles.CardP12:    p12,
		demoCNSFiles.CardCert:   card.CertPEM(),
		demoCNSFiles.CardKey:    card.KeyPEM(),
	} {
		mode := os.FileMode(0o644)
		if name == demoCNSFiles.ServerKey || name == demoCNSFiles.CardKey || name == demoCNSFiles.CardP12 {
			mode = 0o600
		}
		if err := os.WriteFile(p(name), data, mode); err != nil {
			return false, err
		}
	}
	return true, nil
}

// demoCNSValid tells whether every demo file exists and the certificates
// are still valid at until and chain to the demo CA.
func demoCNSValid(p func(string) string, until time.Time) bool {
	for _, f := range []string{demoCNSFiles.CardP12, demoCNSFiles.ServerKey, demoCNSFiles.CardKey} {
		if _, err := os.Stat(p(f)); err != nil {
			return false
		}
	}
	roots, _, err := cns.LoadRoots(p("ca"))
	if err != nil {
		return false
	}
	for _, f := range []string{demoCNSFiles.ServerCert, demoCNSFiles.CardCert} {
		data, err := os.ReadFile(p(f))
		if err != nil {
			return false
		}
		certs, err := cns.ParsePEM(data)
		if err != nil || until.After(certs[0].NotAfter) {
			return false
		}
		if _, err := certs[0].Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
			return false
		}
	}
	return true
}

// startCNS starts the dedicated card listener when GENITORI_CNS_ADDR is set;
// its errors go to errc. The returned function shuts it down.
func startCNS(cfg config.Config, h *handlers.Handler, routes http.Handler, log *slog.Logger, errc chan<- error) (func(context.Context) error, error) {
	if !cfg.CNS.Listener() {
		return func(context.Context) error { return nil }, nil
	}
	srv, err := h.CNSServer(routes)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.CNS.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s (GENITORI_CNS_ADDR): %w", cfg.CNS.Addr, err)
	}
	log.Info("serving CNS/CRS card sign-in", "addr", ln.Addr().String(), "public_url", cfg.CNS.PublicURL)
	go func() {
		if err := srv.ServeTLS(ln, "", ""); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("card listener: %w", err)
		}
	}()
	return srv.Shutdown, nil
}
