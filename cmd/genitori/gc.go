package main

import (
	"os"
	"runtime/debug"
)

// Garbage collector defaults for the server, when the operator has not set
// the runtime's own GOGC and GOMEMLIMIT (docs/deployment.md):
//
//   - GOGC=200: the live heap is small (sessions and caches are in
//     PostgreSQL), and collecting half as often cut the GC's share of a
//     page's CPU under `genitori bench`;
//   - GOMEMLIMIT=100MiB: a soft limit that makes the collector work harder
//     (and return memory to the system) when the heap nears it. The morning
//     rush's peak was made of the 19 MiB argon2id buffers of concurrent
//     sign-ins left as garbage, not of live data.
const (
	defaultGCPercent   = 200
	defaultMemoryLimit = 100 << 20
)

func gcDefaults() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
}
