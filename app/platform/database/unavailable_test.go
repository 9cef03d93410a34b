package database_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"kemitraan/app/platform/database"
	"kemitraan/app/platform/dbtest"
)

func TestUnavailable(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	real := func(sql string) error {
		err := db.WithContext(ctx).Exec(sql).Error
		if err == nil {
			t.Fatalf("%s: no error", sql)
		}
		return err
	}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"terminated by administrator", &pgconn.PgError{Code: "57P01"}, true},
		{"starting up", fmt.Errorf("wrapped: %w", &pgconn.PgError{Code: "57P03"}), true},
		{"connection failure", &pgconn.PgError{Code: "08006"}, true},
		{"too many connections", &pgconn.PgError{Code: "53300"}, true},
		{"connection dropped mid-answer", fmt.Errorf("procurement: insert: %w", io.ErrUnexpectedEOF), true},
		{"unique violation", real("CREATE TABLE u (k int UNIQUE); INSERT INTO u VALUES (1), (1)"), false},
		{"syntax error", real("SELEC 1"), false},
		{"statement timeout", real("SET statement_timeout = 10; SELECT pg_sleep(1)"), false},
		{"caller cancelled", context.Canceled, false},
		{"anything else", errors.New("procurement: something"), false},
		{"nil", nil, false},
	}
	for _, tt := range tests {
		if got := database.Unavailable(tt.err); got != tt.want {
			t.Errorf("%s (%v): %t, want %t", tt.name, tt.err, got, tt.want)
		}
	}
}
