package database_test

import (
	"context"
	"testing"

	"kemitraan/app/platform/database"
	"kemitraan/app/platform/dbtest"
)

func TestMigrationsUpDownUp(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.NewEmpty(t)
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	m, err := database.NewMigrator(sqlDB)
	if err != nil {
		t.Fatal(err)
	}
	tables := func() int {
		var n int
		if err := db.Raw(`SELECT count(*) FROM information_schema.tables
			WHERE table_schema = 'public' AND table_name <> 'goose_db_version'`).Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n
	}

	applied, err := m.Up(ctx)
	if err != nil {
		t.Fatalf("up: %v", err)
	}
	_, target, _ := m.Versions(ctx)
	if applied == 0 || target == 0 {
		t.Fatalf("applied %d migrations, target %d", applied, target)
	}
	if pending, _ := m.Pending(ctx); pending {
		t.Fatal("pending after up")
	}
	created := tables()
	if created == 0 {
		t.Fatal("no tables after up")
	}

	if err := m.DownTo(ctx, 0); err != nil {
		t.Fatalf("down to zero: %v", err)
	}
	if n := tables(); n != 0 {
		t.Fatalf("%d tables left after down to zero", n)
	}
	if pending, _ := m.Pending(ctx); !pending {
		t.Fatal("nothing pending after down")
	}

	again, err := m.Up(ctx)
	if err != nil {
		t.Fatalf("up again: %v", err)
	}
	if again != applied || tables() != created {
		t.Fatalf("second up applied %d (want %d), %d tables (want %d)", again, applied, tables(), created)
	}
}

func TestUniqueViolationIsRecognised(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	err := db.Exec(`INSERT INTO kecamatan (code, name) VALUES ('3216010', 'Duplikat')`).Error
	constraint, ok := database.UniqueViolation(err)
	if !ok || constraint != "kecamatan_pkey" {
		t.Fatalf("got %q %v from %v", constraint, ok, err)
	}
}
