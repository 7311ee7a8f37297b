package handlers

import (
	"context"
	"net/http"

	"github.com/gin-contrib/sessions"
	"github.com/gin-gonic/gin"

	"portalegenitori/db"
)

// keyWriteLSN is the primary's WAL position after the session's last write
// (docs/replicas.md): until the replica has replayed it, the session's
// reads go to the primary.
const keyWriteLSN = "_write_lsn"

// getWrites are the GET routes that may change what the parents' pages
// show: they read from the primary and count as writes.
var getWrites = map[string]bool{
	"/:inst/messaggi/:msg":                   true, // opening a message marks it read
	"/:inst/pagamenti/pagopa/:id":            true, // asks pagoPA, may record the payment, then shows the balance
	"/:inst/pagamenti/pagopa/:id/avviso.pdf": true, // opens the position
}

// replicaRoute, with DATABASE_REPLICA_URL set, lets a GET request's
// parent-page reads go to the replica once it has replayed the session's
// last write; after a request that may have written (any other method) it
// remembers the primary's position in the session. Without a replica it
// does nothing.
func (h *Handler) replicaRoute(c *gin.Context) {
	if !h.store.HasReplica() {
		c.Next()
		return
	}
	sess := sessions.Default(c)
	get := (c.Request.Method == http.MethodGet || c.Request.Method == http.MethodHead) && !getWrites[c.FullPath()]
	if get {
		after, _ := sess.Get(keyWriteLSN).(uint64)
		c.Request = c.Request.WithContext(db.ReplicaReads(c.Request.Context(), db.LSN(after)))
	}
	c.Next()
	if get {
		return
	}
	if _, signedIn := sess.Get(keyAccount).(int64); !signedIn {
		return // signed out, or never in: no page of its own to read back
	}
	// net/http ends the response only when the handler returns, so the
	// browser cannot follow this answer before the position is saved.
	ctx := context.WithoutCancel(c.Request.Context())
	lsn, err := h.store.WriteLSN(ctx)
	if err == nil {
		sess.Set(keyWriteLSN, uint64(lsn))
		err = sess.Save()
	}
	if err != nil {
		h.log.Warn("remember the write position", "err", err) // the next reads may lag behind by up to the bound
	}
}
