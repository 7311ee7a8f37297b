package handlers_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"portalegenitori/db"
	"portalegenitori/db/dbtest"
	"portalegenitori/handlers"
	"portalegenitori/internal/codicefiscale"
	"portalegenitori/internal/config"
	"portalegenitori/internal/identity/cns/cnsca"
)

const (
	cnsBaseURL   = "https://portale.test"
	cnsPublicURL = "https://portale.test:8443"
	cnsHeader    = "X-SSL-Client-Cert"
	annaVerdiCF  = "VRDNNA87H43L219D" // paying adult of the demo registry, no account
	unknownCF    = "CCCFBA85D03L219P" // valid, but nobody in the registry
)

var marioCF = codicefiscale.Compute("Rossi", "Mario", time.Date(1982, 4, 12, 0, 0, 0, 0, time.UTC), false, "F205")

// cnsEnv is the portal with CNS/CRS configured as in production: the main
// server (httptest, HTTPS) and, when listener is set, the dedicated card
// listener built by Handler.CNSServer, on a real TCP port.
type cnsEnv struct {
	*env
	ca, otherCA *cnsca.CA
	serverCA    *x509.CertPool // to trust the card listener's certificate
	cnsURL      string         // https://127.0.0.1:port of the card listener
	jar         http.CookieJar
}

type cnsOpts struct {
	listener, proxy bool
	trusted         string // GENITORI_CNS_TRUSTED_PROXIES
}

func newCNSEnv(t *testing.T, o cnsOpts) *cnsEnv {
	t.Helper()
	now := time.Now()
	ca, err := cnsca.New("CA CNS di prova", now.AddDate(-5, 0, 0), now.AddDate(5, 0, 0), 0)
	if err != nil {
		t.Fatal(err)
	}
	other, err := cnsca.New("CA sconosciuta", now.AddDate(-5, 0, 0), now.AddDate(5, 0, 0), 0)
	if err != nil {
		t.Fatal(err)
	}
	server, err := ca.IssueServer(now.Add(-time.Hour), now.AddDate(0, 0, 1), "127.0.0.1", "localhost")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(dir, "ca"), 0o755))
	must(os.WriteFile(filepath.Join(dir, "ca", "ca.pem"), ca.CertPEM(), 0o644))
	must(os.WriteFile(filepath.Join(dir, "server.pem"), server.CertPEM(), 0o644))
	must(os.WriteFile(filepath.Join(dir, "server-key.pem"), server.KeyPEM(), 0o600))

	store, dbURL := dbtest.New(t)
	vars := map[string]string{
		"DATABASE_URL":              dbURL,
		"GENITORI_BASE_URL":         cnsBaseURL,
		"GENITORI_CNS_CA_DIR":       filepath.Join(dir, "ca"),
		"GENITORI_CNS_SOFTWARE_URL": "https://regione.example/software-carta",
	}
	if o.listener {
		vars["GENITORI_CNS_ADDR"] = "127.0.0.1:0"
		vars["GENITORI_CNS_TLS_CERT"] = filepath.Join(dir, "server.pem")
		vars["GENITORI_CNS_TLS_KEY"] = filepath.Join(dir, "server-key.pem")
		vars["GENITORI_CNS_PUBLIC_URL"] = cnsPublicURL
	}
	if o.proxy {
		vars["GENITORI_CNS_PROXY_HEADER"] = cnsHeader
		vars["GENITORI_CNS_TRUSTED_PROXIES"] = o.trusted
	}
	cfg, err := config.FromEnv(func(k string) string { return vars[k] })
	must(err)
	logs := &syncBuffer{}
	h, err := handlers.New(cfg, store, slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	must(err)
	routes := h.Routes()
	srv := httptest.NewTLSServer(routes)
	t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	e := &cnsEnv{env: &env{t: t, store: store, srv: srv, logs: logs}, ca: ca, otherCA: other, serverCA: ca.Pool(), jar: jar}
	if o.listener {
		cs, err := h.CNSServer(routes)
		must(err)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		must(err)
		go func() { _ = cs.ServeTLS(ln, "", "") }() // returns when Close below stops it
		t.Cleanup(func() { cs.Close() })
		e.cnsURL = "https://" + ln.Addr().String()
	}
	return e
}

