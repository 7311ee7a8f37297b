package main

import (
	"context"
	"fmt"
	"log/slog"

	"portalegenitori/db"
	"portalegenitori/internal/config"
)

// useReplica sends the parents' page reads to DATABASE_REPLICA_URL when it
// is set (docs/replicas.md); log may be nil.
func useReplica(ctx context.Context, store *db.Store, cfg config.Config, log *slog.Logger) error {
	if cfg.Replica.URL == "" {
		return nil
	}
	return store.UseReplica(ctx, cfg.Replica.URL, db.ReplicaOptions{MaxLag: cfg.Replica.MaxLag, Log: log})
}

// replicaLine says, under a benchmark's table, how much the replica served.
func replicaLine(store *db.Store) string {
	if !store.HasReplica() {
		return "Read replica: none (BENCH_REPLICA=1 runs with a streaming standby on this machine)"
	}
	st := store.ReplicaStats()
	return fmt.Sprintf("Read replica: a streaming standby on this machine; %d queries answered by it, %d fell back to the primary", st.Reads, st.Fallbacks)
}
