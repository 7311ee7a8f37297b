package config

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"strings"

	"portalegenitori/internal/identity/cns"
)

// CNS is the CNS/CRS smart-card sign-in: a dedicated TLS listener that asks
// for the card's certificate, or a reverse proxy that forwards it in a
// header, or both. Which Comuni offer it is the installation's login_cns.
type CNS struct {
	Addr           string         // GENITORI_CNS_ADDR, dedicated TLS listener, e.g. :8443
	TLSCert        string         // GENITORI_CNS_TLS_CERT, server certificate (PEM file) of that listener
	TLSKey         string         // GENITORI_CNS_TLS_KEY, its private key (PEM file)
	PublicURL      string         // GENITORI_CNS_PUBLIC_URL, where browsers reach the card sign-in (default: https://<host of GENITORI_BASE_URL>:<port of GENITORI_CNS_ADDR>)
	ProxyHeader    string         // GENITORI_CNS_PROXY_HEADER, e.g. X-SSL-Client-Cert
	TrustedProxies []netip.Prefix // GENITORI_CNS_TRUSTED_PROXIES, the only sources whose header is believed
	CADir          string         // GENITORI_CNS_CA_DIR, folder of trusted CA certificates
	Roots          *x509.CertPool // loaded from CADir at start
	SoftwareURL    string         // GENITORI_CNS_SOFTWARE_URL, default card-software link when the Comune set none
}

// Listener tells whether the dedicated TLS listener is configured.
func (c CNS) Listener() bool { return c.Addr != "" }

// Proxy tells whether a reverse proxy forwards the certificate.
func (c CNS) Proxy() bool { return c.ProxyHeader != "" }

// Enabled tells whether this deployment can read cards at all.
func (c CNS) Enabled() bool { return c.Listener() || c.Proxy() }

