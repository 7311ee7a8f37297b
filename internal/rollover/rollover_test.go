package rollover

import (
	"testing"
	"time"
)

func TestNext(t *testing.T) {
	schools := map[int64]School{
		1: {ID: 1, LastClass: 5},                // primaria, no next level named
		2: {ID: 2, ExitAge: 6, NextSchool: 1},   // infanzia → primaria
		3: {ID: 3, LastClass: 3, NextSchool: 0}, // secondaria di primo grado
	}
	born := func(y int) time.Time { return time.Date(y, 3, 1, 0, 0, 0, 0, time.UTC) }
	for _, tc := range []struct {
		c    Child
		want Move
	}{
		{Child{1, "3ª B", born(2017)}, Move{"4ª B", 1, false, true}},
		{Child{1, "5A", born(2015)}, Move{"5A", 1, true, true}},
		{Child{3, "1 C", born(2014)}, Move{"2 C", 3, false, true}},
		{Child{2, "Sezione Gialla", born(2021)}, Move{"1", 1, true, true}}, // 6 in 2027
		{Child{2, "Sezione Verde", born(2022)}, Move{"Sezione Verde", 2, false, false}},
		{Child{9, "2A", born(2018)}, Move{"2A", 9, false, false}}, // unknown school: unchanged
		{Child{1, "Pluriclasse", born(2018)}, Move{"Pluriclasse", 1, false, false}},
	} {
		if got := Next(tc.c, schools, 2027); got != tc.want {
			t.Errorf("%+v: %+v, want %+v", tc.c, got, tc.want)
		}
	}
}
