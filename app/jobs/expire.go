package jobs

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// tokenRetention is how long an expired, unused confirmation link stays
// answerable as "expired" (410) before it is removed and answers "unknown".
const tokenRetention = 30 * 24 * time.Hour

// expireConfirmationTokens removes confirmation links that expired unused
// more than tokenRetention ago. A link is refused from the moment it
// expires (procurement checks expires_at); this only keeps the table from
// growing. The purchase itself stays reported and uncounted until an officer
// verifies it. (It belongs with procurement's tokens; it lives here until
// that package exports one.)
func expireConfirmationTokens(ctx context.Context, db *gorm.DB, now time.Time) (int64, error) {
	res := db.WithContext(ctx).Exec(`DELETE FROM confirmation_tokens WHERE used_at IS NULL AND expires_at < ?`,
		now.Add(-tokenRetention))
	if res.Error != nil {
		return 0, fmt.Errorf("jobs: expire confirmation tokens: %w", res.Error)
	}
	return res.RowsAffected, nil
}
