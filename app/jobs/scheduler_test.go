package jobs_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"kemitraan/app/jobs"
)

// Stop with nothing running returns at once without an error, even when
// the shutdown time is already used up (as after a long HTTP drain); a run
// still going is cancelled and named.
func TestSchedulerStop(t *testing.T) {
	t.Parallel()
	spent, cancel := context.WithCancel(context.Background())
	cancel()
	for range 50 {
		s := jobs.NewScheduler(slog.New(slog.DiscardHandler))
		if err := s.Add("outbox", "@every 1h", func(context.Context) error { return nil }); err != nil {
			t.Fatal(err)
		}
		s.Start()
		if err := s.Stop(spent); err != nil {
			t.Fatalf("nothing running: %v", err)
		}
	}

	s := jobs.NewScheduler(slog.New(slog.DiscardHandler))
	started, ended := make(chan struct{}), make(chan error, 1)
	if err := s.Add("evaluate", "@every 1s", func(ctx context.Context) error {
		close(started)
		<-ctx.Done()
		ended <- context.Cause(ctx)
		return ctx.Err()
	}); err != nil {
		t.Fatal(err)
	}
	s.Start()
	select {
	case <-started:
	case <-time.After(5 * time.Second):
		t.Fatal("the job never started")
	}
	short, cancelShort := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancelShort()
	err := s.Stop(short)
	if err == nil || !strings.Contains(err.Error(), "evaluate") {
		t.Errorf("a running job: %v, want an error naming it", err)
	}
	if cause := <-ended; cause == nil || errors.Is(cause, context.DeadlineExceeded) {
		t.Errorf("the run's context ended with %v", cause)
	}
}
