package partnership

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"gorm.io/gorm"

	"kemitraan/app/audit"
	"kemitraan/app/platform/actor"
	"kemitraan/app/platform/clock"
)

// agreementEnded is the event of an agreement that ran out.
var agreementEnded = audit.Selected{From: "ended e", Action: "'agreement.end'", EntityType: "agreement",
	EntityID: "e.id::text", Before: "jsonb_build_object('id', e.id, 'status', 'approved')",
	After: `jsonb_build_object('id', e.id, 'business_id', e.business_id, 'number', e.number,
		'end_date', e.end_date, 'status', 'ended', 'ended_at', CAST(@now AS timestamptz),
		'reason', 'masa berlaku perjanjian telah berakhir')`}

// EndExpired ends every approved agreement whose end date is before today
// (in WIB) and returns how many it ended. It is the `expire` job's work:
// idempotent (a second run finds nothing), one statement for all agreements,
// and each ended agreement gets its audit event in that same statement.
func EndExpired(ctx context.Context, db *gorm.DB, now time.Time) (int, error) {
	if !actor.From(ctx).Authenticated() {
		ctx = actor.With(ctx, actor.SystemActor)
	}
	var n int
	err := db.WithContext(ctx).Raw(`
		WITH ended AS (
			UPDATE agreements
			SET status = 'ended', ended_at = @now, updated_at = @now
			WHERE status = 'approved' AND end_date < @today
			RETURNING id, business_id, number, end_date
		), logged AS (`+agreementEnded.Named()+` RETURNING 1)
		SELECT count(*) FROM logged`,
		append([]any{sql.Named("now", now.UTC()), sql.Named("today", clock.DateIn(now))}, agreementEnded.NamedArgs(ctx, now)...)...,
	).Scan(&n).Error
	if err != nil {
		return 0, fmt.Errorf("partnership: end expired agreements: %w", err)
	}
	return n, nil
}
