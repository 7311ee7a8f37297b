package handlers

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-contrib/sessions"
	gsessions "github.com/gorilla/sessions"

	"portalegenitori/db"
	"portalegenitori/internal/config"
)

// Session keys.
const (
	keyAccount      = "account_id"
	keyInstallation = "installation_id"
	keyRenew        = "_renew" // Save issues a new token and drops the old row
)

// SessionStore keeps sessions in PostgreSQL behind the gin-contrib/sessions
// (gorilla) interface. The cookie carries 32 random bytes; the database
// stores only their SHA-256, so a copy of the table cannot be replayed.
type SessionStore struct {
	store    *db.Store
	opts     gsessions.Options
	idle     time.Duration
	absolute time.Duration
}

var _ sessions.Store = (*SessionStore)(nil)

// CookieName is "__Host-" prefixed when cookies are Secure, so the browser
// refuses it from a sub-domain or over plain HTTP.
func CookieName(secure bool) string {
	if secure {
		return "__Host-genitori"
	}
	return "genitori"
}

// NewSessionStore builds the store from the configuration.
func NewSessionStore(store *db.Store, cfg config.Config) *SessionStore {
	return &SessionStore{
		store: store,
		opts: gsessions.Options{
			Path:     "/",
			Secure:   cfg.CookieSecure,
			HttpOnly: true,
			SameSite: http.SameSiteLaxMode,
		},
		idle:     cfg.SessionIdle,
		absolute: cfg.SessionAbsolute,
	}
}

// Options implements sessions.Store.
func (s *SessionStore) Options(o sessions.Options) { s.opts = *o.ToGorillaOptions() }

// Get returns the request's cached session.
func (s *SessionStore) Get(r *http.Request, name string) (*gsessions.Session, error) {
	return gsessions.GetRegistry(r).Get(s, name)
}

// New loads the session named by the cookie, or starts an empty one. A
// missing, expired or unknown session is not an error: it is a new session.
func (s *SessionStore) New(r *http.Request, name string) (*gsessions.Session, error) {
	sess := gsessions.NewSession(s, name)
	opts := s.opts
	sess.Options = &opts
	sess.IsNew = true
	c, err := r.Cookie(name)
	if err != nil || c.Value == "" {
		return sess, nil
	}
	var versions *db.PageVersions
	if slot := sessionSlot(r.Context()); slot != nil {
		versions = slot.versions
	}
	row, acc, err := s.store.LoadSessionAccount(r.Context(), tokenHash(c.Value), s.idle, versions)
	keepSessionAccount(r.Context(), acc) // for loadInstallation (session_account.go)
	if errors.Is(err, db.ErrNotFound) {
		return sess, nil
	}
	if err != nil {
		return sess, err
	}
	if err := decodeSessionValues(row.Data, sess.Values); err != nil {
		return sess, nil // unreadable data: start afresh
	}
	sess.ID = c.Value
	sess.IsNew = false
	return sess, nil
}

// Save writes the session and its cookie. MaxAge < 0 deletes it.
func (s *SessionStore) Save(r *http.Request, w http.ResponseWriter, sess *gsessions.Session) error {
	if sess.Options.MaxAge < 0 {
		if sess.ID != "" {
			if err := s.store.DeleteSession(r.Context(), tokenHash(sess.ID)); err != nil {
				return err
			}
		}
		http.SetCookie(w, gsessions.NewCookie(sess.Name(), "", sess.Options))
		return nil
	}
	if renew, _ := sess.Values[keyRenew].(bool); renew {
		delete(sess.Values, keyRenew)
		if sess.ID != "" {
			if err := s.store.DeleteSession(r.Context(), tokenHash(sess.ID)); err != nil {
				return err
			}
		}
		sess.ID = ""
	}
	if sess.ID == "" {
		raw := make([]byte, 32)
		if _, err := rand.Read(raw); err != nil {
			return fmt.Errorf("session token: %w", err)
		}
		sess.ID = base64.RawURLEncoding.EncodeToString(raw)
	}
	data, err := encodeSessionValues(sess.Values)
	if err != nil {
		return fmt.Errorf("encode session: %w", err)
	}
	row := &db.SessionRow{
		TokenHash: tokenHash(sess.ID),
		Data:      data,
		UserAgent: truncate(r.UserAgent(), 200),
		IP:        clientIP(r),
		ExpiresAt: time.Now().Add(s.absolute),
	}
	if id, ok := sess.Values[keyInstallation].(int64); ok {
		row.InstallationID.Int64, row.InstallationID.Valid = id, true
	}
	if id, ok := sess.Values[keyAccount].(int64); ok {
		row.AccountID.Int64, row.AccountID.Valid = id, true
	}
	if err := s.store.SaveSession(r.Context(), row); err != nil {
		return err
	}
	// No Max-Age: the cookie ends with the browser; the server enforces
	// the idle and absolute limits.
	opts := *sess.Options
	opts.MaxAge = 0
	http.SetCookie(w, gsessions.NewCookie(sess.Name(), sess.ID, &opts))
	return nil
}

func tokenHash(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}
