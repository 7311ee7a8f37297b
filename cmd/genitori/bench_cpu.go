package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// cpuSample is the CPU time this process and the whole machine have used,
// in clock ticks (USER_HZ, 100 on Linux), read from /proc. The bench's
// client and server share this process, so "rest" is mostly PostgreSQL.
type cpuSample struct{ self, busy int64 }

type cpuPerRequest struct {
	ok         bool
	self, rest float64 // ms per request
}

func (c cpuPerRequest) String() string {
	if !c.ok {
		return "–"
	}
	return fmt.Sprintf("%.2f + %.2f", c.self, c.rest)
}

func cpuNow() cpuSample {
	var s cpuSample
	if b, err := os.ReadFile("/proc/self/stat"); err == nil {
		// fields after the ")" of the command name: state is field 3; utime 14, stime 15
		if i := strings.LastIndexByte(string(b), ')'); i > 0 {
			f := strings.Fields(string(b)[i+1:])
			if len(f) > 12 {
				u, _ := strconv.ParseInt(f[11], 10, 64)
				st, _ := strconv.ParseInt(f[12], 10, 64)
				s.self = u + st
			}
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

func (s cpuSample) since(o cpuSample) cpuSample {
	return cpuSample{self: s.self - o.self, busy: s.busy - o.busy}
}

func (s cpuSample) perRequest(n int) cpuPerRequest {
	if n == 0 || s.busy == 0 {
		return cpuPerRequest{}
	}
	const tick = 10.0 // ms per USER_HZ tick
	return cpuPerRequest{ok: true, self: float64(s.self) * tick / float64(n), rest: float64(s.busy-s.self) * tick / float64(n)}
}
