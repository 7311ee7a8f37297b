// Package emulator is a local stand-in for App IO's services API, for the
// demo (`make run`) and the tests: the same paths, JSON, status codes and
// errors as the published OpenAPI (internal/appio/ioapi) for the two
// operations the portal uses, with its state in PostgreSQL (tables
// appio_emulator_*), so what each codice fiscale received survives a
// restart and is the same on every app server.
//
// Every valid codice fiscale has a profile that allows every service,
// unless a switch says otherwise: "blocked" (sender_allowed false),
// "absent" (no IO profile: 404), and fail_next (the next N calls about
// that codice fiscale answer 500). It is never mounted in production
// (GENITORI_DEMO_APPIO).
package emulator

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"portalegenitori/internal/appio"
	"portalegenitori/internal/appio/ioapi"
)

// Profile states.
const (
	Allowed = "allowed"
	Blocked = "blocked"
	Absent  = "absent"
)

// Emulator serves the API and keeps its state.
type Emulator struct {
	db *sqlx.DB
}

// New returns the emulator over the portal's database.
func New(db *sqlx.DB) *Emulator { return &Emulator{db: db} }

var fiscalCodeRE = regexp.MustCompile(`^[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]$`)

// ValidFiscalCode is the API's FiscalCode pattern.
func ValidFiscalCode(cf string) bool { return fiscalCodeRE.MatchString(cf) }

// APIHandler serves GET {prefix}/profiles/{fiscal_code} and
// POST {prefix}/messages; prefix is where it is mounted, e.g. /_appio/api/v1.
func (e *Emulator) APIHandler(prefix string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+prefix+"/profiles/{fiscal_code}", e.getProfile)
	mux.HandleFunc("POST "+prefix+"/messages", e.submitMessage)
	mux.HandleFunc(prefix+"/", func(w http.ResponseWriter, r *http.Request) {
		problem(w, http.StatusNotFound, "Not Found", "no such operation in the App IO emulator")
	})
	return mux
}

