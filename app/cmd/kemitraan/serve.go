package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"time"

	"kemitraan/app/api"
	"kemitraan/app/compliance"
	"kemitraan/app/jobs"
	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/config"
	"kemitraan/app/web"
)

func serve(ctx context.Context, env *environment, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	migrateFirst := fs.Bool("migrate", false, "apply pending migrations before serving (database.migrate)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg := env.cfg
	if *migrateFirst {
		cfg.Database.Migrate = true
	}
	log := env.log
	log.Info("starting", "env", cfg.Env, "addr", cfg.HTTP.Addr, "database", config.RedactURL(cfg.Database.URL.Value()))

	m, err := env.migrator(ctx)
	if err != nil {
		return err
	}
	if cfg.Database.Migrate {
		n, err := m.Up(ctx)
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		log.Info("migrations applied", "count", n)
	} else if pending, err := m.Pending(ctx); err != nil {
		return fmt.Errorf("migration status: %w", err)
	} else if pending {
		return errors.New("the database schema is behind this binary: run `kemitraan migrate up` (or start with `serve --migrate`)")
	}

	db, err := env.database(ctx)
	if err != nil {
		return err
	}
	rules, err := compliance.LoadRuleFiles(ctx, db, cfg.RulesDir, clock.System{}.Now())
	if err != nil {
		return err
	}
	log.Info("rule sets loaded", "dir", cfg.RulesDir, "files", rules.Files, "new", rules.Created, "replaced", rules.Replaced)
	svc, runner, err := env.services(ctx)
	if err != nil {
		return err
	}
	pages, err := web.New(web.Deps{Config: cfg, Log: log, Clock: clock.System{}, Services: svc, Jobs: runner})
	if err != nil {
		return err
	}
	e, err := api.New(api.Deps{Config: cfg, DB: db, Log: log, Clock: clock.System{}, Services: svc, Jobs: runner,
		Pages: pages})
	if err != nil {
		return err
	}
	sched := jobs.NewScheduler(log)
	if err := runner.Schedule(sched, cfg.Jobs.Schedules); err != nil {
		return err
	}
	if cfg.Jobs.Enabled {
		sched.Start()
	}

	// Every request's context descends from requests, so those still running
	// when shutdown_timeout ends can be cancelled and answered 503.
	requests, cancelRequests := context.WithCancelCause(context.Background())
	defer cancelRequests(nil)
	e.Server.BaseContext = func(net.Listener) context.Context { return requests }
	serveErr := make(chan error, 1)
	go func() { serveErr <- e.Start(cfg.HTTP.Addr) }()
	log.Info("listening", "addr", cfg.HTTP.Addr)

	select {
	case err := <-serveErr:
		if !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("http server: %w", err)
		}
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.HTTP.ShutdownTimeout)
	defer cancel()
	// Stop taking requests and scheduling jobs, and let what runs finish,
	// both within shutdown_timeout; the pool closes when main returns.
	jobsErr := make(chan error, 1)
	go func() { jobsErr <- sched.Stop(shutdownCtx) }()
	httpErr := e.Shutdown(shutdownCtx)
	if errors.Is(httpErr, context.DeadlineExceeded) {
		log.Warn("requests still running at shutdown_timeout: answering them 503")
		cancelRequests(api.ErrShuttingDown)
		graceCtx, cancelGrace := context.WithTimeout(context.Background(), answerGrace)
		httpErr = e.Server.Shutdown(graceCtx)
		cancelGrace()
		if httpErr != nil {
			httpErr = errors.Join(httpErr, e.Close())
		}
	}
	if err := errors.Join(httpErr, <-jobsErr); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

// answerGrace is how long requests cancelled at shutdown get to write their
// 503 before their connections are closed.
const answerGrace = 5 * time.Second
