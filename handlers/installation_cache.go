package handlers

import (
	"context"
	"sync"
	"time"

	"portalegenitori/db"
)

// Every page needs the installation, so caching it for a few seconds
// (config.InstallationCacheTTL) saves one database round trip per request.
type installationCache struct {
	mu      sync.Mutex
	entries map[string]installationEntry
}

type installationEntry struct {
	inst    *db.Installation
	fetched time.Time
}

// installationByCode returns the installation from the cache or the store.
// Callers must not modify the returned value: it is shared.
func (h *Handler) installationByCode(ctx context.Context, code string) (*db.Installation, error) {
	ic := &h.instCache
	ic.mu.Lock()
	e, ok := ic.entries[code]
	ic.mu.Unlock()
	if ok && time.Since(e.fetched) < h.cfg.InstallationCacheTTL {
		return e.inst, nil
	}
	inst, err := h.store.InstallationByCode(ctx, code)
	if err != nil {
		return nil, err
	}
	ic.mu.Lock()
	if ic.entries == nil || len(ic.entries) > 1000 {
		ic.entries = map[string]installationEntry{}
	}
	ic.entries[code] = installationEntry{inst: inst, fetched: time.Now()}
	ic.mu.Unlock()
	return inst, nil
}

// forgetInstallation drops a cached installation after its settings changed
// on this server (other servers see it within the TTL).
func (h *Handler) forgetInstallation(code string) {
	h.instCache.mu.Lock()
	delete(h.instCache.entries, code)
	h.instCache.mu.Unlock()
}
