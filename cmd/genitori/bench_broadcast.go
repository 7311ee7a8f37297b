package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"slices"
	"sync"
	"time"

	"portalegenitori/db"
	"portalegenitori/delivery"
	"portalegenitori/handlers"
	"portalegenitori/internal/calendar"
	"portalegenitori/internal/config"
	"portalegenitori/internal/notify"
	"portalegenitori/internal/notify/smtptest"
)

// benchBroadcastCmd measures a message from the Comune to every family of a
// synthetic city (docs/messages.md): it seeds the city when missing, serves
// the portal in-process with its delivery worker, sends the message as
// staff do (a River job), and while the job runs keeps parents loading the
// family home; it prints the job's duration and the home page's p50/p95
// during it. With --email every recipient with an address also gets an
// e-mail, to a local SMTP listener.
func benchBroadcastCmd(ctx context.Context, cfg config.Config, args []string) error {
	fs := flag.NewFlagSet("bench-broadcast", flag.ContinueOnError)
	children := fs.Int("children", 100000, "children of the synthetic city (seeded once)")
	users := fs.Int("users", 50, "parents signed in, loading the family home during the job")
	conc := fs.Int("concurrency", 4, "concurrent parents")
	email := fs.Bool("email", false, "send by e-mail too (to a local SMTP listener)")
	until := fs.String("until", "2026-11-26", "the seed's last recorded day (YYYY-MM-DD)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	store, err := db.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := store.Migrate(ctx); err != nil {
		return err
	}
	code := fmt.Sprintf("citta-%d", *children)
	inst, err := store.InstallationByCode(ctx, code)
	if errors.Is(err, db.ErrNotFound) {
		fmt.Fprintf(os.Stderr, "bench-broadcast: seeding %q with %d children (once; kept in the database)\n", code, *children)
		if err := store.SeedDemo(ctx); err != nil {
			return err
		}
		last, err := calendar.ParseDay(*until)
		if err != nil {
			return err
		}
		if _, err := store.SeedSynthetic(ctx, db.SyntheticOptions{Code: code, Children: *children,
			Start: calendar.Day(calendar.SchoolYear(last), 9, 7), Until: last,
			Log: func(f string, a ...any) { fmt.Fprintf(os.Stderr, f+"\n", a...) }}); err != nil {
			return err
		}
		inst, err = store.InstallationByCode(ctx, code)
		if err != nil {
			return err
		}
	} else if err != nil {
		return err
	}

	senders := delivery.Senders{BaseURL: "http://127.0.0.1"}
	channels := []string{}
	if *email {
		smtp, err := smtptest.Start()
		if err != nil {
			return err
		}
		defer smtp.Close()
		if senders.Mail, err = notify.NewSMTPMailer(notify.SMTPConfig{Host: "127.0.0.1", Port: smtp.Port(), From: "noreply@example.it", TLS: "none"}); err != nil {
			return err
		}
		channels = append(channels, "email")
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	w, err := delivery.NewWorker(store, senders, log, delivery.Options{FetchPollInterval: 200 * time.Millisecond})
	if err != nil {
		return err
	}
	if err := w.Start(ctx); err != nil {
		return err
	}
	defer func() { _ = w.Stop(context.WithoutCancel(ctx)) }()

	cfg.CookieSecure = false
	h, err := handlers.New(cfg, store, log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h.Routes(), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	base := "http://" + ln.Addr().String()

	var families int
	if err := store.DB().GetContext(ctx, &families, `SELECT count(DISTINCT adult_id) FROM guardianships WHERE installation_id = $1`, inst.ID); err != nil {
		return err
	}
	var synthetic int
	if err := store.DB().GetContext(ctx, &synthetic, `SELECT count(*) FROM accounts WHERE installation_id = $1 AND username LIKE 'gen%a'`, inst.ID); err != nil {
		return err
	}
	tr := &http.Transport{MaxIdleConnsPerHost: *conc * 2}
	rng := rand.New(rand.NewPCG(3, 4))
	var clients []*http.Client
	for len(clients) < *users {
		jar, _ := cookiejar.New(nil)
		cl := &http.Client{Transport: tr, Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		form := url.Values{"username": {db.SyntheticUsername(1+rng.IntN(synthetic), false)}, "password": {"Citta-Genitori-2026"}}
		resp, err := cl.PostForm(base+"/"+code+"/accesso", form)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther {
			return fmt.Errorf("bench-broadcast: sign-in: status %d", resp.StatusCode)
		}
		clients = append(clients, cl)
	}

	enq, err := delivery.NewEnqueuer(store.DB().DB)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "bench-broadcast: sending to the %d families of %s (channels: portal %v)...\n", families, code, channels)
	began := time.Now()
	id, err := store.CreateBroadcast(ctx, db.NewBroadcast{InstallationID: inst.ID, Title: "Prova di carico",
		Body: "Messaggio di prova a tutte le famiglie.", Audience: db.Audience{Kind: db.AudienceAll}, Channels: channels},
		func(ctx context.Context, tx *sql.Tx, id int64) error {
			return enq.Broadcast(ctx, tx, delivery.BroadcastArgs{InstallationID: inst.ID, BroadcastID: id})
		})
	if err != nil {
		return err
	}
	var mu sync.Mutex
	var lat []time.Duration
	var fails int
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for c := range *conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(c), 9))
			for {
				select {
				case <-stop:
					return
				default:
				}
				cl := clients[r.IntN(len(clients))]
				t0 := time.Now()
				resp, err := cl.Get(base + "/" + code + "/famiglia")
				d := time.Since(t0)
				ok := err == nil && resp.StatusCode == http.StatusOK
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				mu.Lock()
				lat = append(lat, d)
				if !ok {
					fails++
				}
				mu.Unlock()
			}
		}()
	}
	var b *db.Broadcast
	for {
		if b, err = store.BroadcastByID(ctx, inst.ID, id); err != nil {
			break
		}
		if b.Status == "done" {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	took := time.Since(began)
	close(stop)
	wg.Wait()
	if err != nil {
		return err
	}
	slices.Sort(lat)
	pct := func(q float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		return float64(lat[min(len(lat)-1, int(q*float64(len(lat))))].Microseconds()) / 1000
	}
	fmt.Printf("broadcast to %d recipients (%d deliveries sent, %d failed): %s\n", b.Recipients, b.Sent, b.Failed, took.Round(time.Millisecond))
	fmt.Printf("family home during the job: %d requests, p50 %.1f ms, p95 %.1f ms, errors %d\n", len(lat), pct(.50), pct(.95), fails)
	return nil
}