// card issues a card certificate of the test CA (or of from) valid now.
func (e *cnsEnv) card(c cnsca.Card, from ...*cnsca.CA) *cnsca.Issued {
	e.t.Helper()
	ca := e.ca
	if len(from) > 0 {
		ca = from[0]
	}
	if c.NotBefore.IsZero() {
		c.NotBefore, c.NotAfter = time.Now().Add(-time.Hour), time.Now().AddDate(1, 0, 0)
	}
	if c.GivenName == "" {
		c.GivenName, c.Surname = "Nome", "Cognome"
	}
	is, err := ca.IssueCard(c)
	if err != nil {
		e.t.Fatal(err)
	}
	return is
}

// cardClient is a browser that presents card (nil: none) to the card
// listener, whatever CAs the server names, as a user picking it would.
func (e *cnsEnv) cardClient(card *cnsca.Issued) *http.Client {
	tc := &tls.Config{RootCAs: e.serverCA, ServerName: "127.0.0.1",
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			if card == nil {
				return &tls.Certificate{}, nil
			}
			c := card.TLS()
			return &c, nil
		}}
	return &http.Client{
		Jar:           e.jar,
		Transport:     &http.Transport{TLSClientConfig: tc},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// fromAddr is a client of the main server whose connections come from the
// loopback address local (127.0.0.1 trusted as proxy, 127.0.0.2 not).
func (e *cnsEnv) fromAddr(local string) *http.Client {
	tr := e.srv.Client().Transport.(*http.Transport).Clone()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}, Timeout: 5 * time.Second}
	tr.DialContext = d.DialContext
	return &http.Client{Jar: e.jar, Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func fetch(t *testing.T, cl *http.Client, u string, headers ...string) page {
	t.Helper()
	return send(t, cl, http.MethodGet, u, nil, headers...)
}

// answer posts the "Sì" (si) or "No" (no) of the card confirmation page.
func answer(t *testing.T, cl *http.Client, u, conferma string, headers ...string) page {
	t.Helper()
	return send(t, cl, http.MethodPost, u, url.Values{"conferma": {conferma}}, headers...)
}

func send(t *testing.T, cl *http.Client, method, u string, form url.Values, headers ...string) page {
	t.Helper()
	var reqBody io.Reader
	if form != nil {
		reqBody = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequestWithContext(context.Background(), method, u, reqBody)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Accept-Language", "it")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := cl.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return page{status: resp.StatusCode, header: resp.Header, body: string(body), loc: resp.Header.Get("Location")}
}

// lastAudit returns the newest audit rows of the demo installation, newest first.
func (e *cnsEnv) lastAudit(n int) []db.AuditRow {
	e.t.Helper()
	inst, err := e.store.InstallationByCode(context.Background(), "demo")
	if err != nil {
		e.t.Fatal(err)
	}
	rows, err := e.store.RecentAudit(context.Background(), inst.ID, n)
	if err != nil {
		e.t.Fatal(err)
	}
	return rows
}

// wantAudit checks the two rows of the last attempt: the attempt, then the outcome.
func (e *cnsEnv) wantAudit(attemptOutcome, action, outcome string, detailParts ...string) {
	e.t.Helper()
	rows := e.lastAudit(2)
	if len(rows) != 2 {
		e.t.Fatalf("audit rows: %+v", rows)
	}
	out, att := rows[0], rows[1]
	if att.Action != "cns_attempt" || att.Outcome != attemptOutcome {
		e.t.Fatalf("attempt row = %s/%s, want cns_attempt/%s (%s)", att.Action, att.Outcome, attemptOutcome, att.Detail)
	}
	if out.Action != action || out.Outcome != outcome {
		e.t.Fatalf("outcome row = %s/%s %s, want %s/%s", out.Action, out.Outcome, out.Detail, action, outcome)
	}
	for _, p := range detailParts {
		if !strings.Contains(out.Detail+att.Detail, p) {
			e.t.Fatalf("audit detail %s / %s lacks %q", att.Detail, out.Detail, p)
		}
	}
	if strings.Contains(att.Detail+out.Detail, marioCF) || strings.Contains(att.Detail+out.Detail, annaVerdiCF) {
		e.t.Fatalf("a codice fiscale in the audit log: %s %s", att.Detail, out.Detail)
	}
}

func TestCNSListenerCardSignIn(t *testing.T) {
	t.Parallel()
	e := newCNSEnv(t, cnsOpts{listener: true})
	entra := e.cnsURL + "/demo/cns/entra"

	t.Run("first use of Mario Rossi's card shows its data and signs in only after Sì", func(t *testing.T) {
		card := e.card(cnsca.Card{FiscalCode: marioCF, GivenName: "Mario", Surname: "Rossi"})
		p := fetch(t, e.cardClient(card), entra)
		if p.status != http.StatusOK {
			t.Fatalf("status %d location %q\n%s", p.status, p.loc, p.body)
		}
		mustContain(t, p, "<h1>Dati letti dalla CNS/CRS</h1>", "Mario Rossi", marioCF, "Portale Genitori (prova)",
			card.Cert.NotAfter.In(time.Local).Format("02/01/2006"), `action="/demo/cns/entra"`,
			`name="conferma" value="si"`, ">Sì</button>", `name="conferma" value="no"`)
		if rows := e.lastAudit(1); rows[0].Action != "cns_attempt" || rows[0].Outcome != "presented" {
			t.Fatalf("last audit row %+v", rows[0])
		}
		if cookieCount(e.jar, e.cnsURL) != 0 {
			t.Fatal("a session cookie before Sì")
		}
		p = answer(t, e.cardClient(card), entra, "si")
		if p.status != http.StatusSeeOther || p.loc != cnsBaseURL+"/demo/famiglia" {
			t.Fatalf("Sì: status %d location %q\n%s", p.status, p.loc, p.body)
		}
		rows := e.lastAudit(3)
		if rows[0].Action != "login" || rows[0].Outcome != "success" || !strings.Contains(rows[0].Detail, `"method": "cns"`) ||
			rows[1].Action != "cns_confirm" || rows[1].Outcome != "confirmed" || rows[2].Action != "cns_attempt" {
			t.Fatalf("audit after Sì: %+v", rows)
		}
		// the session cookie works on the main server (same host, other port)
		fam := fetch(t, e.fromAddr("127.0.0.1"), e.srv.URL+"/demo/famiglia")
		if fam.status != http.StatusOK {
			t.Fatalf("family page: %d %s", fam.status, fam.loc)
		}
		mustContain(t, fam, "Luca", "Sofia")

		// later sign-ins with the same card go straight in
		jar, _ := cookiejar.New(nil)
		e.jar = jar
		p = fetch(t, e.cardClient(card), entra)
		if p.status != http.StatusSeeOther || p.loc != cnsBaseURL+"/demo/famiglia" {
			t.Fatalf("second sign-in: %d %q\n%s", p.status, p.loc, p.body)
		}
		e.wantAudit("presented", "login", "success", `"method": "cns"`, `"mode": "listener"`, `"issuer": "CA CNS di prova"`)

		// another card of the same person needs its own confirmation
		jar, _ = cookiejar.New(nil)
		e.jar = jar
		p = fetch(t, e.cardClient(e.card(cnsca.Card{FiscalCode: marioCF, GivenName: "Mario", Surname: "Rossi"})), entra)
		if p.status != http.StatusOK {
			t.Fatalf("another card: %d %q", p.status, p.loc)
		}
		mustContain(t, p, "Dati letti dalla CNS/CRS", marioCF)
		if cookieCount(e.jar, e.cnsURL) != 0 {
			t.Fatal("another card signed in without confirmation")
		}
	})

	t.Run("No signs in nothing; Sì on a serialNumber card of Anna Verdi creates her account", func(t *testing.T) {
		jar, _ := cookiejar.New(nil)
		e.jar = jar
		card := e.card(cnsca.Card{FiscalCode: annaVerdiCF, Form: cnsca.SerialNumber, RSABits: 2048})
		if p := fetch(t, e.cardClient(card), entra); p.status != http.StatusOK {
			t.Fatalf("status %d location %q\n%s", p.status, p.loc, p.body)
		}
		p := answer(t, e.cardClient(card), entra, "no")
		if p.status != http.StatusSeeOther || p.loc != cnsBaseURL+"/demo/accesso" {
			t.Fatalf("No: status %d location %q\n%s", p.status, p.loc, p.body)
		}
		if rows := e.lastAudit(1); rows[0].Action != "cns_confirm" || rows[0].Outcome != "declined" {
			t.Fatalf("audit after No: %+v", rows[0])
		}
		inst, _ := e.store.InstallationByCode(context.Background(), "demo")
		if _, err := e.store.AccountByUsername(context.Background(), inst.ID, annaVerdiCF); err == nil {
			t.Fatal("No created an account")
		}
		if cookieCount(e.jar, e.cnsURL) != 0 {
			t.Fatal("a session cookie after No")
		}
		// No remembered nothing: the card is asked about again
		if p := fetch(t, e.cardClient(card), entra); p.status != http.StatusOK {
			t.Fatalf("after No: status %d location %q", p.status, p.loc)
		}

		p = answer(t, e.cardClient(card), entra, "si")
		if p.status != http.StatusSeeOther || p.loc != cnsBaseURL+"/demo/primo-accesso" {
			t.Fatalf("status %d location %q\n%s", p.status, p.loc, p.body)
		}
		acc, err := e.store.AccountByUsername(context.Background(), inst.ID, annaVerdiCF)
		if err != nil || acc.PasswordHash.Valid {
			t.Fatalf("account %+v err %v: want one without password", acc, err)
		}
		// the second time the same card goes straight to the account
		jar, _ = cookiejar.New(nil)
		e.jar = jar
		p = fetch(t, e.cardClient(card), entra)
		if p.status != http.StatusSeeOther || p.loc != cnsBaseURL+"/demo/famiglia" {
			t.Fatalf("second sign-in: %d %q", p.status, p.loc)
		}
		e.wantAudit("presented", "login", "success", `"new_account": false`)
	})

	t.Run("Sì without a card in the reader signs in nothing", func(t *testing.T) {
		jar, _ := cookiejar.New(nil)
		e.jar = jar
		p := answer(t, e.cardClient(nil), entra, "si")
		if p.status != http.StatusBadRequest {
			t.Fatalf("status %d location %q", p.status, p.loc)
		}
		if cookieCount(e.jar, e.cnsURL) != 0 {
			t.Fatal("a session cookie without a card")
		}
	})

	refused := []struct {
		name, attempt, reason string
		card                  *cnsca.Issued
		status                int
		text                  string
	}{
		{"expired", "presented", "expired", e.card(cnsca.Card{FiscalCode: marioCF, NotBefore: time.Now().AddDate(-6, 0, 0), NotAfter: time.Now().AddDate(0, 0, -1)}), 403, "Carta scaduta"},
		{"not yet valid", "presented", "not_yet_valid", e.card(cnsca.Card{FiscalCode: marioCF, NotBefore: time.Now().Add(time.Hour), NotAfter: time.Now().AddDate(1, 0, 0)}), 403, "Carta non ancora valida"},
		{"wrong policy", "presented", "wrong_policy", e.card(cnsca.Card{FiscalCode: marioCF, Policies: []x509.OID{mustParseOID(t, "1.3.76.16.6")}}), 403, "Certificato non adatto"},
		{"unknown CA", "presented", "untrusted", e.card(cnsca.Card{FiscalCode: marioCF}, e.otherCA), 403, "Carta non riconosciuta"},
		{"no CF", "presented", "no_fiscal_code", e.card(cnsca.Card{Form: cnsca.NoCF}), 403, "Codice fiscale non trovato"},
		{"1024-bit RSA", "presented", "weak_key", e.card(cnsca.Card{FiscalCode: marioCF, RSABits: 1024}), 403, "Carta troppo vecchia"},
		{"no certificate", "missing", "missing", nil, 400, "Nessuna carta letta"},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			jar, _ := cookiejar.New(nil)
			e.jar = jar
			p := fetch(t, e.cardClient(tc.card), entra)
			if p.status != tc.status {
				t.Fatalf("status %d, want %d\n%s", p.status, tc.status, p.body)
			}
			mustContain(t, p, tc.text, `href="/demo/accesso"`)
			e.wantAudit(tc.attempt, "login", "rejected", `"reason": "`+tc.reason+`"`)
			if cookieCount(e.jar, e.cnsURL) != 0 {
				t.Fatal("a session cookie after a refused card")
			}
		})
	}

	t.Run("unknown CF gets the seed's error", func(t *testing.T) {
		card := e.card(cnsca.Card{FiscalCode: unknownCF})
		if p := fetch(t, e.cardClient(card), entra); p.status != http.StatusOK {
			t.Fatalf("status %d", p.status)
		}
		p := answer(t, e.cardClient(card), entra, "si")
		if p.status != http.StatusForbidden {
			t.Fatalf("status %d", p.status)
		}
		mustContain(t, p, "Nessun adulto pagante corrisponde ai tuoi dati", `href="/demo/accesso"`)
		if rows := e.lastAudit(1); rows[0].Action != "login" || rows[0].Outcome != "unknown_person" {
			t.Fatalf("audit %+v", rows[0])
		}
	})

	t.Run("a header on the card listener is ignored", func(t *testing.T) {
		good := e.card(cnsca.Card{FiscalCode: marioCF})
		p := fetch(t, e.cardClient(nil), entra, cnsHeader, url.PathEscape(string(good.CertPEM())))
		if p.status != http.StatusBadRequest {
			t.Fatalf("status %d", p.status)
		}
	})

	t.Run("the main server sends the browser to the card listener", func(t *testing.T) {
		p := fetch(t, e.fromAddr("127.0.0.1"), e.srv.URL+"/demo/cns/entra")
		if p.status != http.StatusSeeOther || p.loc != cnsPublicURL+"/demo/cns/entra" {
			t.Fatalf("status %d location %q", p.status, p.loc)
		}
	})

	t.Run("a Comune without CNS/CRS answers 404", func(t *testing.T) {
		p := fetch(t, e.cardClient(e.card(cnsca.Card{FiscalCode: marioCF})), e.cnsURL+"/lago/cns/entra")
		if p.status != http.StatusNotFound {
			t.Fatalf("status %d", p.status)
		}
	})

	t.Run("the handshake names the configured CA", func(t *testing.T) {
		var names [][]byte
		tc := &tls.Config{RootCAs: e.serverCA, ServerName: "127.0.0.1",
			GetClientCertificate: func(cri *tls.CertificateRequestInfo) (*tls.Certificate, error) {
				names = cri.AcceptableCAs
				return &tls.Certificate{}, nil
			}}
		conn, err := tls.Dial("tcp", strings.TrimPrefix(e.cnsURL, "https://"), tc)
		if err != nil {
			t.Fatal(err)
		}
		conn.Close()
		if len(names) != 1 || string(names[0]) != string(e.ca.Cert.RawSubject) {
			t.Fatalf("acceptable CAs %q", names)
		}
	})
}

