package partnership

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"gorm.io/gorm"

	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/clock"
	"kemitraan/app/platform/logging"
)

// EndExpired ends every approved agreement whose end date is before today
// (in WIB) and returns how many it ended. It is the `expire` job's work:
// idempotent (a second run finds nothing), one statement for all agreements,
// and each ended agreement gets its audit event in that same statement.
func EndExpired(ctx context.Context, db *gorm.DB, now time.Time) (int, error) {
	a := actor.From(ctx)
	if !a.Authenticated() {
		a = actor.SystemActor
	}
	// The audit rows are written here rather than through audit.Record so
	// that a day with many expiries is still one statement, not a loop.
	var n int
	err := db.WithContext(ctx).Raw(`
		WITH ended AS (
			UPDATE agreements
			SET status = 'ended', ended_at = @now, updated_at = @now
			WHERE status = 'approved' AND end_date < @today
			RETURNING id, business_id, number, end_date
		), logged AS (
			INSERT INTO audit_events
				(occurred_at, actor_user_id, actor, actor_role, action, entity_type, entity_id, before, after, request_id, ip)
			SELECT @now, @user, @actor, @role, 'agreement.end', 'agreement', e.id::text,
				jsonb_build_object('id', e.id, 'status', 'approved'),
				jsonb_build_object('id', e.id, 'business_id', e.business_id, 'number', e.number,
					'end_date', e.end_date, 'status', 'ended', 'ended_at', CAST(@now AS timestamptz),
					'reason', 'masa berlaku perjanjian telah berakhir')
				, @request, @ip
			FROM ended e
			RETURNING 1
		)
		SELECT count(*) FROM logged`,
		sql.Named("now", now.UTC()), sql.Named("today", clock.DateIn(now)),
		sql.Named("user", a.OptionalUserID()), sql.Named("actor", a.Label()), sql.Named("role", string(a.Role)),
		sql.Named("request", logging.RequestID(ctx)), sql.Named("ip", a.IP),
	).Scan(&n).Error
	if err != nil {
		return 0, fmt.Errorf("partnership: end expired agreements: %w", err)
	}
	return n, nil
}