// FromTrustedProxy tells whether remoteAddr (host:port of the TCP peer, as in
// http.Request.RemoteAddr) is one of the configured proxies.
func (c CNS) FromTrustedProxy(remoteAddr string) bool {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	ip = ip.Unmap()
	for _, p := range c.TrustedProxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

var headerName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]*$`)

// cns reads and checks the GENITORI_CNS_* settings; BaseURL must be set.
func (c *Config) cns(getenv func(string) string) []error {
	var errs []error
	get := func(k string) string { return strings.TrimSpace(getenv(k)) }
	n := &c.CNS
	n.Addr, n.TLSCert, n.TLSKey = get("GENITORI_CNS_ADDR"), get("GENITORI_CNS_TLS_CERT"), get("GENITORI_CNS_TLS_KEY")
	n.PublicURL = strings.TrimRight(get("GENITORI_CNS_PUBLIC_URL"), "/")
	n.ProxyHeader, n.CADir, n.SoftwareURL = get("GENITORI_CNS_PROXY_HEADER"), get("GENITORI_CNS_CA_DIR"), get("GENITORI_CNS_SOFTWARE_URL")
	proxies := get("GENITORI_CNS_TRUSTED_PROXIES")

	if n.Addr != "" {
		_, port, err := net.SplitHostPort(n.Addr)
		if err != nil || port == "" {
			errs = append(errs, fmt.Errorf("GENITORI_CNS_ADDR=%q is not host:port (e.g. :8443)", n.Addr))
		}
		if n.TLSCert == "" || n.TLSKey == "" {
			errs = append(errs, errors.New("GENITORI_CNS_ADDR is set: GENITORI_CNS_TLS_CERT and GENITORI_CNS_TLS_KEY must name the PEM files of its server certificate and key"))
		} else if _, err := tls.LoadX509KeyPair(n.TLSCert, n.TLSKey); err != nil {
			errs = append(errs, fmt.Errorf("GENITORI_CNS_TLS_CERT/GENITORI_CNS_TLS_KEY: cannot load the server certificate and key: %v", err))
		}
		if n.PublicURL == "" && err == nil {
			if u, perr := url.Parse(c.BaseURL); perr == nil && u.Hostname() != "" {
				n.PublicURL = "https://" + net.JoinHostPort(u.Hostname(), port)
			}
		}
		if u, err := url.Parse(n.PublicURL); err != nil || u.Scheme != "https" || u.Host == "" || (u.Path != "" && u.Path != "/") {
			errs = append(errs, fmt.Errorf("GENITORI_CNS_PUBLIC_URL=%q must be the https origin of the card listener, e.g. https://genitori.comune.it:8443", n.PublicURL))
		}
	} else if n.TLSCert != "" || n.TLSKey != "" {
		errs = append(errs, errors.New("GENITORI_CNS_TLS_CERT/GENITORI_CNS_TLS_KEY are set but GENITORI_CNS_ADDR is not: set the listen address of the card listener (e.g. :8443)"))
	}
	if n.PublicURL != "" && n.Addr == "" && n.ProxyHeader == "" {
		errs = append(errs, errors.New("GENITORI_CNS_PUBLIC_URL is set but neither GENITORI_CNS_ADDR nor GENITORI_CNS_PROXY_HEADER is"))
	}

	if n.ProxyHeader != "" {
		switch {
		case !headerName.MatchString(n.ProxyHeader):
			errs = append(errs, fmt.Errorf("GENITORI_CNS_PROXY_HEADER=%q is not a header name (e.g. X-SSL-Client-Cert)", n.ProxyHeader))
		case isStandardHeader(n.ProxyHeader):
			errs = append(errs, fmt.Errorf("GENITORI_CNS_PROXY_HEADER=%q is a standard header: choose a dedicated one such as X-SSL-Client-Cert", n.ProxyHeader))
		}
		n.ProxyHeader = http.CanonicalHeaderKey(n.ProxyHeader)
		if proxies == "" {
			errs = append(errs, errors.New("GENITORI_CNS_PROXY_HEADER is set: GENITORI_CNS_TRUSTED_PROXIES must list the proxy addresses (IPs or CIDRs) allowed to send it"))
		}
	} else if proxies != "" {
		errs = append(errs, errors.New("GENITORI_CNS_TRUSTED_PROXIES is set but GENITORI_CNS_PROXY_HEADER is not: name the header the proxy forwards the certificate in"))
	}
	for _, p := range strings.Split(proxies, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if pr, err := netip.ParsePrefix(p); err == nil {
			n.TrustedProxies = append(n.TrustedProxies, pr.Masked())
		} else if ip, err := netip.ParseAddr(p); err == nil {
			ip = ip.Unmap()
			n.TrustedProxies = append(n.TrustedProxies, netip.PrefixFrom(ip, ip.BitLen()))
		} else {
			errs = append(errs, fmt.Errorf("GENITORI_CNS_TRUSTED_PROXIES: %q is neither an IP address nor a CIDR", p))
		}
	}

	switch {
	case n.Enabled() && n.CADir == "":
		errs = append(errs, errors.New("CNS/CRS sign-in is configured: GENITORI_CNS_CA_DIR must name the folder of the trusted CA certificates (PEM files)"))
	case !n.Enabled() && n.CADir != "":
		errs = append(errs, errors.New("GENITORI_CNS_CA_DIR is set but neither GENITORI_CNS_ADDR (dedicated listener) nor GENITORI_CNS_PROXY_HEADER (reverse proxy) is"))
	case n.CADir != "":
		roots, _, err := cns.LoadRoots(n.CADir)
		if err != nil {
			errs = append(errs, fmt.Errorf("GENITORI_CNS_CA_DIR: %v", err))
		}
		n.Roots = roots
	}
	if n.SoftwareURL != "" {
		if u, err := url.Parse(n.SoftwareURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("GENITORI_CNS_SOFTWARE_URL=%q must be an absolute http(s) URL", n.SoftwareURL))
		}
	}
	return errs
}

func isStandardHeader(name string) bool {
	switch http.CanonicalHeaderKey(name) {
	case "Host", "Cookie", "Authorization", "Content-Type", "Content-Length", "Origin", "Referer", "User-Agent",
		"Accept", "Accept-Language", "Accept-Encoding", "X-Forwarded-For", "X-Real-Ip", "Forwarded", "Connection":
		return true
	}
	return false
}
