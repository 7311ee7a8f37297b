package db

import (
	"math"
	"time"
)

// ForceReplicaUsable makes the replica look up, fresh and caught up until
// its next probe: the fallback test points it at a server that is not there.
func (s *Store) ForceReplicaUsable() {
	r := s.replica
	r.replayed.Store(math.MaxUint64)
	r.freshAt.Store(time.Now().UnixNano())
	r.down.Store(false)
}
