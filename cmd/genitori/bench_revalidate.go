package main

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// revalidation is the "304" column of `make bench`: a browser that has the
// page asks again with If-None-Match (docs/caching.md).
type revalidation struct {
	n        int
	rps      float64
	p95      time.Duration
	notMod   float64 // the share answered 304
	failures int64
}

// String is the table's cell: "req/s, p95 ms, share of 304", or "–" for a
// page without an ETag.
func (r revalidation) String() string {
	if r.n == 0 {
		return "–"
	}
	return fmt.Sprintf("%.0f, %.1f, %.0f%%", r.rps, float64(r.p95.Microseconds())/1000, 100*r.notMod)
}

// primed is a page a user has, with its ETag.
type primed struct {
	user   int
	url    string
	header http.Header
	tag    string
}

// benchRevalidation measures an endpoint's conditional requests: for warm,
// users get pages the plain way and keep their ETags (not measured); for d,
// they ask again for pages they have, with If-None-Match. clients[i] is
// user i's client; req builds a request for user i.
func benchRevalidation(clients []*http.Client, conc int, warm, d time.Duration, seed uint64,
	req func(r *rand.Rand, user int) (*http.Request, error)) revalidation {
	var mu sync.Mutex
	var have []primed
	var lat []time.Duration
	var not304, failed atomic.Int64
	pass := func(d time.Duration, measure bool) time.Duration {
		var wg sync.WaitGroup
		deadline := time.Now().Add(d)
		began := time.Now()
		for w := range conc {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := rand.New(rand.NewPCG(seed, uint64(w)))
				var local []time.Duration
				for time.Now().Before(deadline) {
					var p primed
					if measure {
						p = have[r.IntN(len(have))]
					} else {
						p.user = r.IntN(len(clients))
						rq, err := req(r, p.user)
						if err != nil {
							failed.Add(1)
							continue
						}
						p.url, p.header = rq.URL.String(), rq.Header.Clone()
					}
					rq, err := http.NewRequest(http.MethodGet, p.url, nil)
					if err != nil {
						failed.Add(1)
						continue
					}
					rq.Header = p.header.Clone()
					rq.Header.Set("Accept-Encoding", "gzip")
					if measure {
						rq.Header.Set("If-None-Match", p.tag)
					}
					t0 := time.Now()
					resp, err := clients[p.user].Do(rq)
					if err != nil {
						failed.Add(1)
						continue
					}
					_, _ = io.Copy(io.Discard, resp.Body) // the status is what is measured
					resp.Body.Close()
					el := time.Since(t0)
					switch {
					case resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNotModified:
						failed.Add(1)
					case measure:
						local = append(local, el)
						if resp.StatusCode != http.StatusNotModified {
							not304.Add(1)
						}
					case resp.Header.Get("ETag") != "":
						p.tag = resp.Header.Get("ETag")
						mu.Lock()
						have = append(have, p)
						mu.Unlock()
					}
				}
				mu.Lock()
				lat = append(lat, local...)
				mu.Unlock()
			}()
		}
		wg.Wait()
		return time.Since(began)
	}
	pass(warm, false)
	if len(have) == 0 {
		return revalidation{failures: failed.Load()}
	}
	el := pass(d, true)
	res := revalidation{n: len(lat), failures: failed.Load()}
	if len(lat) == 0 {
		return res
	}
	slices.Sort(lat)
	res.rps = float64(len(lat)) / el.Seconds()
	res.p95 = lat[min(len(lat)-1, int(float64(len(lat))*.95))]
	res.notMod = 1 - float64(not304.Load())/float64(len(lat))
	return res
}
