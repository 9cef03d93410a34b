package auth

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// sessionKeep is how long an ended session stays in the table, for
// questions about who was logged in when; the audit trail keeps the rest.
const sessionKeep = 30 * 24 * time.Hour

// Pruned counts what Prune deleted.
type Pruned struct {
	Sessions      int64
	LoginAttempts int64
}

// Prune deletes sessions that ended (expired or revoked) over 30 days ago and
// failed logins older than the lock window, on db. It is idempotent and safe
// on several replicas at once; the nightly expire job is the place to call it.
func (s *Service) Prune(ctx context.Context, db *gorm.DB) (Pruned, error) {
	now := s.now()
	var out Pruned
	res := db.WithContext(ctx).Exec(`DELETE FROM sessions WHERE expires_at < ? OR revoked_at < ?`,
		now.Add(-sessionKeep), now.Add(-sessionKeep))
	if res.Error != nil {
		return out, fmt.Errorf("auth: prune sessions: %w", res.Error)
	}
	out.Sessions = res.RowsAffected
	res = db.WithContext(ctx).Exec(`DELETE FROM login_attempts WHERE attempted_at <= ?`, now.Add(-s.cfg.LoginLockWindow))
	if res.Error != nil {
		return out, fmt.Errorf("auth: prune login attempts: %w", res.Error)
	}
	out.LoginAttempts = res.RowsAffected
	return out, nil
}
