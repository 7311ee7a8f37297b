package saml

import (
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/beevik/etree"
)

// MaxMessage bounds a decoded SAML message.
const MaxMessage = 256 << 10

// DefaultSkew is the clock difference tolerated between the IdP and us.
const DefaultSkew = 90 * time.Second

// Error is a response the portal refuses; Reason is a short code for the
// audit log ("destination", "assertion_unsigned", ...).
type Error struct {
	Reason string
	Err    error
}

func (e *Error) Error() string { return "SAML response refused (" + e.Reason + "): " + e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

func fail(reason string, format string, args ...any) error {
	return &Error{Reason: reason, Err: fmt.Errorf(format, args...)}
}

// StatusError is a valid response saying the authentication failed.
type StatusError struct {
	Code, SubCode, Message string
	// SPIDCode is the number of "ErrorCode nrNN" in the message, or 0.
	SPIDCode int
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("identity provider answered %s %s %q", e.Code, e.SubCode, e.Message)
}

var errorCode = regexp.MustCompile(`ErrorCode nr(\d{1,3})`)

// Decode reads the base64 of the HTTP-POST binding.
func Decode(s string) ([]byte, error) {
	s = strings.Join(strings.Fields(s), "")
	if s == "" {
		return nil, fail("missing", "no SAML message")
	}
	if base64.StdEncoding.DecodedLen(len(s)) > MaxMessage {
		return nil, fail("too_large", "SAML message too large")
	}
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fail("malformed", "not base64: %v", err)
	}
	return raw, nil
}

// Peek reads, without trusting it, the InResponseTo of a message, to find
// the request it claims to answer (the real check comes after the
// signature is verified).
func Peek(raw []byte) (tag, inResponseTo string, err error) {
	root, err := parseDocument(raw)
	if err != nil {
		return "", "", fail("malformed", "%v", err)
	}
	v, _ := attr(root, "InResponseTo")
	return root.Tag, v, nil
}

// Expect is what a response must match.
type Expect struct {
	Federation    Federation
	EntityID      string // our entityID, the Audience
	ACSURL        string
	RequestID     string
	RequestIssued time.Time
	IdP           IdP
	Level         string // requested; "" skips the level check (CST)
	Comparison    string
	Attributes    []string // requested
	Now           time.Time
	Skew          time.Duration
}

// Assertion is what the portal takes from a valid response.
type Assertion struct {
	ResponseID, AssertionID string
	NameID, NameIDFormat    string
	NameQualifier           string
	SessionIndex            string
	Level                   string
	Attributes              map[string]string
}

func (e *Expect) instant(el *etree.Element, name, reason string, notBeforeRequest bool) (time.Time, error) {
	v, ok := attr(el, name)
	if !ok || v == "" {
		return time.Time{}, fail(reason, "%s of %s missing", name, el.Tag)
	}
	t, err := parseTime(v)
	if err != nil {
		return time.Time{}, fail(reason, "%s of %s: %v", name, el.Tag, err)
	}
	if t.After(e.Now.Add(e.Skew)) {
		return time.Time{}, fail(reason, "%s of %s is in the future", name, el.Tag)
	}
	if notBeforeRequest && t.Add(e.Skew).Before(e.RequestIssued) {
		return time.Time{}, fail(reason, "%s of %s precedes the request", name, el.Tag)
	}
	return t, nil
}

