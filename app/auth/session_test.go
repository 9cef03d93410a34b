package auth_test

import (
	"context"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"kemitraan/app/auth"
	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/config"
	"kemitraan/app/platform/dbtest"
)

// A browser may send any bytes as its User-Agent; a long or malformed one
// is stored cut and cleaned, never refused with the login.
func TestIssueSessionStoresAnyUserAgent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.New(t)
	if err := db.Exec(`INSERT INTO users (id, username, name, role, password_hash) VALUES (1, 'uji', 'Uji', 'officer', 'x')`).Error; err != nil {
		t.Fatal(err)
	}
	svc := auth.NewService(db, clock.NewFixed(time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)), config.Default().Auth)
	for _, ua := range []string{strings.Repeat("x", 399) + "éé", "Mozilla\xff\x00/5.0"} {
		sess, err := svc.IssueSession(ctx, 1, "192.0.2.1", ua)
		if err != nil {
			t.Fatalf("user agent %q: %v", ua, err)
		}
		var stored string
		if err := db.Raw(`SELECT user_agent FROM sessions WHERE id = ?`, sess.ID).Scan(&stored).Error; err != nil {
			t.Fatal(err)
		}
		if len(stored) > 400 || !utf8.ValidString(stored) || stored == "" {
			t.Errorf("user agent %q stored as %q", ua, stored)
		}
	}
}
