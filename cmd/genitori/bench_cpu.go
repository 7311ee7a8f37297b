package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	"portalegenitori/db"
)

// cpuSample is the CPU time used so far, in clock ticks (USER_HZ, 100 on
// Linux), read from /proc: by this process (the bench's client and server
// share it), by the PostgreSQL processes of the bench's database (per pid,
// so a process that ends between two samples is not counted), and by the
// whole machine.
type cpuSample struct {
	self, busy int64
	pg         map[int]int64
}

type cpuPerRequest struct {
	ok               bool
	self, pg, others float64 // ms per request
}

func (c cpuPerRequest) String() string {
	if !c.ok {
		return "–"
	}
	return fmt.Sprintf("%.2f + %.2f + %.2f", c.self, c.pg, c.others)
}

func cpuNow(ctx context.Context, store *db.Store) cpuSample {
	s := cpuSample{self: procTicks("self"), pg: map[int]int64{}}
	var pids []int
	if err := store.DB().SelectContext(ctx, &pids, `SELECT pid FROM pg_stat_activity UNION SELECT pg_backend_pid()`); err == nil {
		for _, pid := range pids {
			s.pg[pid] = procTicks(strconv.Itoa(pid))
		}
	}
	if b, err := os.ReadFile("/proc/stat"); err == nil {
		line, _, _ := strings.Cut(string(b), "\n")
		f := strings.Fields(line)
		for i, v := range f[1:] {
			if i == 3 || i == 4 { // idle, iowait
				continue
			}
			n, _ := strconv.ParseInt(v, 10, 64)
			s.busy += n
		}
	}
	return s
}

// procTicks is the user and system time of /proc/PID (or "self").
func procTicks(pid string) int64 {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0
	}
	// the fields after the ")" closing the command name: utime is the 12th, stime the 13th
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b)[i+1:])
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return u + st
}

func (s cpuSample) perRequest(before cpuSample, n int) cpuPerRequest {
	busy := s.busy - before.busy
	if n == 0 || busy <= 0 {
		return cpuPerRequest{}
	}
	self := s.self - before.self
	var pg int64
	for pid, t := range s.pg {
		if t0, ok := before.pg[pid]; ok && t >= t0 {
			pg += t - t0
		}
	}
	const tick = 10.0 // ms per USER_HZ tick
	per := func(t int64) float64 { return float64(t) * tick / float64(n) }
	return cpuPerRequest{ok: true, self: per(self), pg: per(pg), others: per(max(0, busy-self-pg))}
}
