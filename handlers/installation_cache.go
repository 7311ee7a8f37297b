package handlers

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"portalegenitori/db"
)

// Every page needs the installation, so caching it for a few seconds
// (config.InstallationCacheTTL) saves one database round trip per request.
type installationCache struct {
	mu      sync.Mutex
	entries map[string]installationEntry
	printed atomic.Pointer[printedInstallation] // the last installation an ETag printed
}

type printedInstallation struct {
	inst *db.Installation
	text string
}

// print is fmt.Sprint(*inst) for the ETags (page_etag.go), printed once
// per cached installation rather than by reflection on every request: the
// cache hands out the same pointer, never modified, until it refetches.
func (ic *installationCache) print(inst *db.Installation) string {
	if p := ic.printed.Load(); p != nil && p.inst == inst {
		return p.text
	}
	text := fmt.Sprint(*inst)
	ic.printed.Store(&printedInstallation{inst, text})
	return text
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
