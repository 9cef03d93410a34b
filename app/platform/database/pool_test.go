package database_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"gorm.io/gorm"

	"kemitraan/app/platform/config"
	"kemitraan/app/platform/database"
	"kemitraan/app/platform/dbtest"
)

func openPool(t *testing.T, edit func(*config.Database)) *gorm.DB {
	t.Helper()
	cfg := config.Default().Database
	cfg.URL = config.Secret(dbtest.URL(t, false))
	if edit != nil {
		edit(&cfg)
	}
	db, err := database.Open(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = database.Close(db) })
	return db
}

// A unit of work that holds the only connection and asks the pool for
// another fails after the acquire timeout, through every way gorm reaches
// the pool, instead of waiting for ever.
func TestPoolRefusesASecondConnectionAfterTheAcquireTimeout(t *testing.T) {
	t.Parallel()
	db := openPool(t, func(c *config.Database) {
		c.MaxOpenConns, c.MaxIdleConns, c.AcquireTimeout = 1, 1, 150*time.Millisecond
	})
	ctx := context.Background()
	tx := db.WithContext(ctx).Begin()
	if tx.Error != nil {
		t.Fatal(tx.Error)
	}
	var n int
	nested := map[string]func() error{
		"exec":    func() error { return db.WithContext(ctx).Exec("SELECT 1").Error },
		"query":   func() error { return db.WithContext(ctx).Raw("SELECT 1").Scan(&n).Error },
		"row":     func() error { return db.WithContext(ctx).Raw("SELECT 1").Row().Scan(&n) },
		"begin":   func() error { return db.WithContext(ctx).Transaction(func(*gorm.DB) error { return nil }) },
		"conn":    func() error { _, _, err := database.DedicatedConn(ctx, db); return err },
		"session": func() error { return db.WithContext(ctx).Table("pg_class").Limit(1).Count(new(int64)).Error },
	}
	for name, f := range nested {
		start := time.Now()
		err := f()
		if !errors.Is(err, database.ErrPoolExhausted) {
			t.Errorf("%s: err %v, want ErrPoolExhausted", name, err)
		}
		if waited := time.Since(start); waited > 5*time.Second {
			t.Errorf("%s: waited %s", name, waited)
		}
	}
	// The transaction itself is unharmed, and once it ends its connection
	// serves the next caller.
	if err := tx.Raw("SELECT 2").Scan(&n).Error; err != nil || n != 2 {
		t.Fatalf("inside the transaction: %d %v", n, err)
	}
	if err := tx.Commit().Error; err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		rows, err := db.WithContext(ctx).Raw("SELECT generate_series(1, 3)").Rows()
		if err != nil {
			t.Fatal(err)
		}
		count := 0
		for rows.Next() {
			count++
		}
		_ = rows.Close()
		if err := db.WithContext(ctx).Raw("SELECT 3").Row().Scan(&n); err != nil || n != 3 || count != 3 {
			t.Fatalf("after the transaction: rows %d, row %d, %v", count, n, err)
		}
	}
	// A caller whose own context ends while it waits gets its own error.
	hold := db.WithContext(ctx).Begin()
	defer hold.Rollback()
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	err := db.WithContext(short).Exec("SELECT 1").Error
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, database.ErrPoolExhausted) {
		t.Errorf("caller's deadline: %v", err)
	}
}

// Every connection starts with the configured server-side timeouts.
func TestConnectionsCarryServerTimeouts(t *testing.T) {
	t.Parallel()
	db := openPool(t, func(c *config.Database) {
		c.StatementTimeout, c.IdleInTransactionTimeout = 1500*time.Millisecond, 2*time.Minute
	})
	for param, want := range map[string]string{
		"statement_timeout": "1500ms", "idle_in_transaction_session_timeout": "2min", "application_name": "kemitraan",
	} {
		var got string
		if err := db.Raw("SELECT current_setting(?)", param).Scan(&got).Error; err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s = %q, want %q", param, got, want)
		}
	}
	err := db.Exec("SELECT pg_sleep(3)").Error
	if err == nil {
		t.Fatal("a statement past statement_timeout succeeded")
	}
}
