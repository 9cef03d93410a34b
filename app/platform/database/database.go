// Package database opens the PostgreSQL pool, applies migrations and maps
// PostgreSQL errors the domain cares about.
package database

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"

	"kemitraan/app/platform/config"
)

// Open connects to PostgreSQL and configures the pool: its size, the
// bounded wait for a connection, and the server-side timeouts every
// connection starts with.
func Open(ctx context.Context, cfg config.Database, log *slog.Logger) (*gorm.DB, error) {
	if cfg.URL == "" {
		return nil, errors.New("database: no URL configured (set DATABASE_URL)")
	}
	connConfig, err := pgx.ParseConfig(cfg.URL.Value())
	if err != nil {
		return nil, fmt.Errorf("database: parse %s: %w", config.RedactURL(cfg.URL.Value()), err)
	}
	setParam := func(name string, d time.Duration) {
		if _, given := connConfig.RuntimeParams[name]; !given {
			connConfig.RuntimeParams[name] = strconv.FormatInt(d.Milliseconds(), 10)
		}
	}
	setParam("statement_timeout", cfg.StatementTimeout)
	setParam("idle_in_transaction_session_timeout", cfg.IdleInTransactionTimeout)
	if _, given := connConfig.RuntimeParams["application_name"]; !given {
		connConfig.RuntimeParams["application_name"] = "kemitraan"
	}
	sqlDB := stdlib.OpenDB(*connConfig)
	sqlDB.SetMaxOpenConns(cfg.MaxOpenConns)
	sqlDB.SetMaxIdleConns(cfg.MaxIdleConns)
	sqlDB.SetConnMaxLifetime(cfg.ConnMaxLifetime)
	db, err := gorm.Open(postgres.New(postgres.Config{Conn: newPool(sqlDB, cfg.MaxOpenConns, cfg.AcquireTimeout)}), &gorm.Config{
		Logger: queryLog{log: log.With("component", "gorm")},
		// Timestamps are set by the domain's clock, never by gorm.
		NowFunc:                func() time.Time { return time.Now().UTC() },
		SkipDefaultTransaction: true,
		DisableAutomaticPing:   true,
	})
	if err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("database: open %s: %w", config.RedactURL(cfg.URL.Value()), err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(pingCtx); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("database: ping %s: %w", config.RedactURL(cfg.URL.Value()), err)
	}
	return db, nil
}

// Close closes the pool behind db.
func Close(db *gorm.DB) error {
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// UniqueViolation reports whether err is a unique-constraint violation and,
// if so, which constraint, so a store can turn it into a domain conflict.
func UniqueViolation(err error) (constraint string, ok bool) {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return pgErr.ConstraintName, true
	}
	return "", false
}

// ForeignKeyViolation reports whether err is a foreign-key violation.
func ForeignKeyViolation(err error) (constraint string, ok bool) {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23503" {
		return pgErr.ConstraintName, true
	}
	return "", false
}
