// Command kemitraan is the one binary of the service:
//
//	kemitraan serve [--migrate]        run the HTTP API and the scheduler
//	kemitraan migrate up|down|status   manage the database schema
//	kemitraan seed [--demo]            load reference (and demo) data
//	kemitraan user create --role …     create an account (the first admin)
//	kemitraan job run NAME             run a scheduled job by hand
//
// Every command reads the configuration from config/kemitraan.yaml (or
// --config FILE) and the environment.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	// Asia/Jakarta must resolve even in an image without zoneinfo files.
	_ "time/tzdata"

	"gorm.io/gorm"

	"kemitraan/app/jobs"
	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/config"
	"kemitraan/app/platform/database"
	"kemitraan/app/platform/logging"
	"kemitraan/app/services"
)

// gcPercent is the collector's target unless GOGC says otherwise.
const gcPercent = 400

// defaultConfigPath is read when it exists and --config is not given.
const defaultConfigPath = "config/kemitraan.yaml"

const usage = `Kemitraan: kepatuhan kemitraan usaha besar dengan IKM.

Usage: kemitraan [--config FILE] COMMAND [ARGS]

Commands:
  serve [--migrate]         run the HTTP API and the job scheduler
  migrate up|down|status    apply, roll back one, or list migrations
  seed [--demo] [--scale N,M]
                            load the kecamatan list and rule sets (and the demo data
                            set; or N generated businesses and M purchases over 2025)
  healthcheck               ask the local server's /healthz (for containers)
  user create --role ROLE --username NAME --name "FULL NAME" [--email ADDR] [--business NIB | --ikm NIB]
                            create an account (the first admin, for one); the
                            password comes from KEMITRAAN_PASSWORD or stdin
  job run NAME [--period P] run a scheduled job now: evaluate, lapse, remind, expire, outbox
`

// command is one subcommand: it gets the loaded environment and its own args.
type command func(ctx context.Context, env *environment, args []string) error

func commands() map[string]command {
	return map[string]command{
		"serve":       serve,
		"migrate":     migrate,
		"seed":        seedCmd,
		"healthcheck": healthcheck,
		"user":        userCmd,
		"job":         jobCmd,
	}
}

func main() {
	// The live heap is small (tens of MB) and the allocation rate high: at
	// Go's default GOGC=100 the collector runs every few hundred requests,
	// on the cores PostgreSQL needs too (measured: about a tenth more
	// purchase reports per second at 400, for some tens of MB more). GOGC
	// in the environment wins.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	if err := run(os.Args[1:], os.Stdout, os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "kemitraan:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer, getenv func(string) string) error {
	global := flag.NewFlagSet("kemitraan", flag.ContinueOnError)
	global.SetOutput(stdout)
	global.Usage = func() { fmt.Fprint(stdout, usage) }
	configPath := global.String("config", "", "configuration file (default "+defaultConfigPath+" when present)")
	if err := global.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if global.NArg() == 0 {
		global.Usage()
		return errors.New("no command given")
	}
	name := global.Arg(0)
	cmd, ok := commands()[name]
	if !ok {
		global.Usage()
		return fmt.Errorf("unknown command %q", name)
	}
	path, required := *configPath, true
	if path == "" {
		path, required = defaultConfigPath, false
	}
	cfg, err := config.Load(path, required, getenv)
	if err != nil {
		return err
	}
	env := &environment{cfg: cfg, log: logging.New(os.Stderr, cfg.LogFormat(), cfg.Log.Level), stdout: stdout,
		getenv: getenv, stdin: os.Stdin}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	defer env.close()
	return cmd(ctx, env, global.Args()[1:])
}

// environment is what every command shares: configuration, logger, and the
// database pool opened on first use.
type environment struct {
	cfg    config.Config
	log    *slog.Logger
	stdout io.Writer
	getenv func(string) string
	stdin  io.Reader
	db     *gorm.DB
	svc    *services.Set
	runner *jobs.Runner
}

func (e *environment) database(ctx context.Context) (*gorm.DB, error) {
	if e.db != nil {
		return e.db, nil
	}
	db, err := database.Open(ctx, e.cfg.Database, e.log)
	if err != nil {
		return nil, err
	}
	e.db = db
	return db, nil
}

// services are the domain services and the job runner, built once, on
// first use, for whichever of the API and the jobs the command runs.
func (e *environment) services(ctx context.Context) (*services.Set, *jobs.Runner, error) {
	if e.svc != nil {
		return e.svc, e.runner, nil
	}
	db, err := e.database(ctx)
	if err != nil {
		return nil, nil, err
	}
	if e.svc, err = services.New(e.cfg, db, e.log, clock.System{}, nil); err != nil {
		return nil, nil, err
	}
	e.runner = jobs.NewStandardRunner(db, clock.System{}, e.log, e.cfg, e.svc)
	return e.svc, e.runner, nil
}

func (e *environment) migrator(ctx context.Context) (*database.Migrator, error) {
	db, err := e.database(ctx)
	if err != nil {
		return nil, err
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	return database.NewMigrator(sqlDB)
}

func (e *environment) close() {
	if e.db != nil {
		_ = database.Close(e.db)
	}
}
