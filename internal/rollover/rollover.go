// Package rollover decides what the new school year does to a child: up a
// class, out of the school after its last class (or at the age it ends),
// into the next school when the office has named one.
package rollover

import (
	"regexp"
	"strconv"
	"time"
)

// School is what the rollover needs of a school.
type School struct {
	ID         int64
	LastClass  int   // the last class ("5" in a primary school); 0: classes are not numbered
	ExitAge    int   // children this old on 31 December of the new year leave (infanzia: 6); 0: none
	NextSchool int64 // the next level proposed to those who leave; 0: none
}

// Child is what the rollover needs of a child.
type Child struct {
	SchoolID  int64
	ClassName string
	BirthDate time.Time
}

// Move is the decision for one child.
type Move struct {
	ClassName string
	SchoolID  int64 // 0: no school
	Leaves    bool  // out of the school; SchoolID is then the proposed next one, if any
	Changed   bool
}

var numbered = regexp.MustCompile(`^\s*(\d+)(.*)$`)

// Next decides the move of a child into the school year starting in
// newYear. schools maps each school by ID.
func Next(c Child, schools map[int64]School, newYear int) Move {
	m := Move{ClassName: c.ClassName, SchoolID: c.SchoolID}
	s, ok := schools[c.SchoolID]
	if !ok {
		return m
	}
	leave := func(suffix string) Move {
		out := Move{ClassName: c.ClassName, SchoolID: c.SchoolID, Leaves: true, Changed: true}
		if s.NextSchool != 0 {
			out.SchoolID, out.ClassName = s.NextSchool, "1"+suffix
		}
		return out
	}
	if g := numbered.FindStringSubmatch(c.ClassName); g != nil && s.LastClass > 0 {
		n, _ := strconv.Atoi(g[1])
		if n >= s.LastClass {
			return leave(g[2])
		}
		m.ClassName, m.Changed = strconv.Itoa(n+1)+g[2], true
		return m
	}
	if s.ExitAge > 0 && !c.BirthDate.IsZero() && newYear-c.BirthDate.Year() >= s.ExitAge {
		return leave("")
	}
	return m
}
