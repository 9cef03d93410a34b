package database

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"kemitraan/migrations"
)

// Migrator applies the embedded migrations. It takes a PostgreSQL session
// lock so that replicas starting together migrate once.
type Migrator struct{ p *goose.Provider }

// NewMigrator prepares a migrator over db.
func NewMigrator(db *sql.DB) (*Migrator, error) {
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return nil, err
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, migrations.FS,
		goose.WithSessionLocker(locker), goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	return &Migrator{p: p}, nil
}

// Up applies every pending migration and returns how many ran.
func (m *Migrator) Up(ctx context.Context) (int, error) {
	res, err := m.p.Up(ctx)
	return len(res), err
}

// Down rolls back the latest migration.
func (m *Migrator) Down(ctx context.Context) error {
	_, err := m.p.Down(ctx)
	return err
}

// DownTo rolls back to version (0 removes everything).
func (m *Migrator) DownTo(ctx context.Context, version int64) error {
	_, err := m.p.DownTo(ctx, version)
	return err
}

// Versions returns the applied version and the newest embedded one.
func (m *Migrator) Versions(ctx context.Context) (current, target int64, err error) {
	return m.p.GetVersions(ctx)
}

// Status lists every migration with whether it is applied.
func (m *Migrator) Status(ctx context.Context) ([]*goose.MigrationStatus, error) {
	return m.p.Status(ctx)
}

// Pending reports whether the schema is behind the binary.
func (m *Migrator) Pending(ctx context.Context) (bool, error) {
	return m.p.HasPending(ctx)
}
