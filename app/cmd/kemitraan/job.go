package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"kemitraan/app/jobs"
)

// jobCmd runs a scheduled job by hand: kemitraan job run NAME [--period P].
// It takes the same advisory lock as the scheduler, so it never runs beside
// a replica's scheduled run of the same job, and it is recorded in job_runs.
func jobCmd(ctx context.Context, env *environment, args []string) error {
	if len(args) == 0 || args[0] != "run" {
		return errors.New("usage: kemitraan job run NAME [--period 2025-Q1]   (jobs: evaluate, lapse, remind, expire, outbox)")
	}
	if len(args) < 2 || strings.HasPrefix(args[1], "-") {
		return errors.New("job run: name the job: evaluate, lapse, remind, expire or outbox")
	}
	name := args[1]
	fs := flag.NewFlagSet("job run", flag.ContinueOnError)
	period := fs.String("period", "", "evaluate only this period, e.g. 2025-Q1")
	if err := fs.Parse(args[2:]); err != nil {
		return err
	}
	_, runner, err := env.services(ctx)
	if err != nil {
		return err
	}
	rec, err := runner.Run(ctx, name, jobs.TriggerCommand, jobs.Params{Period: *period})
	if rec.ID != 0 {
		fmt.Fprintf(env.stdout, "job %s run %d: %s %s\n", name, rec.ID, rec.Outcome, rec.Counts)
	}
	if err == nil && rec.Outcome == jobs.OutcomeSkipped {
		return fmt.Errorf("job %s is running elsewhere (advisory lock held); nothing done", name)
	}
	return err
}
