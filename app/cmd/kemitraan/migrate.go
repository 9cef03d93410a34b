package main

import (
	"context"
	"errors"
	"fmt"
)

func migrate(ctx context.Context, env *environment, args []string) error {
	if len(args) != 1 {
		return errors.New("usage: kemitraan migrate up|down|status")
	}
	m, err := env.migrator(ctx)
	if err != nil {
		return err
	}
	switch args[0] {
	case "up":
		n, err := m.Up(ctx)
		if err != nil {
			return fmt.Errorf("migrate up: %w", err)
		}
		_, version, _ := m.Versions(ctx)
		fmt.Fprintf(env.stdout, "applied %d migration(s); schema at version %d\n", n, version)
	case "down":
		if err := m.Down(ctx); err != nil {
			return fmt.Errorf("migrate down: %w", err)
		}
		current, _, _ := m.Versions(ctx)
		fmt.Fprintf(env.stdout, "rolled back one migration; schema at version %d\n", current)
	case "status":
		list, err := m.Status(ctx)
		if err != nil {
			return fmt.Errorf("migrate status: %w", err)
		}
		for _, s := range list {
			applied := "pending"
			if !s.AppliedAt.IsZero() {
				applied = "applied " + s.AppliedAt.UTC().Format("2006-01-02 15:04:05 UTC")
			}
			fmt.Fprintf(env.stdout, "%05d  %-40s %s\n", s.Source.Version, s.Source.Path, applied)
		}
	default:
		return fmt.Errorf("migrate: unknown action %q (want up, down or status)", args[0])
	}
	return nil
}