func cookieCount(jar http.CookieJar, u string) int {
	pu, _ := url.Parse(u)
	return len(jar.Cookies(pu))
}

func mustParseOID(t *testing.T, s string) x509.OID {
	o, err := x509.ParseOID(s)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestCNSProxyHeader(t *testing.T) {
	t.Parallel()
	e := newCNSEnv(t, cnsOpts{proxy: true, trusted: "127.0.0.1/32, ::1"})
	entra := e.srv.URL + "/demo/cns/entra"
	good := e.card(cnsca.Card{FiscalCode: marioCF})
	escaped := url.PathEscape(string(good.CertPEM())) // nginx $ssl_client_escaped_cert

	t.Run("trusted proxy with a valid card: confirmation, then direct", func(t *testing.T) {
		p := fetch(t, e.fromAddr("127.0.0.1"), entra, cnsHeader, escaped)
		if p.status != http.StatusOK {
			t.Fatalf("status %d location %q\n%s", p.status, p.loc, p.body)
		}
		mustContain(t, p, "Dati letti dalla CNS/CRS", marioCF, `action="/demo/cns/entra"`)
		// a cross-site Sì is refused by the cross-origin protection
		if p := answer(t, e.fromAddr("127.0.0.1"), entra, "si", cnsHeader, escaped, "Sec-Fetch-Site", "cross-site"); p.status != http.StatusForbidden {
			t.Fatalf("cross-site Sì: status %d location %q", p.status, p.loc)
		}
		// a Sì whose header comes from an untrusted client is a Sì without a card
		if p := answer(t, e.fromAddr("127.0.0.2"), entra, "si", cnsHeader, escaped); p.status != http.StatusBadRequest {
			t.Fatalf("untrusted Sì: status %d location %q", p.status, p.loc)
		}
		if p := answer(t, e.fromAddr("127.0.0.1"), entra, "no", cnsHeader, escaped); p.status != http.StatusSeeOther || p.loc != "/demo/accesso" {
			t.Fatalf("No: status %d location %q", p.status, p.loc)
		}
		if cookieCount(e.jar, e.srv.URL) != 0 {
			t.Fatal("a session cookie before Sì")
		}
		p = answer(t, e.fromAddr("127.0.0.1"), entra, "si", cnsHeader, escaped)
		if p.status != http.StatusSeeOther || p.loc != "/demo/famiglia" {
			t.Fatalf("Sì: status %d location %q\n%s", p.status, p.loc, p.body)
		}
		if rows := e.lastAudit(2); rows[0].Outcome != "success" || !strings.Contains(rows[0].Detail, `"mode": "proxy"`) && rows[1].Action != "cns_confirm" {
			t.Fatalf("audit %+v", rows)
		}
		jar, _ := cookiejar.New(nil)
		e.jar = jar
		p = fetch(t, e.fromAddr("127.0.0.1"), entra, cnsHeader, escaped)
		if p.status != http.StatusSeeOther || p.loc != "/demo/famiglia" {
			t.Fatalf("second sign-in: status %d location %q\n%s", p.status, p.loc, p.body)
		}
		e.wantAudit("presented", "login", "success", `"mode": "proxy"`)
	})

	t.Run("trusted proxy with an expired card", func(t *testing.T) {
		old := e.card(cnsca.Card{FiscalCode: marioCF, NotBefore: time.Now().AddDate(-3, 0, 0), NotAfter: time.Now().AddDate(0, 0, -2)})
		p := fetch(t, e.fromAddr("127.0.0.1"), entra, cnsHeader, url.PathEscape(string(old.CertPEM())))
		if p.status != http.StatusForbidden {
			t.Fatalf("status %d", p.status)
		}
		mustContain(t, p, "Carta scaduta")
		e.wantAudit("presented", "login", "rejected", `"reason": "expired"`)
	})

	t.Run("trusted proxy with an unknown CA's card in base64 DER", func(t *testing.T) {
		bad := e.card(cnsca.Card{FiscalCode: marioCF}, e.otherCA)
		p := fetch(t, e.fromAddr("127.0.0.1"), entra, cnsHeader, base64.StdEncoding.EncodeToString(bad.Cert.Raw))
		if p.status != http.StatusForbidden {
			t.Fatalf("status %d", p.status)
		}
		e.wantAudit("presented", "login", "rejected", `"reason": "untrusted"`)
	})

	t.Run("trusted proxy with garbage", func(t *testing.T) {
		p := fetch(t, e.fromAddr("127.0.0.1"), entra, cnsHeader, "-----BEGIN%20CERTIFICATE-----%0AAAAA")
		if p.status != http.StatusBadRequest {
			t.Fatalf("status %d", p.status)
		}
		mustContain(t, p, "Certificato non leggibile")
		e.wantAudit("unreadable", "login", "rejected", `"reason": "unreadable"`)
	})

	t.Run("trusted proxy without the header", func(t *testing.T) {
		p := fetch(t, e.fromAddr("127.0.0.1"), entra)
		if p.status != http.StatusBadRequest {
			t.Fatalf("status %d", p.status)
		}
		e.wantAudit("missing", "login", "rejected", `"reason": "missing"`)
	})

	t.Run("forged header from an untrusted client is ignored and stripped", func(t *testing.T) {
		jar, _ := cookiejar.New(nil)
		e.jar = jar
		p := fetch(t, e.fromAddr("127.0.0.2"), entra, cnsHeader, escaped)
		if p.status != http.StatusBadRequest {
			t.Fatalf("status %d location %q: the forged header was believed", p.status, p.loc)
		}
		mustContain(t, p, "Nessuna carta letta")
		e.wantAudit("missing", "login", "rejected", `"mode": "none"`)
		if cookieCount(jar, e.srv.URL) != 0 {
			t.Fatal("session cookie for a forged header")
		}
		if !strings.Contains(e.logs.String(), "certificate header from an untrusted source removed") {
			t.Fatal("the forged header was not stripped")
		}
		// and it does not reach the family page either
		fam := fetch(t, e.fromAddr("127.0.0.2"), e.srv.URL+"/demo/famiglia", cnsHeader, escaped)
		if fam.status != http.StatusSeeOther || !strings.HasPrefix(fam.loc, "/demo/accesso") {
			t.Fatalf("family page: %d %q", fam.status, fam.loc)
		}
	})
}

func TestCNSExplanationPage(t *testing.T) {
	t.Parallel()
	e := newCNSEnv(t, cnsOpts{listener: true})
	b := e.browser()

	login := b.get("/demo/accesso")
	mustContain(t, login, `href="/demo/cns"`, "Entra con CNS/CRS")

	p := b.get("/demo/cns", "Accept-Language", "it")
	if p.status != http.StatusOK {
		t.Fatalf("status %d", p.status)
	}
	mustContain(t, p, "<h1>Entra con CNS/CRS</h1>", "lettore di smart card", "PIN della carta", "Il software della carta",
		`href="https://www.comune.esempio.it/servizi/software-carta-cns"`, // the Comune's own link wins over the default
		`href="`+cnsPublicURL+`/demo/cns/entra"`, ">Entra con CNS</a>", `href="/demo/accesso"`)
	mustNotContain(t, p, "non è ancora attivo")

	en := b.get("/demo/cns", "Accept-Language", "en")
	mustContain(t, en, "Sign in with CNS/CRS", "A smart card reader", "Download the card software")

	// valle has CNS on but no software link of its own: the deployment's default
	v := b.get("/valle/cns")
	mustContain(t, v, `href="https://regione.example/software-carta"`)

	if p := b.get("/lago/cns"); p.status != http.StatusNotFound {
		t.Fatalf("lago (CNS off): status %d", p.status)
	}

	// a server with no card reading configured says so and shows no button
	plain := newEnv(t)
	pp := plain.browser().get("/demo/cns")
	if pp.status != http.StatusOK {
		t.Fatalf("status %d", pp.status)
	}
	mustContain(t, pp, "non è ancora configurato su questo server")
	mustNotContain(t, pp, "/cns/entra")
	if p := plain.browser().get("/demo/cns/entra"); p.status != http.StatusBadRequest {
		t.Fatalf("entra without configuration: %d", p.status)
	}
}

// TestCNSRefusalsThrottled: after 20 refused cards from one address, card
// sign-in from it is suspended with a clear page, even for a valid card.
func TestCNSRefusalsThrottled(t *testing.T) {
	t.Parallel()
	e := newCNSEnv(t, cnsOpts{proxy: true, trusted: "127.0.0.1/32, ::1"})
	entra := e.srv.URL + "/demo/cns/entra"
	for i := 0; i < cnsRefusals; i++ {
		if p := fetch(t, e.fromAddr("127.0.0.1"), entra, cnsHeader, "garbage"); p.status != http.StatusBadRequest {
			t.Fatalf("refusal %d: status %d", i+1, p.status)
		}
	}
	good := e.card(cnsca.Card{FiscalCode: marioCF})
	p := fetch(t, e.fromAddr("127.0.0.1"), entra, cnsHeader, url.PathEscape(string(good.CertPEM())))
	if p.status != http.StatusTooManyRequests || p.header.Get("Retry-After") == "" {
		t.Fatalf("status %d after %d refusals", p.status, cnsRefusals)
	}
	mustContain(t, p, "Troppi tentativi con la carta", "/demo/accesso")
}

const cnsRefusals = 20 // handlers.cnsRefusalLimit
