package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"portalegenitori/internal/identity/cns/cnsca"
)

func TestCNSConfig(t *testing.T) {
	dir := t.TempDir()
	ca, err := cnsca.New("CA", time.Now().Add(-time.Hour), time.Now().AddDate(1, 0, 0), 0)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := ca.IssueServer(time.Now().Add(-time.Hour), time.Now().AddDate(1, 0, 0), "localhost")
	if err != nil {
		t.Fatal(err)
	}
	caDir := filepath.Join(dir, "ca")
	cert, key := filepath.Join(dir, "s.pem"), filepath.Join(dir, "k.pem")
	for _, err := range []error{
		os.MkdirAll(caDir, 0o755),
		os.WriteFile(filepath.Join(caDir, "ca.pem"), ca.CertPEM(), 0o644),
		os.WriteFile(cert, srv.CertPEM(), 0o644),
		os.WriteFile(key, srv.KeyPEM(), 0o600),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	empty := t.TempDir()

	load := func(vars map[string]string) (Config, error) {
		return FromEnv(func(k string) string {
			if k == "DATABASE_URL" {
				return "postgres://u@h/db"
			}
			return vars[k]
		})
	}
	t.Run("off by default", func(t *testing.T) {
		c, err := load(nil)
		if err != nil || c.CNS.Enabled() {
			t.Fatalf("%+v %v", c.CNS, err)
		}
	})
	t.Run("listener with derived public URL", func(t *testing.T) {
		c, err := load(map[string]string{"GENITORI_BASE_URL": "http://localhost:8080", "GENITORI_CNS_ADDR": ":8443",
			"GENITORI_CNS_TLS_CERT": cert, "GENITORI_CNS_TLS_KEY": key, "GENITORI_CNS_CA_DIR": caDir})
		if err != nil {
			t.Fatal(err)
		}
		if !c.CNS.Listener() || c.CNS.Proxy() || c.CNS.PublicURL != "https://localhost:8443" || c.CNS.Roots == nil {
			t.Fatalf("%+v", c.CNS)
		}
	})
	t.Run("proxy", func(t *testing.T) {
		c, err := load(map[string]string{"GENITORI_CNS_PROXY_HEADER": "x-ssl-client-cert", "GENITORI_CNS_TRUSTED_PROXIES": "10.0.0.1, 192.168.1.0/24, ::1",
			"GENITORI_CNS_CA_DIR": caDir, "GENITORI_CNS_SOFTWARE_URL": "https://regione.example/sw"})
		if err != nil {
			t.Fatal(err)
		}
		if c.CNS.ProxyHeader != "X-Ssl-Client-Cert" {
			t.Fatalf("header %q", c.CNS.ProxyHeader)
		}
		for addr, want := range map[string]bool{"10.0.0.1:5000": true, "10.0.0.2:5000": false, "192.168.1.77:1": true,
			"[::1]:80": true, "[::ffff:10.0.0.1]:80": true, "garbage": false, "192.168.2.1:1": false} {
			if got := c.CNS.FromTrustedProxy(addr); got != want {
				t.Errorf("FromTrustedProxy(%q) = %v", addr, got)
			}
		}
	})
	for name, tc := range map[string]struct {
		vars map[string]string
		want string
	}{
		"listener without cert":     {map[string]string{"GENITORI_CNS_ADDR": ":8443", "GENITORI_CNS_CA_DIR": caDir}, "GENITORI_CNS_TLS_CERT and GENITORI_CNS_TLS_KEY must name"},
		"listener with bad cert":    {map[string]string{"GENITORI_CNS_ADDR": ":8443", "GENITORI_CNS_TLS_CERT": key, "GENITORI_CNS_TLS_KEY": key, "GENITORI_CNS_CA_DIR": caDir}, "cannot load the server certificate"},
		"bad listen address":        {map[string]string{"GENITORI_CNS_ADDR": "8443", "GENITORI_CNS_TLS_CERT": cert, "GENITORI_CNS_TLS_KEY": key, "GENITORI_CNS_CA_DIR": caDir}, "GENITORI_CNS_ADDR=\"8443\" is not host:port"},
		"http public URL":           {map[string]string{"GENITORI_CNS_ADDR": ":8443", "GENITORI_CNS_TLS_CERT": cert, "GENITORI_CNS_TLS_KEY": key, "GENITORI_CNS_CA_DIR": caDir, "GENITORI_CNS_PUBLIC_URL": "http://x:8443"}, "must be the https origin"},
		"listener without CA":       {map[string]string{"GENITORI_CNS_ADDR": ":8443", "GENITORI_CNS_TLS_CERT": cert, "GENITORI_CNS_TLS_KEY": key}, "GENITORI_CNS_CA_DIR must name"},
		"empty CA folder":           {map[string]string{"GENITORI_CNS_PROXY_HEADER": "X-Cert", "GENITORI_CNS_TRUSTED_PROXIES": "127.0.0.1", "GENITORI_CNS_CA_DIR": empty}, "holds no certificate"},
		"header without proxies":    {map[string]string{"GENITORI_CNS_PROXY_HEADER": "X-Cert", "GENITORI_CNS_CA_DIR": caDir}, "GENITORI_CNS_TRUSTED_PROXIES must list"},
		"proxies without header":    {map[string]string{"GENITORI_CNS_TRUSTED_PROXIES": "127.0.0.1"}, "GENITORI_CNS_PROXY_HEADER is not"},
		"bad proxy":                 {map[string]string{"GENITORI_CNS_PROXY_HEADER": "X-Cert", "GENITORI_CNS_TRUSTED_PROXIES": "nginx", "GENITORI_CNS_CA_DIR": caDir}, "\"nginx\" is neither"},
		"bad header name":           {map[string]string{"GENITORI_CNS_PROXY_HEADER": "X Cert", "GENITORI_CNS_TRUSTED_PROXIES": "127.0.0.1", "GENITORI_CNS_CA_DIR": caDir}, "is not a header name"},
		"standard header":           {map[string]string{"GENITORI_CNS_PROXY_HEADER": "cookie", "GENITORI_CNS_TRUSTED_PROXIES": "127.0.0.1", "GENITORI_CNS_CA_DIR": caDir}, "is a standard header"},
		"CA folder alone":           {map[string]string{"GENITORI_CNS_CA_DIR": caDir}, "neither GENITORI_CNS_ADDR"},
		"cert without listener":     {map[string]string{"GENITORI_CNS_TLS_CERT": cert}, "GENITORI_CNS_ADDR is not"},
		"bad software URL":          {map[string]string{"GENITORI_CNS_SOFTWARE_URL": "www.regione.it"}, "GENITORI_CNS_SOFTWARE_URL"},
		"public URL with no method": {map[string]string{"GENITORI_CNS_PUBLIC_URL": "https://x:8443"}, "neither GENITORI_CNS_ADDR nor GENITORI_CNS_PROXY_HEADER"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := load(tc.vars)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}
