package dbtest

import (
	"context"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lib/pq"

	"portalegenitori/db"
)

// RoundTrips counts what the client says to PostgreSQL over every
// connection of a store: round trips (the client writes after having read:
// it waited for an answer) and statements (Execute and simple Query
// messages of the wire protocol). lib/pq runs a statement with parameters
// in two round trips (Parse/Describe, then Bind/Execute) unless prepared.
type RoundTrips struct {
	trips, stmts atomic.Int64
	mu           sync.Mutex
	texts        []string // the statements parsed since the last Texts
}

// Texts returns, and forgets, the first line of each statement text sent
// since the last call (a prepared statement's text goes once per connection).
func (r *RoundTrips) Texts() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	t := r.texts
	r.texts = nil
	return t
}

// Trips and Statements are the counts so far.
func (r *RoundTrips) Trips() int64      { return r.trips.Load() }
func (r *RoundTrips) Statements() int64 { return r.stmts.Load() }

// NewCounting is New whose store counts its round trips. Connections opened
// (once per pool connection) count too: warm the pool before measuring.
func NewCounting(t testing.TB) (*db.Store, string, *RoundTrips) {
	t.Helper()
	_, u := New(t)
	c, err := pq.NewConnector(u)
	if err != nil {
		t.Fatal(err)
	}
	rt := &RoundTrips{}
	c.Dialer(countingDialer{rt})
	s, err := db.OpenConnector(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, u, rt
}

type countingDialer struct{ rt *RoundTrips }

func (d countingDialer) Dial(network, address string) (net.Conn, error) {
	return d.DialContext(context.Background(), network, address)
}

func (d countingDialer) DialTimeout(network, address string, timeout time.Duration) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return d.DialContext(ctx, network, address)
}

func (d countingDialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	var nd net.Dialer
	c, err := nd.DialContext(ctx, network, address)
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: c, rt: d.rt}, nil
}

// countingConn sees the plain protocol: the test cluster has sslmode=disable.
type countingConn struct {
	net.Conn
	rt      *RoundTrips
	mu      sync.Mutex
	waiting bool // written since the last read
	started bool // the startup message (no type byte) is behind
}

func (c *countingConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	if !c.waiting {
		c.rt.trips.Add(1)
		c.waiting = true
	}
	if c.started {
		// messages: a type byte, then a big-endian length that counts itself
		for i := 0; i+5 <= len(p); {
			if p[i] == 'E' || p[i] == 'Q' {
				c.rt.stmts.Add(1)
			}
			n := int(p[i+1])<<24 | int(p[i+2])<<16 | int(p[i+3])<<8 | int(p[i+4])
			if n < 4 {
				break
			}
			if (p[i] == 'P' || p[i] == 'Q') && i+1+n <= len(p) {
				c.rt.text(p[i+5 : i+1+n])
			}
			i += 1 + n
		}
	}
	c.started = true
	c.mu.Unlock()
	return c.Conn.Write(p)
}

func (c *countingConn) Read(p []byte) (int, error) {
	c.mu.Lock()
	c.waiting = false
	c.mu.Unlock()
	return c.Conn.Read(p)
}

// text keeps a short form of a Parse (name, query) or Query (query) body.
func (r *RoundTrips) text(body []byte) {
	parts := strings.Split(string(body), "\x00")
	q := parts[0]
	if len(parts) > 1 && len(parts[1]) > len(q) {
		q = parts[1]
	}
	q = strings.Join(strings.Fields(q), " ")
	if len(q) > 90 {
		q = q[:90]
	}
	r.mu.Lock()
	r.texts = append(r.texts, q)
	r.mu.Unlock()
}
