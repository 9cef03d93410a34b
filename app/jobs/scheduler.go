// Package jobs wires scheduled work to cron. Jobs are thin: each entry calls
// a domain function that is also reachable from the command line and the API.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"kemitraan/app/platform/clock"
)

// Scheduler runs named functions on cron schedules read in WIB.
type Scheduler struct {
	cron *cron.Cron
	log  *slog.Logger
	// runs is the context of every scheduled run, cancelled when Stop
	// gives up waiting; running holds the names of the runs under way.
	runs    context.Context
	cancel  context.CancelCauseFunc
	running sync.Map
}

// errStopped is why a run still going when the scheduler stops is cancelled.
var errStopped = errors.New("jobs: scheduler stopped")

// stopGrace is how long Stop waits for cancelled runs to wind down.
const stopGrace = 5 * time.Second

// NewScheduler returns a stopped scheduler reading schedules in WIB, so
// "30 1 * * *" means 01:30 WIB.
func NewScheduler(log *slog.Logger) *Scheduler {
	runs, cancel := context.WithCancelCause(context.Background())
	return &Scheduler{
		cron: cron.New(cron.WithLocation(clock.WIB), cron.WithChain(cron.Recover(cron.DiscardLogger))),
		log:  log, runs: runs, cancel: cancel,
	}
}

// Add schedules fn under name. A run that overlaps the previous one of the
// same job on this replica is skipped; other replicas are kept out by the
// job's own advisory lock.
func (s *Scheduler) Add(name, spec string, fn func(ctx context.Context) error) error {
	job := cron.NewChain(cron.SkipIfStillRunning(cron.DiscardLogger)).Then(cron.FuncJob(func() {
		s.running.Store(name, true)
		defer s.running.Delete(name)
		if err := fn(s.runs); err != nil {
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
// When ctx ends first the runs still going are cancelled (each records its
// failure) and given a few seconds more; the error names them. With no run
// under way Stop returns at once, whatever ctx says.
func (s *Scheduler) Stop(ctx context.Context) error {
	done := s.cron.Stop().Done()
	if len(s.runningNames()) == 0 {
		// Nothing runs: cron says so a moment later, whatever ctx says.
		select {
		case <-done:
			return nil
		case <-time.After(stopGrace):
		}
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
	}
	names := s.runningNames()
	s.log.Warn("jobs still running at shutdown: cancelling them", "jobs", names)
	s.cancel(errStopped)
	select {
	case <-done:
		return fmt.Errorf("jobs: cancelled at shutdown: %s", strings.Join(names, ", "))
	case <-time.After(stopGrace):
		return fmt.Errorf("jobs: still running at shutdown: %s", strings.Join(names, ", "))
	}
}

func (s *Scheduler) runningNames() []string {
	var names []string
	s.running.Range(func(k, _ any) bool {
		names = append(names, k.(string))
		return true
	})
	slices.Sort(names)
	return names
}