// Validate checks a Response against every rule of the SPID technical rules
// (and the CIE ones, which are the same but for the Issuer format of the
// assertion), and returns the assertion. A response whose status is not
// Success, but which is otherwise valid, gives a *StatusError.
func (e *Expect) Validate(raw []byte) (*Assertion, error) {
	if e.Skew == 0 {
		e.Skew = DefaultSkew
	}
	root, err := parseDocument(raw)
	if err != nil {
		return nil, fail("malformed", "%v", err)
	}
	if !is(root, NSProtocol, "Response") {
		return nil, fail("malformed", "root is %s, not samlp:Response", root.Tag)
	}
	resp, err := verified(root, e.IdP.Certs, e.Now)
	if errors.Is(err, ErrNotSigned) {
		return nil, fail("response_unsigned", "Response not signed")
	}
	if err != nil {
		return nil, fail("response_signature", "%v", err)
	}
	// From here on only the signed tree is read.
	out := &Assertion{}
	if v, _ := attr(resp, "Version"); v != "2.0" {
		return nil, fail("version", "Response Version %q", v)
	}
	if out.ResponseID, _ = attr(resp, "ID"); out.ResponseID == "" {
		return nil, fail("id", "Response without ID")
	}
	if _, err := e.instant(resp, "IssueInstant", "issue_instant", true); err != nil {
		return nil, err
	}
	if v, _ := attr(resp, "InResponseTo"); v == "" || v != e.RequestID {
		return nil, fail("in_response_to", "Response InResponseTo %q is not the request %q", v, e.RequestID)
	}
	if v, _ := attr(resp, "Destination"); v == "" || v != e.ACSURL {
		return nil, fail("destination", "Response Destination %q is not %q", v, e.ACSURL)
	}
	if err := e.issuer(resp, false, "issuer"); err != nil {
		return nil, err
	}
	status, err := only(resp, NSProtocol, "Status")
	if err != nil {
		return nil, fail("status", "%v", err)
	}
	sc, err := only(status, NSProtocol, "StatusCode")
	if err != nil {
		return nil, fail("status", "%v", err)
	}
	code, _ := attr(sc, "Value")
	if code == "" {
		return nil, fail("status", "StatusCode without Value")
	}
	if code != StatusSuccess {
		se := &StatusError{Code: code}
		if sub, _ := optional(sc, NSProtocol, "StatusCode"); sub != nil {
			se.SubCode, _ = attr(sub, "Value")
		}
		if msg, _ := optional(status, NSProtocol, "StatusMessage"); msg != nil {
			se.Message = text(msg)
			if m := errorCode.FindStringSubmatch(se.Message); m != nil {
				se.SPIDCode, _ = strconv.Atoi(m[1])
			}
		}
		return nil, se
	}
	if len(children(resp, NSAssertion, "EncryptedAssertion")) > 0 {
		return nil, fail("assertion", "encrypted assertions are not accepted")
	}
	ael, err := only(resp, NSAssertion, "Assertion")
	if err != nil {
		return nil, fail("assertion", "%v", err)
	}
	a, err := verified(ael, e.IdP.Certs, e.Now)
	if errors.Is(err, ErrNotSigned) {
		return nil, fail("assertion_unsigned", "Assertion not signed")
	}
	if err != nil {
		return nil, fail("assertion_signature", "%v", err)
	}
	if err := e.assertion(a, out); err != nil {
		return nil, err
	}
	return out, nil
}

func (e *Expect) issuer(el *etree.Element, formatRequired bool, reason string) error {
	iss, err := only(el, NSAssertion, "Issuer")
	if err != nil {
		return fail(reason, "%s Issuer: %v", el.Tag, err)
	}
	if text(iss) != e.IdP.EntityID {
		return fail(reason, "%s Issuer %q is not the IdP %q", el.Tag, text(iss), e.IdP.EntityID)
	}
	f, ok := attr(iss, "Format")
	if (ok || formatRequired) && f != NameIDEntity {
		return fail(reason, "%s Issuer Format %q", el.Tag, f)
	}
	return nil
}

