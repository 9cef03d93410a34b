package main

import (
	"context"
	"flag"
	"fmt"

	"kemitraan/app/compliance"
	"kemitraan/app/jobs"
	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/files"
	"kemitraan/app/procurement"
	"kemitraan/app/seed"
)

func seedCmd(ctx context.Context, env *environment, args []string) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	demo := fs.Bool("demo", false, "also load the demo data set")
	scale := scaleFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := env.database(ctx)
	if err != nil {
		return err
	}
	rules, err := compliance.LoadRuleFiles(ctx, db, env.cfg.RulesDir, clock.System{}.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "rule sets: %d files, %d new\n", rules.Files, rules.Created)
	if err := scale.run(ctx, env, db); err != nil {
		return err
	}
	if !*demo {
		return nil
	}
	d, err := seed.DemoData(ctx, db)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "demo: %d businesses, %d IKM new\n", d.Businesses, d.IKMs)
	users, err := seed.DemoAccounts(ctx, db)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "demo: %d users new (passwords in README, Accounts)\n", users)
	store := files.NewStore(env.cfg.Uploads.Dir, env.cfg.Uploads.MaxBytes, clock.System{})
	p, err := seed.DemoPartnerships(ctx, db, store)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "demo: %d agreements, %d outlets new\n", p.Agreements, p.Outlets)
	purchases := procurement.New(db, clock.System{}, procurement.ConfigFrom(env.cfg), store, procurement.RuleSetWindow())
	np, err := seed.DemoPurchases(ctx, db, purchases)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "demo: %d purchases new\n", np)
	nr, err := seed.DemoReports(ctx, db)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "demo: %d period reports new\n", nr)
	// Evaluate the demo period the way the scheduler would, so the sanction
	// list and statistics have something to show; a re-run changes nothing.
	_, runner, err := env.services(ctx)
	if err != nil {
		return err
	}
	rec, err := runner.Run(ctx, "evaluate", jobs.TriggerCommand, jobs.Params{Period: seed.DemoPeriod})
	if err != nil {
		return fmt.Errorf("demo evaluation: %w", err)
	}
	fmt.Fprintf(env.stdout, "demo: evaluated %s: %s %s\n", seed.DemoPeriod, rec.Outcome, rec.Counts)
	return nil
}
