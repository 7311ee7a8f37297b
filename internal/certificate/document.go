package certificate

import (
	"crypto/rand"
	"encoding/base32"
	"sort"
	"strings"
	"time"
)

// Content is the certificate as issued: what it states, stored as JSON so
// that any version can be shown again exactly as it was.
type Content struct {
	Year        int     `json:"year"`
	Comune      Comune  `json:"comune"`
	Payer       Person  `json:"payer"`
	Children    []Child `json:"children"`
	TotalCents  int64   `json:"total_cents"`
	UnusedCents int64   `json:"unused_cents"` // traceable payments of the year not used yet
	CashCents   int64   `json:"cash_cents"`   // untraceable payments of the year, not certified
}

// Comune is the issuer.
type Comune struct {
	Name       string `json:"name"`
	Address    string `json:"address"`
	FiscalCode string `json:"fiscal_code"`
	Office     string `json:"office"`
	Signatory  string `json:"signatory"`
}

// Person is a name with its codice fiscale.
type Person struct {
	Name       string `json:"name"`
	FiscalCode string `json:"fiscal_code"`
}

// Child is one pupil's lines.
type Child struct {
	Person
	Lines      []Line `json:"lines"`
	TotalCents int64  `json:"total_cents"`
}

// Line is what was paid for one service of a child.
type Line struct {
	Service string `json:"service"`
	Kind    string `json:"kind"` // mensa, pre-scuola, post-scuola, nido
	Cents   int64  `json:"cents"`
}

// Certified tells whether a kind of service goes on the certificate: school
// meals and the services that go with school attendance (pre- and
// post-school) fall under art. 15 c. 1 lett. e-bis TUIR, the crèche under
// its own rule; school transport does not (Agenzia delle Entrate,
// risoluzione 68/E of 2016), so it is left out.
func Certified(kind string) bool {
	switch kind {
	case "mensa", "pre-scuola", "post-scuola", "nido":
		return true
	}
	return false
}

// Document is one issued version of a certificate.
type Document struct {
	Content
	Number    int
	Version   int
	IssuedAt  time.Time
	Code      string
	Reason    string // why this version replaces the previous one
	VerifyURL string
	// Provisional: the year is still running; the document shows the
	// situation on IssuedAt and is not a certificate (no number, no code,
	// not stored)
	Provisional bool
}

// Build makes the content from the attribution: children and lines sorted
// by name, services not certified left out.
func Build(year int, comune Comune, payer Person, r Result, children map[int64]Person, services map[int64]Line) Content {
	c := Content{Year: year, Comune: comune, Payer: payer, UnusedCents: r.Unused, CashCents: r.Cash}
	byChild := map[int64]*Child{}
	for k, cents := range r.Paid {
		svc, ok := services[k.ServiceID]
		if !ok || !Certified(svc.Kind) {
			continue
		}
		ch := byChild[k.ChildID]
		if ch == nil {
			ch = &Child{Person: children[k.ChildID]}
			byChild[k.ChildID] = ch
		}
		ch.Lines = append(ch.Lines, Line{Service: svc.Service, Kind: svc.Kind, Cents: cents})
		ch.TotalCents += cents
		c.TotalCents += cents
	}
	for _, ch := range byChild {
		sort.Slice(ch.Lines, func(i, j int) bool { return ch.Lines[i].Service < ch.Lines[j].Service })
		c.Children = append(c.Children, *ch)
	}
	sort.Slice(c.Children, func(i, j int) bool {
		if c.Children[i].Name != c.Children[j].Name {
			return c.Children[i].Name < c.Children[j].Name
		}
		return c.Children[i].FiscalCode < c.Children[j].FiscalCode
	})
	return c
}

// NewCode makes a verification code: 10 random characters of base32
// without the letters easy to confuse, shown as XXXXX-XXXXX. It proves
// nothing by itself: the verification page looks it up.
func NewCode() string {
	b := make([]byte, 7)
	rand.Read(b)
	s := base32.StdEncoding.EncodeToString(b)[:10]
	return s[:5] + "-" + s[5:]
}

// NormalizeCode makes a typed code comparable: upper case, the dash put
// back, spaces dropped.
func NormalizeCode(s string) string {
	s = strings.ToUpper(strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(s)))
	if len(s) != 10 {
		return ""
	}
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r >= '2' && r <= '7') {
			return ""
		}
	}
	return s[:5] + "-" + s[5:]
}

// Reason says why next replaces prev, for the new version's record.
func Reason(t Translate, prev, next Content) string {
	switch {
	case prev.TotalCents != next.TotalCents:
		return t("certificate.reason.total", formatIt(prev.TotalCents), formatIt(next.TotalCents))
	case prev.Payer != next.Payer || prev.Comune != next.Comune:
		return t("certificate.reason.data")
	case prev.UnusedCents != next.UnusedCents || prev.CashCents != next.CashCents:
		return t("certificate.reason.credit")
	default:
		return t("certificate.reason.lines")
	}
}