func problem(w http.ResponseWriter, status int, title, detail string) {
	st := int32(status)
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(ioapi.ProblemJson{Title: &title, Detail: &detail, Status: &st})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// keyHint authenticates like the API gateway: no subscription key, 401.
func keyHint(w http.ResponseWriter, r *http.Request) (string, bool) {
	key := strings.TrimSpace(r.Header.Get("Ocp-Apim-Subscription-Key"))
	if key == "" {
		problem(w, http.StatusUnauthorized, "Unauthorized", "Access denied due to missing subscription key.")
		return "", false
	}
	if len(key) > 4 {
		key = key[len(key)-4:]
	}
	return key, true
}

// state returns the profile state of cf and whether this call must fail
// (a fail_next switch, spent atomically).
func (e *Emulator) state(ctx context.Context, cf string) (state string, fail bool, err error) {
	var row struct {
		State    string `db:"state"`
		FailNext int    `db:"fail_next"`
	}
	err = e.db.GetContext(ctx, &row, `
		WITH spent AS (
			UPDATE appio_emulator_profiles SET fail_next = fail_next - 1
			WHERE fiscal_code = $1 AND fail_next > 0 RETURNING state, fail_next + 1 AS fail_next)
		SELECT state, fail_next FROM spent
		UNION ALL
		SELECT state, 0 FROM appio_emulator_profiles WHERE fiscal_code = $1 AND NOT EXISTS (SELECT 1 FROM spent)`, cf)
	if errors.Is(err, sqlErrNoRows) {
		return Allowed, false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("appio emulator profile: %w", err)
	}
	return row.State, row.FailNext > 0, nil
}

func (e *Emulator) getProfile(w http.ResponseWriter, r *http.Request) {
	if _, ok := keyHint(w, r); !ok {
		return
	}
	cf := r.PathValue("fiscal_code")
	if !ValidFiscalCode(cf) {
		problem(w, http.StatusBadRequest, "Invalid fiscal_code", "value ["+cf+"] at [root.fiscal_code] is not a valid FiscalCode")
		return
	}
	st, fail, err := e.state(r.Context(), cf)
	switch {
	case err != nil:
		problem(w, http.StatusInternalServerError, "Internal server error", "emulator database error")
	case fail:
		problem(w, http.StatusInternalServerError, "Internal server error", "switch fail_next of the App IO emulator")
	case st == Absent:
		problem(w, http.StatusNotFound, "Profile not found", "The profile you requested was not found in the system.")
	default:
		writeJSON(w, http.StatusOK, ioapi.LimitedProfile{SenderAllowed: st == Allowed, PreferredLanguages: &[]string{"it_IT"}})
	}
}

func (e *Emulator) submitMessage(w http.ResponseWriter, r *http.Request) {
	hint, ok := keyHint(w, r)
	if !ok {
		return
	}
	var m ioapi.NewMessage
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err == nil {
		err = json.Unmarshal(body, &m)
	}
	if err != nil {
		problem(w, http.StatusBadRequest, "Invalid NewMessage", "the body is not a NewMessage: "+err.Error())
		return
	}
	var bad []string
	if m.FiscalCode == nil || !ValidFiscalCode(*m.FiscalCode) {
		bad = append(bad, "value at [root.fiscal_code] is not a valid FiscalCode")
	}
	if n := utf8.RuneCountInString(m.Content.Subject); n < appio.SubjectMin || n > appio.SubjectMax {
		bad = append(bad, fmt.Sprintf("value at [root.content.subject] must be %d-%d characters long", appio.SubjectMin, appio.SubjectMax))
	}
	if n := utf8.RuneCountInString(m.Content.Markdown); n < appio.MarkdownMin || n > appio.MarkdownMax {
		bad = append(bad, fmt.Sprintf("value at [root.content.markdown] must be %d-%d characters long", appio.MarkdownMin, appio.MarkdownMax))
	}
	if len(bad) > 0 {
		problem(w, http.StatusBadRequest, "Invalid NewMessage", strings.Join(bad, "; "))
		return
	}
	cf := *m.FiscalCode
	st, fail, err := e.state(r.Context(), cf)
	if err != nil || fail {
		problem(w, http.StatusInternalServerError, "Internal server error", "the message cannot be delivered now")
		return
	}
	// As on IO, a message to a citizen who does not allow the service is
	// accepted (201) and then rejected: the sender was to ask getProfile.
	status := "PROCESSED"
	if st != Allowed {
		status = "REJECTED"
	}
	id := newID(time.Now())
	if _, err := e.db.ExecContext(r.Context(), `
		INSERT INTO appio_emulator_messages (id, fiscal_code, subject, markdown, key_hint, status) VALUES ($1, $2, $3, $4, $5, $6)`,
		id, cf, m.Content.Subject, m.Content.Markdown, hint, status); err != nil {
		problem(w, http.StatusInternalServerError, "Internal server error", "emulator database error")
		return
	}
	w.Header().Set("Location", r.URL.Path+"/"+cf+"/"+id)
	writeJSON(w, http.StatusCreated, ioapi.CreatedMessage{Id: &id})
}

// newID is a ULID-like identifier (as IO's): 48 bits of milliseconds and
// 80 random bits in Crockford's base32, 26 characters.
func newID(t time.Time) string {
	const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	var b [16]byte
	ms := uint64(t.UnixMilli())
	for i := 5; i >= 0; i-- {
		b[i] = byte(ms)
		ms >>= 8
	}
	_, _ = rand.Read(b[6:])
	out := make([]byte, 26)
	// 128 bits, most significant first, 5 bits per character (2 padding bits)
	var acc uint64
	bits, pos := 2, 0 // two leading zero bits
	for _, c := range b {
		acc = acc<<8 | uint64(c)
		bits += 8
		for bits >= 5 {
			bits -= 5
			out[pos] = alphabet[(acc>>uint(bits))&31]
			pos++
		}
	}
	return string(out[:pos])
}
