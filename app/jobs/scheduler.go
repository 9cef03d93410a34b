// Package jobs wires scheduled work to cron. Jobs are thin: each entry calls
// a domain function that is also reachable from the command line and the API.
package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/robfig/cron/v3"
)

// Scheduler runs named functions on cron schedules read in one time zone.
type Scheduler struct {
	cron *cron.Cron
	log  *slog.Logger
}

// NewScheduler returns a stopped scheduler reading schedules in loc
// (Asia/Jakarta), so "30 1 * * *" means 01:30 WIB.
func NewScheduler(loc *time.Location, log *slog.Logger) *Scheduler {
	return &Scheduler{
		cron: cron.New(cron.WithLocation(loc), cron.WithChain(cron.Recover(cron.DiscardLogger))),
		log:  log,
	}
}

// Add schedules fn under name. A run that overlaps the previous one of the
// same job on this replica is skipped; other replicas are kept out by the
// job's own advisory lock.
func (s *Scheduler) Add(name, spec string, fn func(ctx context.Context) error) error {
	job := cron.NewChain(cron.SkipIfStillRunning(cron.DiscardLogger)).Then(cron.FuncJob(func() {
		if err := fn(context.Background()); err != nil {
			s.log.Error("scheduled job failed", "job", name, "err", err)
		}
	}))
	if _, err := s.cron.AddJob(spec, job); err != nil {
		return fmt.Errorf("jobs: schedule %s %q: %w", name, spec, err)
	}
	return nil
}

// Start begins running scheduled jobs in the background.
func (s *Scheduler) Start() { s.cron.Start() }

// Stop stops scheduling and waits for running jobs to finish, or for ctx.
func (s *Scheduler) Stop(ctx context.Context) error {
	done := s.cron.Stop()
	select {
	case <-done.Done():
		return nil
	case <-ctx.Done():
		return fmt.Errorf("jobs: still running at shutdown: %w", ctx.Err())
	}
}