func (e *Expect) assertion(a *etree.Element, out *Assertion) error {
	if v, _ := attr(a, "Version"); v != "2.0" {
		return fail("assertion_version", "Assertion Version %q", v)
	}
	if out.AssertionID, _ = attr(a, "ID"); out.AssertionID == "" {
		return fail("assertion_id", "Assertion without ID")
	}
	if _, err := e.instant(a, "IssueInstant", "assertion_issue_instant", true); err != nil {
		return err
	}
	if err := e.issuer(a, e.Federation == SPID, "assertion_issuer"); err != nil {
		return err
	}

	// Subject: transient NameID with NameQualifier, bearer confirmation
	// for our ACS and our request, not expired.
	subj, err := only(a, NSAssertion, "Subject")
	if err != nil {
		return fail("subject", "%v", err)
	}
	nid, err := only(subj, NSAssertion, "NameID")
	if err != nil {
		return fail("name_id", "%v", err)
	}
	out.NameID = text(nid)
	out.NameIDFormat, _ = attr(nid, "Format")
	out.NameQualifier, _ = attr(nid, "NameQualifier")
	if out.NameID == "" {
		return fail("name_id", "empty NameID")
	}
	if e.Federation != CST {
		if out.NameIDFormat != NameIDTransient {
			return fail("name_id", "NameID Format %q is not transient", out.NameIDFormat)
		}
		if out.NameQualifier == "" {
			return fail("name_id", "NameID without NameQualifier")
		}
	}
	scs := children(subj, NSAssertion, "SubjectConfirmation")
	if len(scs) != 1 {
		return fail("subject_confirmation", "%d SubjectConfirmation", len(scs))
	}
	if m, _ := attr(scs[0], "Method"); m != CMBearer {
		return fail("subject_confirmation", "Method %q is not bearer", m)
	}
	scd, err := only(scs[0], NSAssertion, "SubjectConfirmationData")
	if err != nil {
		return fail("subject_confirmation", "%v", err)
	}
	if v, _ := attr(scd, "Recipient"); v == "" || v != e.ACSURL {
		return fail("recipient", "Recipient %q is not %q", v, e.ACSURL)
	}
	if v, _ := attr(scd, "InResponseTo"); v == "" || v != e.RequestID {
		return fail("in_response_to", "SubjectConfirmationData InResponseTo %q", v)
	}
	if err := e.notExpired(scd, "expired"); err != nil {
		return err
	}

	// Conditions: time window and audience.
	cond, err := only(a, NSAssertion, "Conditions")
	if err != nil {
		return fail("conditions", "%v", err)
	}
	nb, ok := attr(cond, "NotBefore")
	if !ok || nb == "" {
		return fail("conditions", "Conditions without NotBefore")
	}
	nbt, err := parseTime(nb)
	if err != nil {
		return fail("conditions", "NotBefore: %v", err)
	}
	if nbt.After(e.Now.Add(e.Skew)) {
		return fail("not_yet_valid", "NotBefore %s is in the future", nb)
	}
	if err := e.notExpired(cond, "expired"); err != nil {
		return err
	}
	ars := children(cond, NSAssertion, "AudienceRestriction")
	if len(ars) == 0 {
		return fail("audience", "no AudienceRestriction")
	}
	for _, ar := range ars {
		auds := children(ar, NSAssertion, "Audience")
		found := false
		for _, au := range auds {
			if text(au) == e.EntityID {
				found = true
			}
		}
		if !found {
			return fail("audience", "Audience is not %q", e.EntityID)
		}
	}

	// Authentication statement and level.
	as, err := only(a, NSAssertion, "AuthnStatement")
	if err != nil {
		return fail("authn_statement", "%v", err)
	}
	out.SessionIndex, _ = attr(as, "SessionIndex")
	ac, err := only(as, NSAssertion, "AuthnContext")
	if err != nil {
		return fail("authn_context", "%v", err)
	}
	cr, err := only(ac, NSAssertion, "AuthnContextClassRef")
	if err != nil {
		return fail("authn_context", "%v", err)
	}
	out.Level = text(cr)
	if out.Level == "" {
		return fail("authn_context", "empty AuthnContextClassRef")
	}
	if e.Level != "" {
		if !ValidLevel(out.Level) {
			return fail("level", "AuthnContextClassRef %q is not a SPID level", out.Level)
		}
		if !LevelSatisfies(e.Level, e.Comparison, out.Level) {
			return fail("level", "level %s does not satisfy %s %s", out.Level, e.Comparison, e.Level)
		}
	}

	// Attributes: the set requested, fiscalNumber as TINIT-<CF>.
	out.Attributes = map[string]string{}
	stmts := children(a, NSAssertion, "AttributeStatement")
	if len(stmts) != 1 {
		return fail("attributes", "%d AttributeStatement", len(stmts))
	}
	for _, at := range children(stmts[0], NSAssertion, "Attribute") {
		name, _ := attr(at, "Name")
		if name == "" {
			return fail("attributes", "Attribute without Name")
		}
		if _, dup := out.Attributes[name]; dup {
			return fail("attributes", "attribute %s repeated", name)
		}
		vals := children(at, NSAssertion, "AttributeValue")
		if len(vals) > 1 {
			return fail("attributes", "attribute %s has %d values", name, len(vals))
		}
		v := ""
		if len(vals) == 1 {
			v = text(vals[0])
		}
		out.Attributes[name] = v
	}
	if len(out.Attributes) == 0 {
		return fail("attributes", "no Attribute")
	}
	if e.Federation != CST {
		got := make([]string, 0, len(out.Attributes))
		for k := range out.Attributes {
			got = append(got, k)
		}
		want := append([]string(nil), e.Attributes...)
		sort.Strings(got)
		sort.Strings(want)
		if strings.Join(got, ",") != strings.Join(want, ",") {
			return fail("attributes", "attributes %v are not the requested %v", got, want)
		}
	}
	fn := out.Attributes["fiscalNumber"]
	if fn == "" {
		return fail("fiscal_number", "no fiscalNumber")
	}
	return nil
}

func (e *Expect) notExpired(el *etree.Element, reason string) error {
	v, ok := attr(el, "NotOnOrAfter")
	if !ok || v == "" {
		return fail(reason, "%s without NotOnOrAfter", el.Tag)
	}
	t, err := parseTime(v)
	if err != nil {
		return fail(reason, "%s NotOnOrAfter: %v", el.Tag, err)
	}
	if !e.Now.Before(t.Add(e.Skew)) {
		return fail(reason, "%s expired at %s", el.Tag, v)
	}
	return nil
}

// LevelSatisfies tells whether the level got from the IdP answers the one
// requested with comparison, as the AgID validator reads the rules: a
// higher level always does; the same level unless "better"; a lower one
// only for "maximum".
func LevelSatisfies(requested, comparison, got string) bool {
	r, g := levels[requested], levels[got]
	if r == 0 || g == 0 {
		return false
	}
	switch {
	case g > r:
		return true
	case g == r:
		return comparison != "better"
	default:
		return comparison == "maximum"
	}
}

// FiscalCode strips the "TINIT-" prefix of a SPID/CIE fiscalNumber. It
// reports false for anything else (a foreign or company identifier).
func FiscalCode(fiscalNumber string) (string, bool) {
	v := strings.TrimSpace(fiscalNumber)
	if !strings.HasPrefix(strings.ToUpper(v), "TINIT-") {
		return "", false
	}
	return strings.ToUpper(v[len("TINIT-"):]), true
}
