// Command genitori runs the Portale Genitori: serve, migrate, seed.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"portalegenitori/db"
	"portalegenitori/delivery"
	"portalegenitori/handlers"
	"portalegenitori/internal/config"
)

const usage = `Portale Genitori

Usage:
  genitori serve     start the web server (GENITORI_ADDR, default :8080)
  genitori migrate   apply the database migrations
  genitori seed      load the demo installations and accounts (idempotent);
                     --children N adds a synthetic city (see genitori seed -h)
  genitori bench     load test of the parent pages on a synthetic city (make bench)
  genitori rush      morning rush: thousands of parents sign in at once (make bench)
  genitori bench-broadcast
                     a message from the Comune to every family of a synthetic city, timed,
                     with the family home's p95 during the job (make bench-broadcast)
  genitori rush-meals the minutes before the meal cut-off: changes, kitchen count, its correctness (make bench)
  genitori worker    send queued e-mail and SMS (serve also does it unless GENITORI_WORKER=false)
  genitori spid-keygen --inst CODE | --all [--if-missing] [--force]
                     make the SPID/CIE key and self-signed certificate of an installation
  genitori spid-refresh-idps
                     download the SPID identity providers from the registry into GENITORI_SPID_IDP_DIR
  genitori bench-ab --base BIN
                     the bench of a base build and of this one in turns on the same city (make bench-ab)
  genitori bench-compare OLD.json NEW.json
                     the differences per endpoint and metric of two saved bench runs (var/bench/)
  genitori cns-demo  write a demo CA, server and CNS card certificate under var/cns (make run)

Configuration comes from environment variables; see README.md.
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	if os.Args[1] == "bench-compare" { // needs no configuration (bench_results.go)
		if err := benchCompareCmd(context.Background(), os.Args[2:]); err != nil {
			fmt.Fprintf(os.Stderr, "genitori bench-compare: %v\n", err)
			os.Exit(1)
		}
		return
	}
	if os.Args[1] == "cns-demo" { // needs no configuration
		if err := cnsDemoCmd(os.Args[2:]); err != nil {
			fmt.Fprintf(os.Stderr, "genitori cns-demo: %v\n", err)
			os.Exit(1)
		}
		return
	}
	cfg, err := config.FromOS()
	if err != nil {
		fmt.Fprintf(os.Stderr, "configuration error:\n%v\n", err)
		os.Exit(2)
	}
	if os.Args[1] == "serve" || os.Args[1] == "worker" {
		// no secret is ever stored in clear (docs/security.md)
		if err := cfg.SealingKeys(os.Args[1] == "serve"); err != nil {
			fmt.Fprintf(os.Stderr, "configuration error:\n%v\n", err)
			os.Exit(2)
		}
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	switch os.Args[1] {
	case "serve":
		err = serve(ctx, cfg, log)
	case "migrate":
		err = migrate(ctx, cfg)
	case "seed":
		err = seedCmd(ctx, cfg, os.Args[2:])
	case "bench":
		err = benchCmd(ctx, cfg, os.Args[2:])
	case "bench-ab":
		err = benchABCmd(ctx, cfg, os.Args[2:]) // bench_ab.go
	case "rush":
		err = rushCmd(ctx, cfg, os.Args[2:])
	case "bench-broadcast":
		err = benchBroadcastCmd(ctx, cfg, os.Args[2:]) // bench_broadcast.go
	case "rush-meals":
		err = rushMealsCmd(ctx, cfg, os.Args[2:])
	case "worker":
		err = workerCmd(ctx, cfg, log)
	case "spid-keygen":
		err = spidKeygenCmd(ctx, cfg, os.Args[2:])
	case "spid-refresh-idps":
		err = spidRefreshCmd(ctx, cfg, os.Args[2:])
	case "help", "-h", "--help":
		fmt.Print(usage)
		return
	default:
		fmt.Fprintf(os.Stderr, "unknown command %q\n\n%s", os.Args[1], usage)
		os.Exit(2)
	}
	if err != nil {
		log.Error("genitori "+os.Args[1]+" failed", "err", err)
		os.Exit(1)
	}
}

func migrate(ctx context.Context, cfg config.Config) error {
	store, err := db.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer store.Close()
	return store.Migrate(ctx)
}

func seedCmd(ctx context.Context, cfg config.Config, args []string) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	syn := syntheticFlags(fs)
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
	if err := store.SeedDemo(ctx); err != nil {
		return err
	}
	fmt.Println("Demo installations loaded. Accounts (installation, username, password):")
	for _, a := range db.DemoAccounts {
		fmt.Printf("  %-6s %-14s %-22s %s\n", a.Installation, a.Username, a.Password, a.Note)
	}
	if syn.children > 0 {
		return runSynthetic(ctx, store, syn)
	}
	return nil
}

func serve(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	store, err := db.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := useReplica(ctx, store, cfg, log); err != nil { // DATABASE_REPLICA_URL (replica.go)
		return err
	}
	if cfg.AutoMigrate {
		if err := store.Migrate(ctx); err != nil {
			return err
		}
	}
	h, err := handlers.New(cfg, store, log)
	if err != nil {
		return err
	}
	routes := h.Routes()
	srv := &http.Server{
		Addr:              cfg.Addr,
		Handler:           benchStatic(routes), // routes, unless GENITORI_BENCH_STATIC=true (rush.go)
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    32 << 10,
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	go purgeSessions(ctx, store, cfg, log)
	workerDone := make(chan struct{})
	ctx, stopWorker := context.WithCancel(ctx)
	if cfg.Worker {
		go func() {
			defer close(workerDone)
			if err := delivery.Run(ctx, cfg, store, log); err != nil {
				log.Error("delivery worker", "err", err)
			}
		}()
	} else {
		close(workerDone)
	}
	// The worker stops (finishing or releasing its jobs) before the deferred
	// store.Close takes the pool away from it, however serve returns.
	defer func() { stopWorker(); <-workerDone }()
	log.Info("serving", "addr", ln.Addr().String())
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()
	stopCNS, err := startCNS(cfg, h, routes, log, errc)
	if err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
		defer cancel()
		_ = stopCNS(sctx)
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// workerCmd runs only the delivery worker (e-mail and SMS), until Ctrl-C.
func workerCmd(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	store, err := db.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer store.Close()
	return delivery.Run(ctx, cfg, store, log)
}

// purgeSessions deletes expired sessions every few minutes.
func purgeSessions(ctx context.Context, store *db.Store, cfg config.Config, log *slog.Logger) {
	t := time.NewTicker(5 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := store.PurgeExpiredSessions(ctx, cfg.SessionIdle); err != nil {
				log.Warn("purge sessions", "err", err)
			} else if n > 0 {
				log.Info("purged sessions", "count", n)
			}
		}
	}
}
