package handlers

import (
	"context"
	"net/http"

	"portalegenitori/db"
)

// The session store reads the session's account in the same statement
// (db.LoadSessionAccount) and leaves it here, in the request's context, for
// loadInstallation: one round trip instead of two on every signed-in page.
type sessionAccountKey struct{}

type sessionAccount struct {
	loaded   bool
	acc      *db.Account
	versions *db.PageVersions // asked for by loadInstallation (page_etag.go); nil: none
}

// withSessionAccount gives the request a place for the session's account.
// It changes the request in place, as gorilla/sessions does with its
// registry, so every holder of the pointer sees the same context.
func withSessionAccount(r *http.Request, versions *db.PageVersions) *sessionAccount {
	slot := &sessionAccount{versions: versions}
	*r = *r.WithContext(context.WithValue(r.Context(), sessionAccountKey{}, slot))
	return slot
}

// keepSessionAccount records the account read with the session, if the
// request has a place for it.
func keepSessionAccount(ctx context.Context, acc *db.Account) {
	if slot, ok := ctx.Value(sessionAccountKey{}).(*sessionAccount); ok {
		slot.loaded, slot.acc = true, acc
	}
}

// account is the account read with the session when it is the one asked
// for; nil otherwise (then the caller reads it).
func (s *sessionAccount) account(installationID, accountID int64) *db.Account {
	if s == nil || !s.loaded || s.acc == nil || s.acc.InstallationID != installationID || s.acc.ID != accountID {
		return nil
	}
	return s.acc
}

// sessionSlot is the request's place for what is read with the session.
func sessionSlot(ctx context.Context) *sessionAccount {
	slot, _ := ctx.Value(sessionAccountKey{}).(*sessionAccount)
	return slot
}

// pageVersions are the versions read with the session, when they were
// asked for this page and read for this account; nil otherwise.
func (s *sessionAccount) pageVersions(acc *db.Account, page db.VersionPage, childID int64) *db.PageVersions {
	if s == nil || s.versions == nil || !s.versions.Loaded || s.acc == nil || acc == nil || s.acc.ID != acc.ID ||
		s.acc.InstallationID != acc.InstallationID || s.versions.Page != page || s.versions.ChildID != childID {
		return nil
	}
	return s.versions
}
