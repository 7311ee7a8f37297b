package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"portalegenitori/db"
	"portalegenitori/internal/calendar"
)

// synFlags are the options of `genitori seed --children N`.
type synFlags struct {
	children            int
	code, start, until  string
	end, parentPassword string
}

func syntheticFlags(fs *flag.FlagSet) *synFlags {
	f := &synFlags{}
	fs.IntVar(&f.children, "children", 0, "also generate a synthetic installation with this many children (e.g. 100000)")
	fs.StringVar(&f.code, "installation", "citta", "code of the synthetic installation")
	fs.StringVar(&f.start, "school-year-start", "", "first day of services, YYYY-MM-DD (default: 7 September of the current school year)")
	fs.StringVar(&f.until, "until", "", "attendance is recorded up to this day, later days are booked, YYYY-MM-DD (default: today)")
	fs.StringVar(&f.end, "school-year-end", "", "last day of the enrollments, YYYY-MM-DD (default: 30 June)")
	fs.StringVar(&f.parentPassword, "parent-password", "Citta-Genitori-2026", "password of every synthetic parent account")
	return f
}

func runSynthetic(ctx context.Context, store *db.Store, f *synFlags) error {
	o := db.SyntheticOptions{Code: f.code, Children: f.children, Password: f.parentPassword,
		Log: func(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }}
	for _, d := range []struct {
		s   string
		dst *time.Time
	}{{f.start, &o.Start}, {f.until, &o.Until}, {f.end, &o.End}} {
		if d.s == "" {
			continue
		}
		t, err := calendar.ParseDay(d.s)
		if err != nil {
			return fmt.Errorf("seed: invalid date %q (want YYYY-MM-DD)", d.s)
		}
		*d.dst = t
	}
	began := time.Now()
	res, err := store.SeedSynthetic(ctx, o)
	if err != nil {
		return err
	}
	fmt.Printf("Synthetic installation %q: %d children in %d families (%d adults, each with an account), "+
		"%d attendance rows, %d ledger entries, in %s.\n", f.code, f.children, res.Families, res.Adults,
		res.Attendance, res.Ledger, time.Since(began).Round(time.Second))
	fmt.Printf("Sign in at /%s/accesso as %s (or any genNNNNNNa/b) with password %s\n", f.code, res.FirstUsername, res.Password)
	return nil
}
