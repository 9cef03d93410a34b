package auth_test

import (
	"bytes"
	"context"
	"slices"
	"testing"
	"time"

	"kemitraan/app/auth"
	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/config"
	"kemitraan/app/platform/dbtest"
)

func TestPrune(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.New(t)
	now := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	cfg := config.Default().Auth
	if err := db.Exec(`INSERT INTO users (id, username, name, role, password_hash) VALUES (1, 'uji', 'Uji', 'officer', 'x')`).Error; err != nil {
		t.Fatal(err)
	}
	sessions := []struct {
		created, expires time.Time
		revoked          *time.Time
		kept             bool
	}{
		{now.Add(-40 * 24 * time.Hour), now.Add(-39 * 24 * time.Hour), nil, false},                     // expired long ago
		{now.Add(-10 * 24 * time.Hour), now.Add(-9 * 24 * time.Hour), nil, true},                       // expired recently
		{now.Add(-time.Hour), now.Add(time.Hour), nil, true},                                           // live
		{now.Add(-50 * 24 * time.Hour), now.Add(time.Hour), ptr(now.Add(-45 * 24 * time.Hour)), false}, // revoked long ago
	}
	for i, s := range sessions {
		if err := db.Exec(`INSERT INTO sessions (user_id, token_hash, created_at, expires_at, revoked_at, last_seen_at)
			VALUES (1, ?, ?, ?, ?, ?)`, []byte{byte(i)}, s.created, s.expires, s.revoked, s.created).Error; err != nil {
			t.Fatal(err)
		}
	}
	for _, at := range []time.Time{now.Add(-time.Hour), now.Add(-time.Minute)} {
		if err := db.Exec(`INSERT INTO login_attempts (username, ip, attempted_at) VALUES ('uji', '192.0.2.1', ?)`, at).Error; err != nil {
			t.Fatal(err)
		}
	}
	svc := auth.NewService(db, clock.NewFixed(now), cfg)
	got, err := svc.Prune(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if got != (auth.Pruned{Sessions: 2, LoginAttempts: 1}) {
		t.Errorf("pruned %+v, want 2 sessions and 1 attempt", got)
	}
	var left [][]byte
	if err := db.Table("sessions").Order("token_hash").Pluck("token_hash", &left).Error; err != nil {
		t.Fatal(err)
	}
	var want [][]byte
	for i, s := range sessions {
		if s.kept {
			want = append(want, []byte{byte(i)})
		}
	}
	if !slices.EqualFunc(left, want, bytes.Equal) {
		t.Errorf("sessions left %v, want %v", left, want)
	}
	again, _ := svc.Prune(ctx, db)
	if again != (auth.Pruned{}) {
		t.Errorf("second run pruned %+v", again)
	}
}

func ptr[T any](v T) *T { return &v }
